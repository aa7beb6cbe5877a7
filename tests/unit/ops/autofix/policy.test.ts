import { describe, expect, it } from 'vitest';
import {
  auditEntry,
  commitMessage,
  deniedReason,
  evaluateProposal,
  MAX_DIFF_LINES,
  type Proposal,
} from '#ops/autofix/policy';

const message = commitMessage({
  subject: 'autofix: format',
  tool: 'orders-autofix/biome',
  model: 'anthropic.claude-x',
  fixers: ['biome'],
});
const good: Proposal = {
  source: 'bedrock',
  files: [{ path: 'functions/orders/get.ts', additions: 3, deletions: 2 }],
  prFiles: ['functions/orders/get.ts'],
  gates: [
    { id: 'lint', result: 'passed' },
    { id: 'typecheck', result: 'passed' },
    { id: 'tests', result: 'passed' },
  ],
  commitMessage: message,
  delivery: { draft: true, autoMerge: false },
};

describe('auto-fix policy', () => {
  it('allows a small, tested fix to a file the PR touched, as a draft', () => {
    expect(evaluateProposal(good)).toEqual({ allowed: true, violations: [] });
  });

  it.each([
    'cdk/stacks/api-stack.ts',
    '.github/workflows/pr.yml',
    'pipelines/workflows/deploy.yml',
    'functions/commons/iam-policy.ts',
    '.env.production',
    'certs/server.pem',
    'ops/autofix/policy.ts',
    '.semgrep.yml',
    'package.json',
    'containers/worker/Dockerfile',
  ])('never touches %s', (path) => {
    expect(deniedReason(path)).toBeDefined();
    const decision = evaluateProposal({
      ...good,
      files: [{ path, additions: 1, deletions: 0 }],
      prFiles: [path],
    });
    expect(decision.allowed).toBe(false);
  });

  it('keeps a model patch to the files the PR changed', () => {
    const decision = evaluateProposal({ ...good, prFiles: ['functions/other.ts'] });
    expect(decision.violations).toEqual([
      "functions/orders/get.ts: a model's patch may only touch files the pull request changed",
    ]);
  });

  it('refuses a fix over the size limit', () => {
    const decision = evaluateProposal({
      ...good,
      files: [{ path: 'functions/orders/get.ts', additions: MAX_DIFF_LINES, deletions: 1 }],
    });
    expect(decision.violations).toEqual([
      `${MAX_DIFF_LINES + 1} changed lines: over the ${MAX_DIFF_LINES}-line limit`,
    ]);
  });

  it('refuses a fix whose gates did not all re-run and pass', () => {
    const decision = evaluateProposal({
      ...good,
      gates: [
        { id: 'lint', result: 'passed' },
        { id: 'typecheck', result: 'failed' },
      ],
    });
    expect(decision.violations).toEqual([
      'gate typecheck failed on the fixed tree',
      'gate tests was not re-run',
    ]);
  });

  it('requires the trailers naming tool and model', () => {
    const decision = evaluateProposal({ ...good, commitMessage: 'autofix: format' });
    expect(decision.violations).toEqual([
      'the commit message has no Autofix-Tool trailer',
      'the commit message has no Autofix-Model trailer',
    ]);
    expect(message).toMatch(
      /\n\nAutofix-Tool: orders-autofix\/biome\nAutofix-Model: anthropic\.claude-x$/,
    );
  });

  it('lands only as a draft, never auto-merged', () => {
    const decision = evaluateProposal({ ...good, delivery: { draft: false, autoMerge: true } });
    expect(decision.violations).toEqual([
      'a fix lands only as a draft pull request',
      'a fix is never merged automatically',
    ]);
  });

  it('writes an audit entry with the evidence and the decision', () => {
    const decision = evaluateProposal(good);
    const entry = JSON.parse(
      auditEntry({
        at: '2026-11-27T14:00:00.000Z',
        pullRequestHead: 'abc1234',
        proposal: good,
        decision,
        tool: 'orders-autofix/biome',
        model: 'anthropic.claude-x',
      }),
    );
    expect(entry).toEqual({
      at: '2026-11-27T14:00:00.000Z',
      head: 'abc1234',
      source: 'bedrock',
      tool: 'orders-autofix/biome',
      model: 'anthropic.claude-x',
      files: ['functions/orders/get.ts'],
      changedLines: 5,
      gates: { lint: 'passed', typecheck: 'passed', tests: 'passed' },
      allowed: true,
      violations: [],
    });
  });
});
