import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DeploymentEvent } from '#ops/deployments';
import { computeDora, formatDora, type IncidentRecord, median } from '#ops/dora';
import { DORA_METRICS, doraMetricData, doraWidget } from '#ops/dora-widget';

const events = JSON.parse(
  readFileSync('tests/fixtures/dora/deployments.json', 'utf8'),
) as DeploymentEvent[];
const incidents = JSON.parse(
  readFileSync('tests/fixtures/dora/incidents.json', 'utf8'),
) as IncidentRecord[];
const from = new Date('2026-11-01T00:00:00Z');
const to = new Date('2026-11-11T00:00:00Z');

describe('computeDora', () => {
  // Prod, 1–11 November: 4 deploys (2 succeeded, 1 failed, 1 rolled back); December's is outside.
  const report = computeDora(events, incidents, from, to, 'prod');

  it('counts successful deploys per day in the window and stage only', () => {
    expect(report.deployments).toEqual({ total: 4, succeeded: 2, failed: 2 });
    expect(report.deploymentsPerDay).toBeCloseTo(0.2);
    expect(report.levels.deploymentFrequency).toBe('high');
  });

  it('takes the median commit-to-deploy time over the commits of successful deploys', () => {
    // 2 h and 24 h (first deploy), 6 h (fourth): median 6 h.
    expect(report.leadTimeHours).toBe(6);
    expect(report.levels.leadTime).toBe('elite');
  });

  it('counts failed and rolled-back deploys as failed changes', () => {
    expect(report.changeFailureRate).toBe(0.5);
    expect(report.levels.changeFailureRate).toBe('low');
  });

  it('takes the median time to restore over resolved incidents and counts open ones', () => {
    // 30 min and 90 min: median 1 h.
    expect(report.mttrHours).toBe(1);
    expect(report.incidents).toEqual({ total: 3, open: 1 });
    expect(report.levels.mttr).toBe('high');
  });

  it('says n/a rather than zero when there is nothing to measure', () => {
    const empty = computeDora([], [], from, to);
    expect(empty.changeFailureRate).toBeUndefined();
    expect(empty.leadTimeHours).toBeUndefined();
    expect(formatDora(empty)).toContain('n/a (no deploys)');
    expect(median([])).toBeUndefined();
  });

  it('refuses a window that ends before it starts', () => {
    expect(() => computeDora(events, incidents, to, from)).toThrow('--from must be before --to');
  });
});

describe('doraWidget', () => {
  it('graphs exactly the metrics the report publishes, for the stage', () => {
    const report = computeDora(events, incidents, from, to, 'prod');
    const published = doraMetricData(report, 'prod').map((datum) => datum.MetricName);
    const widget = doraWidget('prod');
    const graphed = widget.properties.metrics.map((metric) => metric[1]);
    expect(published.sort()).toEqual([...DORA_METRICS].sort());
    expect(graphed.sort()).toEqual([...DORA_METRICS].sort());
    expect(JSON.stringify(widget)).toContain('"stage","prod"');
  });
});
