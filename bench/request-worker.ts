/**
 * Child process of the per-request benchmark, run under tsx with the Lambda-like environment
 * (see `env.ts`) and stdout discarded (handlers log and flush metrics to it, as on Lambda).
 * Installs the mocks, loads the requested handlers from source (the mocks stub the SDK classes
 * in node_modules, which a bundle would carry its own copy of), checks each answers 2xx, then
 * times them (one after the other with tinybench, or two interleaved in paired mode) and sends
 * the statistics back over IPC.
 *
 * argv: `<target>[,<target>…] <iterations> <warmupIterations> [paired]`, a target being `baseline`,
 * `mockCall` (calibration), `catalogRead` (createOrder's catalog step alone), a route id, or
 * `twin:<route id>` (the route's Powertools-only twin) or `before:<route id>` (the route in the
 * tree `BENCH_BEFORE_DIR` names). Targets share the process: load order matters (a handler that loads Tracer turns on
 * X-Ray's async hooks for everything after it), which is why the parent runs the baseline alone.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { Bench } from 'tinybench';
import { createLambdaContext } from '#local/lambda-context';
import { ROUTES, type RouteId } from '#routes';
import { apiEvent } from './fixtures.ts';
import { type CallCounts, installMocks } from './mocks.ts';
import type { RequestStats, WorkerMessage } from './request.ts';
import { percentile, summarize } from './stats.ts';
import { TWIN_ENTRIES } from './twins/index.ts';
import { runWorker } from './worker-ipc.ts';

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
/** `twin:<route>` is the route's Powertools-only twin (bench/twins). */
type Target =
  | RouteId
  | `twin:${RouteId}`
  | `before:${RouteId}`
  | 'baseline'
  | 'mockCall'
  | 'catalogRead';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const entryOf = (target: Target): string => {
  if (target === 'baseline') return path.join(repoRoot, 'bench/baseline/get-order-bare.ts');
  if (target.startsWith('before:')) {
    // The same route in the tree BENCH_BEFORE extracted (bench/run.ts passes its directory).
    const beforeDir = process.env.BENCH_BEFORE_DIR;
    const route = ROUTES.find(({ id }) => id === target.slice('before:'.length));
    if (!beforeDir || !route) throw new Error(`Cannot load ${target}`);
    return path.join(beforeDir, route.entry);
  }
  if (target.startsWith('twin:')) {
    const entry = TWIN_ENTRIES[target.slice('twin:'.length) as RouteId];
    if (!entry) throw new Error(`No twin for ${target}`);
    return path.join(repoRoot, entry);
  }
  const route = ROUTES.find(({ id }) => id === target);
  if (!route) throw new Error(`Unknown route ${target}`);
  return path.join(repoRoot, route.entry);
};

/**
 * Calibration: one mocked DocumentClient call and nothing else, so readers can tell how much of
 * a route's cost is the mock itself (sinon matching its behaviours) per SDK call it makes.
 */
const mockCallHandler = async (): Promise<Handler> => {
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { DynamoDBDocumentClient, GetCommand } = await import('@aws-sdk/lib-dynamodb');
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  return async () => {
    await client.send(new GetCommand({ TableName: 'bench-orders', Key: { orderId: 'x' } }));
    return { statusCode: 200, body: '' };
  };
};

/**
 * createOrder's catalog step alone, with the handler's own code: one BatchGetItem for the
 * order's SKUs (mocked) and pricing the lines from the answer. What creating an order now pays
 * for server-owned prices, beside the baseline's one GetItem.
 */
const catalogReadHandler = async (): Promise<Handler> => {
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
  const { CatalogRepository, priceFromCatalog } = await import('#commons/catalog');
  const { CATALOG_ITEMS, CATALOG_TABLE } = await import('./fixtures.ts');
  const catalog = new CatalogRepository(
    DynamoDBDocumentClient.from(new DynamoDBClient({})),
    CATALOG_TABLE,
  );
  const lines = CATALOG_ITEMS.map(({ sku }) => ({ sku, quantity: 1 }));
  return async () => {
    const entries = await catalog.getMany(lines.map(({ sku }) => sku));
    priceFromCatalog('EUR', lines, entries);
    return { statusCode: 200, body: '' };
  };
};

const loadHandler = async (target: Target): Promise<Handler> => {
  if (target === 'mockCall') return mockCallHandler();
  if (target === 'catalogRead') return catalogReadHandler();
  const module = (await import(pathToFileURL(entryOf(target)).href)) as { handler?: unknown };
  if (typeof module.handler !== 'function')
    throw new Error(`${entryOf(target)} exports no handler`);
  return module.handler as Handler;
};

/** What the runtime sets before each invocation: a new trace id, sampled. */
const nextTraceHeader = (): string => {
  const epoch = Math.floor(Date.now() / 1000).toString(16);
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=1`;
};

const diffCalls = (before: CallCounts, after: CallCounts): CallCounts =>
  Object.fromEntries(
    Object.entries(after)
      .map(([name, count]): [string, number] => [name, count - (before[name] ?? 0)])
      .filter(([, count]) => count > 0),
  );

/** The event a target's requests carry: the route's own, the baseline's for the calibrations. */
const eventFor = (target: Target) =>
  apiEvent(
    target === 'mockCall' || target === 'catalogRead'
      ? 'baseline'
      : (target.replace(/^(twin|before):/, '') as RouteId),
  );

/** Statistics of one target's timed requests, from their latencies in milliseconds. */
const statsOf = (
  target: Target,
  latencies: readonly number[],
  extra: Pick<RequestStats, 'failures' | 'status' | 'callsPerRequest'>,
): RequestStats => {
  const { mean, p50, samples } = summarize(latencies);
  const variance =
    latencies.reduce((sum, value) => sum + (value - mean) ** 2, 0) / Math.max(1, samples - 1);
  return {
    target,
    samples,
    meanMs: mean,
    p50Ms: p50,
    p99Ms: percentile(
      [...latencies].sort((a, b) => a - b),
      0.99,
    ),
    rmePercent: ((1.96 * Math.sqrt(variance / samples)) / mean) * 100,
    ...extra,
  };
};

/**
 * Paired mode: two targets in this one process, their requests interleaved (a, b, then b, a,
 * and so on), each timed alone. Whatever slows the process or the machine at a moment slows both
 * sides of the pair, so the median of the pairs' differences is far steadier than a difference
 * between two processes (whose p50s differ by ±0.1 ms for the same code, see docs/benchmarks.md).
 */
const timePaired = async (
  [first, second]: readonly [Target, Target],
  handlers: ReadonlyMap<Target, Handler>,
  iterations: number,
  warmupIterations: number,
  extras: ReadonlyMap<Target, Pick<RequestStats, 'failures' | 'status' | 'callsPerRequest'>>,
): Promise<WorkerMessage> => {
  const failures = new Map<Target, number>();
  const timeOne = async (target: Target): Promise<number> => {
    const handler = handlers.get(target);
    if (!handler) throw new Error(`${target} is not loaded`);
    // Prepared outside the timed call, as the runtime prepares them outside the handler.
    process.env._X_AMZN_TRACE_ID = nextTraceHeader();
    const event = eventFor(target);
    const context = createLambdaContext(`bench-${target}`);
    const start = performance.now();
    const response = await handler(event, context);
    const elapsed = performance.now() - start;
    if (response.statusCode >= 300) failures.set(target, (failures.get(target) ?? 0) + 1);
    return elapsed;
  };
  for (let index = 0; index < warmupIterations; index++) {
    await timeOne(first);
    await timeOne(second);
  }
  failures.clear();
  const firstLatencies: number[] = [];
  const secondLatencies: number[] = [];
  const differences: number[] = [];
  for (let index = 0; index < iterations; index++) {
    let a: number;
    let b: number;
    if (index % 2 === 0) {
      a = await timeOne(first);
      b = await timeOne(second);
    } else {
      b = await timeOne(second);
      a = await timeOne(first);
    }
    firstLatencies.push(a);
    secondLatencies.push(b);
    differences.push(a - b);
  }
  const statsFor = (target: Target, latencies: readonly number[]) => {
    const extra = extras.get(target);
    if (!extra) throw new Error(`${target} was not checked`);
    return statsOf(target, latencies, { ...extra, failures: failures.get(target) ?? 0 });
  };
  return {
    stats: [statsFor(first, firstLatencies), statsFor(second, secondLatencies)],
    pairedDifferenceP50Ms: summarize(differences).p50,
  };
};

const main = async (): Promise<WorkerMessage> => {
  const [targetList = '', iterationsArg = '2000', warmupArg = '200', mode = ''] =
    process.argv.slice(2);
  const targets = targetList.split(',') as Target[];
  const mocks = installMocks();
  const handlers = new Map<Target, Handler>();
  for (const target of targets) handlers.set(target, await loadHandler(target));

  const bench = new Bench({
    iterations: Number(iterationsArg),
    time: 0,
    warmupIterations: Number(warmupArg),
    warmupTime: 0,
    throws: true,
  });
  const failures = new Map<Target, number>();
  const statuses = new Map<Target, number>();
  const callsPerRequest = new Map<Target, CallCounts>();
  for (const [target, handler] of handlers) {
    // Prepared outside the timed call, as the runtime prepares them outside the handler.
    let event = eventFor(target);
    let context = createLambdaContext(`bench-${target}`);
    const before = mocks.calls();
    const first = await handler(eventFor(target), createLambdaContext(`bench-${target}`));
    callsPerRequest.set(target, diffCalls(before, mocks.calls()));
    statuses.set(target, first.statusCode);
    if (first.statusCode >= 300) {
      throw new Error(
        `${target} answered ${first.statusCode} to the benchmark request: ${first.body}`,
      );
    }
    bench.add(
      target,
      async () => {
        const response = await handler(event, context);
        if (response.statusCode >= 300) failures.set(target, (failures.get(target) ?? 0) + 1);
      },
      {
        beforeEach: () => {
          process.env._X_AMZN_TRACE_ID = nextTraceHeader();
          event = eventFor(target);
          context = createLambdaContext(`bench-${target}`);
        },
      },
    );
  }
  if (mode === 'paired') {
    const [first, second] = targets;
    if (targets.length !== 2 || !first || !second)
      throw new Error('paired mode times exactly two targets');
    const extras = new Map(
      targets.map((target) => [
        target,
        {
          failures: 0,
          status: statuses.get(target) ?? 0,
          callsPerRequest: callsPerRequest.get(target) ?? {},
        },
      ]),
    );
    return timePaired([first, second], handlers, Number(iterationsArg), Number(warmupArg), extras);
  }
  await bench.run();

  const stats: RequestStats[] = bench.tasks.map((task) => {
    const result = task.result;
    if (result.state !== 'completed')
      throw new Error(`${task.name} did not complete: ${result.state}`);
    return {
      target: task.name,
      samples: result.latency.samplesCount,
      meanMs: result.latency.mean,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      rmePercent: result.latency.rme,
      failures: failures.get(task.name as Target) ?? 0,
      status: statuses.get(task.name as Target) ?? 0,
      callsPerRequest: callsPerRequest.get(task.name as Target) ?? {},
    };
  });
  return { stats };
};

runWorker(main);
