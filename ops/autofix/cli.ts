/**
 * `npm run autofix -- --base <ref> --head <sha> [--bedrock on|off] [--model <id>] [--region <r>] [--output <dir>]`:
 * runs the deterministic fixers (Biome lint fix and format) on the checked-out PR and re-runs the
 * gates. With `--bedrock on`, when a gate still fails, it asks Bedrock for a patch of the files
 * the PR changed (`bedrock.ts`), applies it only if it passes validation, and re-runs the gates.
 * ops/autofix/policy.ts decides; an audit log entry is written either way. When allowed, it
 * stages the fix and writes the commit message and the draft PR body to the output directory.
 * The workflow opens the draft PR; nothing here merges or pushes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import {
  CliError,
  createProgress,
  type Progress,
  parseCliArgs,
  requireOption,
  runCli,
} from '../cli.ts';
import {
  type BedrockSettings,
  type GateFailure,
  requestPatch,
  resolveBedrockSettings,
  selectPatchableFiles,
} from './bedrock.ts';
import {
  auditEntry,
  commitMessage,
  evaluateProposal,
  type GateRun,
  type PolicyDecision,
  type Proposal,
  type ProposedFile,
} from './policy.ts';

export const USAGE =
  'npm run autofix -- --base <git ref> --head <sha> [--bedrock on|off] [--model <id>] [--region <aws region>] [--output <dir>]';
export const TOOL = 'orders-autofix/biome';
export const BEDROCK_TOOL = 'orders-autofix/bedrock';
const FIXERS = ['biome check --write'];

/** The gates re-run on the fixed tree, in order; the first failure stops the run. */
export const GATES: ReadonlyArray<readonly [id: string, program: string, args: string[]]> = [
  ['lint', 'npm', ['run', 'lint']],
  ['typecheck', 'npm', ['run', 'typecheck']],
  ['tests', 'npm', ['test']],
];

export interface AutofixOptions {
  readonly base: string;
  readonly head: string;
  readonly output: string;
  /** Model settings when `--bedrock on`. */
  readonly bedrock?: BedrockSettings;
}

/** Everything the run does to the outside world, so it can be tested with fakes. */
export interface AutofixDeps {
  git(...args: string[]): string;
  /** Runs a program; passed or not, and its output (stdout and stderr, bounded). */
  run(program: string, args: readonly string[]): Promise<{ passed: boolean; output: string }>;
  /** A file's text, or undefined when it does not exist. */
  readFile(path: string): string | undefined;
  writeFile(path: string, content: string): void;
  appendFile(path: string, content: string): void;
  bedrock(region: string): Pick<BedrockRuntimeClient, 'send'>;
  now(): Date;
  /** Waits between Bedrock retries. @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

export interface AutofixResult {
  readonly proposed: boolean;
  readonly source: Proposal['source'];
  readonly decision: PolicyDecision;
  readonly files: readonly ProposedFile[];
}

/** Parses the flags; a model id and region come from the flags or the environment. */
export const parseOptions = (
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): AutofixOptions => {
  const { values } = parseCliArgs(
    USAGE,
    {
      base: { type: 'string' },
      head: { type: 'string' },
      bedrock: { type: 'string', default: 'off' },
      model: { type: 'string' },
      region: { type: 'string' },
      output: { type: 'string', default: 'reports/autofix' },
    },
    args,
  );
  const base = requireOption(values.base, 'base', USAGE);
  const head = requireOption(values.head, 'head', USAGE);
  if (values.bedrock !== 'on' && values.bedrock !== 'off')
    throw new CliError(`--bedrock must be on or off, got '${values.bedrock}'. Usage: ${USAGE}`, 2);
  const output = (values.output as string | undefined) ?? 'reports/autofix';
  if (values.bedrock === 'off') return { base, head, output };
  return {
    base,
    head,
    output,
    bedrock: resolveBedrockSettings(
      { model: values.model as string | undefined, region: values.region as string | undefined },
      env,
    ),
  };
};

/** `git diff --numstat` lines as changed files (binary files count as zero lines). */
export const parseNumstat = (numstat: string): ProposedFile[] =>
  numstat
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [additions = '0', deletions = '0', path = ''] = line.split('\t');
      return { path, additions: Number(additions) || 0, deletions: Number(deletions) || 0 };
    });

const runGates = async (
  deps: AutofixDeps,
  progress: Progress,
): Promise<{ gates: GateRun[]; failures: GateFailure[] }> => {
  const gates: GateRun[] = [];
  const failures: GateFailure[] = [];
  for (const [id, program, args] of GATES) {
    const { passed, output } = await progress.step(`gate ${id}`, () => deps.run(program, args));
    gates.push({ id, result: passed ? 'passed' : 'failed' });
    if (!passed) {
      failures.push({ gate: id, output });
      break;
    }
  }
  return { gates, failures };
};

/** The draft PR body; the model's summary is quoted as code, so it cannot mention or link. */
export const prBody = (input: {
  readonly head: string;
  readonly gates: readonly GateRun[];
  readonly model?: string;
  readonly summary?: string;
}): string =>
  [
    input.model
      ? `Automated fix for ${input.head}, proposed by the deterministic fixers and Bedrock model \`${input.model}\`, for human review.`
      : `Automated lint and format fixes for ${input.head}, for human review.`,
    `Gates re-run: ${input.gates.map((gate) => `${gate.id} ${gate.result}`).join(', ')}.`,
    ...(input.summary
      ? [
          '',
          "The model's summary (unverified):",
          '',
          '```text',
          input.summary.replaceAll('```', "'''"),
          '```',
        ]
      : []),
    '',
    'This draft is never merged automatically; see docs/ai-autofix.md.',
    '',
  ].join('\n');

/** The whole run: fixers, gates, the optional model patch, the policy, the audit entry. */
export const runAutofix = async (
  options: AutofixOptions,
  deps: AutofixDeps,
  progress: Progress,
): Promise<AutofixResult> => {
  const { base, head, output } = options;
  const prFiles = deps.git('diff', '--name-only', `${base}...${head}`).split('\n').filter(Boolean);
  await progress.step('deterministic fixers (biome lint fix, format)', () =>
    deps.run('npx', [
      'biome',
      'check',
      '--write',
      ...prFiles.filter((file) => /\.(ts|js|json|ya?ml)$/.test(file)),
    ]),
  );
  let files = parseNumstat(deps.git('diff', '--numstat'));
  let { gates, failures } =
    files.length > 0 || options.bedrock
      ? await runGates(deps, progress)
      : { gates: [] as GateRun[], failures: [] as GateFailure[] };

  const audit = (proposal: Proposal, decision: PolicyDecision, tool: string, model?: string) =>
    deps.appendFile(
      join(output, 'audit.jsonl'),
      `${auditEntry({ at: deps.now().toISOString(), pullRequestHead: head, proposal, decision, tool, ...(model && { model }) })}\n`,
    );

  let source: Proposal['source'] = 'deterministic';
  let tool = TOOL;
  let summary: string | undefined;
  const settings = options.bedrock;
  if (settings && failures.length > 0) {
    source = 'bedrock';
    tool = BEDROCK_TOOL;
    const { sent, skipped } = selectPatchableFiles(prFiles, deps.readFile);
    const refused = (violations: string[]): AutofixResult => {
      const proposal: Proposal = {
        source,
        files: [],
        prFiles,
        gates,
        commitMessage: commitMessage({
          subject: 'autofix: refused',
          tool,
          model: settings.modelId,
          fixers: FIXERS,
        }),
        delivery: { draft: true, autoMerge: false },
      };
      const decision = { allowed: false, violations };
      audit(proposal, decision, tool, settings.modelId);
      return { proposed: false, source, decision, files: [] };
    };
    if (sent.length === 0)
      return refused([
        `no file the pull request changed may be sent to the model (${skipped.map((file) => `${file.path}: ${file.why}`).join('; ') || 'none changed'})`,
      ]);
    const patch = await progress.step(
      `Bedrock patch (${settings.modelId}, ${sent.length} files)`,
      () =>
        requestPatch(
          deps.bedrock(settings.region),
          { failures, files: sent, settings },
          deps.sleep ? { sleep: deps.sleep } : {},
        ),
    );
    if (patch.outcome !== 'ok') return refused(patch.violations);
    for (const file of patch.files) deps.writeFile(file.path, file.content);
    summary = patch.summary;
    files = parseNumstat(deps.git('diff', '--numstat'));
    ({ gates, failures } = await runGates(deps, progress));
  }

  const model = source === 'bedrock' ? settings?.modelId : undefined;
  const message = commitMessage({
    subject:
      source === 'bedrock'
        ? `autofix: proposed fix for ${head.slice(0, 7)}`
        : `autofix: lint and format fixes for ${head.slice(0, 7)}`,
    tool,
    ...(model && { model }),
    fixers: model ? [...FIXERS, `Bedrock ${model}`] : FIXERS,
  });
  const proposal: Proposal = {
    source,
    files,
    prFiles,
    gates,
    commitMessage: message,
    delivery: { draft: true, autoMerge: false },
  };
  const decision = evaluateProposal(proposal);
  audit(proposal, decision, tool, model);
  if (decision.allowed) {
    deps.git('add', '--', ...files.map((file) => file.path));
    deps.writeFile(join(output, 'commit-message.txt'), `${message}\n`);
    deps.writeFile(
      join(output, 'pr-body.md'),
      prBody({ head, gates, ...(model && { model }), ...(summary && { summary }) }),
    );
  }
  return { proposed: decision.allowed, source, decision, files };
};

/** Keeps the last `max` characters of a growing output. */
const tail = (text: string, max = 256 * 1024) => (text.length > max ? text.slice(-max) : text);

/**
 * The environment of fixers and gates: the PR's code runs there, and it gets no AWS credentials
 * (the job holds the Bedrock role's for the model call only).
 */
export const withoutAwsCredentials = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(env).filter(
      ([key]) =>
        ![
          'AWS_ACCESS_KEY_ID',
          'AWS_SECRET_ACCESS_KEY',
          'AWS_SESSION_TOKEN',
          'AWS_PROFILE',
        ].includes(key) && !key.startsWith('AWS_WEB_IDENTITY_'),
    ),
  );

/** A program's output goes to the console as it runs and is kept (bounded) for the model. */
const runTee = (program: string, args: readonly string[]) =>
  new Promise<{ passed: boolean; output: string }>((resolve) => {
    const child = spawn(program, [...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: withoutAwsCredentials(process.env),
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      output = tail(output + chunk.toString('utf8'));
    });
    child.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      output = tail(output + chunk.toString('utf8'));
    });
    child.on('error', (error) => resolve({ passed: false, output: `${output}\n${error.message}` }));
    child.on('close', (code) => resolve({ passed: code === 0, output }));
  });

const processDeps: AutofixDeps = {
  git: (...args) => execFileSync('git', args, { encoding: 'utf8' }),
  run: runTee,
  readFile: (path) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined),
  writeFile: (path, content) => writeFileSync(path, content),
  appendFile: (path, content) => appendFileSync(path, content),
  bedrock: (region) => new BedrockRuntimeClient({ region }),
  now: () => new Date(),
};

const main = async (): Promise<number> => {
  const options = parseOptions(process.argv.slice(2));
  mkdirSync(options.output, { recursive: true });
  const progress = createProgress();
  const result = await runAutofix(options, processDeps, progress);
  if (process.env.GITHUB_OUTPUT)
    appendFileSync(process.env.GITHUB_OUTPUT, `proposed=${result.proposed}\n`);
  console.log(
    result.proposed
      ? `Proposed ${result.files.length} files (${result.source}, ${(progress.elapsedMs() / 1000).toFixed(0)} s); audit entry in ${options.output}/audit.jsonl`
      : `Nothing proposed (${result.source}): ${result.decision.violations.join('; ')}; audit entry in ${options.output}/audit.jsonl`,
  );
  return 0;
};

if (process.argv[1] === fileURLToPath(import.meta.url)) await runCli('autofix', main);
