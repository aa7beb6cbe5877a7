import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GATES } from '#ops/check';
import {
  checkGatesRun,
  hygieneProblems,
  jobTexts,
  parseWorkflow,
} from '../../../pipelines/hygiene.ts';
import {
  expectedWorkflows,
  REPO_ROOT,
  SOURCE_DIR,
  workflowDrift,
} from '../../../pipelines/sync.ts';

const source = (file: string) => readFileSync(join(REPO_ROOT, SOURCE_DIR, file), 'utf8');
const files = [...expectedWorkflows().keys()];

/**
 * What the PR workflow must run, each as a pattern over its jobs' commands: the gates of the
 * pipelines issue. `npm run check` gates are matched by id in its `--only` lists.
 */
const REQUIRED_PR_GATES: Readonly<Record<string, RegExp>> = {
  install: /npm ci\b/,
  'unit and integration tests with coverage gate': /npm run test:coverage/,
  'emulator for integration tests': /npm run emulator:install/,
  'e2e tests': /npm run test:e2e/,
  'dependency audit (fails on high or critical)': /--only [\w,-]*\baudit\b[\w,-]* --strict/,
  'CycloneDX SBOM artifact': /npm run sbom[\s\S]*upload-artifact/,
  'container build': /docker build -f containers\/worker\/Dockerfile/,
  'Trivy image scan': /aquasecurity\/trivy-action@/,
  'Dockerfile lint': /npm run lint:dockerfile/,
  'SonarQube quality gate': /sonarqube-scan-action@[\s\S]*qualitygate\.wait=true/,
  'PR rules': /npm run pr:rules/,
};

describe('workflows', () => {
  it('keeps .github/workflows identical to pipelines/workflows', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
    expect(workflowDrift()).toEqual([]);
  });

  it.each(files)(
    '%s pins actions by SHA, grants nothing by default and has a concurrency group',
    (file) => {
      expect(hygieneProblems(file, source(file))).toEqual([]);
    },
  );

  it('flags a tag-pinned action, write-all, and missing top-level permissions', () => {
    // Prepare
    const bad = [
      'name: bad',
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-24.04',
      '    permissions: write-all',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '      - uses: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020',
    ].join('\n');

    // Act
    const problems = hygieneProblems('bad.yml', bad);

    // Assess
    expect(problems).toEqual([
      'bad.yml:8: actions/checkout@v4 is not pinned by a full commit SHA',
      "bad.yml:9: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 has no '# v<tag>' comment naming the release",
      'bad.yml: top-level permissions must be {} (each job asks for what it needs)',
      'bad.yml: no concurrency group',
      'bad.yml: job build uses write-all: list the scopes it needs',
    ]);
  });

  describe('the PR workflow', () => {
    const pr = parseWorkflow(source('pr.yml'));
    const everything = [...jobTexts(pr).values()].join('\n');

    it('runs every offline gate of npm run check', () => {
      const run = new Set(checkGatesRun(pr));
      const offline = GATES.map((gate) => gate.id).filter((id) => id !== 'tests');
      expect(offline.filter((id) => !run.has(id))).toEqual([]);
    });

    it.each(Object.entries(REQUIRED_PR_GATES))('runs %s', (_, pattern) => {
      expect(everything).toMatch(pattern);
    });

    it('runs on pull requests to main and in the merge queue', () => {
      expect(pr.on).toMatchObject({ pull_request: { branches: ['main'] }, merge_group: null });
    });

    it('never asks for id-token or write scopes', () => {
      for (const [id, job] of Object.entries(pr.jobs)) {
        expect({ id, permissions: job.permissions }).toEqual({
          id,
          permissions: { contents: 'read' },
        });
      }
    });
  });

  describe('the deploy workflow', () => {
    const deploy = parseWorkflow(source('deploy.yml'));
    const stage = parseWorkflow(source('deploy-stage.yml'));

    it('deploys dev, verifies it, then staging, then prod, in that order', () => {
      expect(deploy.jobs.dev?.uses).toBe('./.github/workflows/deploy-stage.yml');
      expect(deploy.jobs['verify-dev']?.needs).toBe('dev');
      expect(deploy.jobs.staging?.needs).toBe('verify-dev');
      expect(deploy.jobs.prod?.needs).toBe('staging');
      expect(jobTexts(deploy).get('verify-dev')).toMatch(/npm run test:e2e/);
    });

    it('runs each stage in its GitHub environment (prod: required reviewers) with an OIDC role', () => {
      const job = stage.jobs.deploy;
      expect(job?.environment).toBe(['$', '{{ inputs.stage }}'].join(''));
      expect(job?.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
      const text = jobTexts(stage).get('deploy') ?? '';
      expect(text).toMatch(/configure-aws-credentials@[\s\S]*AWS_DEPLOY_ROLE_ARN/);
      expect(text).not.toMatch(/AWS_SECRET_ACCESS_KEY|aws-secret-access-key/);
    });

    it('runs the preflight before anything touches AWS, then image, deploy, smoke and record', () => {
      const steps = (stage.jobs.deploy?.steps ?? []).map(
        (step) => `${step.uses ?? ''} ${step.run ?? ''}`,
      );
      const at = (pattern: RegExp) => steps.findIndex((step) => pattern.test(step));
      const order = [
        at(/npm run preflight -- --stage/),
        at(/configure-aws-credentials/),
        at(/docker push[\s\S]*cosign sign/),
        at(/cdk deploy .*--all/),
        at(/npm run smoke/),
        at(/npm run record:deployment/),
      ];
      expect(order.every((index) => index >= 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
    });
  });
  describe('the auto-fix workflow', () => {
    const autofix = parseWorkflow(source('autofix.yml'));
    const job = autofix.jobs.propose;
    const steps = job?.steps ?? [];

    it('turns Bedrock on only when AUTOFIX_BEDROCK_MODEL_ID is set, with the model from the environment', () => {
      const on = ['$', "{{ vars.AUTOFIX_BEDROCK_MODEL_ID != '' && 'on' || 'off' }}"].join('');
      expect(job?.env?.AUTOFIX_BEDROCK).toBe(on);
      const fix = steps.find((step) => /npm run autofix/.test(step.run ?? ''));
      expect(fix?.run).toMatch(/--bedrock "\$AUTOFIX_BEDROCK"/);
      expect(Object.keys(fix?.env ?? {})).toEqual([
        'AUTOFIX_BEDROCK_MODEL_ID',
        'AUTOFIX_BEDROCK_REGION',
      ]);
    });

    it('assumes the auto-fix OIDC role only when Bedrock is on, before the model is asked', () => {
      const credentials = steps.findIndex((step) =>
        (step.uses ?? '').includes('configure-aws-credentials'),
      );
      const fix = steps.findIndex((step) => /npm run autofix/.test(step.run ?? ''));
      expect(steps[credentials]?.if).toBe("env.AUTOFIX_BEDROCK == 'on'");
      expect(JSON.stringify(steps[credentials]?.with)).toContain('vars.AUTOFIX_ROLE_ARN');
      expect(credentials).toBeGreaterThanOrEqual(0);
      expect(credentials).toBeLessThan(fix);
      expect(job?.permissions).toMatchObject({ 'id-token': 'write' });
    });
  });
});
