import { Duration, type Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { StageConfig } from '#config/stages';
import { INCIDENTS_SCOPE, ROUTES } from '#routes';
import type { OrdersService } from '../service.ts';
import { alertTopicParameterName } from '../stacks/alerting-stack.ts';

/**
 * A safety alarm: not an SLO, a condition that needs a person even before users notice (a
 * message parked in a DLQ, throttling, no worker running, a burst of 5xx, a failed backup).
 * The id names the alarm (`<app>-<stage>-<id>`) and its runbook (`runbooks/<id>.md`).
 */
export interface SafetyAlarmSpec {
  readonly id: string;
  readonly severity: 'page' | 'ticket';
  /** What the alarm says, in one sentence. */
  readonly summary: string;
  readonly metric: IMetric;
  readonly comparison: ComparisonOperator;
  readonly threshold: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  /** Chosen per alarm: what no data means for this signal. */
  readonly treatMissingData: TreatMissingData;
}

export interface SafetyAlarmsProps {
  readonly config: StageConfig;
  readonly alarms: readonly SafetyAlarmSpec[];
  /** The topic of each severity; the alarm notifies on ALARM and on OK. */
  /** The topic of each severity the alarms use. */
  readonly topics: Readonly<Partial<Record<SafetyAlarmSpec['severity'], ITopic>>>;
}

/** The safety alarms of one stack, each named `<app>-<stage>-<id>` and linking its runbook. */
export class SafetyAlarms extends Construct {
  public readonly alarms: ReadonlyMap<string, Alarm>;

  constructor(scope: Construct, id: string, props: SafetyAlarmsProps) {
    super(scope, id);
    const { config } = props;
    const base = config.alerting.runbookBaseUrl.replace(/\/+$/, '');
    const alarms = new Map<string, Alarm>();
    for (const spec of props.alarms) {
      const alarm = new Alarm(this, spec.id, {
        alarmName: `${config.appName}-${config.stage}-${spec.id}`,
        alarmDescription: `${config.appName} ${config.stage} (${spec.severity}): ${spec.summary} Runbook: ${base}/${spec.id}.md`,
        metric: spec.metric,
        comparisonOperator: spec.comparison,
        threshold: spec.threshold,
        evaluationPeriods: spec.evaluationPeriods,
        datapointsToAlarm: spec.datapointsToAlarm,
        treatMissingData: spec.treatMissingData,
      });
      const topic = props.topics[spec.severity];
      if (topic === undefined) throw new Error(`No ${spec.severity} topic for ${spec.id}`);
      const action = new SnsAction(topic);
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      alarms.set(spec.id, alarm);
    }
    this.alarms = alarms;
  }
}

const minute = Duration.minutes(1);

const dlqNotEmpty = (id: string, queue: IQueue, what: string): SafetyAlarmSpec => ({
  id,
  severity: 'ticket',
  summary: `${what} holds messages: each one is an event the service gave up on.`,
  metric: queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: minute }),
  comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
  threshold: 0,
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  // SQS publishes for every queue every few minutes; a gap is an idle queue, not a parked message.
  treatMissingData: TreatMissingData.NOT_BREACHING,
});

const tableThrottles = (id: string, table: ITable, what: string): SafetyAlarmSpec => {
  const events = (metricName: string) =>
    new Metric({
      namespace: 'AWS/DynamoDB',
      metricName,
      dimensionsMap: { TableName: table.tableName },
      statistic: 'Sum',
      period: minute,
    });
  return {
    id,
    severity: 'ticket',
    summary: `The ${what} table throttled reads or writes for 5 minutes running.`,
    metric: new MathExpression({
      expression: 'FILL(reads, 0) + FILL(writes, 0)',
      usingMetrics: { reads: events('ReadThrottleEvents'), writes: events('WriteThrottleEvents') },
      period: minute,
      label: `${what} table throttle events`,
    }),
    comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
    threshold: 0,
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    // No data point: no request was throttled.
    treatMissingData: TreatMissingData.NOT_BREACHING,
  };
};

/**
 * The stage's safety alarms, by the stack that owns what they watch, so no stack exports a
 * resource name for them. Each reads the alert topics' ARNs from the Alerting stack's SSM
 * parameters when it deploys (no export: the topics and every stack stay replaceable).
 */
export const safetyAlarmSpecs = (
  service: OrdersService,
  config: StageConfig,
): { readonly stack: Stack; readonly alarms: SafetyAlarmSpec[] }[] => {
  const { data, api, worker, backup } = service;
  // The order API's functions (orders and health). CloudWatch caps an alarm's math at 10
  // metrics, and the operator routes (incidents, triage) carry a few requests an hour: an operator
  // who is throttled gets a 429 and retries.
  const functions = ROUTES.filter(
    (route) => !(route.auth.type === 'oauth' && route.auth.scopes.includes(INCIDENTS_SCOPE)),
  ).map((route) => api.functions[route.id]);
  const throttles = Object.fromEntries(
    functions.map((fn, index) => [
      `t${index}`,
      fn.metricThrottles({ statistic: 'Sum', period: minute }),
    ]),
  );
  const apiMetric = (metricName: string) =>
    new Metric({
      namespace: 'AWS/ApiGateway',
      metricName,
      dimensionsMap: { ApiName: api.api.restApiName, Stage: config.stage },
      statistic: 'Sum',
      period: minute,
    });
  const backupMetric = (metricName: string) =>
    new Metric({
      namespace: 'AWS/Backup',
      metricName,
      dimensionsMap: { BackupVaultName: backup.vault.backupVaultName },
      statistic: 'Sum',
      period: Duration.hours(1),
    });
  return [
    {
      stack: data,
      alarms: [
        dlqNotEmpty(
          'dlq-fulfilment-not-empty',
          data.fulfilmentDlq,
          'The fulfilment DLQ (messages the worker failed to handle)',
        ),
        dlqNotEmpty(
          'dlq-outbox-not-empty',
          data.outbox.deadLetterQueue,
          'The outbox DLQ (order events the pipe could not deliver to the fulfilment queue)',
        ),
        tableThrottles('dynamodb-throttles-orders', data.ordersTable, 'orders'),
        tableThrottles('dynamodb-throttles-idempotency', data.idempotencyTable, 'idempotency'),
        tableThrottles('dynamodb-throttles-catalog', data.catalogTable, 'catalog'),
      ],
    },
    {
      stack: api,
      alarms: [
        {
          id: 'lambda-throttles',
          severity: 'ticket',
          summary:
            'The order API functions were throttled (concurrency limit reached) in 3 of the last 5 minutes.',
          metric: new MathExpression({
            expression: Object.keys(throttles)
              .map((key) => `FILL(${key}, 0)`)
              .join(' + '),
            usingMetrics: throttles,
            period: minute,
            label: 'Throttled invocations, order API functions',
          }),
          comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          threshold: 5,
          evaluationPeriods: 5,
          datapointsToAlarm: 3,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        },
        {
          id: 'api-5xx-spike',
          severity: 'page',
          summary:
            'More than 5% of all API requests (20 a minute at least) answered 5xx for 5 minutes running.',
          metric: new MathExpression({
            expression: 'IF(FILL(requests, 0) >= 20, 100 * FILL(errors, 0) / requests, 0)',
            usingMetrics: { errors: apiMetric('5XXError'), requests: apiMetric('Count') },
            period: minute,
            label: '5xx % of all API requests',
          }),
          comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
          threshold: 5,
          evaluationPeriods: 5,
          datapointsToAlarm: 5,
          // No traffic is no spike; the SLO alarms and the health check cover a silent API.
          treatMissingData: TreatMissingData.NOT_BREACHING,
        },
      ],
    },
    {
      stack: worker,
      alarms: [
        {
          id: 'worker-no-running-tasks',
          severity: 'page',
          summary: 'The fulfilment worker service has had no running task for 3 minutes.',
          metric: new Metric({
            namespace: 'ECS/ContainerInsights',
            metricName: 'RunningTaskCount',
            dimensionsMap: {
              ClusterName: worker.service.cluster.clusterName,
              ServiceName: worker.service.serviceName,
            },
            statistic: 'Minimum',
            period: minute,
          }),
          comparison: ComparisonOperator.LESS_THAN_THRESHOLD,
          threshold: 1,
          evaluationPeriods: 3,
          datapointsToAlarm: 3,
          // Container Insights reports every minute while the service exists: silence means no
          // task is reporting, which is the failure this alarm is for.
          treatMissingData: TreatMissingData.BREACHING,
        },
      ],
    },
    {
      stack: backup,
      alarms: [
        {
          id: 'backup-jobs-failed',
          severity: 'ticket',
          summary: 'A backup or copy job of the vault failed in the last hour.',
          metric: new MathExpression({
            expression: 'FILL(backups, 0) + FILL(copies, 0)',
            usingMetrics: {
              backups: backupMetric('NumberOfBackupJobsFailed'),
              copies: backupMetric('NumberOfCopyJobsFailed'),
            },
            period: Duration.hours(1),
            label: 'Failed backup and copy jobs',
          }),
          comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
          threshold: 0,
          evaluationPeriods: 1,
          datapointsToAlarm: 1,
          // No data point: no job failed. A job that never ran is the NoRecentBackup alarm's.
          treatMissingData: TreatMissingData.NOT_BREACHING,
        },
        {
          id: 'restore-jobs-failed',
          severity: 'ticket',
          summary:
            'A restore job (a restore test or a drill) from the vault failed in the last hour.',
          metric: backupMetric('NumberOfRestoreJobsFailed'),
          comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
          threshold: 0,
          evaluationPeriods: 1,
          datapointsToAlarm: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        },
      ],
    },
  ];
};

/** Adds the stage's safety alarms to the stacks of `service`, notifying its alert topics. */
export const addSafetyAlarms = (service: OrdersService, config: StageConfig): void => {
  for (const { stack, alarms } of safetyAlarmSpecs(service, config)) {
    // Only the topics this stack's alarms notify: an unread parameter would be an unused
    // CloudFormation parameter (cfn-lint W2001).
    const used = new Set(alarms.map((alarm) => alarm.severity));
    const topic = (severity: SafetyAlarmSpec['severity']) =>
      used.has(severity)
        ? Topic.fromTopicArn(
            stack,
            `${severity}AlertTopic`,
            StringParameter.valueForStringParameter(
              stack,
              alertTopicParameterName(config, severity),
            ),
          )
        : undefined;
    new SafetyAlarms(stack, 'SafetyAlarms', {
      config,
      alarms,
      topics: { page: topic('page'), ticket: topic('ticket') },
    });
    // The parameters must exist before the stack reads them.
    stack.addStackDependency(service.alerting);
  }
};
