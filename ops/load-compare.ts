/**
 * `npm run load:compare -- [<result.json>] [--baseline <file>] [--tolerance <percent>]`: compares
 * a load run (default: the newest under `reports/load/`) with the stored baseline of its scenario
 * and environment (`bench/baselines/load-<scenario>-<environment>.json`). Exits 1 on a
 * regression: a p99 worse by more than the tolerance (default 20 %), overall or on one endpoint,
 * or any rise in the error rate.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '#local/paths';
import { CliError, parseCliArgs, runCli } from './cli.ts';
import { REPORTS_DIR } from './load-artillery.ts';
import { baselinePath, compareRuns, readResult } from './load-results.ts';

export const USAGE =
  'npm run load:compare -- [<result.json>] [--baseline <file>] [--tolerance <percent>]';

/** The newest `result.json` under `dir`'s run folders, or undefined. */
export const newestResult = async (dir: string = REPORTS_DIR): Promise<string | undefined> => {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return undefined;
  }
  let newest: { file: string; mtime: number } | undefined;
  for (const entry of entries) {
    const file = join(dir, entry, 'result.json');
    try {
      const { mtimeMs } = await stat(file);
      if (!newest || mtimeMs > newest.mtime) newest = { file, mtime: mtimeMs };
    } catch {
      // A run that wrote no result.
    }
  }
  return newest?.file;
};

export const main = async (
  args: readonly string[] = process.argv.slice(2),
  print: (line: string) => void = (line) => console.log(line),
): Promise<number> => {
  const { values, positionals } = parseCliArgs(
    USAGE,
    { baseline: { type: 'string' }, tolerance: { type: 'string' } },
    args,
  );
  const tolerance = values.tolerance === undefined ? 20 : Number(values.tolerance);
  if (!Number.isFinite(tolerance) || tolerance < 0) {
    throw new CliError(`--tolerance must be a percentage, got '${values.tolerance}'`, 2);
  }
  const runFile = positionals[0] ?? (await newestResult());
  if (!runFile) {
    throw new CliError(
      `no load run under ${relative(REPO_ROOT, REPORTS_DIR)}: run npm run load:local -- <scenario> first, or name a result.json`,
    );
  }
  const current = await readResult(runFile).catch((error: Error) => {
    throw new CliError(error.message);
  });
  const baselineFile =
    (values.baseline as string | undefined) ?? baselinePath(current.scenario, current.environment);
  const baseline = await readResult(baselineFile).catch((error: Error) => {
    throw new CliError(
      `${error.message}: save one with npm run load:local -- ${current.scenario} --save-baseline, or pass --baseline <file>`,
    );
  });
  const comparison = compareRuns(baseline, current, { p99TolerancePercent: tolerance });
  print(`run      ${relative(REPO_ROOT, runFile)} (${current.startedAt})`);
  print(`baseline ${relative(REPO_ROOT, baselineFile)} (${baseline.startedAt})`);
  for (const line of comparison.lines) print(`  ${line}`);
  for (const warning of comparison.warnings) print(`warning: ${warning}`);
  if (comparison.regressions.length === 0) {
    print(`load:compare: no regression (p99 tolerance ${tolerance} %, error rate must not rise)`);
    return 0;
  }
  for (const regression of comparison.regressions) print(`REGRESSION: ${regression}`);
  print(`load:compare: ${comparison.regressions.length} regression(s)`);
  return 1;
};

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCli('load:compare', () => main());
}
