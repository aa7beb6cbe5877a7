import { describe, expect, it } from 'vitest';
import { ofValues, SeriesStore, uniform } from '#slos/engine/series';

const latency = {
  namespace: 'AWS/ApiGateway',
  name: 'Latency',
  dimensions: { Resource: '/orders' },
};

describe('simulated metric statistics', () => {
  const store = new SeriesStore();
  store.put(latency, 0, ofValues([100, 200, 300, 400]));
  store.put(latency, 60_000, ofValues([600, 700]));

  it('aggregates whole minutes in the window', () => {
    expect(store.statistic(latency, 'Sum', 0, 120_000)).toBe(2300);
    expect(store.statistic(latency, 'SampleCount', 0, 60_000)).toBe(4);
    expect(store.statistic(latency, 'Average', 60_000, 120_000)).toBe(650);
    expect(store.statistic(latency, 'Maximum', 0, 120_000)).toBe(700);
    expect(store.statistic(latency, 'Sum', 120_000, 180_000)).toBeUndefined();
  });

  it('computes percentiles and percentile ranks from the values', () => {
    expect(store.statistic(latency, 'p50', 0, 120_000)).toBe(300);
    expect(store.statistic(latency, 'PR(:500)', 0, 120_000)).toBeCloseTo((100 * 4) / 6);
  });

  it('refuses a percentile over buckets without values', () => {
    const counts = new SeriesStore();
    counts.put(latency, 0, uniform(10, 1));
    expect(() => counts.statistic(latency, 'p99', 0, 60_000)).toThrow('needs the values');
  });
});
