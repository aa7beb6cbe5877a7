/**
 * `npm run capacity -- --rps <n> [--stage <s>] [--baseline <result.json>] [--peak-factor <x>]
 * [--duration-ms <route>=<ms>,...] [--item-kb <kb>] [--worker-ms <ms>] [--json]`: what a stage
 * needs at an average of `n` requests per second (and `n × peak factor` at peak): Lambda
 * concurrency per route by Little's law, DynamoDB read and write units, SQS throughput, worker
 * tasks, the monthly cost at the dated prices of `ops/capacity-prices.ts`, and a warning for
 * every stage or account limit the load would hit. Every stage when `--stage` is left out.
 *
 * `--baseline` takes the traffic mix and the mean duration of each route from a load run
 * (`reports/load/<run>/result.json` or `bench/baselines/load-*.json`); otherwise the defaults of
 * `ops/capacity-model.ts` apply. Exits 1 when a warning was printed.
 */
import { STAGE_NAMES, STAGES, type StageName } from '#config/stages';
import {
  type CapacityInputs,
  type CapacityReport,
  computeCapacity,
  DEFAULT_ROUTES,
  defaultInputs,
  type RouteId,
  type RouteLoad,
} from './capacity-model.ts';
import { CliError, parseCliArgs, requireOption, runCli } from './cli.ts';
import { type LoadRunResult, readResult } from './load-results.ts';

export const USAGE =
  'npm run capacity -- --rps <requests/s> [--stage <dev|staging|prod>] [--baseline <result.json>] [--peak-factor <x>] [--duration-ms <route>=<ms>,...] [--item-kb <kb>] [--worker-ms <ms>] [--json]';

const ROUTE_IDS = Object.keys(DEFAULT_ROUTES) as RouteId[];

/**
 * The mix and mean durations of a load run: request names of `load/flows.yml` are route ids, a
 * retried create (`createOrder (retry)`) counts as a create. Routes the run did not call keep
 * their defaults with no share (health is not part of the flows).
 */
export const routesFromRun = (run: LoadRunResult): Record<RouteId, RouteLoad> => {
  const counts = new Map<RouteId, { count: number; weighted: number }>();
  for (const [name, endpoint] of Object.entries(run.endpoints)) {
    const route = name.split(' ')[0] as RouteId;
    if (!ROUTE_IDS.includes(route)) continue;
    const entry = counts.get(route) ?? { count: 0, weighted: 0 };
    entry.count += endpoint.count;
    entry.weighted += endpoint.count * (endpoint.mean || endpoint.p50);
    counts.set(route, entry);
  }
  const total = [...counts.values()].reduce((sum, entry) => sum + entry.count, 0);
  if (total === 0) throw new CliError('the load run has no per-route figures to take a mix from');
  return Object.fromEntries(
    ROUTE_IDS.map((route) => {
      const entry = counts.get(route);
      return [
        route,
        entry
          ? { share: entry.count / total, durationMs: Math.round(entry.weighted / entry.count) }
          : { share: 0, durationMs: DEFAULT_ROUTES[route].durationMs },
      ];
    }),
  ) as Record<RouteId, RouteLoad>;
};

const positive = (value: unknown, name: string): number | undefined => {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) {
    throw new CliError(`--${name} must be a positive number, got '${String(value)}'`, 2);
  }
  return parsed;
};

/** `createOrder=120,getOrder=30` → durations by route. */
export const parseDurations = (value: string): Partial<Record<RouteId, number>> => {
  const durations: Partial<Record<RouteId, number>> = {};
  for (const pair of value.split(',')) {
    const [route, ms] = pair.split('=');
    if (!route || !ROUTE_IDS.includes(route as RouteId)) {
      throw new CliError(
        `--duration-ms: unknown route '${route}', expected one of ${ROUTE_IDS.join(', ')}`,
        2,
      );
    }
    durations[route as RouteId] = positive(ms, 'duration-ms');
  }
  return durations;
};

const usd = (value: number): string => `$${value.toFixed(2)}`;

/** The report as text, one block per stage. */
export const formatReport = (report: CapacityReport): string[] => [
  `== ${report.stage}: ${report.rps} requests/s average, ${report.peakRps} at peak`,
  `Lambda concurrency (Little's law: rate × duration), peak total ${report.lambda.peakTotal}:`,
  ...report.lambda.routes.map(
    (route) =>
      `  ${route.route.padEnd(12)} ${String(route.rps).padStart(8)}/s × ${String(route.durationMs).padStart(4)} ms = ${String(route.concurrency).padStart(7)} (peak ${route.peakConcurrency})${route.reserved !== undefined ? `, reserved ${route.reserved}` : ''}${route.provisioned ? `, provisioned ${route.provisioned.min}–${route.provisioned.max}` : ''}`,
  ),
  'DynamoDB request units per second (average):',
  ...Object.entries(report.dynamodb).map(
    ([table, units]) => `  ${table.padEnd(12)} reads ${units.reads}, writes ${units.writes}`,
  ),
  `  orders table per month: on demand ${usd(report.provisionedComparison.onDemandUsd)}, fully used provisioned ${usd(report.provisionedComparison.provisionedUsd)}`,
  `SQS: ${report.sqs.messagesPerSecond} messages/s, ${report.sqs.requestsPerSecond} requests/s`,
  `Worker: ${report.worker.messagesPerSecondPerTask} messages/s per task; ${report.worker.tasksAverage} task(s) on average, ${report.worker.tasksAtPeak} at peak`,
  `Monthly cost (prices as of ${report.pricesAsOf}): ${usd(report.cost.totalUsdPerMonth)}`,
  ...report.cost.lines.map(
    (line) => `  ${line.item.padEnd(32)} ${usd(line.usdPerMonth).padStart(10)}  ${line.basis}`,
  ),
  ...(report.warnings.length > 0
    ? report.warnings.map((warning) => `WARNING ${warning}`)
    : ['no limit is hit']),
];

export const main = async (
  args: readonly string[] = process.argv.slice(2),
  print: (line: string) => void = (line) => console.log(line),
): Promise<number> => {
  const { values } = parseCliArgs(
    USAGE,
    {
      rps: { type: 'string' },
      stage: { type: 'string' },
      baseline: { type: 'string' },
      'peak-factor': { type: 'string' },
      'duration-ms': { type: 'string' },
      'item-kb': { type: 'string' },
      'worker-ms': { type: 'string' },
      json: { type: 'boolean' },
    },
    args,
  );
  const rps = positive(requireOption(values.rps, 'rps', USAGE), 'rps') as number;
  const stage = values.stage as string | undefined;
  if (stage !== undefined && !(STAGE_NAMES as readonly string[]).includes(stage)) {
    throw new CliError(`unknown stage '${stage}'. Usage: ${USAGE}`, 2);
  }
  const defaults = defaultInputs(rps);
  let routes: Record<RouteId, RouteLoad> = { ...defaults.routes };
  if (typeof values.baseline === 'string') {
    const run = await readResult(values.baseline).catch((error: Error) => {
      throw new CliError(error.message);
    });
    routes = routesFromRun(run);
  }
  if (typeof values['duration-ms'] === 'string') {
    for (const [route, ms] of Object.entries(parseDurations(values['duration-ms']))) {
      const id = route as RouteId;
      routes[id] = { ...routes[id], durationMs: ms as number };
    }
  }
  const inputs: CapacityInputs = {
    ...defaults,
    routes,
    peakFactor: positive(values['peak-factor'], 'peak-factor') ?? defaults.peakFactor,
    orderItemKb: positive(values['item-kb'], 'item-kb') ?? defaults.orderItemKb,
    workerMsPerMessage: positive(values['worker-ms'], 'worker-ms') ?? defaults.workerMsPerMessage,
  };
  const stages = stage ? [stage as StageName] : [...STAGE_NAMES];
  const reports = stages.map((name) => computeCapacity(STAGES[name], inputs));
  if (values.json) print(JSON.stringify(reports, null, 2));
  else for (const report of reports) for (const line of formatReport(report)) print(line);
  const warned = reports.some((report) => report.warnings.length > 0);
  return warned ? 1 : 0;
};

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCli('capacity', () => main());
}
