/**
 * `npm run slo:simulate -- [--stage <s>] [--scenario <id>[,<id>...]] [--json] [--all] [--out <dir>]`:
 * replays each scenario, minute by minute, through the alarms of the stage's synthesized
 * template (metric math, periods, evaluation periods, datapoints to alarm, missing-data
 * treatment, composite rules and actions suppressors), and prints per scenario when each alarm
 * fired, whether it notified, how much of the 30-day budget was gone, and when it reset after
 * recovery. Writes an HTML page with a burn-rate chart per scenario to `<out>/index.html`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { STAGE_NAMES, type StageName } from '#config/stages';
import { synthesizeStage } from '../cdk/synth.ts';
import { formatTable, renderHtml } from '../slos/simulator/report.ts';
import { SCENARIO_IDS, type ScenarioId } from '../slos/simulator/scenarios.ts';
import { type SimulationResult, simulate } from '../slos/simulator/simulate.ts';
import { readAlarms } from '../slos/simulator/template-alarms.ts';
import { CliError, createProgress, parseCliArgs, runCli } from './cli.ts';

export const USAGE = `npm run slo:simulate -- [--stage <${STAGE_NAMES.join('|')}>] [--scenario <${SCENARIO_IDS.join('|')}>[,...]] [--json] [--all] [--out <dir>]`;

export const DEFAULT_OUT = 'test-results/slo-simulation';

export interface SimulateOptions {
  readonly stage: StageName;
  readonly scenarios: readonly ScenarioId[];
  readonly json: boolean;
  readonly all: boolean;
  readonly out: string;
}

/** The command's options, or a {@link CliError} (exit 2) naming what is wrong. */
export const parseOptions = (args: readonly string[]): SimulateOptions => {
  const { values, positionals } = parseCliArgs(
    USAGE,
    {
      stage: { type: 'string', default: 'prod' },
      scenario: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      all: { type: 'boolean', default: false },
      out: { type: 'string', default: DEFAULT_OUT },
    },
    args,
  );
  if (positionals.length > 0) {
    throw new CliError(`Unexpected argument '${positionals[0]}'. Usage: ${USAGE}`, 2);
  }
  const stage = String(values.stage);
  if (!(STAGE_NAMES as readonly string[]).includes(stage)) {
    throw new CliError(`Unknown stage '${stage}': pass --stage ${STAGE_NAMES.join(', ')}`, 2);
  }
  const wanted = ((values.scenario as string[] | undefined) ?? [])
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '');
  for (const id of wanted) {
    if (!(SCENARIO_IDS as readonly string[]).includes(id)) {
      throw new CliError(`Unknown scenario '${id}': pass --scenario ${SCENARIO_IDS.join(', ')}`, 2);
    }
  }
  return {
    stage: stage as StageName,
    scenarios: wanted.length > 0 ? (wanted as ScenarioId[]) : SCENARIO_IDS,
    json: values.json === true,
    all: values.all === true,
    out: String(values.out),
  };
};

export const main = async (
  args: readonly string[] = process.argv.slice(2),
  print: (text: string) => void = (text) => process.stdout.write(text),
): Promise<number> => {
  const options = parseOptions(args);
  const progress = createProgress();
  const alarms = await progress.step(
    `synthesize stage ${options.stage} and read its alarms`,
    async () => readAlarms(synthesizeStage(options.stage)),
  );
  const results: SimulationResult[] = [];
  for (const id of options.scenarios) {
    results.push(
      await progress.step(`scenario ${id}`, async () => simulate(alarms, id, options.stage)),
    );
  }
  const page = resolve(options.out, 'index.html');
  await progress.step(`write the charts to ${page}`, async () => {
    mkdirSync(options.out, { recursive: true });
    writeFileSync(join(options.out, 'index.html'), renderHtml(results));
  });
  if (options.json) {
    print(`${JSON.stringify({ stage: options.stage, results }, null, 2)}\n`);
  } else {
    for (const result of results) print(`${formatTable(result, { all: options.all })}\n`);
  }
  const notifications = results.flatMap((result) =>
    result.outcomes.filter((outcome) => outcome.notifiedAt !== undefined),
  );
  const pages = notifications.filter((outcome) => outcome.severity === 'page').length;
  const tickets = notifications.filter((outcome) => outcome.severity === 'ticket').length;
  process.stderr.write(
    `slo:simulate: ${results.length} scenario(s) of stage ${options.stage} through ${alarms.metricAlarms.length} metric and ${alarms.compositeAlarms.length} composite alarms: ${pages} page(s), ${tickets} ticket(s) notified, in ${(progress.elapsedMs() / 1000).toFixed(1)} s; charts: ${page}\n`,
  );
  return 0;
};

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCli('slo:simulate', () => main());
}
