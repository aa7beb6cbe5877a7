/**
 * Runs one Artillery scenario of `load/` and keeps what it measured: Artillery's report, the
 * result document (`ops/load-results.ts`) with machine, versions and CPU use, and a plot of the
 * percentiles over time, under `reports/load/<time>-<scenario>-<environment>/`.
 *
 * Artillery is a separate install (`npm run load:install`, into `load/node_modules`): it weighs
 * about 460 MB, which every `npm ci` would otherwise pay.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '#local/paths';
import { CliError } from './cli.ts';
import {
  type ArtilleryReport,
  type CpuUse,
  type LoadRunResult,
  type RunEnvironment,
  readChartJs,
  renderPlot,
  summariseReport,
} from './load-results.ts';

export const SCENARIOS = ['smoke', 'steady', 'spike', 'soak'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const LOAD_DIR = join(REPO_ROOT, 'load');
export const ARTILLERY_BIN = join(LOAD_DIR, 'node_modules', '.bin', 'artillery');
export const REPORTS_DIR = join(REPO_ROOT, 'reports', 'load');

/** The scenario named on the command line, or a {@link CliError} listing the valid ones. */
export const parseScenario = (value: string | undefined, usage: string): Scenario => {
  if (value === undefined) throw new CliError(`name a scenario. Usage: ${usage}`, 2);
  if (!(SCENARIOS as readonly string[]).includes(value)) {
    throw new CliError(
      `unknown scenario '${value}': pick one of ${SCENARIOS.join(', ')}. Usage: ${usage}`,
      2,
    );
  }
  return value as Scenario;
};

export const ensureArtilleryInstalled = (): void => {
  if (!existsSync(ARTILLERY_BIN)) {
    throw new CliError('Artillery is not installed: run npm run load:install (once, about 70 s)');
  }
};

/** CPU seconds (user + system) a process has used so far, from /proc; 0 where /proc is absent. */
export const processCpuSeconds = async (pid: number): Promise<number> => {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), 1-based from field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
};

/** Child processes of `pid` (direct only), with their command lines. */
export const childProcesses = async (pid: number): Promise<{ pid: number; command: string }[]> => {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const children: { pid: number; command: string }[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== pid) continue;
      const command = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replaceAll('\0', ' ');
      children.push({ pid: Number(entry), command: command.trim() });
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
};

const git = (args: string[]): Promise<string> =>
  new Promise((resolve) => {
    const child = spawn('git', args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', () => resolve('unknown'));
    child.on('close', () => resolve(out.trim() || 'unknown'));
  });

const artilleryVersion = async (): Promise<string> => {
  try {
    const pkg = JSON.parse(
      await readFile(join(LOAD_DIR, 'node_modules', 'artillery', 'package.json'), 'utf8'),
    ) as { version: string };
    return pkg.version;
  } catch {
    return 'not installed';
  }
};

const motoVersion = async (): Promise<string> => {
  const requirements = await readFile(join(REPO_ROOT, 'local', 'requirements.txt'), 'utf8');
  return /^moto\[server\]==(\S+)/m.exec(requirements)?.[1] ?? 'unknown';
};

const load = (): number[] => loadavg().map((value) => Math.round(value * 100) / 100);

/** Machine and versions, with the load average now (`before`). */
export const describeMachine = async (): Promise<
  Omit<RunEnvironment, 'loadAverage'> & {
    loadAverage: { before: number[]; after: number[] };
  }
> => ({
  platform: process.platform,
  arch: process.arch,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
  memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  loadAverage: { before: load(), after: [] },
  versions: {
    node: process.version,
    artillery: await artilleryVersion(),
    moto: await motoVersion(),
    commit: await git(['rev-parse', '--short', 'HEAD']),
  },
});

export interface ArtilleryRunOptions {
  readonly scenario: Scenario;
  /** Artillery environment: `local` or a stage; picks the phases and `ensure` checks. */
  readonly environment: string;
  readonly target: string;
  /** Credentials for `load/processor.ts` (LOAD_API_KEY, LOAD_TOKEN_URL, ...). */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Extra config merged over the scenario (a file Artillery reads with `--config`), e.g. the
   * phases of one step of a throughput search.
   * @default - none
   */
  readonly overrides?: Readonly<Record<string, unknown>>;
  /** Where Artillery's own output goes. @default stderr */
  readonly log?: (text: string) => void;
  /** Processes whose CPU use to report beside Artillery's, by name. @default this process */
  readonly watch?: () => Promise<Readonly<Record<string, number>>>;
}

export interface ArtilleryRunOutcome {
  /** Artillery's exit code: non-zero when an `ensure` check failed. */
  readonly exitCode: number;
  readonly result: LoadRunResult;
  readonly dir: string;
  /** The `ensure` lines Artillery printed (`ok: ...`, `fail: ...`). */
  readonly checks: readonly string[];
}

const cpuOfWatched = async (
  watch: () => Promise<Readonly<Record<string, number>>>,
  artilleryPid: number | undefined,
): Promise<Record<string, number>> => ({
  ...(await watch()),
  ...(artilleryPid !== undefined && { artillery: await processCpuSeconds(artilleryPid) }),
});

/** This process and its children (the emulator, the worker), by role. */
export const watchRuntimeProcesses = async (): Promise<Record<string, number>> => {
  const usage = process.cpuUsage();
  const found: Record<string, number> = {
    'local runtime (node)': (usage.user + usage.system) / 1e6,
  };
  for (const child of await childProcesses(process.pid)) {
    const name = /moto/.test(child.command)
      ? 'emulator (moto)'
      : /worker/.test(child.command)
        ? 'fulfilment worker'
        : // Artillery is measured on its own; esbuild is tsx's compiler, idle during a run.
          /artillery|esbuild/.test(child.command)
          ? undefined
          : child.command.split(' ')[0];
    if (name) found[name] = (found[name] ?? 0) + (await processCpuSeconds(child.pid));
  }
  return found;
};

/** Runs Artillery once and saves its report, the result and the plot. */
export const runArtillery = async (options: ArtilleryRunOptions): Promise<ArtilleryRunOutcome> => {
  ensureArtilleryInstalled();
  const log = options.log ?? ((text: string) => process.stderr.write(text));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = join(REPORTS_DIR, `${stamp}-${options.scenario}-${options.environment}`);
  await mkdir(dir, { recursive: true });
  const reportFile = join(dir, 'artillery-report.json');
  const args = [
    'run',
    '--config',
    join(LOAD_DIR, 'flows.yml'),
    '--environment',
    options.environment,
    '--target',
    options.target,
    '--output',
    reportFile,
  ];
  // The scenario first: Artillery resolves the processor relative to the first script.
  args.push(join(LOAD_DIR, `${options.scenario}.yml`));
  if (options.overrides) {
    const overridesFile = join(dir, 'overrides.json');
    await writeFile(overridesFile, JSON.stringify({ config: options.overrides }, null, 2));
    args.push(overridesFile);
  }

  const machine = await describeMachine();
  const watch = options.watch ?? watchRuntimeProcesses;
  const startedAt = performance.now();
  const child = spawn(ARTILLERY_BIN, args, {
    cwd: LOAD_DIR,
    env: {
      ...process.env,
      ARTILLERY_DISABLE_TELEMETRY: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const cpuBefore = await cpuOfWatched(watch, undefined);
  let artilleryCpu = 0;
  const sampler = setInterval(() => {
    if (child.pid !== undefined)
      void processCpuSeconds(child.pid).then((seconds) => {
        artilleryCpu = Math.max(artilleryCpu, seconds);
      });
  }, 1000);
  const checks: string[] = [];
  let pendingLine = '';
  const forward = (chunk: Buffer): void => {
    const text = chunk.toString();
    log(text);
    pendingLine += text;
    const lines = pendingLine.split('\n');
    pendingLine = lines.pop() ?? '';
    for (const line of lines) if (/^\s*(ok|fail): /.test(line)) checks.push(line.trim());
  };
  child.stdout.on('data', forward);
  child.stderr.on('data', forward);
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
  clearInterval(sampler);
  const cpuAfter = await cpuOfWatched(watch, undefined);
  const wallSeconds = (performance.now() - startedAt) / 1000;

  let report: ArtilleryReport;
  try {
    report = JSON.parse(await readFile(reportFile, 'utf8')) as ArtilleryReport;
  } catch {
    throw new CliError(
      `Artillery exited with ${exitCode} and wrote no report: see its output above`,
    );
  }
  const cpu: CpuUse = {
    wallSeconds: Math.round(wallSeconds * 10) / 10,
    processes: Object.fromEntries(
      [
        ...Object.entries(cpuAfter).map(
          ([name, seconds]) => [name, seconds - (cpuBefore[name] ?? 0)] as const,
        ),
        ['load generator (artillery)', artilleryCpu] as const,
      ].map(([name, seconds]) => [name, Math.round(seconds * 10) / 10]),
    ),
  };
  const result = summariseReport(report, {
    scenario: options.scenario,
    environment: options.environment,
    target: options.target,
    environmentInfo: {
      ...machine,
      loadAverage: { before: machine.loadAverage.before, after: load() },
    },
    cpu,
  });
  await writeFile(join(dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(join(dir, 'plot.html'), renderPlot(result, await readChartJs()));
  return { exitCode, result, dir, checks };
};

/** The summary a run ends with: figures, checks, where the files are. */
export const formatSummary = (outcome: ArtilleryRunOutcome): string => {
  const { result } = outcome;
  const lines = [
    `${result.scenario} (${result.environment}) against ${result.target}: ${result.requests} requests in ${result.durationSeconds} s (${result.requestRate}/s), ${result.errors} errors (${(result.errorRate * 100).toFixed(3)} %), ${result.vusers.failed} of ${result.vusers.created} virtual users failed`,
    `latency: p50 ${result.latencyMs.p50} ms, p95 ${result.latencyMs.p95} ms, p99 ${result.latencyMs.p99} ms, max ${result.latencyMs.max} ms`,
    ...Object.entries(result.endpoints).map(
      ([name, e]) =>
        `  ${name.padEnd(22)} ${String(e.count).padStart(6)} requests  p50 ${e.p50} ms  p95 ${e.p95} ms  p99 ${e.p99} ms`,
    ),
    `status codes: ${Object.entries(result.statusCodes)
      .map(([code, count]) => `${code} ×${count}`)
      .join(', ')}`,
  ];
  if (result.cpu) {
    lines.push(
      `CPU seconds over ${result.cpu.wallSeconds} s: ${Object.entries(result.cpu.processes)
        .map(([name, seconds]) => `${name} ${seconds}`)
        .join(
          ', ',
        )}; load average ${result.environmentInfo.loadAverage.before.join('/')} -> ${result.environmentInfo.loadAverage.after.join('/')}`,
    );
  }
  lines.push(
    `checks: ${outcome.checks.length > 0 ? outcome.checks.join('; ') : 'none printed'}`,
    `files: ${relative(REPO_ROOT, outcome.dir)}/{result.json,plot.html,artillery-report.json}`,
    outcome.exitCode === 0 ? 'PASSED' : `FAILED (artillery exit ${outcome.exitCode})`,
  );
  return lines.join('\n');
};
