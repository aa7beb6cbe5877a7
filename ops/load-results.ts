/**
 * What a load run leaves behind: Artillery's JSON report turned into one result document (totals,
 * latency percentiles overall, per endpoint and over time, machine and versions), the comparison
 * of a run with a stored baseline, and a page plotting the run's percentiles over time.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '#local/paths';

/** Artillery's summary of a distribution (milliseconds). */
interface ArtillerySummary {
  readonly count?: number;
  readonly min?: number;
  readonly max?: number;
  readonly mean?: number;
  readonly p50?: number;
  readonly median?: number;
  readonly p95?: number;
  readonly p99?: number;
}

/** One period (or the whole run) of an Artillery JSON report (`artillery run --output`). */
export interface ArtilleryPeriod {
  readonly counters?: Readonly<Record<string, number>>;
  readonly rates?: Readonly<Record<string, number>>;
  readonly summaries?: Readonly<Record<string, ArtillerySummary>>;
  readonly firstMetricAt?: number;
  readonly lastMetricAt?: number;
  readonly period?: number | string;
}

export interface ArtilleryReport {
  readonly aggregate: ArtilleryPeriod;
  readonly intermediate?: readonly ArtilleryPeriod[];
}

export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** Where a run happened and with what: a figure means little without it. */
export interface RunEnvironment {
  readonly platform: string;
  readonly arch: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  /** 1, 5 and 15-minute load averages when the run started and when it ended. */
  readonly loadAverage: { readonly before: readonly number[]; readonly after: readonly number[] };
  readonly versions: Readonly<Record<string, string>>;
}

/** CPU seconds each process spent during the run, beside its wall time. */
export interface CpuUse {
  readonly wallSeconds: number;
  readonly processes: Readonly<Record<string, number>>;
}

/** One load run, as saved under `reports/load/` and (as a baseline) `bench/baselines/`. */
export interface LoadRunResult {
  readonly schema: 1;
  readonly scenario: string;
  /** Artillery environment: `local` or a stage name. */
  readonly environment: string;
  readonly target: string;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly requests: number;
  /** Mean requests per second over the run. */
  readonly requestRate: number;
  /** Failed requests: unexpected statuses and transport errors. */
  readonly errors: number;
  readonly errorRate: number;
  readonly errorsByKind: Readonly<Record<string, number>>;
  readonly vusers: {
    readonly created: number;
    readonly completed: number;
    readonly failed: number;
  };
  readonly statusCodes: Readonly<Record<string, number>>;
  readonly latencyMs: Percentiles;
  /** Per request name of `load/flows.yml`: count, mean and percentiles. */
  readonly endpoints: Readonly<
    Record<string, Percentiles & { readonly count: number; readonly mean: number }>
  >;
  readonly timeline: readonly (Percentiles & {
    readonly at: string;
    readonly requests: number;
    readonly errors: number;
  })[];
  readonly environmentInfo: RunEnvironment;
  readonly cpu?: CpuUse;
}

const counter = (period: ArtilleryPeriod, name: string): number => period.counters?.[name] ?? 0;

const sumCounters = (period: ArtilleryPeriod, prefix: string): Record<string, number> => {
  const found: Record<string, number> = {};
  for (const [name, value] of Object.entries(period.counters ?? {})) {
    if (name.startsWith(prefix)) found[name.slice(prefix.length)] = value;
  }
  return found;
};

const total = (values: Record<string, number>): number =>
  Object.values(values).reduce((sum, value) => sum + value, 0);

const percentiles = (summary: ArtillerySummary | undefined): Percentiles => ({
  p50: summary?.p50 ?? summary?.median ?? 0,
  p95: summary?.p95 ?? 0,
  p99: summary?.p99 ?? 0,
  max: summary?.max ?? 0,
});

const ENDPOINT_PREFIX = 'plugins.metrics-by-endpoint.response_time.';

const periodStart = (period: ArtilleryPeriod): number =>
  Number(period.period ?? period.firstMetricAt ?? 0);

/** Turns Artillery's report into a {@link LoadRunResult}. */
export const summariseReport = (
  report: ArtilleryReport,
  meta: {
    scenario: string;
    environment: string;
    target: string;
    environmentInfo: RunEnvironment;
    cpu?: CpuUse;
  },
): LoadRunResult => {
  const { aggregate } = report;
  const requests = counter(aggregate, 'http.requests');
  const errorsByKind = sumCounters(aggregate, 'errors.');
  const errors = total(errorsByKind);
  const first = aggregate.firstMetricAt ?? 0;
  const last = aggregate.lastMetricAt ?? first;
  const durationSeconds = Math.max((last - first) / 1000, 0);
  const endpoints: Record<string, Percentiles & { count: number; mean: number }> = {};
  for (const [name, summary] of Object.entries(aggregate.summaries ?? {})) {
    if (!name.startsWith(ENDPOINT_PREFIX)) continue;
    endpoints[name.slice(ENDPOINT_PREFIX.length)] = {
      count: summary.count ?? 0,
      mean: summary.mean ?? 0,
      ...percentiles(summary),
    };
  }
  const timeline = [...(report.intermediate ?? [])]
    .filter((period) => counter(period, 'http.requests') > 0)
    .sort((a, b) => periodStart(a) - periodStart(b))
    .map((period) => ({
      at: new Date(periodStart(period)).toISOString(),
      requests: counter(period, 'http.requests'),
      errors: total(sumCounters(period, 'errors.')),
      ...percentiles(period.summaries?.['http.response_time']),
    }));
  return {
    schema: 1,
    scenario: meta.scenario,
    environment: meta.environment,
    target: meta.target,
    startedAt: new Date(first).toISOString(),
    durationSeconds: round(durationSeconds),
    requests,
    requestRate: round(durationSeconds > 0 ? requests / durationSeconds : 0),
    errors,
    errorRate: requests > 0 ? round(errors / requests, 6) : 0,
    errorsByKind,
    vusers: {
      created: counter(aggregate, 'vusers.created'),
      completed: counter(aggregate, 'vusers.completed'),
      failed: counter(aggregate, 'vusers.failed'),
    },
    statusCodes: sumCounters(aggregate, 'http.codes.'),
    latencyMs: percentiles(aggregate.summaries?.['http.response_time']),
    endpoints,
    timeline,
    environmentInfo: meta.environmentInfo,
    ...(meta.cpu && { cpu: meta.cpu }),
  };
};

const round = (value: number, digits = 2): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

export interface CompareOptions {
  /** A p99 more than this many percent above the baseline's is a regression. @default 20 */
  readonly p99TolerancePercent?: number;
  /**
   * Differences below this many milliseconds are never a regression (timer resolution and noise
   * on a few-millisecond baseline). @default 2
   */
  readonly minP99DeltaMs?: number;
}

export interface Comparison {
  /** One line per regression; empty when the run holds the baseline. */
  readonly regressions: readonly string[];
  /** Every figure beside its baseline, for the report. */
  readonly lines: readonly string[];
  /** Things that make the comparison less meaningful (another scenario, a busier machine). */
  readonly warnings: readonly string[];
}

const percentChange = (before: number, after: number): number =>
  before === 0 ? (after === 0 ? 0 : Infinity) : ((after - before) / before) * 100;

const signed = (value: number): string =>
  Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(1)} %` : 'new';

/**
 * Compares a run with a baseline: a regression is a p99 worse by more than the tolerance (overall
 * or on an endpoint both runs measured), or any rise in the error rate.
 */
export const compareRuns = (
  baseline: LoadRunResult,
  current: LoadRunResult,
  options: CompareOptions = {},
): Comparison => {
  const tolerance = options.p99TolerancePercent ?? 20;
  const minDelta = options.minP99DeltaMs ?? 2;
  const regressions: string[] = [];
  const lines: string[] = [];
  const warnings: string[] = [];
  if (baseline.scenario !== current.scenario || baseline.environment !== current.environment) {
    warnings.push(
      `comparing ${current.scenario}/${current.environment} with a baseline of ${baseline.scenario}/${baseline.environment}`,
    );
  }
  const baseLoad = baseline.environmentInfo.loadAverage.before[0] ?? 0;
  const currentLoad = current.environmentInfo.loadAverage.before[0] ?? 0;
  if (Math.abs(currentLoad - baseLoad) > baseline.environmentInfo.cpus / 2) {
    warnings.push(
      `machine load differs: 1-minute load average ${currentLoad.toFixed(2)} now, ${baseLoad.toFixed(2)} at the baseline`,
    );
  }

  const checkP99 = (label: string, before: number, after: number): void => {
    const change = percentChange(before, after);
    lines.push(`${label} p99 ${before} ms -> ${after} ms (${signed(change)})`);
    if (change > tolerance && after - before >= minDelta) {
      regressions.push(
        `${label} p99 ${after} ms is ${signed(change)} over the baseline's ${before} ms (tolerance ${tolerance} %)`,
      );
    }
  };
  checkP99('all requests', baseline.latencyMs.p99, current.latencyMs.p99);
  lines.push(
    `all requests p95 ${baseline.latencyMs.p95} ms -> ${current.latencyMs.p95} ms (${signed(percentChange(baseline.latencyMs.p95, current.latencyMs.p95))})`,
  );
  for (const [name, before] of Object.entries(baseline.endpoints)) {
    const after = current.endpoints[name];
    if (after) checkP99(name, before.p99, after.p99);
  }

  lines.push(
    `error rate ${(baseline.errorRate * 100).toFixed(3)} % -> ${(current.errorRate * 100).toFixed(3)} %`,
  );
  if (current.errorRate > baseline.errorRate) {
    regressions.push(
      `error rate rose from ${(baseline.errorRate * 100).toFixed(3)} % to ${(current.errorRate * 100).toFixed(3)} % (${current.errors} of ${current.requests} requests: ${Object.entries(
        current.errorsByKind,
      )
        .map(([kind, count]) => `${kind} ×${count}`)
        .join(', ')})`,
    );
  }
  lines.push(`throughput ${baseline.requestRate} -> ${current.requestRate} requests/s`);
  return { regressions, lines, warnings };
};

/** `bench/baselines/<scenario>-<environment>.json`: the stored baseline of a scenario. */
export const baselinePath = (scenario: string, environment: string): string =>
  join(REPO_ROOT, 'bench', 'baselines', `load-${scenario}-${environment}.json`);

/** Reads a saved result, or throws a one-line error naming the file. */
export const readResult = async (file: string): Promise<LoadRunResult> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`no load result at ${file}`);
  }
  const parsed = JSON.parse(text) as Partial<LoadRunResult>;
  if (parsed.schema !== 1 || typeof parsed.latencyMs?.p99 !== 'number') {
    throw new Error(`${file} is not a load result (schema 1)`);
  }
  return parsed as LoadRunResult;
};

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"]/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[char] ?? char,
  );

/**
 * A self-contained page (Chart.js inlined, no outside requests) plotting the run's p50, p95 and
 * p99 per reporting period, with requests and errors per period on a second axis.
 */
export const renderPlot = (run: LoadRunResult, chartJs: string): string => {
  const labels = run.timeline.map((point) => point.at.slice(11, 19));
  const series = (key: 'p50' | 'p95' | 'p99' | 'requests' | 'errors') =>
    run.timeline.map((point) => point[key]);
  const config = {
    type: 'line',
    data: {
      labels,
      datasets: [
        { label: 'p50 (ms)', data: series('p50'), yAxisID: 'ms' },
        { label: 'p95 (ms)', data: series('p95'), yAxisID: 'ms' },
        { label: 'p99 (ms)', data: series('p99'), yAxisID: 'ms' },
        { label: 'requests per period', data: series('requests'), yAxisID: 'count' },
        { label: 'errors per period', data: series('errors'), yAxisID: 'count' },
      ],
    },
    options: {
      animation: false,
      scales: {
        ms: { type: 'linear', position: 'left', title: { display: true, text: 'ms' } },
        count: {
          type: 'linear',
          position: 'right',
          grid: { drawOnChartArea: false },
          title: { display: true, text: 'requests' },
        },
      },
    },
  };
  const title = `${run.scenario} (${run.environment}) ${run.startedAt}`;
  const info = run.environmentInfo;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1100px}td,th{padding:2px 10px;text-align:right}</style>
</head><body>
<h1>Load run: ${escapeHtml(title)}</h1>
<p>${run.requests} requests in ${run.durationSeconds} s (${run.requestRate}/s), error rate
${(run.errorRate * 100).toFixed(3)} %; p50 ${run.latencyMs.p50} ms, p95 ${run.latencyMs.p95} ms,
p99 ${run.latencyMs.p99} ms, max ${run.latencyMs.max} ms. Target ${escapeHtml(run.target)};
${info.cpus} × ${escapeHtml(info.cpuModel)}, load average ${info.loadAverage.before.join(' / ')} before,
${info.loadAverage.after.join(' / ')} after.</p>
<canvas id="latency" height="120"></canvas>
<table><tr><th>endpoint</th><th>count</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr>
${Object.entries(run.endpoints)
  .map(
    ([name, e]) =>
      `<tr><td>${escapeHtml(name)}</td><td>${e.count}</td><td>${e.p50}</td><td>${e.p95}</td><td>${e.p99}</td><td>${e.max}</td></tr>`,
  )
  .join('\n')}
</table>
<script>${chartJs}</script>
<script>new Chart(document.getElementById('latency'), ${JSON.stringify(config)});</script>
</body></html>
`;
};

/** Chart.js's browser build, from the project's dependencies. */
export const readChartJs = (): Promise<string> =>
  readFile(join(REPO_ROOT, 'node_modules', 'chart.js', 'dist', 'chart.umd.min.js'), 'utf8');
