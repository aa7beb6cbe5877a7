import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../../cdk/constructs/orders-function.ts';

/** Runs the app entry as `cdk synth` would, with the given context and no AWS credentials. */
const runApp = (context: Record<string, unknown>, outdir: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'cdk/bin/app.ts'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      CDK_CONTEXT_JSON: JSON.stringify(context),
      CDK_OUTDIR: outdir,
      CDK_VALIDATION: 'false',
    },
    timeout: 60_000,
  });

describe('cdk/bin/app.ts', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'orders-cdk-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('exits non-zero with a one-line error for an unknown stage', () => {
    // Act
    const result = runApp({ stage: 'nope' }, outdir);

    // Assess
    expect(result.status).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toEqual([
      "Unknown stage 'nope': pass -c stage=<dev|staging|prod|all>, e.g. npx cdk synth -c stage=dev",
    ]);
  });

  it('exits non-zero with a one-line error listing every stage when none is given', () => {
    // Act
    const result = runApp({}, outdir);

    // Assess
    expect(result.status).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toEqual([
      'No stage given: pass -c stage=<dev|staging|prod|all>, e.g. npx cdk synth -c stage=dev',
    ]);
  });

  it('synthesizes a stage with no credentials and no lookups', () => {
    // Act
    const result = runApp(
      { stage: 'prod', account: '123456789012', 'aws:cdk:bundling-stacks': [] },
      outdir,
    );

    // Assess
    expect(result.stderr).not.toMatch(/AwsSolutions-/);
    expect(result.status).toBe(0);
    expect(readdirSync(outdir)).toEqual(
      expect.arrayContaining(['Orders-prod-Data.template.json', 'Orders-prod-Api.template.json']),
    );
  });

  it('synthesizes every stage into one assembly with stage=all', () => {
    // Prepare
    const allOut = mkdtempSync(join(tmpdir(), 'orders-cdk-all-'));

    // Act
    const result = runApp({ stage: 'all', 'aws:cdk:bundling-stacks': [] }, allOut);

    // Assess
    expect(result.status).toBe(0);
    expect(
      readdirSync(allOut)
        .filter((file) => file.endsWith('.template.json'))
        .sort(),
    ).toEqual(
      ['dev', 'prod', 'staging']
        .flatMap((stage) =>
          ['Alerting', 'Api', 'Backup', 'Data', 'Deployments', 'GithubOidc', 'Registry', 'Worker']
            .concat(stage === 'prod' ? ['BackupCopy'] : [])
            .map((stack) => `Orders-${stage}-${stack}.template.json`),
        )
        .sort(),
    );
    rmSync(allOut, { recursive: true, force: true });
  });

  it('refuses a worker image tag that is not <semver>-<git sha>', () => {
    // Act
    const result = runApp({ stage: 'dev', workerImageTag: 'latest' }, outdir);

    // Assess
    expect(result.status).not.toBe(0);
    expect(result.stderr.trim()).toBe(
      "Invalid workerImageTag 'latest': pass -c workerImageTag=<semver>-<git sha>, e.g. 1.4.0-3f2b415",
    );
  });

  it('refuses an account override that would apply to every stage', () => {
    // Act
    const result = runApp({ stage: 'all', account: '123456789012' }, outdir);

    // Assess
    expect(result.status).not.toBe(0);
    expect(result.stderr.trim()).toBe(
      '-c account= applies to one stage: pass -c stage=<dev|staging|prod> with it',
    );
  });
});
