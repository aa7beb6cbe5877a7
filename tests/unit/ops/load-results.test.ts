import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main as compareMain } from '#ops/load-compare';
import {
  type ArtilleryReport,
  compareRuns,
  type LoadRunResult,
  renderPlot,
  summariseReport,
} from '#ops/load-results';

const machine = {
  platform: 'linux',
  arch: 'x64',
  cpus: 2,
  cpuModel: 'test cpu',
  memoryGiB: 8,
  loadAverage: { before: [0.5, 0.4, 0.3], after: [0.6, 0.5, 0.4] },
  versions: { node: 'v20', artillery: '2.0.34' },
};

const period = (at: number, requests: number, p99: number, errors = 0) => ({
  period: at,
  firstMetricAt: at,
  lastMetricAt: at + 9_999,
  counters: {
    'http.requests': requests,
    'http.codes.200': requests - errors,
    ...(errors > 0 && { 'errors.getOrder answered 500': errors }),
  },
  summaries: { 'http.response_time': { p50: p99 / 4, p95: p99 / 2, p99, max: p99 * 2 } },
});

const report: ArtilleryReport = {
  aggregate: {
    firstMetricAt: 1_700_000_000_000,
    lastMetricAt: 1_700_000_020_000,
    counters: {
      'http.requests': 200,
      'http.codes.200': 150,
      'http.codes.201': 48,
      'errors.getOrder answered 500': 2,
      'vusers.created': 80,
      'vusers.completed': 78,
      'vusers.failed': 2,
    },
    summaries: {
      'http.response_time': { p50: 8, p95: 30, p99: 60, max: 90, mean: 12 },
      'plugins.metrics-by-endpoint.response_time.createOrder': {
        count: 48,
        mean: 20,
        p50: 15,
        p95: 40,
        p99: 70,
        max: 90,
      },
    },
  },
  // Out of order on purpose: the timeline is sorted.
  intermediate: [period(1_700_000_010_000, 100, 50, 2), period(1_700_000_000_000, 100, 70)],
};

const summarise = (overrides: Partial<LoadRunResult> = {}): LoadRunResult => ({
  ...summariseReport(report, {
    scenario: 'steady',
    environment: 'local',
    target: 'http://127.0.0.1:3000',
    environmentInfo: machine,
  }),
  ...overrides,
});

describe('load results', () => {
  it('summarises an Artillery report: totals, error rate, endpoints and a sorted timeline', () => {
    // Act
    const run = summarise();

    // Assess
    expect(run).toMatchObject({
      requests: 200,
      durationSeconds: 20,
      requestRate: 10,
      errors: 2,
      errorRate: 0.01,
      vusers: { created: 80, completed: 78, failed: 2 },
      statusCodes: { '200': 150, '201': 48 },
      latencyMs: { p50: 8, p95: 30, p99: 60, max: 90 },
      endpoints: { createOrder: { count: 48, mean: 20, p99: 70 } },
    });
    expect(run.timeline.map((point) => point.p99)).toEqual([70, 50]);
    expect(run.timeline[1]?.errors).toBe(2);
  });

  it('plots p50, p95 and p99 of every period in a self-contained page', () => {
    // Act
    const html = renderPlot(summarise(), '/* chart.js */');

    // Assess
    expect(html).toContain('/* chart.js */');
    expect(html).toContain('"label":"p99 (ms)","data":[70,50]');
    expect(html).toContain('createOrder');
    expect(html).not.toMatch(/<script src=/);
  });
});

describe('comparing a run with its baseline', () => {
  const baseline = summarise({ errors: 0, errorRate: 0 });

  it('passes a run within the p99 tolerance and without more errors', () => {
    // Prepare
    const current = summarise({
      errors: 0,
      errorRate: 0,
      latencyMs: { ...baseline.latencyMs, p99: 70 },
    });

    // Act
    const comparison = compareRuns(baseline, current, { p99TolerancePercent: 20 });

    // Assess
    expect(comparison.regressions).toEqual([]);
    expect(comparison.lines.join('\n')).toContain('all requests p99 60 ms -> 70 ms (+16.7 %)');
  });

  it('flags a p99 worse by more than the tolerance', () => {
    // Prepare
    const current = summarise({
      errors: 0,
      errorRate: 0,
      latencyMs: { ...baseline.latencyMs, p99: 80 },
    });

    // Act
    const comparison = compareRuns(baseline, current, { p99TolerancePercent: 20 });

    // Assess
    expect(comparison.regressions).toEqual([
      expect.stringMatching(/^all requests p99 80 ms is \+33\.3 % over the baseline's 60 ms/),
    ]);
  });

  it('flags an endpoint whose p99 regressed while the overall one held', () => {
    // Prepare
    const current = summarise({
      errors: 0,
      errorRate: 0,
      endpoints: {
        createOrder: { count: 48, mean: 30, p50: 20, p95: 60, p99: 140, max: 150 },
      },
    });

    // Act
    const comparison = compareRuns(baseline, current);

    // Assess
    expect(comparison.regressions).toEqual([expect.stringMatching(/^createOrder p99 140 ms/)]);
  });

  it('ignores a change smaller than the noise floor on a tiny p99', () => {
    // Prepare
    const small = summarise({
      errors: 0,
      errorRate: 0,
      latencyMs: { p50: 1, p95: 2, p99: 3, max: 4 },
    });
    const current = { ...small, latencyMs: { ...small.latencyMs, p99: 4 } };

    // Act
    const comparison = compareRuns(small, current, { p99TolerancePercent: 20, minP99DeltaMs: 2 });

    // Assess
    expect(comparison.regressions).toEqual([]);
  });

  it('flags any rise in the error rate, naming the errors', () => {
    // Act
    const comparison = compareRuns(baseline, summarise());

    // Assess
    expect(comparison.regressions).toEqual([
      expect.stringMatching(
        /^error rate rose from 0\.000 % to 1\.000 % \(2 of 200 requests: getOrder answered 500 ×2\)/,
      ),
    ]);
  });

  it('warns when the run and the baseline are different scenarios or the machine was busier', () => {
    // Prepare
    const current = summarise({
      scenario: 'spike',
      errors: 0,
      errorRate: 0,
      environmentInfo: { ...machine, loadAverage: { before: [6, 5, 4], after: [6, 5, 4] } },
    });

    // Act
    const { warnings } = compareRuns(baseline, current);

    // Assess
    expect(warnings).toEqual([
      'comparing spike/local with a baseline of steady/local',
      expect.stringMatching(/^machine load differs: 1-minute load average 6\.00 now, 0\.50/),
    ]);
  });
});

describe('npm run load:compare', () => {
  const files = async (baseline: LoadRunResult, current: LoadRunResult) => {
    const dir = await mkdtemp(join(tmpdir(), 'load-compare-'));
    const baselineFile = join(dir, 'baseline.json');
    const currentFile = join(dir, 'result.json');
    await writeFile(baselineFile, JSON.stringify(baseline));
    await writeFile(currentFile, JSON.stringify(current));
    return { baselineFile, currentFile };
  };

  it('exits 1 and prints each regression', async () => {
    // Prepare
    const baseline = summarise({ errors: 0, errorRate: 0 });
    const { baselineFile, currentFile } = await files(baseline, summarise());
    const lines: string[] = [];

    // Act
    const code = await compareMain([currentFile, '--baseline', baselineFile], (line) =>
      lines.push(line),
    );

    // Assess
    expect(code).toBe(1);
    expect(lines).toContainEqual(expect.stringMatching(/^REGRESSION: error rate rose/));
  });

  it('exits 0 when the run holds the baseline', async () => {
    // Prepare
    const run = summarise();
    const { baselineFile, currentFile } = await files(run, run);

    // Act
    const code = await compareMain([currentFile, '--baseline', baselineFile], () => undefined);

    // Assess
    expect(code).toBe(0);
  });

  it('says how to make a baseline when there is none', async () => {
    // Prepare
    const { currentFile } = await files(summarise(), summarise());

    // Act / Assess
    await expect(
      compareMain([currentFile, '--baseline', '/nonexistent/baseline.json'], () => undefined),
    ).rejects.toThrow(/npm run load:local -- steady --save-baseline/);
  });
});
