import { Duration } from 'aws-cdk-lib';
import {
  Dashboard,
  GraphWidget,
  type IWidget,
  LogQueryWidget,
  Metric,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { CfnQueryDefinition } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRICS, METRICS_NAMESPACE, METRICS_SERVICE } from '#commons/metric-catalog';
import type { StageConfig } from '#config/stages';
import {
  DASHBOARDS,
  type DashboardDefinition,
  type MetricLine,
  type QueueId,
  type ResourceRef,
  SAVED_QUERIES,
  type TableId,
  type Widget,
} from '#dashboards';
import { ROUTES, type RouteDefinition, type RouteId } from '#routes';
import type { LogSource, SavedQuery } from '../../dashboards/queries.ts';

/** The deployed names the definitions' resource references resolve to (tokens are fine). */
export interface DashboardTargets {
  /** The REST API's name (the `ApiName` dimension) and stage. */
  readonly api: { readonly name: string; readonly stage: string };
  readonly functionNames: Readonly<Record<RouteId, string>>;
  readonly tableNames: Readonly<Partial<Record<TableId, string>>>;
  readonly queueNames: Readonly<Partial<Record<QueueId, string>>>;
  /** @default - the pipe's widgets are left out */
  readonly pipeName?: string;
  /** @default - the worker's AWS widgets are left out */
  readonly workerService?: { readonly clusterName: string; readonly serviceName: string };
  /** Log group names per source, for the saved queries and log widgets. */
  readonly logGroups: Readonly<Partial<Record<LogSource, readonly string[]>>>;
}

export interface ServiceDashboardsProps {
  readonly config: StageConfig;
  readonly targets: DashboardTargets;
  /** @default every dashboard in `dashboards/` */
  readonly definitions?: readonly DashboardDefinition[];
}

const PERIOD = Duration.minutes(1);

const routeById = new Map<RouteId, RouteDefinition>(ROUTES.map((route) => [route.id, route]));

/** `metric`'s dimensions for a resource, or undefined when the stage does not have it. */
const awsDimensions = (
  ref: ResourceRef,
  targets: DashboardTargets,
): Record<string, string> | undefined => {
  switch (ref.kind) {
    case 'api':
      return { ApiName: targets.api.name };
    case 'apiMethod': {
      const route = routeById.get(ref.route);
      return route
        ? {
            ApiName: targets.api.name,
            Stage: targets.api.stage,
            Method: route.method,
            Resource: route.path,
          }
        : undefined;
    }
    case 'function':
      return { FunctionName: targets.functionNames[ref.route] };
    case 'table': {
      const name = targets.tableNames[ref.table];
      return name === undefined ? undefined : { TableName: name };
    }
    case 'queue': {
      const name = targets.queueNames[ref.queue];
      return name === undefined ? undefined : { QueueName: name };
    }
    case 'pipe':
      return targets.pipeName === undefined ? undefined : { PipeName: targets.pipeName };
    case 'workerService':
      return targets.workerService === undefined
        ? undefined
        : {
            ClusterName: targets.workerService.clusterName,
            ServiceName: targets.workerService.serviceName,
          };
  }
};

/** A definition's line as a CloudWatch metric, or undefined when its resource is not deployed. */
export const toMetric = (
  line: MetricLine,
  config: StageConfig,
  targets: DashboardTargets,
): Metric | undefined => {
  if (line.source === 'custom') {
    const scope: Record<string, string> =
      'route' in line.scope ? { route: line.scope.route } : { task: line.scope.task };
    return new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: line.metric,
      dimensionsMap: { service: METRICS_SERVICE, stage: config.stage, ...scope },
      statistic: line.statistic,
      period: PERIOD,
      ...(line.label && { label: line.label }),
    });
  }
  const dimensionsMap = awsDimensions(line.resource, targets);
  if (dimensionsMap === undefined) return undefined;
  return new Metric({
    namespace: line.namespace,
    metricName: line.metric,
    dimensionsMap,
    statistic: line.statistic,
    period: PERIOD,
    ...(line.label && { label: line.label }),
  });
};

const logGroupsOf = (query: SavedQuery, targets: DashboardTargets): string[] =>
  query.sources.flatMap((source) => [...(targets.logGroups[source] ?? [])]);

/**
 * The service's CloudWatch dashboards and saved Logs Insights queries, built from the typed
 * definitions in `dashboards/`. A line whose resource the stage does not have (no worker yet,
 * say) is left out, and a graph left with no line becomes a note saying so.
 */
export class ServiceDashboards extends Construct {
  public readonly dashboards: readonly Dashboard[];

  constructor(scope: Construct, id: string, props: ServiceDashboardsProps) {
    super(scope, id);
    const { config, targets } = props;
    const prefix = `${config.appName}-${config.stage}`;

    for (const query of SAVED_QUERIES) {
      const logGroupNames = logGroupsOf(query, targets);
      if (logGroupNames.length === 0) continue;
      new CfnQueryDefinition(this, `Query-${query.id}`, {
        name: `${config.appName}/${config.stage}/${query.id}`,
        queryString: query.query,
        logGroupNames,
      });
    }

    const widgetOf = (widget: Widget): IWidget => {
      const width = widget.width ?? (widget.type === 'graph' ? 8 : 24);
      if (widget.type === 'text')
        return new TextWidget({ markdown: widget.markdown, width, height: 2 });
      if (widget.type === 'logs') {
        const query = SAVED_QUERIES.find((candidate) => candidate.id === widget.query);
        if (query === undefined)
          throw new Error(`Dashboard widget '${widget.title}': no saved query '${widget.query}'`);
        const logGroupNames = logGroupsOf(query, targets);
        if (logGroupNames.length === 0) {
          return new TextWidget({
            markdown: `**${widget.title}**: no log groups in this stage`,
            width,
            height: 2,
          });
        }
        return new LogQueryWidget({
          title: widget.title,
          logGroupNames,
          queryString: query.query,
          width,
          height: 6,
        });
      }
      const metrics = widget.lines
        .map((line) => toMetric(line, config, targets))
        .filter((metric): metric is Metric => metric !== undefined);
      if (metrics.length === 0) {
        return new TextWidget({
          markdown: `**${widget.title}**: not deployed in this stage`,
          width,
          height: 2,
        });
      }
      return new GraphWidget({
        title: widget.title,
        left: metrics,
        width,
        height: 6,
        ...(widget.yLabel && { leftYAxis: { label: widget.yLabel, showUnits: false } }),
      });
    };

    this.dashboards = (props.definitions ?? DASHBOARDS).map(
      (definition) =>
        new Dashboard(this, `Dashboard-${definition.id}`, {
          dashboardName: `${prefix}-${definition.id}`,
          defaultInterval: Duration.hours(3),
          widgets: definition.rows.map((row) => row.map(widgetOf)),
        }),
    );
  }
}

/** Declared custom metric names, for tests that cross-check widgets. */
export const DECLARED_METRICS: ReadonlySet<string> = new Set(Object.keys(METRICS));
