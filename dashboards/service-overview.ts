import type { RouteId } from '#routes';
import { ROUTES } from '#routes';
import type { DashboardDefinition, GraphWidget, MetricLine, Widget } from './types.ts';

const api = (
  route: RouteId,
  metric: 'Count' | '4XXError' | '5XXError' | 'Latency',
  statistic: MetricLine['statistic'],
  label: string,
): MetricLine => ({
  source: 'aws',
  namespace: 'AWS/ApiGateway',
  metric,
  statistic,
  resource: { kind: 'apiMethod', route },
  label,
});

const lambda = (
  metric: 'Errors' | 'Throttles' | 'ConcurrentExecutions' | 'Duration',
  statistic: MetricLine['statistic'],
): MetricLine[] =>
  ROUTES.map(({ id }) => ({
    source: 'aws',
    namespace: 'AWS/Lambda',
    metric,
    statistic,
    resource: { kind: 'function', route: id },
    label: id,
  }));

/** Golden signals of one route: traffic and error rates, then latency percentiles. */
const routeWidgets = (route: RouteId): Widget[] => [
  {
    type: 'graph',
    title: `${route}: requests, 4xx and 5xx rate`,
    lines: [
      api(route, 'Count', 'Sum', 'requests'),
      api(route, '4XXError', 'Average', '4xx rate'),
      api(route, '5XXError', 'Average', '5xx rate'),
    ],
    width: 12,
  },
  {
    type: 'graph',
    title: `${route}: latency`,
    lines: [
      api(route, 'Latency', 'p50', 'p50'),
      api(route, 'Latency', 'p90', 'p90'),
      api(route, 'Latency', 'p99', 'p99'),
    ],
    yLabel: 'ms',
    width: 12,
  },
];

const tables = ['orders', 'idempotency', 'catalog'] as const;

const graph = (title: string, lines: MetricLine[], yLabel?: string, width = 8): GraphWidget => ({
  type: 'graph',
  title,
  lines,
  width,
  ...(yLabel && { yLabel }),
});

/**
 * The on-call engineer's first screen: golden signals per route, then every component the
 * request path crosses, in the order a request meets them.
 */
export const SERVICE_OVERVIEW: DashboardDefinition = {
  id: 'service-overview',
  title: 'Orders: service overview',
  rows: [
    ...ROUTES.map(({ id }) => routeWidgets(id)),
    [
      graph('Lambda errors', lambda('Errors', 'Sum')),
      graph('Lambda throttles', lambda('Throttles', 'Sum')),
      graph('Lambda concurrency', lambda('ConcurrentExecutions', 'Maximum')),
    ],
    [graph('Lambda duration p99', lambda('Duration', 'p99'), 'ms', 24)],
    [
      graph(
        'DynamoDB throttles',
        tables.map((table) => ({
          source: 'aws',
          namespace: 'AWS/DynamoDB',
          metric: 'ThrottledRequests',
          statistic: 'Sum',
          resource: { kind: 'table', table },
          label: table,
        })),
      ),
      graph(
        'DynamoDB latency (average)',
        tables.map((table) => ({
          source: 'aws',
          namespace: 'AWS/DynamoDB',
          metric: 'SuccessfulRequestLatency',
          statistic: 'Average',
          resource: { kind: 'table', table },
          label: table,
        })),
        'ms',
      ),
      graph(
        'DynamoDB consumed capacity',
        tables.flatMap((table) => [
          {
            source: 'aws',
            namespace: 'AWS/DynamoDB',
            metric: 'ConsumedReadCapacityUnits',
            statistic: 'Sum',
            resource: { kind: 'table', table },
            label: `${table} read`,
          },
          {
            source: 'aws',
            namespace: 'AWS/DynamoDB',
            metric: 'ConsumedWriteCapacityUnits',
            statistic: 'Sum',
            resource: { kind: 'table', table },
            label: `${table} write`,
          },
        ]),
      ),
    ],
    [
      graph('Outbox pipe', [
        {
          source: 'aws',
          namespace: 'AWS/EventBridge/Pipes',
          metric: 'EventCount',
          statistic: 'Sum',
          resource: { kind: 'pipe' },
          label: 'events',
        },
        {
          source: 'aws',
          namespace: 'AWS/EventBridge/Pipes',
          metric: 'ExecutionFailed',
          statistic: 'Sum',
          resource: { kind: 'pipe' },
          label: 'failed',
        },
      ]),
      graph('Fulfilment queue depth', [
        {
          source: 'aws',
          namespace: 'AWS/SQS',
          metric: 'ApproximateNumberOfMessagesVisible',
          statistic: 'Maximum',
          resource: { kind: 'queue', queue: 'fulfilment' },
          label: 'queue',
        },
        {
          source: 'aws',
          namespace: 'AWS/SQS',
          metric: 'ApproximateNumberOfMessagesVisible',
          statistic: 'Maximum',
          resource: { kind: 'queue', queue: 'fulfilmentDlq' },
          label: 'DLQ',
        },
      ]),
      graph(
        'Age of oldest message',
        [
          {
            source: 'aws',
            namespace: 'AWS/SQS',
            metric: 'ApproximateAgeOfOldestMessage',
            statistic: 'Maximum',
            resource: { kind: 'queue', queue: 'fulfilment' },
            label: 'queue',
          },
        ],
        's',
      ),
    ],
    [
      graph(
        'Worker CPU and memory',
        [
          {
            source: 'aws',
            namespace: 'AWS/ECS',
            metric: 'CPUUtilization',
            statistic: 'Average',
            resource: { kind: 'workerService' },
            label: 'CPU %',
          },
          {
            source: 'aws',
            namespace: 'AWS/ECS',
            metric: 'MemoryUtilization',
            statistic: 'Average',
            resource: { kind: 'workerService' },
            label: 'memory %',
          },
        ],
        '%',
      ),
      graph('Worker running tasks', [
        {
          source: 'aws',
          namespace: 'ECS/ContainerInsights',
          metric: 'RunningTaskCount',
          statistic: 'Average',
          resource: { kind: 'workerService' },
          label: 'running',
        },
        {
          source: 'aws',
          namespace: 'ECS/ContainerInsights',
          metric: 'DesiredTaskCount',
          statistic: 'Average',
          resource: { kind: 'workerService' },
          label: 'desired',
        },
      ]),
      graph(
        'Worker processing latency',
        [
          {
            source: 'custom',
            metric: 'ProcessingLatency',
            statistic: 'p50',
            scope: { task: 'fulfilment' },
            label: 'p50',
          },
          {
            source: 'custom',
            metric: 'ProcessingLatency',
            statistic: 'p99',
            scope: { task: 'fulfilment' },
            label: 'p99',
          },
        ],
        'ms',
      ),
    ],
    [
      graph(
        'Pricing latency',
        [
          {
            source: 'custom',
            metric: 'DownstreamLatency',
            statistic: 'p50',
            scope: { route: 'createOrder' },
            label: 'p50',
          },
          {
            source: 'custom',
            metric: 'DownstreamLatency',
            statistic: 'p99',
            scope: { route: 'createOrder' },
            label: 'p99',
          },
        ],
        'ms',
      ),
      graph('Pricing errors and fallbacks', [
        {
          source: 'custom',
          metric: 'DownstreamErrors',
          statistic: 'Sum',
          scope: { route: 'createOrder' },
          label: 'errors',
        },
        {
          source: 'custom',
          metric: 'PricingFallback',
          statistic: 'Sum',
          scope: { route: 'createOrder' },
          label: 'fallbacks',
        },
      ]),
      graph('Pricing circuit open', [
        {
          source: 'custom',
          metric: 'PricingCircuitOpen',
          statistic: 'Maximum',
          scope: { route: 'createOrder' },
          label: 'open (1) / closed (0)',
        },
      ]),
    ],
    [{ type: 'logs', title: 'Top error fingerprints', query: 'errors-by-fingerprint' }],
  ],
};
