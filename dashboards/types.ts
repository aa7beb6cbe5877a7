/**
 * The vocabulary of a dashboard definition. Definitions say WHAT to show in terms of the
 * service's own things (a route, a table, the fulfilment queue); the CDK construct
 * (`cdk/constructs/dashboards.ts`) resolves those to the deployed resources' dimension values,
 * and the local dashboard page renders the synthesized result. Nothing here knows a physical name.
 */
import type { MetricName } from '#commons/metric-catalog';
import type { RouteId } from '#routes';
import type { AwsMetricName, AwsNamespace } from './aws-metrics.ts';

/** A statistic CloudWatch understands: `Sum`, `Average`, `Maximum`, or a percentile like `p99`. */
export type Statistic = 'Sum' | 'Average' | 'Maximum' | 'Minimum' | 'SampleCount' | `p${number}`;

/** Something of the service whose AWS metrics a widget shows. */
export type ResourceRef =
  | { readonly kind: 'api' }
  | { readonly kind: 'apiMethod'; readonly route: RouteId }
  | { readonly kind: 'function'; readonly route: RouteId }
  | { readonly kind: 'table'; readonly table: TableId }
  | { readonly kind: 'queue'; readonly queue: QueueId }
  | { readonly kind: 'pipe' }
  | { readonly kind: 'workerService' };

export type TableId = 'orders' | 'idempotency' | 'catalog';
export type QueueId = 'fulfilment' | 'fulfilmentDlq';

/** One line on a graph. */
export type MetricLine =
  | {
      /** A custom metric of the service, by its declared name. */
      readonly source: 'custom';
      readonly metric: MetricName;
      readonly statistic: Statistic;
      /** The route or worker task the metric is filtered to. */
      readonly scope: { readonly route: RouteId } | { readonly task: 'fulfilment' };
      readonly label?: string;
    }
  | {
      /** A metric AWS publishes for one of the service's resources. */
      readonly source: 'aws';
      readonly namespace: AwsNamespace;
      readonly metric: AwsMetricName;
      readonly statistic: Statistic;
      readonly resource: ResourceRef;
      readonly label?: string;
    };

export interface GraphWidget {
  readonly type: 'graph';
  readonly title: string;
  readonly lines: readonly MetricLine[];
  /** Unit shown on the left axis. */
  readonly yLabel?: string;
  /** @default 8 (of 24 columns) */
  readonly width?: number;
}

/** A Logs Insights query over the service's log groups. */
export interface LogsWidget {
  readonly type: 'logs';
  readonly title: string;
  /** Id of a saved query in `dashboards/queries.ts`. */
  readonly query: string;
  /** @default 24 */
  readonly width?: number;
}

export interface TextWidget {
  readonly type: 'text';
  readonly markdown: string;
  /** @default 24 */
  readonly width?: number;
}

export type Widget = GraphWidget | LogsWidget | TextWidget;

export interface DashboardDefinition {
  /** Stable id; the dashboard is named `<app>-<stage>-<id>`. */
  readonly id: string;
  readonly title: string;
  /** Rows, top to bottom; each row's widgets left to right. */
  readonly rows: readonly (readonly Widget[])[];
}
