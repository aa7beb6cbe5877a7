import type { BundleResult } from './bundle.ts';
import { type InitResult, initRatio } from './init.ts';
import type { RequestStats } from './request.ts';
import type { CliSynthResult, InMemorySynthResult } from './synth.ts';
import { TARGETS, type TargetCheck, verdict } from './targets.ts';

export interface RequestComparison {
  readonly id: string;
  /** What the baseline is to this route: the same call, or just a reference point. */
  readonly comparedWith: 'same GetItem' | 'GetItem baseline (different work)';
  readonly route: RequestStats;
  readonly baseline: RequestStats;
  readonly overheadMeanMs: number;
  readonly overheadP50Ms: number;
  /** The route's Powertools-only twin (bench/twins), timed in a process of its own. */
  readonly twin?: RequestStats;
  readonly overTwinMeanMs?: number;
  readonly overTwinP50Ms?: number;
}

export interface AblationRow {
  readonly variant: string;
  readonly stats: RequestStats;
  readonly overheadMeanMs: number;
  readonly overheadP50Ms: number;
}

export interface BenchResults {
  readonly meta: {
    readonly date: string;
    readonly node: string;
    readonly cpus: number;
    readonly cpuModel: string;
    readonly loadAverageStart: readonly number[];
    readonly loadAverageEnd: readonly number[];
    readonly initRuns: number;
    readonly diagnosticRuns: number;
    readonly iterations: number;
    readonly warmupIterations: number;
    /** Route/twin process pairs per route (alternating order). */
    readonly rounds: number;
    readonly initNodeOptions: readonly string[];
    readonly durationSeconds: number;
  };
  readonly bundles: readonly BundleResult[];
  readonly init: readonly InitResult[];
  readonly requests: readonly RequestComparison[];
  readonly synth?: {
    readonly cli: readonly CliSynthResult[];
    readonly totalSeconds: number;
    readonly inMemory?: InMemorySynthResult;
  };
  readonly diagnostics: {
    readonly initWithoutSourceMaps: readonly InitResult[];
    readonly initByPackage: readonly InitResult[];
    readonly requestAblation: readonly AblationRow[];
    /** One mocked DocumentClient call alone: the mock's own cost per SDK call. */
    readonly mockCall: RequestStats;
    /** createOrder's catalog step alone: one mocked BatchGetItem and pricing the lines. */
    readonly catalogRead: RequestStats;
    readonly baselineInTracedProcess?: RequestStats;
  };
  readonly targets: readonly TargetCheck[];
  /** The same routes at another git ref, measured in this run (BENCH_BEFORE). */
  readonly before?: {
    readonly ref: string;
    /** `before:<route>` and `after:<route>`, timed side by side in one process per route. */
    readonly requests: readonly RequestStats[];
    /** Per route: the median pair difference after − before, timed side by side (ms). */
    readonly afterMinusBefore?: Readonly<Record<string, number>>;
  };
}

const ms = (value: number, digits = 1) => value.toFixed(digits);
const kib = (bytes: number) => (bytes / 1024).toFixed(1);
const table = (header: readonly string[], rows: readonly (readonly string[])[]) =>
  [
    `| ${header.join(' | ')} |`,
    `| ${header.map((_cell, index) => (index === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');

const calls = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([name, count]) => `${count}× ${name.replace(/Command$/, '')}`)
    .join(', ') || '–';

/**
 * Id of getOrder built with the optional Sentry SDK: shown beside getOrder, not held to the
 * targets (they are about the default build, which carries no Sentry code).
 */
export const SENTRY_BUNDLE_ID = 'getOrder (Sentry on)';

/** Renders the results as Markdown: the headline tables, then the diagnostics. */
export const renderMarkdown = (results: BenchResults): string => {
  const { meta } = results;
  const baselineInit = results.init.find(({ id }) => id === 'baseline');
  const baseP50 = baselineInit?.initMs.p50 ?? Number.NaN;
  const out: string[] = [];
  out.push(
    `# Benchmark results\n`,
    `${meta.date} · Node ${meta.node} · ${meta.cpus} × ${meta.cpuModel} · load average ${meta.loadAverageStart.map((n) => n.toFixed(2)).join('/')} at start, ${meta.loadAverageEnd.map((n) => n.toFixed(2)).join('/')} at end · ${meta.durationSeconds.toFixed(0)} s\n`,
  );

  out.push(
    `## Bundle size and module init\n`,
    `Init: wall-clock time of the \`import()\` of the bundle, and the CPU time the process spent meanwhile (every thread; on a shared machine it moves far less than wall time), in ${meta.initRuns} fresh \`node ${meta.initNodeOptions.join(' ')}\` processes each (runs interleaved, each route right beside its twin and alternately first), Lambda-like environment. Each route beside its **Powertools-only twin** (bench/twins: the same SDK clients and Powertools utilities, no validation, no middy, no project code; target ≤ ${TARGETS.initRatioTwin}× twin, judged on × twin: the median over the runs of route ÷ twin in the same run, which a drift of the machine's speed during the run does not move) and the **bare** baseline (no Powertools; first target ≤ ${TARGETS.initRatio}×).\n`,
  );
  const initOf = (id: string) => results.init.find((row) => row.id === id);
  const bundleOf = (id: string) => results.bundles.find((row) => row.id === id);
  out.push(
    table(
      [
        'Function',
        'KiB',
        'gzip KiB',
        'Init p50 ms',
        'Init p90 ms',
        'Twin KiB',
        'Twin p50 ms',
        '× twin',
        `≤ ${TARGETS.initRatioTwin}× twin`,
        'CPU p50 ms',
        'Twin CPU p50 ms',
        '× twin (CPU)',
        '× bare',
        `≤ ${TARGETS.initRatio}× bare`,
        'Heap MiB',
        'Network at init',
      ],
      results.init
        .filter(({ id }) => !id.startsWith('twin:') && !id.startsWith('before:'))
        .map((init) => {
          const bundle = bundleOf(init.id);
          const twin = initOf(`twin:${init.id}`);
          const twinBundle = bundleOf(`twin:${init.id}`);
          const ratio = init.initMs.p50 / baseP50;
          const twinRatio = twin ? initRatio(init, twin) : Number.NaN;
          const isBaseline = init.id === 'baseline';
          return [
            isBaseline ? '**bare baseline** (GetItem, no Powertools)' : init.id,
            bundle ? kib(bundle.bytes) : '',
            bundle ? kib(bundle.gzipBytes) : '',
            ms(init.initMs.p50),
            ms(init.initMs.p90),
            twinBundle ? kib(twinBundle.bytes) : '–',
            twin ? ms(twin.initMs.p50) : '–',
            twin ? `${twinRatio.toFixed(2)}×` : '–',
            isBaseline ? '–' : twin ? verdict(twinRatio <= TARGETS.initRatioTwin) : 'no twin',
            ms(init.cpuMs.p50),
            twin ? ms(twin.cpuMs.p50) : '–',
            twin ? `${initRatio(init, twin, 'cpu').toFixed(2)}×` : '–',
            `${ratio.toFixed(2)}×`,
            isBaseline || init.id === SENTRY_BUNDLE_ID ? '–' : verdict(ratio <= TARGETS.initRatio),
            init.heapUsedMiB.toFixed(1),
            [...init.networkCalls, ...(twin?.networkCalls ?? [])].join(', ') || 'none',
          ];
        }),
    ),
  );

  out.push(
    `\n## Per-request cost (mocked I/O, in process)\n`,
    `${meta.iterations} timed requests per handler after ${meta.warmupIterations} warm-up ones per process. A route and its twin run in ${meta.rounds} fresh processes, both in each, their requests interleaved (route then twin, then twin then route), each timing ${Math.ceil(meta.iterations / meta.rounds)} requests of each: their p50 and p99 are the median of the rounds', and over twin p50 is the median over the rounds of each process's median pair difference, so whatever slows a process or the machine at a moment slows both sides of a pair. Over twin = route − twin: the twin makes the same SDK calls (createOrder: about the same; see the calls columns), so this is what the project's framework layer costs per request; target ≤ ${TARGETS.overheadTwinMs} ms, judged on the p50. The bare baseline runs in a process of its own; over bare = route − the bare GetItem baseline (only getOrder does the same work as it).\n`,
  );
  out.push(
    table(
      [
        'Route',
        'p50 ms',
        'Mean ms',
        'p99 ms',
        'Twin p50',
        'Twin mean',
        'Over twin p50 ms',
        `≤ ${TARGETS.overheadTwinMs} ms over twin`,
        'Bare p50',
        'Over bare p50 ms',
        'Mocked calls per request',
        'Twin calls',
      ],
      results.requests.map((row) => [
        row.id,
        ms(row.route.p50Ms, 3),
        ms(row.route.meanMs, 3),
        ms(row.route.p99Ms, 3),
        row.twin ? ms(row.twin.p50Ms, 3) : '–',
        row.twin ? ms(row.twin.meanMs, 3) : '–',
        row.overTwinP50Ms === undefined ? '–' : ms(row.overTwinP50Ms, 3),
        row.overTwinP50Ms === undefined
          ? 'no twin'
          : verdict(row.overTwinP50Ms <= TARGETS.overheadTwinMs),
        ms(row.baseline.p50Ms, 3),
        ms(row.overheadP50Ms, 3),
        calls(row.route.callsPerRequest),
        row.twin ? calls(row.twin.callsPerRequest) : '–',
      ]),
    ),
  );

  if (results.synth) {
    const { cli, totalSeconds, inMemory } = results.synth;
    out.push(
      `\n## Synth\n`,
      '`npx cdk synth -c stage=<stage> -q`, one process per stage, then `-c stage=all` (every stage in one assembly, as CI synthesizes; stages with the same build-time constants share bundles); the functions bundled in the synth process by esbuild, all those with the same constants in one run. Target: all stages ≤ ' +
        `${TARGETS.synthSeconds} s.\n`,
    );
    out.push(
      table(
        [
          'Stage',
          'cdk synth wall s',
          'esbuild s (functions bundled)',
          'In-memory synthesizeStage s (no bundling)',
          'In-memory with cdk-nag s',
        ],
        [
          ...cli
            .filter((row) => row.stage !== 'all')
            .map((row) => [
              row.stage,
              ms(row.wallSeconds),
              `${ms(row.esbuildSeconds)} (${row.functionsBundled})`,
              ms(
                inMemory?.stages.find(({ stage }) => stage === row.stage)?.seconds ?? Number.NaN,
                2,
              ),
              ms(
                inMemory?.withNag.find(({ stage }) => stage === row.stage)?.seconds ?? Number.NaN,
                2,
              ),
            ]),
          [
            '**all stages** (`-c stage=all`)',
            `**${ms(totalSeconds)}** (${verdict(totalSeconds <= TARGETS.synthSeconds)} ≤ ${TARGETS.synthSeconds} s)`,
            (() => {
              const all = cli.find((row) => row.stage === 'all');
              return all ? `${ms(all.esbuildSeconds)} (${all.functionsBundled})` : 'n/a';
            })(),
            inMemory
              ? `${ms(
                  inMemory.stages.reduce((sum, row) => sum + row.seconds, 0),
                  2,
                )} + ${ms(inMemory.importSeconds, 2)} import`
              : 'n/a',
            inMemory
              ? ms(
                  inMemory.withNag.reduce((sum, row) => sum + row.seconds, 0),
                  2,
                )
              : 'n/a',
          ],
        ],
      ),
    );
  }

  const validated = results.synth?.inMemory?.withNagAndValidation;
  if (validated) {
    out.push(
      `\nIn-memory synth of ${validated.stage} with cdk-nag **and** CDK's built-in CloudFormation validation (\`cdk synth -c validate=true\`): ${ms(validated.seconds, 2)} s.`,
    );
  }

  if (results.before) {
    const { ref, requests, afterMinusBefore = {} } = results.before;
    out.push(
      `\n## Before and after\n`,
      `Each route as it is at \`${ref}\` (before) and here (after), bundled with the same settings and measured in this run, interleaved with the rest. Per request, both versions of a route are timed in one process, their requests interleaved; the last column is the median of those pairs' differences (negative: after is faster).\n`,
    );
    out.push(
      table(
        [
          'Route',
          'KiB before',
          'KiB after',
          'Init p50 before ms',
          'Init p50 after ms',
          'CPU p50 before ms',
          'CPU p50 after ms',
          'Twin init p50 ms',
          '× twin before',
          '× twin after',
          'Request p50 before ms',
          'Request p50 after ms',
          'After − before, paired p50 ms',
        ],
        results.requests.map((row) => {
          const was = initOf(`before:${row.id}`);
          const now = initOf(row.id);
          const twin = initOf(`twin:${row.id}`);
          const wasRequest = requests.find(({ target }) => target === `before:${row.id}`);
          // From the same process as the before figure, so the two columns compare.
          const nowRequest = requests.find(({ target }) => target === `after:${row.id}`);
          return [
            row.id,
            kib(bundleOf(`before:${row.id}`)?.bytes ?? Number.NaN),
            kib(bundleOf(row.id)?.bytes ?? Number.NaN),
            ms(was?.initMs.p50 ?? Number.NaN),
            ms(now?.initMs.p50 ?? Number.NaN),
            ms(was?.cpuMs.p50 ?? Number.NaN),
            ms(now?.cpuMs.p50 ?? Number.NaN),
            ms(twin?.initMs.p50 ?? Number.NaN),
            was && twin ? `${initRatio(was, twin).toFixed(2)}×` : '–',
            now && twin ? `${initRatio(now, twin).toFixed(2)}×` : '–',
            ms(wasRequest?.p50Ms ?? Number.NaN, 3),
            ms(nowRequest?.p50Ms ?? row.route.p50Ms, 3),
            ms(afterMinusBefore[row.id] ?? Number.NaN, 3),
          ];
        }),
      ),
    );
  }

  out.push(`\n## Targets\n`);
  out.push(
    table(
      ['Target', 'Subject', 'Measured', 'Limit', 'Verdict'],
      results.targets.map((row) => [
        row.target,
        row.subject,
        `${row.measured.toFixed(row.unit === 'ms' ? 3 : 2)} ${row.unit}`,
        `${row.limit} ${row.unit}`,
        `**${verdict(row.pass)}**`,
      ]),
    ),
  );

  const { diagnostics } = results;
  out.push(`\n## Diagnostics\n`);
  const empty = diagnostics.initByPackage.find(({ id }) => id === 'empty');
  if (empty) {
    out.push(
      `Init of each dependency alone (bench/prototypes, same bundling and flags, ${meta.diagnosticRuns} processes), minus the empty bundle's ${ms(empty.initMs.p50)} ms:\n`,
    );
    out.push(
      table(
        ['Bundle', 'KiB', 'Init p50 ms', 'Above empty ms'],
        [
          ...diagnostics.initByPackage.map((row) => {
            const bundle = results.bundles.find(({ id }) => id === row.id);
            return [
              row.id,
              bundle ? kib(bundle.bytes) : '',
              ms(row.initMs.p50),
              ms(row.initMs.p50 - empty.initMs.p50),
            ];
          }),
          [
            'baseline (SDK DocumentClient)',
            kib(results.bundles.find(({ id }) => id === 'baseline')?.bytes ?? 0),
            ms(baseP50),
            ms(baseP50 - empty.initMs.p50),
          ],
        ],
      ),
    );
  }
  if (diagnostics.initWithoutSourceMaps.length > 0) {
    out.push(
      `\nInit without \`--enable-source-maps\` (the function construct sets it through NODE_OPTIONS):\n`,
    );
    out.push(
      table(
        ['Function', 'With source maps p50 ms', 'Without p50 ms', 'Difference ms'],
        diagnostics.initWithoutSourceMaps.map((row) => {
          const withMaps = results.init.find(({ id }) => id === row.id)?.initMs.p50 ?? Number.NaN;
          return [row.id, ms(withMaps), ms(row.initMs.p50), ms(withMaps - row.initMs.p50)];
        }),
      ),
    );
  }
  const getOrder = results.bundles.find(({ id }) => id === 'getOrder');
  if (getOrder) {
    out.push(`\nLargest contributors to the getOrder bundle (minified bytes, esbuild metafile):\n`);
    out.push(
      table(
        ['Package', 'KiB'],
        getOrder.topPackages.map((row) => [row.name, kib(row.bytes)]),
      ),
    );
  }
  if (diagnostics.requestAblation.length > 0) {
    out.push(
      `\ngetOrder per request with Powertools switched off through its environment variables (same code):\n`,
    );
    out.push(
      table(
        ['Variant', 'Mean ms', 'p50 ms', 'p99 ms', 'Overhead mean ms', 'Overhead p50 ms'],
        diagnostics.requestAblation.map((row) => [
          row.variant,
          ms(row.stats.meanMs, 3),
          ms(row.stats.p50Ms, 3),
          ms(row.stats.p99Ms, 3),
          ms(row.overheadMeanMs, 3),
          ms(row.overheadP50Ms, 3),
        ]),
      ),
    );
  }
  const mockCall = diagnostics.mockCall;
  out.push(
    `\nOne mocked SDK call alone (aws-sdk-client-mock, no handler) costs mean ${ms(mockCall.meanMs, 3)} ms, p50 ${ms(mockCall.p50Ms, 3)} ms: routes making more mocked calls than the baseline's one carry that much per extra call (and createOrder a stubbed fetch) in their figures.`,
  );
  const catalogRead = diagnostics.catalogRead;
  const base = results.requests[0]?.baseline;
  out.push(
    `\nCreating an order now reads the catalog first (server-owned prices): one BatchGetItem for all its SKUs. That step alone, with the handler's code and the same mock: mean ${ms(catalogRead.meanMs, 3)} ms, p50 ${ms(catalogRead.p50Ms, 3)} ms${base ? `, beside the baseline's whole GetItem request at p50 ${ms(base.p50Ms, 3)} ms` : ''}; it is part of createOrder's figures above. Deployed, it adds one DynamoDB round trip per order (single-digit milliseconds in-region), which a mock cannot show.`,
  );
  if (diagnostics.baselineInTracedProcess) {
    const traced = diagnostics.baselineInTracedProcess;
    out.push(
      `\nThe bare baseline run in the getOrder process (after Tracer loaded X-Ray and its async hooks): mean ${ms(traced.meanMs, 3)} ms, p50 ${ms(traced.p50Ms, 3)} ms.`,
    );
  }
  const sentryRows = ['getOrder', SENTRY_BUNDLE_ID].map((id) => ({
    id,
    bundle: results.bundles.find((bundle) => bundle.id === id),
    init: results.init.find((init) => init.id === id),
  }));
  if (sentryRows.every((row) => row.bundle && row.init)) {
    out.push(
      `## Sentry (optional)\n`,
      'getOrder as built for a stage without Sentry (every stage by default: no Sentry code in the bundle) and for one that names a DSN secret. Init is the module load only: the DSN read and `Sentry.init` run after it, in the background, and only where the secret is set.\n',
      table(
        ['Build', 'Bundle KiB', 'gzip KiB', 'Init p50 ms', 'Init p90 ms'],
        sentryRows.map(({ id, bundle, init }) => [
          id,
          kib(bundle?.bytes ?? 0),
          kib(bundle?.gzipBytes ?? 0),
          ms(init?.initMs.p50 ?? Number.NaN),
          ms(init?.initMs.p90 ?? Number.NaN),
        ]),
      ),
      '',
    );
  }
  return `${out.join('\n')}\n`;
};
