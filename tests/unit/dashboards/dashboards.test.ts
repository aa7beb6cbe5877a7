import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  METRICS,
  METRICS_NAMESPACE,
  ROUTE_DIMENSIONS,
  TASK_DIMENSIONS,
} from '#commons/metric-catalog';
import {
  BUSINESS_DASHBOARD,
  DASHBOARDS,
  isAwsMetric,
  type MetricLine,
  SAVED_QUERIES,
  SERVICE_OVERVIEW,
} from '#dashboards';
import { readDashboards } from '#local/dashboards';
import { TemplateResolver } from '#local/template';
import { synthesized } from '#tests/unit/cdk/helpers';

const dev = synthesized('dev');
const stacks = [
  { stackName: dev.built.data.stackName, template: dev.data.toJSON() },
  { stackName: dev.built.api.stackName, template: dev.api.toJSON() },
  {
    stackName: dev.built.worker.stackName,
    template: Template.fromStack(dev.built.worker).toJSON(),
  },
];
const deployed = readDashboards(
  stacks,
  new TemplateResolver(stacks, { endpoint: 'http://127.0.0.1:1' }),
);
const deployedMetrics = deployed.flatMap((dashboard) =>
  dashboard.widgets.flatMap((widget) =>
    widget.type === 'metric'
      ? widget.metrics.map((metric) => ({
          dashboard: dashboard.name,
          widget: widget.title,
          ...metric,
        }))
      : [],
  ),
);

describe('dashboards', () => {
  it('deploys one CloudWatch dashboard per definition, named after the stage', () => {
    // The SLO dashboard is drawn from the SLO spec (slos/, cdk/constructs/slo-alarms.ts), not from
    // a dashboards/ definition: its lines are burn-rate math the local page cannot draw.
    expect(deployed.map((dashboard) => dashboard.name).sort()).toEqual(
      [...DASHBOARDS.map((definition) => `Orders-dev-${definition.id}`), 'Orders-dev-slo'].sort(),
    );
  });

  it('shows only metrics that the service declares or that AWS publishes', () => {
    // A math expression's line has no namespace: its inputs are listed as metrics of their own.
    const unknown = deployedMetrics.filter((metric) =>
      metric.namespace === ''
        ? metric.name !== ''
        : metric.namespace === METRICS_NAMESPACE
          ? !Object.hasOwn(METRICS, metric.name)
          : !isAwsMetric(metric.namespace, metric.name),
    );
    expect(deployedMetrics.length).toBeGreaterThan(30);
    expect(unknown).toEqual([]);
  });

  it('addresses custom metrics with exactly the dimensions they are published with', () => {
    for (const metric of deployedMetrics.filter(
      (candidate) => candidate.namespace === METRICS_NAMESPACE,
    )) {
      const declared = METRICS[metric.name as keyof typeof METRICS].dimensions.map((set) =>
        [...set].sort().join(','),
      );
      expect(declared, `${metric.widget}: ${metric.name}`).toContain(
        Object.keys(metric.dimensions).sort().join(','),
      );
      expect(metric.dimensions.stage).toBe('dev');
    }
  });

  it('never uses a high-cardinality dimension', () => {
    const names = new Set(deployedMetrics.flatMap((metric) => Object.keys(metric.dimensions)));
    for (const forbidden of ['orderId', 'customerId', 'consumer', 'correlationId'])
      expect(names.has(forbidden)).toBe(false);
  });

  it('gives every route its golden signals: requests, 4xx and 5xx rates, and p50/p90/p99 latency', () => {
    const overview = deployed.find((dashboard) => dashboard.name === 'Orders-dev-service-overview');
    const titles = overview?.widgets.map((widget) => ('title' in widget ? widget.title : '')) ?? [];
    for (const route of ['createOrder', 'getOrder', 'listOrders', 'cancelOrder', 'health']) {
      expect(titles).toContain(`${route}: requests, 4xx and 5xx rate`);
      expect(titles).toContain(`${route}: latency`);
    }
    const latency = deployedMetrics.filter((metric) => metric.widget === 'createOrder: latency');
    expect(latency.map((metric) => metric.stat)).toEqual(['p50', 'p90', 'p99']);
    expect(latency[0]?.dimensions).toMatchObject({
      ApiName: 'OrdersApi',
      Stage: 'dev',
      Method: 'POST',
      Resource: '/orders',
    });
  });

  it('saves every Logs Insights query over the stage log groups', () => {
    const definitions = dev.api.findResources('AWS::Logs::QueryDefinition');
    const names = Object.values(definitions).map((resource) => resource.Properties.Name);
    for (const query of SAVED_QUERIES.filter(
      (candidate) => !candidate.sources.every((source) => source === 'worker'),
    )) {
      expect(names).toContain(`Orders/dev/${query.id}`);
    }
  });

  it('defines only lines of declared metrics, scoped as they are published, or of AWS metrics', () => {
    const lines = DASHBOARDS.flatMap((dashboard) =>
      dashboard.rows.flat().flatMap((widget) => (widget.type === 'graph' ? widget.lines : [])),
    );
    const wrong = lines.filter((line) => {
      if (line.source === 'aws') return !isAwsMetric(line.namespace, line.metric);
      const wanted = 'route' in line.scope ? ROUTE_DIMENSIONS : TASK_DIMENSIONS;
      return !(METRICS[line.metric]?.dimensions as readonly unknown[] | undefined)?.includes(
        wanted,
      );
    });

    expect(lines.length).toBeGreaterThan(40);
    expect(wrong).toEqual([]);
  });

  it('shows on the service overview every signal the on-call engineer needs', () => {
    const shown = signalsOf(SERVICE_OVERVIEW);

    for (const signal of [
      'AWS/Lambda Errors',
      'AWS/Lambda Throttles',
      'AWS/Lambda ConcurrentExecutions',
      'AWS/Lambda Duration',
      'AWS/DynamoDB ThrottledRequests',
      'AWS/DynamoDB SuccessfulRequestLatency',
      'AWS/DynamoDB ConsumedReadCapacityUnits',
      'AWS/DynamoDB ConsumedWriteCapacityUnits',
      'AWS/EventBridge/Pipes EventCount',
      'AWS/EventBridge/Pipes ExecutionFailed',
      'AWS/SQS ApproximateNumberOfMessagesVisible fulfilment',
      'AWS/SQS ApproximateNumberOfMessagesVisible fulfilmentDlq',
      'AWS/SQS ApproximateAgeOfOldestMessage fulfilment',
      'AWS/ECS CPUUtilization',
      'AWS/ECS MemoryUtilization',
      'ECS/ContainerInsights RunningTaskCount',
      'ProcessingLatency',
      'DownstreamLatency',
      'DownstreamErrors',
      'PricingFallback',
      'PricingCircuitOpen',
    ]) {
      expect(shown, signal).toContain(signal);
    }
    const logs = SERVICE_OVERVIEW.rows.flat().filter((widget) => widget.type === 'logs');
    expect(logs.map((widget) => widget.query)).toContain('errors-by-fingerprint');
  });

  it('shows on the business dashboard orders, value, cancellations and time to fulfilment', () => {
    const shown = signalsOf(BUSINESS_DASHBOARD);

    for (const signal of ['OrdersCreated', 'OrderValue', 'OrdersCancelled', 'FulfilmentTime'])
      expect(shown, signal).toContain(signal);
  });

  it('deploys the DLQ depth and the outbox pipe, read from the Data stack parameters', () => {
    const shown = deployedMetrics.map((metric) => `${metric.namespace} ${metric.name}`);

    expect(shown).toContain('AWS/EventBridge/Pipes EventCount');
    const queues = deployedMetrics
      .filter((metric) => metric.name === 'ApproximateNumberOfMessagesVisible')
      .map((metric) => metric.dimensions.QueueName);
    expect(new Set(queues).size).toBe(2);
  });

  it("deploys the worker's CPU, memory and running tasks, for the Worker stack's service", () => {
    const ecs = deployedMetrics.filter(
      (metric) => metric.namespace.startsWith('ECS') || metric.namespace === 'AWS/ECS',
    );
    const worker = new TemplateResolver(stacks, { endpoint: 'http://127.0.0.1:1' });
    const [clusterId] = Object.keys(
      Template.fromStack(dev.built.worker).findResources('AWS::ECS::Cluster'),
    );
    const [serviceId] = Object.keys(
      Template.fromStack(dev.built.worker).findResources('AWS::ECS::Service'),
    );

    expect(ecs.map((metric) => metric.name).sort()).toEqual([
      'CPUUtilization',
      'DesiredTaskCount',
      'MemoryUtilization',
      'RunningTaskCount',
    ]);
    for (const metric of ecs) {
      expect(metric.dimensions).toEqual({
        ClusterName: worker.resolve(dev.built.worker.stackName, { Ref: clusterId }),
        ServiceName: worker.resolve(dev.built.worker.stackName, {
          'Fn::GetAtt': [serviceId, 'Name'],
        }),
      });
    }
  });
});

/** `Namespace Metric [queue]` for AWS lines, the metric name for custom ones. */
function signalsOf(dashboard: (typeof DASHBOARDS)[number]): string[] {
  return dashboard.rows
    .flat()
    .flatMap((widget) => (widget.type === 'graph' ? widget.lines : []))
    .flatMap((line: MetricLine) => {
      if (line.source === 'custom') return [line.metric];
      const base = `${line.namespace} ${line.metric}`;
      return line.resource.kind === 'queue' ? [base, `${base} ${line.resource.queue}`] : [base];
    });
}
