/**
 * Every custom metric the service emits, declared once (pure data: the CDK app and the
 * dashboards import it without loading Powertools): name, unit, dimensions and meaning.
 * Code emits through `emitMetric` (`metrics.ts`); dashboards (`dashboards/`) and alarms reference these
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

/** CloudWatch units the catalogue uses (the same strings as Powertools' MetricUnit). */
export type Unit = 'Count' | 'Milliseconds' | 'None';

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
    'A request was rejected by validation (400/413/415/422)',
    'every route (validation)',
  ),
  // Technical
  ClientErrors: route('Count', 'A request was answered with a 4xx', 'every route'),
  ServerErrors: route('Count', 'A request was answered with a 5xx', 'every route'),
  DownstreamLatency: route(
    'Milliseconds',
    'Duration of one call to a dependency (pricing, warehouse), retries included',
    'createOrder (pricing), worker (warehouse)',
  ),
  DownstreamErrors: route(
    'Count',
    'A call to a dependency failed after its retries, or was refused by the circuit breaker',
    'createOrder (pricing), worker (warehouse)',
  ),
  PricingFallback: route(
    'Count',
    'An order was priced from the catalog without a promotion because pricing failed',
    'createOrder',
  ),
  PricingRetries: route('Count', 'Retries made against pricing', 'createOrder'),
  PricingCircuitOpen: route(
    'Count',
    "1 when pricing's circuit breaker was open (or half-open) for a request, else 0",
    'createOrder',
  ),
  FaultsInjected: route(
    'Count',
    'A latency or error fault was injected by the fault-injection parameter',
    'every route (fault injection)',
  ),
  // Worker
  Processed: task('Count', 'A fulfilment message was handled', 'fulfilment worker'),
  Failed: task(
    'Count',
    'A fulfilment message failed (malformed, poison, or the order FAILED)',
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
