import { describe, expect, it } from 'vitest';
import { METRICS, METRICS_NAMESPACE } from '#commons/metric-catalog';
import { DASHBOARDS, isAwsMetric, SAVED_QUERIES } from '#dashboards';
import { readDashboards } from '#local/dashboards';
import { TemplateResolver } from '#local/template';
import { synthesized } from '#tests/unit/cdk/helpers';

const dev = synthesized('dev');
const stacks = [
  { stackName: dev.built.data.stackName, template: dev.data.toJSON() },
  { stackName: dev.built.api.stackName, template: dev.api.toJSON() },
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
    expect(deployed.map((dashboard) => dashboard.name).sort()).toEqual(
      DASHBOARDS.map((definition) => `Orders-dev-${definition.id}`).sort(),
    );
  });

  it('shows only metrics that the service declares or that AWS publishes', () => {
    const unknown = deployedMetrics.filter((metric) =>
      metric.namespace === METRICS_NAMESPACE
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
});
