/**
 * Every custom metric the service emits, declared once (pure data: the CDK app and the
 * dashboards import it without loading Powertools): name, unit, dimensions and meaning.
 * Code emits through `emitMetric` (`metrics.ts`); dashboards (`dashboards/`) and alarms reference these
 * names, and a test checks that no widget shows a metric that nothing declares. Never spell a
 * metric name as a free string elsewhere.
 *
 * Dimensions stay low-cardinality: the service and stage (Powertools adds both to every metric)
 * and the API route or worker task. Never an order, customer or consumer id. The API's functions
 * and the fulfilment worker publish into the same namespace under the same `service`; the worker
 * adds `task` where a function adds `route`.
 */

/** The namespace every custom metric of the service lives in (one per service). */
export const METRICS_NAMESPACE = 'Orders';

/** The `service` dimension (and Powertools service name) of the orders service. */
export const METRICS_SERVICE = 'orders';

/** Dimension names a metric is published with. */
export const ROUTE_DIMENSIONS = ['service', 'stage', 'route'] as const;
export const TASK_DIMENSIONS = ['service', 'stage', 'task'] as const;
/** Powertools' own `ColdStart` metric carries the function's name instead of the route. */
export const FUNCTION_DIMENSIONS = ['service', 'stage', 'function_name'] as const;

/** The `task` dimension of everything the fulfilment worker emits. */
export const WORKER_TASK = 'fulfilment';

export type DimensionSet =
  | typeof ROUTE_DIMENSIONS
  | typeof TASK_DIMENSIONS
  | typeof FUNCTION_DIMENSIONS;

/** CloudWatch units the catalogue uses (the same strings as Powertools' MetricUnit). */
export type Unit = 'Count' | 'Milliseconds' | 'None';

export interface MetricDefinition {
  readonly unit: Unit;
  /**
   * The dimension sets it is published with: one, or two for a metric that both the API and the
   * worker emit (a dependency call), each filtered by its own route or task.
   */
  readonly dimensions: readonly DimensionSet[];
  /** What one data point means; shown in docs/observability.md. */
  readonly description: string;
  /** Where the metric is emitted. */
  readonly emittedBy: string;
}

const route = (unit: Unit, description: string, emittedBy: string): MetricDefinition => ({
  unit,
  dimensions: [ROUTE_DIMENSIONS],
  description,
  emittedBy,
});
const task = (unit: Unit, description: string, emittedBy: string): MetricDefinition => ({
  unit,
  dimensions: [TASK_DIMENSIONS],
  description,
  emittedBy,
});

export const METRICS = {
  // Business
  OrdersCreated: route('Count', 'An order was stored', 'createOrder'),
  OrderValue: route('None', 'Total of a new order, in cents of its currency', 'createOrder'),
  OrdersCancelled: route('Count', 'An order was cancelled', 'cancelOrder'),
  IdempotentReplays: route(
    'Count',
    'A retry was answered with the stored response',
    'createOrder (idempotency)',
  ),
  ValidationFailures: route(
    'Count',
    'A request was rejected as invalid: bad input or cursor (400), too large (413), not JSON (415), an unknown SKU (422)',
    'every route (validation)',
  ),
  // Technical
  ClientErrors: route('Count', 'A request was answered with a 4xx', 'every route'),
  ServerErrors: route('Count', 'A request was answered with a 5xx', 'every route'),
  DownstreamLatency: {
    ...route(
      'Milliseconds',
      'Duration of one call to a dependency (pricing from createOrder, the warehouse from the worker), retries included',
      'pricing client (createOrder), warehouse client (fulfilment worker)',
    ),
    dimensions: [ROUTE_DIMENSIONS, TASK_DIMENSIONS],
  },
  DownstreamErrors: {
    ...route(
      'Count',
      'A call to a dependency failed after its retries, was answered with a quote that contradicts the catalog, or was refused by the circuit breaker',
      'pricing client (createOrder), warehouse client (fulfilment worker)',
    ),
    dimensions: [ROUTE_DIMENSIONS, TASK_DIMENSIONS],
  },
  PricingFallback: route(
    'Count',
    'An order was priced from the catalog without a promotion because pricing failed',
    'createOrder',
  ),
  PricingRetries: route('Count', 'Retries made against pricing', 'pricing client (createOrder)'),
  PricingCircuitOpen: route(
    'Count',
    "1 when pricing's circuit breaker was open (or half-open) after a quote, else 0",
    'pricing client (createOrder)',
  ),
  FaultsInjected: route(
    'Count',
    'A latency or error fault was injected for a drill (the stage must allow it)',
    'every route (fault injection)',
  ),
  IdempotencySaveFailed: route(
    'Count',
    'The response of a committed create could not be saved; retries answer from the commit',
    'createOrder (idempotency)',
  ),
  ColdStart: {
    unit: 'Count',
    dimensions: [FUNCTION_DIMENSIONS],
    description: "A function's first invocation in a new execution environment",
    emittedBy: 'every function (Powertools Metrics, captureColdStartMetric)',
  },
  // Worker
  Processed: task('Count', 'A fulfilment message was handled', 'fulfilment worker'),
  Failed: task(
    'Count',
    'A fulfilment message failed for good (malformed or poison, moved to the DLQ), or its order ended FAILED',
    'fulfilment worker',
  ),
  Retried: task(
    'Count',
    'A fulfilment message was left on the queue to be retried (a transient failure)',
    'fulfilment worker',
  ),
  WarehouseRetries: task('Count', 'Retries made against the warehouse', 'fulfilment worker'),
  WarehouseCircuitOpen: task(
    'Count',
    "1 when the warehouse's circuit breaker was open (or half-open) after a call, else 0",
    'fulfilment worker',
  ),
  ProcessingLatency: task(
    'Milliseconds',
    'Time the worker spent on one message',
    'fulfilment worker',
  ),
  FulfilmentTime: task(
    'Milliseconds',
    "Time from an order's creation to its fulfilment",
    'fulfilment worker',
  ),
  // Incident triage (route dimension: the operator route, or `triage` for a run)
  TriageRuns: route('Count', 'An incident was triaged', 'triage'),
  TriageModelFallbacks: route(
    'Count',
    'A triage run kept only the baseline hypotheses because the model failed, was throttled, timed out, was blocked by the guardrail or answered off-schema',
    'triage',
  ),
  TriageInputTokens: route('Count', 'Model input tokens of one triage run', 'triage'),
  TriageOutputTokens: route('Count', 'Model output tokens of one triage run', 'triage'),
  TriageCostUsd: route(
    'None',
    'Model cost of one triage run, in USD, from the configured per-token prices',
    'triage',
  ),
  TriageSourcesDegraded: route(
    'Count',
    'Context sources of one triage run that timed out or failed',
    'triage',
  ),
  TriageHypothesisAccepted: route(
    'None',
    '1 when an operator accepted a hypothesis, 0 when they rejected it: its Average is the accuracy (accepted ÷ reviewed), its SampleCount the reviews',
    'reviewHypothesis',
  ),
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof METRICS;
