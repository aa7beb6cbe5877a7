/**
 * Metric data for the simulator: one bucket per metric per minute (sum, count, min, max and,
 * where a statistic needs them, the values), and CloudWatch's statistics over any window of
 * whole minutes: Sum, SampleCount, Average, Minimum, Maximum, percentiles (`p99`) and percentile
 * rank (`PR(:500)`, the percentage of values at or below 500).
 */
import type { MetricId, MetricSource } from './alarms.ts';
import type { Value } from './metric-math.ts';

export interface MinuteBucket {
  readonly sum: number;
  readonly count: number;
  readonly min: number;
  readonly max: number;
  /** The individual values, for percentile statistics. */
  readonly values?: readonly number[];
}

const MINUTE = 60_000;

export const metricKey = (metric: MetricId): string =>
  `${metric.namespace}|${metric.name}|${Object.entries(metric.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}=${value}`)
    .join(',')}`;

/** A bucket of `count` data points that all have `value` (a count metric: value 1 or 0). */
export const uniform = (count: number, value: number): MinuteBucket => ({
  sum: count * value,
  count,
  min: value,
  max: value,
});

/** A bucket of the given values. */
export const ofValues = (values: readonly number[]): MinuteBucket => ({
  sum: values.reduce((sum, value) => sum + value, 0),
  count: values.length,
  min: Math.min(...values),
  max: Math.max(...values),
  values,
});

export class SeriesStore implements MetricSource {
  private readonly series = new Map<string, Map<number, MinuteBucket>>();

  /** Records the bucket of the minute starting at `at` (rounded down to the minute). */
  put(metric: MetricId, at: number, bucket: MinuteBucket): void {
    if (bucket.count === 0) return;
    const key = metricKey(metric);
    const minutes = this.series.get(key) ?? new Map<number, MinuteBucket>();
    minutes.set(Math.floor(at / MINUTE) * MINUTE, bucket);
    this.series.set(key, minutes);
  }

  statistic(metric: MetricId, stat: string, from: number, to: number): Value {
    const minutes = this.series.get(metricKey(metric));
    if (minutes === undefined) return undefined;
    const buckets: MinuteBucket[] = [];
    for (let at = Math.ceil(from / MINUTE) * MINUTE; at < to; at += MINUTE) {
      const bucket = minutes.get(at);
      if (bucket !== undefined) buckets.push(bucket);
    }
    const count = buckets.reduce((sum, bucket) => sum + bucket.count, 0);
    if (count === 0) return undefined;
    const sum = buckets.reduce((total, bucket) => total + bucket.sum, 0);
    switch (stat) {
      case 'Sum':
        return sum;
      case 'SampleCount':
        return count;
      case 'Average':
        return sum / count;
      case 'Minimum':
        return Math.min(...buckets.map((bucket) => bucket.min));
      case 'Maximum':
        return Math.max(...buckets.map((bucket) => bucket.max));
    }
    const values = () => {
      if (buckets.some((bucket) => bucket.values === undefined)) {
        throw new Error(`${metricKey(metric)}: ${stat} needs the values of every data point`);
      }
      return buckets.flatMap((bucket) => [...(bucket.values ?? [])]).sort((a, b) => a - b);
    };
    const percentile = /^p(\d+(?:\.\d+)?)$/.exec(stat);
    if (percentile) {
      const sorted = values();
      const rank = Math.ceil((Number(percentile[1]) / 100) * sorted.length);
      return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
    }
    const rank = /^PR\((\d+(?:\.\d+)?)?:(\d+(?:\.\d+)?)?\)$/.exec(stat);
    if (rank) {
      const low = rank[1] === undefined ? Number.NEGATIVE_INFINITY : Number(rank[1]);
      const high = rank[2] === undefined ? Number.POSITIVE_INFINITY : Number(rank[2]);
      const sorted = values();
      return (100 * sorted.filter((value) => value > low && value <= high).length) / sorted.length;
    }
    throw new Error(`Statistic ${stat} is not supported by the simulator`);
  }
}
