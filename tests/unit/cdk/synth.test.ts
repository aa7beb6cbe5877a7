import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '#routes';
import { REPO_ROOT } from '../../../cdk/constructs/orders-function.ts';
import { buildStage, synthesizeStage } from '../../../cdk/synth.ts';

describe('synthesizeStage', () => {
  const { stacks } = synthesizeStage('dev');

  it('returns every stack of the stage', () => {
    expect(stacks.map((s) => s.stackName).sort()).toEqual([
      'Orders-dev-Alerting',
      'Orders-dev-Api',
      'Orders-dev-Backup',
      'Orders-dev-Data',
      'Orders-dev-Deployments',
      'Orders-dev-GithubOidc',
      'Orders-dev-Registry',
      'Orders-dev-Worker',
    ]);
  });

  it('marks each route function with its route id and repo-relative entry in the template', () => {
    // Prepare
    const api = stacks.find((s) => s.stackName === 'Orders-dev-Api');

    // Act
    const marked = Object.values(api?.template.Resources ?? {})
      .filter((r) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['orders:routeId'])
      .map((r) => [r.Metadata?.['orders:routeId'], r.Metadata?.['orders:entry']]);

    // Assess
    expect(marked).toEqual(expect.arrayContaining(ROUTES.map((route) => [route.id, route.entry])));
    expect(marked).toHaveLength(ROUTES.length);
  });
});

describe('feature flags', () => {
  const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const recommended = JSON.parse(
    readFileSync(
      join(REPO_ROOT, 'node_modules/aws-cdk-lib/recommended-feature-flags.json'),
      'utf8',
    ),
  ) as Record<string, unknown>;
  /** Flags deliberately set against the recommendation; docs/deploying.md says why. */
  const deliberate: Record<string, unknown> = {
    '@aws-cdk/core:defaultCrossStackReferences': 'strong',
  };

  it('sets every flag a new app of the installed aws-cdk-lib gets, except the documented ones', () => {
    expect(cdkJson.context).toEqual({ ...recommended, ...deliberate });
  });

  it('gives the in-memory synthesis the same context as cdk synth', () => {
    const { app } = buildStage('dev');

    for (const [flag, value] of Object.entries(cdkJson.context))
      expect(app.node.tryGetContext(flag), flag).toEqual(value);
  });
});
