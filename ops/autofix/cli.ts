/**
 * `npm run autofix -- --base <ref> --head <sha> [--bedrock on|off] [--model <id>] [--output <dir>]`:
 * runs the deterministic fixers (Biome lint fix and format) on the checked-out PR, re-runs the
 * gates, checks the result against ops/autofix/policy.ts and, when allowed, stages it and writes
 * the commit message, the draft PR body and an audit log entry to the output directory. The
 * workflow opens the draft PR; nothing here merges or pushes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, createProgress, parseCliArgs, requireOption, runCli } from '../cli.ts';
import {
  auditEntry,
  commitMessage,
  evaluateProposal,
  type GateRun,
  type Proposal,
} from './policy.ts';

const USAGE =
  'npm run autofix -- --base <git ref> --head <sha> [--bedrock on|off] [--model <id>] [--output <dir>]';
const TOOL = 'orders-autofix/biome';

const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' });
const ok = (program: string, args: string[]) =>
  spawnSync(program, args, { stdio: 'inherit' }).status === 0;

const main = async (): Promise<number> => {
  const { values } = parseCliArgs(USAGE, {
    base: { type: 'string' },
    head: { type: 'string' },
    bedrock: { type: 'string', default: 'off' },
    model: { type: 'string' },
    output: { type: 'string', default: 'reports/autofix' },
  });
  const base = requireOption(values.base, 'base', USAGE);
  const head = requireOption(values.head, 'head', USAGE);
  if (values.bedrock === 'on')
    throw new CliError(
      'Bedrock patches are not implemented in this revision: run with --bedrock off (deterministic fixers only); docs/ai-autofix.md says what is planned',
      2,
    );
  const output = values.output ?? 'reports/autofix';
  mkdirSync(output, { recursive: true });
  const progress = createProgress();
  const prFiles = git('diff', '--name-only', `${base}...${head}`).split('\n').filter(Boolean);
  await progress.step('deterministic fixers (biome lint fix, format)', async () => {
    ok('npx', [
      'biome',
      'check',
      '--write',
      ...prFiles.filter((file) => /\.(ts|js|json|ya?ml)$/.test(file)),
    ]);
  });
  const files = git('diff', '--numstat')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [additions = '0', deletions = '0', path = ''] = line.split('\t');
      return { path, additions: Number(additions) || 0, deletions: Number(deletions) || 0 };
    });
  const gates: GateRun[] = [];
  if (files.length > 0) {
    for (const [id, program, args] of [
      ['lint', 'npm', ['run', 'lint']],
      ['typecheck', 'npm', ['run', 'typecheck']],
      ['tests', 'npm', ['test']],
    ] as const) {
      const passed = await progress.step(`gate ${id}`, async () => ok(program, [...args]));
      gates.push({ id, result: passed ? 'passed' : 'failed' });
      if (!passed) break;
    }
  }
  const message = commitMessage({
    subject: `autofix: lint and format fixes for ${head.slice(0, 7)}`,
    tool: TOOL,
    fixers: ['biome check --write'],
  });
  const proposal: Proposal = {
    source: 'deterministic',
    files,
    prFiles,
    gates,
    commitMessage: message,
    delivery: { draft: true, autoMerge: false },
  };
  const decision = evaluateProposal(proposal);
  appendFileSync(
    join(output, 'audit.jsonl'),
    `${auditEntry({ at: new Date().toISOString(), pullRequestHead: head, proposal, decision, tool: TOOL })}\n`,
  );
  const proposed = decision.allowed;
  if (proposed) {
    git('add', '--', ...files.map((file) => file.path));
    writeFileSync(join(output, 'commit-message.txt'), `${message}\n`);
    writeFileSync(
      join(output, 'pr-body.md'),
      `Automated lint and format fixes for ${head}, for human review. Gates re-run: ${gates.map((gate) => `${gate.id} ${gate.result}`).join(', ')}.\n\nThis draft is never merged automatically; see docs/ai-autofix.md.\n`,
    );
  }
  if (process.env.GITHUB_OUTPUT)
    appendFileSync(process.env.GITHUB_OUTPUT, `proposed=${proposed}\n`);
  console.log(
    proposed
      ? `Proposed ${files.length} files (${(progress.elapsedMs() / 1000).toFixed(0)} s); audit entry in ${output}/audit.jsonl`
      : `Nothing proposed: ${decision.violations.join('; ')}`,
  );
  return 0;
};

if (process.argv[1] === fileURLToPath(import.meta.url)) await runCli('autofix', main);
