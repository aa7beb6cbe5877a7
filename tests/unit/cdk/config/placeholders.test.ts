import { App } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { findPlaceholders } from '#config/placeholders';
import { STAGE_NAMES, STAGES, type StageConfig } from '#config/stages';
import { createOrdersService } from '../../../../cdk/service.ts';

/** A stage with every stand-in replaced by a real-looking value. */
const ready = (config: StageConfig): StageConfig => ({
  ...config,
  env: { ...config.env, account: '123456789012' },
  pricing: { ...config.pricing, url: 'https://pricing.internal.acme.io' },
  api: { ...config.api, corsAllowOrigins: ['https://shop.acme.io'] },
  pipeline: { ...config.pipeline, githubRepository: 'acme/orders' },
  alerting: { runbookBaseUrl: 'https://github.com/acme/orders/blob/main/runbooks' },
  paging: {
    ...config.paging,
    subscriptions: {
      page: { https: ['https://events.pagerduty.com/integration/acme/enqueue'] },
      ticket: {},
      info: { https: ['https://hooks.chat.acme.io/orders'] },
    },
  },
});

describe('findPlaceholders', () => {
  it.each(STAGE_NAMES)('flags the shipped account id and example.com URLs of %s', (name) => {
    // Act
    const found = findPlaceholders(STAGES[name]);

    // Assess
    expect(found.map((p) => p.path)).toEqual(
      expect.arrayContaining(['env.account', 'pricing.url']),
    );
    for (const placeholder of found) {
      expect(placeholder.fix).toContain('cdk/config/stages.ts');
      expect(placeholder.fix).not.toMatch(/\n/);
    }
  });

  it('names each CORS origin by its index', () => {
    expect(findPlaceholders(STAGES.prod).map((p) => p.path)).toContain('api.corsAllowOrigins[0]');
  });

  it('tells how to pass the account on the command line', () => {
    const account = findPlaceholders(STAGES.dev).find((p) => p.path === 'env.account');

    expect(account?.fix).toContain('-c account=');
  });

  it('finds nothing once every value is real (localhost origins are real for dev)', () => {
    expect(findPlaceholders(ready(STAGES.dev))).toEqual([]);
    expect(
      findPlaceholders({
        ...ready(STAGES.dev),
        api: { ...STAGES.dev.api, corsAllowOrigins: ['http://localhost:3000'] },
      }),
    ).toEqual([]);
  });

  it.each(STAGE_NAMES)('flags the stand-in GitHub repository and runbook URL of %s', (name) => {
    // Act
    const found = findPlaceholders(STAGES[name]);

    // Assess
    const repository = found.find((p) => p.path === 'pipeline.githubRepository');
    expect(repository?.value).toBe('example-org/sre-serverless-platform');
    expect(repository?.fix).toContain('GITHUB_REPOSITORY');
    expect(found.map((p) => p.path)).toContain('alerting.runbookBaseUrl');
  });

  it.each([
    ['example-org/orders', true],
    ['your-org/orders', true],
    ['acme/orders', false],
    ['example-organisation/orders', false],
  ])('judges the repository %s a placeholder: %s', (githubRepository, expected) => {
    const config = ready(STAGES.dev);
    const withRepository = { ...config, pipeline: { ...config.pipeline, githubRepository } };

    expect(findPlaceholders(withRepository).length > 0).toBe(expected);
  });

  it.each([
    ['https://pricing.example.org', true],
    ['https://github.com/example-org/x/blob/main/runbooks', true],
    ['https://github.com/acme/x/blob/main/runbooks', false],
    ['https://api.test', true],
    ['https://x.invalid/quote', true],
    ['https://notexample.com', false],
    ['https://example.com.acme.io', false],
  ])('judges %s a placeholder: %s', (url, expected) => {
    const config = { ...ready(STAGES.dev), pricing: { ...STAGES.dev.pricing, url } };

    expect(findPlaceholders(config).length > 0).toBe(expected);
  });
});

describe('cdk synth with placeholders', () => {
  // CloudFormation validation (a WASM engine, started once per process: seconds idle, tens of
  // seconds on a busy machine) runs in this file's first synthesis only, so the unit suite still
  // passes one stage through it; every other test App of the suite turns it off.
  const synth = (config: StageConfig, validate = false) => {
    const app = new App({
      context: { 'aws:cdk:bundling-stacks': [] },
      builtinCloudFormationValidation: validate,
    });
    const { api } = createOrdersService(app, config);
    app.synth();
    return Annotations.fromStack(api);
  };

  // The first synthesis of the file: over a minute on a loaded machine.
  it('warns once per placeholder, saying where to set it, and still synthesizes', {
    timeout: 180_000,
  }, () => {
    // Act
    const annotations = synth(STAGES.staging, true);

    // Assess
    annotations.hasWarning('*', Match.stringLikeRegexp('env.account is a placeholder'));
    annotations.hasWarning('*', Match.stringLikeRegexp('pricing.url is a placeholder'));
    expect(annotations.findWarning('*', Match.stringLikeRegexp('is a placeholder'))).toHaveLength(
      findPlaceholders(STAGES.staging).length,
    );
    annotations.hasNoError('*', Match.anyValue());
  });

  it('gives each warning an id it can be acknowledged by, indexes written with dots', () => {
    const [cors] = synth(STAGES.prod).findWarning('*', Match.stringLikeRegexp('corsAllowOrigins'));

    expect(cors?.entry.data).toMatch(/\[ack: orders:placeholder:api\.corsAllowOrigins\.0\]$/);
  });

  it('warns about nothing when the config is real', () => {
    synth(ready(STAGES.prod)).hasNoWarning('*', Match.stringLikeRegexp('placeholder'));
  });
});
