import type { MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS, type MetricName } from './metric-catalog.ts';
import { metrics } from './powertools.ts';

export * from './metric-catalog.ts';

/** Adds one data point of a declared metric (see `metric-catalog.ts`) to the current invocation. */
export const emitMetric = (name: MetricName, value = 1): void => {
  metrics.addMetric(
    name,
    METRICS[name].unit as (typeof MetricUnit)[keyof typeof MetricUnit],
    value,
  );
};
