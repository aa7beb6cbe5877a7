/**
 * `npm run check`: every quality and security gate that can run on this machine, one after the
 * other, then a table of gate, result and time. The PR workflow's jobs run the same gates with
 * `--only`, so a green check here means a green PR there (audit aside: see below).
 *
 *   npm run check                               # every gate
 *   npm run check -- --only synth,cfn-lint      # some gates
 *   npm run check -- --skip tests               # all but some
 *   npm run check -- --strict                   # an unavailable gate fails too (CI)
 *
 * A gate whose service cannot be reached (npm audit where the registry refuses audit requests) is
 * reported as `unavailable`, never as passed. Scanners come from `npm run scanners:install`.
 * Each gate's full output is written to `reports/check/<gate>.log`.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, parseCliArgs, runCli } from './cli.ts';

export type GateResult = 'passed' | 'failed' | 'unavailable' | 'skipped';

export interface GateOutcome {
  readonly result: GateResult;
  /** One line: why it failed, was unavailable or skipped. */
  readonly note?: string;
}

/** One command of a gate: a program and its arguments, run from the repository root. */
export interface Command {
  readonly program: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export interface Gate {
  readonly id: string;
  readonly title: string;
  /** Commands run in order; the first non-zero exit fails the gate. */
  readonly commands: readonly Command[];
  /** Scanner binaries the gate needs (repository-relative); missing ones fail it with the fix. */
  readonly tools?: readonly string[];
  /** Gates whose output this one reads: when one of them ran and did not pass, this is skipped. */
  readonly needs?: readonly string[];
  /** Turns the exit code and output into a result (default: zero exit is `passed`). */
  readonly classify?: (exitCode: number, output: string) => GateOutcome;
}

const TOOLS = '.tools';
const VENV_BIN = `${TOOLS}/venv/bin`;
const GO_BIN = `${TOOLS}/bin`;
/** Where the check's synthesized templates go (cfn-lint and checkov read them). */
export const SYNTH_OUT = 'cdk.out';

const npm = (...args: string[]): Command => ({ program: 'npm', args });
const npx = (...args: string[]): Command => ({ program: 'npx', args });

/**
 * `npm audit` exit and output → result. A refused or unreachable audit endpoint is
 * `unavailable`; findings at or above the audit level are `failed`.
 */
export const classifyAudit = (exitCode: number, output: string): GateOutcome => {
  if (exitCode === 0) return { result: 'passed' };
  const refused =
    /audit endpoint returned an error|\b40[0-9]\b.*audit|ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|request to .* failed/i.test(
      output,
    );
  if (refused && !/"vulnerabilities"\s*:\s*\{\s*"/.test(output)) {
    return {
      result: 'unavailable',
      note: 'the registry did not answer the audit request: dependencies NOT checked (CI runs it against registry.npmjs.org)',
    };
  }
  return {
    result: 'failed',
    note: 'high or critical vulnerabilities in production dependencies: see npm audit --omit=dev',
  };
};

/** Every gate, in the order they run. */
export const GATES: readonly Gate[] = [
  { id: 'lint', title: 'Biome lint and format', commands: [npm('run', 'lint')] },
  { id: 'typecheck', title: 'tsc over sources and tests', commands: [npm('run', 'typecheck')] },
  {
    id: 'tests',
    title: 'unit, integration (emulator) and e2e tests',
    commands: [
      npx('vitest', 'run', '--project', 'unit', '--project', 'integration'),
      npx('vitest', 'run', '--project', 'e2e'),
    ],
  },
  {
    id: 'synth',
    title: 'cdk synth of every stage (cdk-nag fails it on findings)',
    commands: [npx('cdk', 'synth', '-c', 'stage=all', '-q', '-o', SYNTH_OUT)],
  },
  {
    id: 'cdk-nag',
    title: 'cdk-nag AwsSolutions, zero unacknowledged findings per stage',
    commands: [
      npx('vitest', 'run', '--project', 'unit', 'tests/unit/cdk/service.test.ts', '-t', 'cdk-nag'),
    ],
  },
  {
    id: 'cfn-lint',
    title: 'cfn-lint on the synthesized templates',
    tools: [`${VENV_BIN}/cfn-lint`],
    needs: ['synth'],
    commands: [
      {
        program: 'sh',
        args: [
          '-c',
          `${VENV_BIN}/cfn-lint --config-file .cfnlintrc.yaml -- ${SYNTH_OUT}/*.template.json`,
        ],
      },
    ],
  },
  {
    id: 'checkov',
    title: 'checkov on the synthesized templates',
    tools: [`${VENV_BIN}/checkov`],
    needs: ['synth'],
    commands: [
      {
        program: `${VENV_BIN}/checkov`,
        args: ['--config-file', '.checkov.yaml', '--directory', SYNTH_OUT],
        env: { BC_SKIP_MAPPING: 'TRUE', CHECKOV_RUN_SCA_PACKAGE_SCAN_V2: 'false' },
      },
    ],
  },
  {
    id: 'gitleaks',
    title: 'gitleaks over the git history',
    tools: [`${GO_BIN}/gitleaks`],
    commands: [
      {
        program: `${GO_BIN}/gitleaks`,
        args: [
          'git',
          '--no-banner',
          '--redact',
          '--config',
          '.gitleaks.toml',
          // Every commit reachable from HEAD by default; CI narrows it to the PR's commits.
          '--log-opts',
          process.env.GITLEAKS_LOG_OPTS ?? 'HEAD',
        ],
      },
    ],
  },
  {
    id: 'semgrep',
    title: 'semgrep with the committed ruleset (.semgrep.yml)',
    tools: [`${VENV_BIN}/semgrep`],
    commands: [
      {
        program: `${VENV_BIN}/semgrep`,
        args: [
          'scan',
          '--config',
          '.semgrep.yml',
          '--metrics=off',
          '--disable-version-check',
          '--error',
          '--quiet',
        ],
      },
    ],
  },
  {
    id: 'actionlint',
    title: 'actionlint on .github/workflows',
    tools: [`${GO_BIN}/actionlint`],
    commands: [{ program: `${GO_BIN}/actionlint`, args: [] }],
  },
  {
    id: 'audit',
    title: 'npm audit: high or critical in production dependencies',
    commands: [npm('audit', '--omit=dev', '--audit-level=high')],
    classify: classifyAudit,
  },
];

/** The gates `--only` / `--skip` select, or a {@link CliError} naming an unknown one. */
export const selectGates = (
  gates: readonly Gate[],
  only: string | undefined,
  skip: string | undefined,
): Gate[] => {
  const ids = new Set(gates.map((gate) => gate.id));
  const parse = (value: string | undefined) =>
    (value ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
  for (const id of [...parse(only), ...parse(skip)]) {
    if (!ids.has(id))
      throw new CliError(`Unknown gate '${id}': choose from ${[...ids].join(', ')}`, 2);
  }
  const wanted = only ? new Set(parse(only)) : ids;
  const skipped = new Set(parse(skip));
  return gates.filter((gate) => wanted.has(gate.id) && !skipped.has(gate.id));
};

export interface GateReport {
  readonly gate: Gate;
  readonly outcome: GateOutcome;
  readonly ms: number;
}

const fmtSeconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The summary: a table of gate, result, time and note, and one line of totals. */
export const formatSummary = (reports: readonly GateReport[], totalMs: number): string => {
  const rows = reports.map((report) => [
    report.gate.id,
    report.outcome.result,
    fmtSeconds(report.ms),
    report.outcome.note ?? '',
  ]);
  const header = ['gate', 'result', 'time', 'note'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === 3 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  const count = (result: GateResult) =>
    reports.filter((report) => report.outcome.result === result).length;
  const totals = [
    `${count('passed')} passed`,
    `${count('failed')} failed`,
    `${count('unavailable')} unavailable (not passed)`,
    `${count('skipped')} skipped`,
  ].join(', ');
  return [
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
    '',
    `${totals} in ${fmtSeconds(totalMs)}`,
  ].join('\n');
};

/** Exit code of the check: failures fail it; unavailable gates too when `strict`. */
export const exitCodeOf = (reports: readonly GateReport[], strict: boolean): number =>
  reports.some(
    ({ outcome }) => outcome.result === 'failed' || (strict && outcome.result === 'unavailable'),
  )
    ? 1
    : 0;

const run = (
  command: Command,
  log: NodeJS.WritableStream,
): Promise<{ code: number; output: string }> =>
  new Promise((resolve) => {
    const child = spawn(command.program, [...command.args], {
      env: { ...process.env, ...command.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      log.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error) => {
      output += `${error.message}\n`;
      resolve({ code: 127, output });
    });
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });

const tail = (text: string, lines: number): string =>
  text.trimEnd().split('\n').slice(-lines).join('\n');

const runGate = async (gate: Gate, reportsDir: string): Promise<GateOutcome> => {
  const missing = (gate.tools ?? []).filter((tool) => !existsSync(tool));
  if (missing.length > 0) {
    return {
      result: 'failed',
      note: `${missing.join(', ')} not installed: run npm run scanners:install`,
    };
  }
  const log = createWriteStream(join(reportsDir, `${gate.id}.log`));
  let outcome: GateOutcome = { result: 'passed' };
  for (const command of gate.commands) {
    log.write(`$ ${command.program} ${command.args.join(' ')}\n`);
    const { code, output } = await run(command, log);
    outcome = gate.classify
      ? gate.classify(code, output)
      : code === 0
        ? { result: 'passed' }
        : { result: 'failed', note: `exit ${code}: see reports/check/${gate.id}.log` };
    if (outcome.result === 'failed') process.stderr.write(`\n${tail(output, 30)}\n`);
    if (outcome.result !== 'passed') break;
  }
  await new Promise((resolve) => log.end(resolve));
  return outcome;
};

const USAGE = 'npm run check -- [--only <gate,...>] [--skip <gate,...>] [--strict]';

const main = async (): Promise<number> => {
  const { values } = parseCliArgs(USAGE, {
    only: { type: 'string' },
    skip: { type: 'string' },
    strict: { type: 'boolean', default: false },
  });
  const gates = selectGates(GATES, values.only, values.skip);
  const reportsDir = join('reports', 'check');
  mkdirSync(reportsDir, { recursive: true });
  const started = performance.now();
  const reports: GateReport[] = [];
  for (const [index, gate] of gates.entries()) {
    process.stderr.write(`[${index + 1}/${gates.length}] ${gate.id}: ${gate.title} ... `);
    const gateStarted = performance.now();
    const blocked = (gate.needs ?? []).find((need) =>
      reports.some((report) => report.gate.id === need && report.outcome.result !== 'passed'),
    );
    const outcome: GateOutcome = blocked
      ? { result: 'skipped', note: `${blocked} did not pass` }
      : await runGate(gate, reportsDir);
    const ms = performance.now() - gateStarted;
    process.stderr.write(`${outcome.result} in ${fmtSeconds(ms)}\n`);
    reports.push({ gate, outcome, ms });
  }
  console.log(`\n${formatSummary(reports, performance.now() - started)}`);
  return exitCodeOf(reports, values.strict ?? false);
};

if (process.argv[1] === fileURLToPath(import.meta.url)) await runCli('check', main);
