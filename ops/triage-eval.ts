/**
 * `npm run triage:eval [-- --dir <scenarios> --min-top1 <0..1>]`: runs the baseline analyzer over
 * the labelled incident scenarios and prints a per-scenario table, then top-1 and top-3 accuracy.
 */
import { join } from 'node:path';
import { REPO_ROOT } from '#local/paths';
import { evaluateScenarios } from '#triage/evaluate';
import { CliError, createProgress, parseCliArgs, runCli } from './cli.ts';

const USAGE = 'npm run triage:eval -- [--dir tests/fixtures/incidents] [--min-top1 0.8]';

await runCli('triage:eval', async () => {
  const { values } = parseCliArgs(USAGE, {
    dir: { type: 'string' },
    'min-top1': { type: 'string' },
  });
  const dir = values.dir ?? join(REPO_ROOT, 'tests', 'fixtures', 'incidents');
  const minTop1 = values['min-top1'] === undefined ? undefined : Number(values['min-top1']);
  if (minTop1 !== undefined && !(minTop1 >= 0 && minTop1 <= 1))
    throw new CliError(`--min-top1 must be a number from 0 to 1. Usage: ${USAGE}`, 2);
  const progress = createProgress();
  const evaluation = await progress.step(`analyzing the scenarios in ${dir}`, () =>
    evaluateScenarios(dir).catch((error: Error) => {
      throw new CliError(`cannot read the scenarios: ${error.message.split('\n')[0]}`);
    }),
  );
  if (evaluation.results.length === 0) throw new CliError(`no *.json scenario in ${dir}`);
  const width = Math.max(8, ...evaluation.results.map((r) => r.name.length));
  const row = (cells: string[]) =>
    cells.map((cell, i) => cell.padEnd(i === 0 ? width : 16)).join('  ');
  console.log(row(['scenario', 'expected', 'top-1', 'top-1 ok', 'top-3 ok']));
  for (const r of evaluation.results) {
    console.log(
      row([
        r.name,
        r.expected,
        r.ranked[0] ?? '(none)',
        r.top1 ? 'yes' : 'NO',
        r.top3 ? 'yes' : 'NO',
      ]),
    );
  }
  const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
  console.log(
    `\n${evaluation.results.length} scenarios: top-1 accuracy ${pct(evaluation.top1)}, top-3 accuracy ${pct(evaluation.top3)} (${(progress.elapsedMs() / 1000).toFixed(2)} s)`,
  );
  if (minTop1 !== undefined && evaluation.top1 < minTop1) {
    console.error(
      `triage:eval: top-1 accuracy ${pct(evaluation.top1)} is below --min-top1 ${pct(minTop1)}: fix the rules or the scenarios`,
    );
    return 1;
  }
  return 0;
});
