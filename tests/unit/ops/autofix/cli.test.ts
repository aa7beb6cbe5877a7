import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, PATCH_TOOL_NAME } from '#ops/autofix/bedrock';
import {
  type AutofixDeps,
  type AutofixOptions,
  parseNumstat,
  parseOptions,
  prBody,
  runAutofix,
  withoutAwsCredentials,
} from '#ops/autofix/cli';
import { createProgress } from '#ops/cli';
import { toolUseResponse } from '../../../fixtures/triage.ts';

const bedrock = mockClient(BedrockRuntimeClient);
afterEach(() => bedrock.reset());

const MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const broken = 'export const total = (a: number, b: number): string => a + b;\n';
const fixed = 'export const total = (a: number, b: number): number => a + b;\n';

/**
 * A repository in memory: the PR changed `functions/orders/total.ts` and a CDK stack; the gates
 * pass once the file holds the fixed content. `git diff --numstat` reports the files written.
 */
const fakeRepo = (initial: Record<string, string> = {}) => {
  const files: Record<string, string> = {
    'functions/orders/total.ts': broken,
    'cdk/stacks/api-stack.ts': 'stack',
    ...initial,
  };
  const original = { ...files };
  const written: string[] = [];
  const calls: string[] = [];
  const audit: unknown[] = [];
  const outputs: Record<string, string> = {};
  const deps: AutofixDeps = {
    git: (...args) => {
      calls.push(`git ${args.join(' ')}`);
      if (args[0] === 'diff' && args[1] === '--name-only')
        return 'functions/orders/total.ts\ncdk/stacks/api-stack.ts\n';
      if (args[0] === 'diff' && args[1] === '--numstat')
        return Object.keys(files)
          .filter((path) => files[path] !== original[path])
          .map((path) => `1\t1\t${path}`)
          .join('\n');
      return '';
    },
    run: async (program, args) => {
      calls.push(`${program} ${args.join(' ')}`);
      if (args.includes('typecheck')) {
        const passed = files['functions/orders/total.ts'] === fixed;
        return {
          passed,
          output: passed ? '' : "total.ts(1,57): error TS2322: Type 'number' is not assignable",
        };
      }
      return { passed: true, output: '' };
    },
    readFile: (path) => files[path],
    writeFile: (path, content) => {
      if (path.startsWith('reports/')) outputs[path] = content;
      else {
        files[path] = content;
        written.push(path);
      }
    },
    appendFile: (_path, content) => audit.push(JSON.parse(content)),
    bedrock: () => new BedrockRuntimeClient({ region: 'eu-west-1' }),
    now: () => new Date('2026-11-27T10:00:00Z'),
    sleep: async () => {},
  };
  return { deps, files, written, calls, audit, outputs };
};

const options: AutofixOptions = {
  base: 'origin/main',
  head: 'abcdef1234567890',
  output: 'reports/autofix',
  bedrock: {
    ...DEFAULT_SETTINGS,
    modelId: MODEL,
    region: 'eu-west-1',
    baseDelayMs: 1,
    deadlineMs: 2_000,
  },
};
const quiet = createProgress(() => {});
const answer = (files: unknown) => {
  const response = toolUseResponse({ summary: 'Fixed the return type. @someone', files });
  const block = response.output?.message?.content?.[0];
  if (block?.toolUse) block.toolUse.name = PATCH_TOOL_NAME;
  return response;
};

describe('npm run autofix with --bedrock on', () => {
  it('applies a valid patch, re-runs the gates, and proposes it with the model trailer', async () => {
    // Prepare
    const repo = fakeRepo();
    bedrock
      .on(ConverseCommand)
      .resolves(answer([{ path: 'functions/orders/total.ts', content: fixed }]));

    // Act
    const result = await runAutofix(options, repo.deps, quiet);

    // Assess
    expect(result.proposed).toBe(true);
    expect(result.source).toBe('bedrock');
    expect(repo.written).toEqual(['functions/orders/total.ts']);
    const sent = JSON.stringify(bedrock.commandCalls(ConverseCommand)[0]?.args[0].input);
    expect(sent).toContain('functions/orders/total.ts');
    expect(sent).not.toContain('cdk/stacks/api-stack.ts');
    expect(repo.outputs['reports/autofix/commit-message.txt']).toContain(`Autofix-Model: ${MODEL}`);
    expect(repo.outputs['reports/autofix/pr-body.md']).toContain(
      '```text\nFixed the return type. @someone\n```',
    );
    expect(repo.calls).toContain('git add -- functions/orders/total.ts');
    expect(repo.audit).toEqual([
      expect.objectContaining({
        source: 'bedrock',
        model: MODEL,
        tool: 'orders-autofix/bedrock',
        files: ['functions/orders/total.ts'],
        gates: { lint: 'passed', typecheck: 'passed', tests: 'passed' },
        allowed: true,
      }),
    ]);
  });

  it('writes nothing and audits the refusal when the model patches a file outside the PR', async () => {
    // Prepare
    const repo = fakeRepo({ 'functions/orders/other.ts': 'x' });
    bedrock
      .on(ConverseCommand)
      .resolves(answer([{ path: 'functions/orders/other.ts', content: 'y' }]));

    // Act
    const result = await runAutofix(options, repo.deps, quiet);

    // Assess
    expect(result.proposed).toBe(false);
    expect(repo.written).toEqual([]);
    expect(repo.outputs).toEqual({});
    expect(repo.audit).toEqual([
      expect.objectContaining({
        source: 'bedrock',
        model: MODEL,
        allowed: false,
        gates: { lint: 'passed', typecheck: 'failed' },
        violations: [
          'functions/orders/other.ts: not a file of the pull request that was sent to the model',
        ],
      }),
    ]);
  });

  it('lets the policy refuse a patch whose gates still fail, with an audit entry', async () => {
    // Prepare
    const repo = fakeRepo();
    bedrock
      .on(ConverseCommand)
      .resolves(answer([{ path: 'functions/orders/total.ts', content: `${broken}// tried\n` }]));

    // Act
    const result = await runAutofix(options, repo.deps, quiet);

    // Assess
    expect(result.proposed).toBe(false);
    expect(result.decision.violations).toContain('gate typecheck failed on the fixed tree');
    expect(repo.audit).toEqual([
      expect.objectContaining({ allowed: false, files: ['functions/orders/total.ts'] }),
    ]);
    expect(repo.outputs).toEqual({});
  });

  it('does not call the model when the deterministic fixers were enough', async () => {
    // Prepare
    const repo = fakeRepo();
    repo.deps.run = async (program, args) => {
      if (args.includes('--write')) repo.files['functions/orders/total.ts'] = fixed;
      return { passed: true, output: `${program}` };
    };

    // Act
    const result = await runAutofix(options, repo.deps, quiet);

    // Assess
    expect(result).toMatchObject({ proposed: true, source: 'deterministic' });
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(0);
    expect(repo.outputs['reports/autofix/commit-message.txt']).toContain('Autofix-Model: none');
  });

  it('audits a refusal when the model is throttled past its attempts', async () => {
    const repo = fakeRepo();
    bedrock
      .on(ConverseCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));

    const result = await runAutofix(options, repo.deps, quiet);

    expect(result.proposed).toBe(false);
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(DEFAULT_SETTINGS.maxAttempts);
    expect(repo.audit).toEqual([
      expect.objectContaining({
        allowed: false,
        violations: [expect.stringMatching(/^Bedrock throttled: ThrottlingException/)],
      }),
    ]);
  });
});

describe('autofix flags', () => {
  it('reads the model and region from the environment when the flags are empty', () => {
    const parsed = parseOptions(['--base', 'b', '--head', 'h', '--bedrock', 'on', '--model', ''], {
      AUTOFIX_BEDROCK_MODEL_ID: MODEL,
      AUTOFIX_BEDROCK_REGION: 'eu-west-1',
    });

    expect(parsed.bedrock).toMatchObject({ modelId: MODEL, region: 'eu-west-1' });
    expect(parseOptions(['--base', 'b', '--head', 'h']).bedrock).toBeUndefined();
  });

  it('fails with one line when Bedrock is on without a model, or the switch is unknown', () => {
    expect(() => parseOptions(['--base', 'b', '--head', 'h', '--bedrock', 'on'], {})).toThrow(
      /AUTOFIX_BEDROCK_MODEL_ID/,
    );
    expect(() => parseOptions(['--base', 'b', '--head', 'h', '--bedrock', 'yes'], {})).toThrow(
      /--bedrock must be on or off/,
    );
  });

  it("gives the PR's code run by fixers and gates no AWS credentials", () => {
    const env = withoutAwsCredentials({
      AWS_ACCESS_KEY_ID: 'AKIA',
      AWS_SECRET_ACCESS_KEY: 's',
      AWS_SESSION_TOKEN: 't',
      AWS_WEB_IDENTITY_TOKEN_FILE: '/tmp/token',
      AWS_REGION: 'eu-west-1',
      PATH: '/usr/bin',
    });

    expect(env).toEqual({ AWS_REGION: 'eu-west-1', PATH: '/usr/bin' });
  });

  it('reads git numstat, binary files as zero lines', () => {
    expect(parseNumstat('3\t1\ta.ts\n-\t-\tlogo.png\n')).toEqual([
      { path: 'a.ts', additions: 3, deletions: 1 },
      { path: 'logo.png', additions: 0, deletions: 0 },
    ]);
  });

  it("quotes the model's summary as code in the PR body, defusing fences", () => {
    const body = prBody({
      head: 'abc',
      gates: [{ id: 'lint', result: 'passed' }],
      model: MODEL,
      summary: 'done ``` [click](http://x)',
    });

    expect(body).toContain("```text\ndone ''' [click](http://x)\n```");
    expect(body.match(/```/g)).toHaveLength(2);
  });
});
