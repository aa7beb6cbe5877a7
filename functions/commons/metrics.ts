import type { MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS, type MetricName } from './metric-catalog.ts';
import { metrics } from './powertools.ts';

export * from './metric-catalog.ts';

/**
 * Adds one data point of a declared metric (see `metric-catalog.ts`) to the current invocation,
 * or to the worker's current batch. The only place the service calls `addMetric`: a test fails on
 * any other.
 */
export const emitMetric = (name: MetricName, value = 1): void => {
  metrics.addMetric(
    name,
    METRICS[name].unit as (typeof MetricUnit)[keyof typeof MetricUnit],
    value,
  );
};

/** Problem codes that mean the request itself was invalid (counted as `ValidationFailures`). */
const VALIDATION_CODES: ReadonlySet<string> = new Set([
  'VALIDATION_FAILED',
  'MALFORMED_JSON',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'INVALID_CURSOR',
  'UNKNOWN_SKU',
]);

/** The metrics of one error response: `ServerErrors`, or `ClientErrors` (and `ValidationFailures`). */
export const emitErrorMetrics = (statusCode: number, code: string): void => {
  if (statusCode >= 500) {
    emitMetric('ServerErrors');
    return;
  }
  emitMetric('ClientErrors');
  if (VALIDATION_CODES.has(code)) emitMetric('ValidationFailures');
};
