import { describe, expect, it } from 'vitest';
import { applyBudget } from '#triage/budget';
import { bundleBytes, type ContextBundle, type Evidence } from '#triage/bundle';
import { loadScenario } from '../../fixtures/triage.ts';

const logLine = (n: number): Evidence => ({
  id: `logs-${n}`,
  source: 'logs',
  summary: `error ${n}`,
  data: { kind: 'log', message: `Error: something failed ${'x'.repeat(2000)}`, count: 1000 - n },
});

describe('applyBudget', () => {
  it('leaves a bundle within the budget unchanged', () => {
    const { bundle } = loadScenario('fault-left-on');
    expect(applyBudget(bundle, 1_000_000)).toBe(bundle);
  });

  it('keeps any log volume within the budget, keeping the alarm and higher-priority sources', () => {
    const { bundle } = loadScenario('deploy-new-error');
    const flooded: ContextBundle = {
      ...bundle,
      evidence: [...bundle.evidence, ...Array.from({ length: 500 }, (_, n) => logLine(n + 1))],
    };
    expect(bundleBytes(flooded)).toBeGreaterThan(1_000_000);

    const bounded = applyBudget(flooded, 16_000);

    expect(bundleBytes(bounded)).toBeLessThanOrEqual(16_000);
    const ids = bounded.evidence.map((e) => e.id);
    expect(ids).toEqual(expect.arrayContaining(['alarm-1', 'deployments-1']));
    expect(bounded.truncated?.dropped).toBeGreaterThan(0);
    expect(bounded.truncated?.bytes).toBe(bundleBytes(flooded));
    // The most frequent log lines (first) survive longer than the rest: the kept ones are a prefix.
    const keptLogs = ids.filter((id) => /^logs-\d+$/.test(id) && id !== 'logs-1');
    expect(keptLogs).toEqual(keptLogs.map((_, index) => `logs-${index + 2}`));
  });

  it('downsamples long metric series but keeps the peak', () => {
    const points = Array.from({ length: 300 }, (_, i) => ({
      t: new Date(Date.UTC(2026, 10, 20, 8) + i * 60_000).toISOString(),
      v: i === 217 ? 999 : 1,
    }));
    const bundle: ContextBundle = {
      version: 1,
      incidentId: 'a#2026-11-20T10:00:00.000Z',
      alarmName: 'a',
      window: { start: '2026-11-20T09:00:00.000Z', end: '2026-11-20T10:00:00.000Z' },
      sources: {},
      evidence: [
        {
          id: 'metrics-1',
          source: 'metrics',
          summary: 'm',
          data: {
            kind: 'metric',
            namespace: 'N',
            metricName: 'M',
            dimensions: {},
            stat: 'Sum',
            points,
          },
        },
      ],
    };
    const [metric] = applyBudget(bundle, 2_000).evidence;
    expect(metric?.data.kind === 'metric' && metric.data.points.length).toBeLessThanOrEqual(31);
    expect(metric?.data.kind === 'metric' && metric.data.points.some((p) => p.v === 999)).toBe(
      true,
    );
  });
});
