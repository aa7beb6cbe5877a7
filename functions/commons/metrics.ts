import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metrics } from './powertools.ts';

/**
 * Every custom metric the service emits, declared once: name, unit, dimensions and meaning.
 * Code emits through {@link emitMetric}; dashboards (`dashboards/`) and alarms reference these
 * names, and a test checks that no widget shows a metric that nothing declares. Never spell a
 * metric name as a free string elsewhere.
 *
 * Dimensions stay low-cardinality: the service and stage (Powertools adds both to every metric)
 * and the API route or worker task. Never an order, customer or consumer id.
 */

/** The namespace every custom metric of the service lives in (one per service). */
export const METRICS_NAMESPACE = 'Orders';

/** The `service` dimension (and Powertools service name) of the orders service. */
export const METRICS_SERVICE = 'orders';

/** Dimension names a metric is published with. */
export const ROUTE_DIMENSIONS = ['service', 'stage', 'route'] as const;
export const TASK_DIMENSIONS = ['service', 'stage', 'task'] as const;

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

export interface MetricDefinition {
  readonly unit: Unit;
  readonly dimensions: typeof ROUTE_DIMENSIONS | typeof TASK_DIMENSIONS;
  /** What one data point means; shown in docs/observability.md. */
  readonly description: string;
  /** Where the metric is emitted. */
  readonly emittedBy: string;
}

const route = (unit: Unit, description: string, emittedBy: string): MetricDefinition => ({
  unit,
  dimensions: ROUTE_DIMENSIONS,
  description,
  emittedBy,
});
const task = (unit: Unit, description: string, emittedBy: string): MetricDefinition => ({
  unit,
  dimensions: TASK_DIMENSIONS,
  description,
  emittedBy,
});

export const METRICS = {
  // Business
  OrdersCreated: route(MetricUnit.Count, 'An order was stored', 'createOrder'),
  OrderValue: route(
    MetricUnit.NoUnit,
    'Total of a new order, in cents of its currency',
    'createOrder',
  ),
  OrdersCancelled: route(MetricUnit.Count, 'An order was cancelled', 'cancelOrder'),
  IdempotentReplays: route(
    MetricUnit.Count,
    'A retry was answered with the stored response',
    'createOrder (idempotency)',
  ),
  ValidationFailures: route(
    MetricUnit.Count,
    'A request was rejected by validation (400/413/415/422)',
    'every route (validation)',
  ),
  // Technical
  ClientErrors: route(MetricUnit.Count, 'A request was answered with a 4xx', 'every route'),
  ServerErrors: route(MetricUnit.Count, 'A request was answered with a 5xx', 'every route'),
  DownstreamLatency: route(
    MetricUnit.Milliseconds,
    'Duration of one call to a dependency (pricing, warehouse), retries included',
    'createOrder (pricing), worker (warehouse)',
  ),
  DownstreamErrors: route(
    MetricUnit.Count,
    'A call to a dependency failed after its retries, or was refused by the circuit breaker',
    'createOrder (pricing), worker (warehouse)',
  ),
  PricingFallback: route(
    MetricUnit.Count,
    'An order was priced from the catalog without a promotion because pricing failed',
    'createOrder',
  ),
  PricingRetries: route(MetricUnit.Count, 'Retries made against pricing', 'createOrder'),
  PricingCircuitOpen: route(
    MetricUnit.Count,
    "1 when pricing's circuit breaker was open (or half-open) for a request, else 0",
    'createOrder',
  ),
  FaultsInjected: route(
    MetricUnit.Count,
    'A latency or error fault was injected by the fault-injection parameter',
    'every route (fault injection)',
  ),
  // Worker
  Processed: task(MetricUnit.Count, 'A fulfilment message was handled', 'fulfilment worker'),
  Failed: task(
    MetricUnit.Count,
    'A fulfilment message failed (malformed, poison, or the order FAILED)',
    'fulfilment worker',
  ),
  ProcessingLatency: task(
    MetricUnit.Milliseconds,
    'Time the worker spent on one message',
    'fulfilment worker',
  ),
  FulfilmentTime: task(
    MetricUnit.Milliseconds,
    "Time from an order's creation to its fulfilment",
    'fulfilment worker',
  ),
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof METRICS;

/** Adds one data point of a declared metric to the current invocation's metrics. */
export const emitMetric = (name: MetricName, value = 1): void => {
  metrics.addMetric(name, METRICS[name].unit, value);
};
