/**
 * `npm run bench`: bundle size, module init time, per-request cost and synth time of the orders
 * API, each beside a bare baseline measured in the same run, checked against the targets.
 * Prints a Markdown report and writes `bench/.out/results.json`. Exits non-zero on errors only;
 * a missed target is reported, not fatal. See docs/benchmarks.md.
 *
 * Environment: BENCH_RUNS (init processes per bundle, default 40), BENCH_DIAGNOSTIC_RUNS
 * (default 5), BENCH_ITERATIONS (timed requests, default 12000), BENCH_WARMUP (default 1000),
 * BENCH_ROUNDS (processes per route, each timing route and twin interleaved, default 6), BENCH_ROUTES (a subset of route
 * ids), BENCH_SYNTH=0 to skip the synth timings.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STAGE_NAMES } from '#config/stages';
import { ROUTES as ALL_ROUTES, type RouteId } from '#routes';
import { type BundleTarget, buildBundles } from './bundle.ts';
import { lambdaEnvironment } from './env.ts';
import { type InitTarget, initRatio, measureInit } from './init.ts';
import {
  type AblationRow,
  type BenchResults,
  type RequestComparison,
  renderMarkdown,
  SENTRY_BUNDLE_ID,
} from './report.ts';
import { measurePair, measureRequests, mergeRounds, type RequestStats } from './request.ts';
import { summarize } from './stats.ts';
import { timeCliSynth, timeInMemorySynth } from './synth.ts';
import { check, TARGETS, type TargetCheck } from './targets.ts';
import { TWIN_ENTRIES } from './twins/index.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(repoRoot, 'bench/.out');

const intFromEnv = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return value;
};

const INIT_RUNS = intFromEnv('BENCH_RUNS', 40);
const DIAGNOSTIC_RUNS = intFromEnv('BENCH_DIAGNOSTIC_RUNS', 5);
const ITERATIONS = intFromEnv('BENCH_ITERATIONS', 12000);
const WARMUP = intFromEnv('BENCH_WARMUP', 1000);
/** Processes per route, each timing route and twin interleaved; the timed requests are split among them. */
const ROUNDS = intFromEnv('BENCH_ROUNDS', 6);
const roundIterations = Math.max(1, Math.ceil(ITERATIONS / ROUNDS));
const RUN_SYNTH = process.env.BENCH_SYNTH !== '0';
/** A git ref (e.g. main) whose routes are measured beside these, in the same run: before/after. */
const BEFORE_REF = process.env.BENCH_BEFORE ?? '';
/** `BENCH_ROUTES=getOrder,createOrder`: only these routes (a quick look); default every route. */
const selectRoutes = () => {
  const raw = process.env.BENCH_ROUTES ?? '';
  if (raw === '') return ALL_ROUTES;
  const ids = raw.split(',').map((id) => id.trim());
  const unknown = ids.filter((id) => !ALL_ROUTES.some((route) => route.id === id));
  if (unknown.length > 0)
    throw new Error(
      `BENCH_ROUTES names no route ${unknown.join(', ')}: use ids from functions/routes.ts (${ALL_ROUTES.map(({ id }) => id).join(', ')})`,
    );
  return ALL_ROUTES.filter((route) => ids.includes(route.id));
};
const ROUTES = selectRoutes();
/** What the function construct puts in NODE_OPTIONS, so init is measured as deployed. */
const DEPLOYED_NODE_OPTIONS = ['--enable-source-maps'];

const BASELINE: BundleTarget = { id: 'baseline', entry: 'bench/baseline/get-order-bare.ts' };
const PROTOTYPES: readonly BundleTarget[] = [
  'empty',
  'zod',
  'middy',
  'logger-metrics',
  'tracer',
  'ssm-parameters',
  'idempotency',
].map((name) => ({ id: name, entry: `bench/prototypes/${name}.ts` }));

/**
 * The tree of `ref` in bench/.out/before, sharing this checkout's node_modules: its routes are
 * bundled with today's settings and timed with its own request worker, in this run.
 */
const checkoutBefore = async (ref: string): Promise<string> => {
  const dir = path.join(outDir, 'before');
  progress(`before: extracting ${ref} into ${path.relative(repoRoot, dir)}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  execFileSync('sh', ['-c', `git archive --format=tar "$0" | tar -x -C "$1"`, ref, dir], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await symlink(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
};

/** Bundle and request-worker id of a route's Powertools-only twin. */
const twinId = (routeId: RouteId) => `twin:${routeId}` as const;

const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);

const initTargets = (bundles: readonly { id: string; file: string }[]): InitTarget[] =>
  bundles.map(({ id, file }) => ({
    id,
    file,
    env: { ...lambdaEnvironment(`bench-${id}`), LAMBDA_TASK_ROOT: path.dirname(file) },
  }));

const overhead = (route: RequestStats, baseline: RequestStats) => ({
  overheadMeanMs: route.meanMs - baseline.meanMs,
  overheadP50Ms: route.p50Ms - baseline.p50Ms,
});

const main = async () => {
  const started = performance.now();
  const loadAverageStart = os.loadavg();
  await mkdir(outDir, { recursive: true });

  progress('bundling with the CDK esbuild settings');
  const twinTargets: BundleTarget[] = ROUTES.flatMap(({ id }) => {
    const entry = TWIN_ENTRIES[id];
    return entry ? [{ id: twinId(id), entry }] : [];
  });
  const functionTargets: BundleTarget[] = [
    BASELINE,
    ...ROUTES.map(({ id, entry }) => ({ id, entry })),
    ...twinTargets,
    ...ROUTES.filter(({ id }) => id === 'getOrder').map(({ entry }) => ({
      id: SENTRY_BUNDLE_ID,
      entry,
      sentry: true,
    })),
  ];
  const bundles = await buildBundles(
    [...functionTargets, ...PROTOTYPES],
    repoRoot,
    path.join(outDir, 'bundles'),
  );
  const functionBundles = bundles.filter(({ id }) =>
    functionTargets.some((target) => target.id === id),
  );
  const prototypeBundles = bundles.filter(({ id }) =>
    PROTOTYPES.some((target) => target.id === id),
  );

  const before = BEFORE_REF ? await checkoutBefore(BEFORE_REF) : undefined;
  const beforeBundles = before
    ? await buildBundles(
        ROUTES.map(({ id, entry }) => ({ id: `before:${id}`, entry })),
        before,
        path.join(outDir, 'bundles'),
      )
    : [];

  progress(
    `init: ${functionBundles.length + beforeBundles.length} bundles × ${INIT_RUNS} fresh processes`,
  );
  // Each route next to its twin and its earlier version, so that their runs can be paired.
  const initBundles = [...functionBundles, ...beforeBundles];
  const routeOf = (id: string) => id.replace(/^(twin|before):/, '');
  const initOrder = [...new Set(initBundles.map(({ id }) => routeOf(id)))];
  const init = await measureInit(
    initTargets(
      initOrder.flatMap((route) => initBundles.filter(({ id }) => routeOf(id) === route)),
    ),
    INIT_RUNS,
    DEPLOYED_NODE_OPTIONS,
  );
  progress(`init diagnostics: ${DIAGNOSTIC_RUNS} processes each`);
  const initByPackage = await measureInit(
    initTargets(prototypeBundles),
    DIAGNOSTIC_RUNS,
    DEPLOYED_NODE_OPTIONS,
  );
  const initWithoutSourceMaps = await measureInit(
    initTargets(
      functionBundles.filter(({ id }) => ['baseline', 'getOrder', 'createOrder'].includes(id)),
    ),
    DIAGNOSTIC_RUNS,
    [],
  );

  const requestEnv = { ...lambdaEnvironment('bench'), LAMBDA_TASK_ROOT: repoRoot };
  progress(`per request: ${ITERATIONS} iterations per handler`);
  const [baseline, mockCall, catalogRead] = await measureRequests(
    ['baseline', 'mockCall', 'catalogRead'],
    requestEnv,
    ITERATIONS,
    WARMUP,
  );
  if (!baseline || !mockCall || !catalogRead)
    throw new Error('The baseline produced no statistics');
  const requests: RequestComparison[] = [];
  let baselineInTracedProcess: RequestStats | undefined;
  for (const route of ROUTES) {
    if (route.id === 'getOrder') {
      // The baseline timed in a process where Tracer has loaded: the process-wide cost.
      const [, traced] = await measureRequests(
        ['getOrder', 'baseline'],
        requestEnv,
        roundIterations,
        WARMUP,
      );
      baselineInTracedProcess = traced;
    }
    const hasTwin = TWIN_ENTRIES[route.id] !== undefined;
    // Route and twin in ROUNDS fresh processes, their requests interleaved in each (paired
    // mode): the overhead is the median over the rounds of each process's median pair
    // difference. Two processes of the same code differ by up to ±0.1 ms at p50; two handlers
    // timed side by side in one process do not (docs/benchmarks.md).
    const routeRounds: RequestStats[] = [];
    const twinRounds: RequestStats[] = [];
    const differences: number[] = [];
    for (let round = 0; round < (hasTwin ? ROUNDS : 1); round += 1) {
      if (hasTwin) {
        const { first, second, differenceP50Ms } = await measurePair(
          [route.id, twinId(route.id)],
          requestEnv,
          roundIterations,
          WARMUP,
        );
        routeRounds.push(first);
        twinRounds.push(second);
        differences.push(differenceP50Ms);
      } else {
        const [stats] = await measureRequests([route.id], requestEnv, roundIterations, WARMUP);
        if (stats) routeRounds.push(stats);
      }
    }
    for (const stats of [...routeRounds, ...twinRounds]) {
      if (stats.failures > 0)
        throw new Error(`${stats.target}: ${stats.failures} timed requests did not answer 2xx`);
    }
    const stats = mergeRounds(routeRounds);
    const twin = twinRounds.length > 0 ? mergeRounds(twinRounds) : undefined;
    requests.push({
      id: route.id,
      comparedWith: route.id === 'getOrder' ? 'same GetItem' : 'GetItem baseline (different work)',
      route: stats,
      baseline,
      ...overhead(stats, baseline),
      ...(twin && {
        twin,
        overTwinMeanMs: stats.meanMs - twin.meanMs,
        // What the framework layer costs: the rounds' median of paired differences.
        overTwinP50Ms: summarize(differences).p50,
      }),
    });
  }

  const beforeRequests: RequestStats[] = [];
  const afterMinusBefore: Record<string, number> = {};
  if (before) {
    for (const route of ROUTES) {
      // One process with both versions of the route, interleaved, as for the twins.
      const { first, second, differenceP50Ms } = await measurePair(
        [route.id, `before:${route.id}`],
        { ...requestEnv, BENCH_BEFORE_DIR: before },
        roundIterations * 2,
        WARMUP,
      );
      beforeRequests.push(
        { ...second, target: `before:${route.id}` },
        { ...first, target: `after:${route.id}` },
      );
      afterMinusBefore[route.id] = differenceP50Ms;
      if (first.failures > 0 || second.failures > 0)
        throw new Error(`${route.id}: timed requests did not answer 2xx`);
    }
  }

  progress('per request diagnostics: getOrder with parts of Powertools switched off');
  const variants: readonly [string, Record<string, string>][] = [
    ['Tracer off (POWERTOOLS_TRACE_ENABLED=false)', { POWERTOOLS_TRACE_ENABLED: 'false' }],
    [
      '+ Metrics off (POWERTOOLS_METRICS_DISABLED=true)',
      { POWERTOOLS_TRACE_ENABLED: 'false', POWERTOOLS_METRICS_DISABLED: 'true' },
    ],
    [
      '+ Logger silent (POWERTOOLS_LOG_LEVEL=SILENT): middy, zod and own middleware left',
      {
        POWERTOOLS_TRACE_ENABLED: 'false',
        POWERTOOLS_METRICS_DISABLED: 'true',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
      },
    ],
  ];
  const getOrderRow = requests.find(({ id }) => id === 'getOrder');
  const requestAblation: AblationRow[] = getOrderRow
    ? [
        {
          variant: 'as deployed (Tracer, Metrics, Logger on; trace sampled)',
          stats: getOrderRow.route,
          ...overhead(getOrderRow.route, baseline),
        },
      ]
    : [];
  for (const [variant, extraEnv] of variants) {
    const [stats] = await measureRequests(
      ['getOrder'],
      { ...requestEnv, ...extraEnv },
      ITERATIONS,
      WARMUP,
    );
    if (stats) requestAblation.push({ variant, stats, ...overhead(stats, baseline) });
  }

  let synth: BenchResults['synth'];
  if (RUN_SYNTH) {
    progress(`synth: npx cdk synth for ${STAGE_NAMES.join(', ')}, then all stages at once`);
    const cli = await timeCliSynth(repoRoot, [...STAGE_NAMES, 'all'], outDir);
    const all = cli.find(({ stage }) => stage === 'all');
    if (!all) throw new Error('cdk synth -c stage=all was not timed');
    progress('synth: in-memory synthesizeStage');
    const inMemory = await timeInMemorySynth(repoRoot, STAGE_NAMES);
    synth = {
      cli,
      // What CI runs: every stage in one assembly, one `cdk synth -c stage=all`.
      totalSeconds: all.wallSeconds,
      ...(inMemory ? { inMemory } : {}),
    };
  }

  const baselineInit = init.find(({ id }) => id === 'baseline');
  if (!baselineInit) throw new Error('The baseline bundle was not measured');
  const routeInit = init.filter(({ id }) => ROUTES.some((route) => route.id === id));
  const targets: TargetCheck[] = [
    ...routeInit.flatMap((row) => {
      const twin = init.find(({ id }) => id === twinId(row.id as RouteId));
      return [
        check(
          `init ≤ ${TARGETS.initRatioTwin}× twin (wall, paired)`,
          row.id,
          twin ? initRatio(row, twin) : Number.POSITIVE_INFINITY,
          TARGETS.initRatioTwin,
          '×',
        ),
        check(
          `init ≤ ${TARGETS.initRatioTwin}× twin (CPU, paired)`,
          row.id,
          twin ? initRatio(row, twin, 'cpu') : Number.POSITIVE_INFINITY,
          TARGETS.initRatioTwin,
          '×',
        ),
      ];
    }),
    ...requests.map((row) =>
      check(
        `overhead (p50) ≤ ${TARGETS.overheadTwinMs} ms/request over twin`,
        row.id,
        row.overTwinP50Ms ?? Number.POSITIVE_INFINITY,
        TARGETS.overheadTwinMs,
        'ms',
      ),
    ),
    ...routeInit.map((row) =>
      check(
        `init ≤ ${TARGETS.initRatio}× bare baseline (first target)`,
        row.id,
        row.initMs.p50 / baselineInit.initMs.p50,
        TARGETS.initRatio,
        '×',
      ),
    ),
    ...requests.map((row) =>
      check(
        `overhead (p50) ≤ ${TARGETS.overheadMs} ms/request over bare (first target)`,
        row.comparedWith === 'same GetItem' ? row.id : `${row.id} (vs GetItem baseline)`,
        row.overheadP50Ms,
        TARGETS.overheadMs,
        'ms',
      ),
    ),
    ...(synth
      ? [
          check(
            `synth ≤ ${TARGETS.synthSeconds} s`,
            'all stages',
            synth.totalSeconds,
            TARGETS.synthSeconds,
            's',
          ),
        ]
      : []),
  ];

  const results: BenchResults = {
    meta: {
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      loadAverageStart,
      loadAverageEnd: os.loadavg(),
      initRuns: INIT_RUNS,
      diagnosticRuns: DIAGNOSTIC_RUNS,
      iterations: ITERATIONS,
      warmupIterations: WARMUP,
      rounds: ROUNDS,
      initNodeOptions: DEPLOYED_NODE_OPTIONS,
      durationSeconds: (performance.now() - started) / 1000,
    },
    bundles: [...bundles, ...beforeBundles],
    init,
    requests,
    ...(before && { before: { ref: BEFORE_REF, requests: beforeRequests, afterMinusBefore } }),
    ...(synth ? { synth } : {}),
    diagnostics: {
      initWithoutSourceMaps,
      initByPackage,
      requestAblation,
      mockCall,
      catalogRead,
      ...(baselineInTracedProcess ? { baselineInTracedProcess } : {}),
    },
    targets,
  };
  await writeFile(path.join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(renderMarkdown(results));
  progress(`results written to ${path.relative(repoRoot, path.join(outDir, 'results.json'))}`);
};

main().catch((error: unknown) => {
  process.stderr.write(
    `[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
