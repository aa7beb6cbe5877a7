/**
 * The DORA dashboard widget: a CloudWatch metric widget over the four metrics `npm run dora --
 * --publish` puts in the `Orders/Delivery` namespace, per stage. Add it to a dashboard body's
 * `widgets` (or `aws cloudwatch put-dashboard`).
 */
import type { DoraReport } from './dora.ts';

export const DORA_NAMESPACE = 'Orders/Delivery';
export const DORA_METRICS = [
  'DeploymentsPerDay',
  'LeadTimeHours',
  'ChangeFailureRate',
  'TimeToRestoreHours',
] as const;

/** The report's values as CloudWatch metric data (metrics without a value are left out). */
export const doraMetricData = (report: DoraReport, stage: string) =>
  (
    [
      ['DeploymentsPerDay', report.deploymentsPerDay, 'Count'],
      ['LeadTimeHours', report.leadTimeHours, 'None'],
      ['ChangeFailureRate', report.changeFailureRate, 'None'],
      ['TimeToRestoreHours', report.mttrHours, 'None'],
    ] as const
  )
    .filter(([, value]) => value !== undefined)
    .map(([MetricName, Value, Unit]) => ({
      MetricName,
      Value: Value as number,
      Unit,
      Timestamp: new Date(report.to),
      Dimensions: [{ Name: 'stage', Value: stage }],
    }));

/** A CloudWatch dashboard metric widget of the four DORA metrics of a stage. */
export const doraWidget = (stage: string, region = 'eu-west-1') => ({
  type: 'metric' as const,
  width: 12,
  height: 6,
  properties: {
    title: `DORA metrics (${stage})`,
    region,
    view: 'singleValue' as const,
    stat: 'Maximum',
    period: 86_400,
    metrics: DORA_METRICS.map((name) => [DORA_NAMESPACE, name, 'stage', stage] as const),
  },
});
