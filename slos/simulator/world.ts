/**
 * A synthetic world for the alarm simulator: per minute, the requests, server errors and slow
 * requests of each API route, the fulfilment worker's handled, failed and late messages, and its
 * running tasks. It answers the CloudWatch statistics the alarms ask for, from prefix sums, so a
 * statistic over any window costs the same (a three-day window is as cheap as a minute).
 *
 * Metrics are answered as the services publish them: API Gateway's `Count`, `5XXError` and
 * `Latency` exist for a minute with requests (a `5XXError` of 0 included); the worker's `Failed`
 * only when a message failed; any metric the world does not model has no data.
 */
import { METRICS_NAMESPACE } from '#commons/metric-catalog';
import { ROUTES, type RouteId } from '#routes';
import type { MetricId, MetricSource } from '../engine/alarms.ts';
import type { Value } from '../engine/metric-math.ts';

export const MINUTE_MS = 60_000;

export interface RouteMinute {
  readonly requests: number;
  /** Requests answered 5xx. */
  readonly errors: number;
  /** Requests slower than the latency SLO's threshold. */
  readonly slow: number;
}

export interface WorldMinute {
  readonly routes: Readonly<Record<RouteId, RouteMinute>>;
  readonly worker: {
    /** Messages handled (fulfilled or failed). */
    readonly processed: number;
    readonly failed: number;
    /** Orders fulfilled later than the freshness SLO's threshold after creation. */
    readonly late: number;
  };
  readonly runningTasks: number;
}

type Quantity = (minute: WorldMinute, index: number) => number;

class Prefix {
  private readonly sums: Float64Array;
  constructor(readonly values: Float64Array) {
    this.sums = new Float64Array(values.length + 1);
    for (let index = 0; index < values.length; index++) {
      this.sums[index + 1] = (this.sums[index] ?? 0) + (values[index] ?? 0);
    }
  }
  /** Sum over minutes `[from, to)`. */
  sum(from: number, to: number): number {
    return (this.sums[to] ?? 0) - (this.sums[from] ?? 0);
  }
}

const routeByMethodAndPath = new Map(
  ROUTES.map((route) => [`${route.method} ${route.path}`, route]),
);

/** The minutes `[0, minutes)` of a world, as a {@link MetricSource} for the alarm engine. */
export class World implements MetricSource {
  private readonly cache = new Map<string, Prefix>();

  constructor(readonly minutes: readonly WorldMinute[]) {}

  private prefix(key: string, quantity: Quantity): Prefix {
    let found = this.cache.get(key);
    if (found === undefined) {
      found = new Prefix(Float64Array.from(this.minutes, quantity));
      this.cache.set(key, found);
    }
    return found;
  }

  private route(id: RouteId | undefined, field: keyof RouteMinute): Prefix {
    return this.prefix(`route:${id ?? '*'}:${field}`, (minute) =>
      id === undefined
        ? Object.values(minute.routes).reduce((total, route) => total + route[field], 0)
        : minute.routes[id][field],
    );
  }

  /** A count-like metric: its data exists where `present` has any, and sums `value`. */
  private count(
    stat: string,
    present: Prefix,
    value: Prefix,
    from: number,
    to: number,
    what: string,
  ): Value {
    const samples = present.sum(from, to);
    if (samples <= 0) return undefined;
    if (stat === 'Sum') return value.sum(from, to);
    if (stat === 'SampleCount') return samples;
    if (stat === 'Average') return value.sum(from, to) / samples;
    throw new Error(`The simulator answers ${what} with Sum, SampleCount or Average, not ${stat}`);
  }

  /** A latency metric: SampleCount, or PR(:threshold) as the share of samples not `over` it. */
  private latency(
    stat: string,
    samples: Prefix,
    over: Prefix,
    from: number,
    to: number,
    what: string,
  ): Value {
    const count = samples.sum(from, to);
    if (count <= 0) return undefined;
    if (stat === 'SampleCount') return count;
    if (/^PR\(:\d+(?:\.\d+)?\)$/.test(stat)) return (100 * (count - over.sum(from, to))) / count;
    throw new Error(
      `The simulator answers ${what} with SampleCount or PR(:threshold), not ${stat}`,
    );
  }

  statistic(metric: MetricId, stat: string, fromMs: number, toMs: number): Value {
    const from = Math.max(0, Math.ceil(fromMs / MINUTE_MS));
    const to = Math.min(this.minutes.length, Math.ceil(toMs / MINUTE_MS));
    if (to <= from) return undefined;
    const what = `${metric.namespace} ${metric.name}`;
    if (metric.namespace === 'AWS/ApiGateway') {
      const { Method, Resource } = metric.dimensions;
      const route =
        Method === undefined ? undefined : routeByMethodAndPath.get(`${Method} ${Resource}`)?.id;
      if (Method !== undefined && route === undefined) return undefined;
      const requests = this.route(route, 'requests');
      switch (metric.name) {
        case 'Count':
          return this.count(stat, requests, requests, from, to, what);
        case '5XXError':
          return this.count(stat, requests, this.route(route, 'errors'), from, to, what);
        case 'Latency':
          return this.latency(stat, requests, this.route(route, 'slow'), from, to, what);
        default:
          return undefined;
      }
    }
    if (metric.namespace === METRICS_NAMESPACE) {
      const processed = this.prefix('worker:processed', (minute) => minute.worker.processed);
      switch (metric.name) {
        case 'Processed':
          return this.count(stat, processed, processed, from, to, what);
        case 'Failed': {
          const failed = this.prefix('worker:failed', (minute) => minute.worker.failed);
          return this.count(stat, failed, failed, from, to, what);
        }
        case 'FulfilmentTime':
          return this.latency(
            stat,
            this.prefix('worker:fulfilled', (m) => m.worker.processed - m.worker.failed),
            this.prefix('worker:late', (minute) => minute.worker.late),
            from,
            to,
            what,
          );
        default:
          return undefined;
      }
    }
    if (metric.namespace === 'ECS/ContainerInsights' && metric.name === 'RunningTaskCount') {
      const tasks = this.minutes.slice(from, to).map((minute) => minute.runningTasks);
      if (stat === 'Minimum') return Math.min(...tasks);
      if (stat === 'Maximum') return Math.max(...tasks);
      if (stat === 'Average') return tasks.reduce((a, b) => a + b, 0) / tasks.length;
      throw new Error(
        `The simulator answers ${what} with Minimum, Maximum or Average, not ${stat}`,
      );
    }
    if (metric.namespace === 'AWS/Backup') {
      // The vault's daily backup completes at midnight; no job fails.
      if (metric.name !== 'NumberOfBackupJobsCompleted') return undefined;
      const jobs = this.prefix('backup:completed', (_minute, index) =>
        index % 1440 === 0 ? 1 : 0,
      );
      return this.count(stat, jobs, jobs, from, to, what);
    }
    return undefined;
  }
}
