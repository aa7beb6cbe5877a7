import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ComprehendClient } from '@aws-sdk/client-comprehend';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { XRayClient } from '@aws-sdk/client-xray';
import { documentClient } from '#clients/dynamodb';
import { ENV } from '#commons/env-names';
import { tracer } from '#powertools';
import { ROUTES } from '#routes';
import type { ParsedAlarm } from '#triage/alarm';
import type { Gatherers } from '#triage/gather';
import type { TriageDeps, TriageSettings } from '#triage/run';
import {
  alarmSource,
  configSource,
  deploymentsSource,
  logsSource,
  metricsSource,
  runbookSource,
  tracesSource,
  type WatchedMetric,
} from '#triage/sources';
import { TRIAGE_ENV } from './env-names.ts';
import type { TriageEnvSettings } from './operator.ts';

/**
 * What the triage functions share, read once at load: settings from the stack (`TRIAGE_SETTINGS`
 * and friends), the store, and the AWS clients the context sources use.
 */

export { type TriageEnvSettings, triageSettings, triageStore } from './operator.ts';

/** The service metrics read around every alarm: errors, dependencies, throttles, faults. */
export const watchedMetrics = (stage: string): WatchedMetric[] =>
  ROUTES.filter((route) => route.id !== 'health' && !route.access.triage).flatMap((route) =>
    (
      [
        ['ServerErrors', 'Sum'],
        ['DownstreamErrors', 'Sum'],
        ['DownstreamLatency', 'Average'],
        ['PricingFallback', 'Sum'],
        ['FaultsInjected', 'Sum'],
        ['ColdStart', 'Sum'],
      ] as const
    ).map(([metricName, stat]) => ({
      namespace: 'Orders',
      metricName,
      dimensions: { service: 'orders', stage, route: route.id },
      stat,
    })),
  );

/** The sources and clients of a triage run, with the settings' guardrail and model. */
export const createTriageDeps = (
  settings: TriageEnvSettings,
): { deps: TriageDeps; settings: TriageSettings } => {
  const cloudwatch = tracer.captureAWSv3Client(new CloudWatchClient({}));
  const logs = tracer.captureAWSv3Client(new CloudWatchLogsClient({}));
  const ssm = tracer.captureAWSv3Client(new SSMClient({}));
  const xray = tracer.captureAWSv3Client(new XRayClient({}));
  const logGroups = JSON.parse(process.env[TRIAGE_ENV.logGroups] ?? '[]') as string[];
  const deploymentsParameter = process.env[TRIAGE_ENV.deploymentsParameter];
  let deploymentsTable: Promise<string | undefined> | undefined;
  const tableName = () => {
    deploymentsTable ??= deploymentsParameter
      ? ssm
          .send(new GetParameterCommand({ Name: deploymentsParameter }))
          .then((out) => out.Parameter?.Value)
          .catch((error: Error) => {
            deploymentsTable = undefined;
            if (error.name === 'ParameterNotFound') return undefined;
            throw error;
          })
      : Promise.resolve(undefined);
    return deploymentsTable;
  };
  const gatherers: Gatherers = {
    alarm: alarmSource(settings.prefix, settings.stage),
    metrics: metricsSource(cloudwatch, watchedMetrics(settings.stage)),
    logs: logsSource(logs, logGroups),
    deployments: deploymentsSource(documentClient, tableName, settings.services, settings.stage),
    config: configSource(ssm, process.env[ENV.faultParameterName]),
    traces: tracesSource(xray),
    // TRIAGE_RUNBOOK_DIR: the runbooks of a checkout (the local runtime has no network).
    runbook: runbookSource(
      settings.prefix,
      process.env.TRIAGE_RUNBOOK_DIR
        ? { dir: process.env.TRIAGE_RUNBOOK_DIR }
        : { baseUrl: settings.runbookRawBaseUrl },
    ),
  };
  const guardrail = process.env[TRIAGE_ENV.guardrail];
  const [guardrailId, guardrailVersion] = (guardrail ?? '').split('|');
  const model =
    settings.model && guardrailId && guardrailVersion
      ? { ...settings.model, guardrail: { id: guardrailId, version: guardrailVersion } }
      : settings.model;
  return {
    settings: {
      ...settings,
      timeouts: { ...settings.timeouts, logs: settings.logsTimeoutMs },
      ...(model ? { model } : {}),
    },
    deps: {
      gatherers,
      ...(model && { bedrock: tracer.captureAWSv3Client(new BedrockRuntimeClient({})) }),
      ...(settings.comprehend && {
        comprehend: tracer.captureAWSv3Client(new ComprehendClient({})),
      }),
    },
  };
};

export const snsClient = () => tracer.captureAWSv3Client(new SNSClient({}));

/** An alarm as DescribeAlarms knows it, in the shape of a notification (operator-started runs). */
export const describeAlarm = async (
  cloudwatch: Pick<CloudWatchClient, 'send'>,
  alarmName: string,
  time: string,
): Promise<ParsedAlarm | undefined> => {
  const out = await cloudwatch.send(
    new DescribeAlarmsCommand({
      AlarmNames: [alarmName],
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
    }),
  );
  const metric = out.MetricAlarms?.[0];
  const composite = out.CompositeAlarms?.[0];
  if (!metric && !composite) return undefined;
  const dims = (list?: { Name?: string; Value?: string }[]) =>
    Object.fromEntries((list ?? []).map((d) => [d.Name ?? '', d.Value ?? '']));
  return {
    alarmName,
    description: (metric ?? composite)?.AlarmDescription ?? '',
    state: (metric ?? composite)?.StateValue ?? 'ALARM',
    reason: (metric ?? composite)?.StateReason ?? 'started by an operator',
    time,
    composite: composite !== undefined,
    children: [],
    metrics: metric
      ? [
          ...(metric.MetricName && metric.Namespace
            ? [
                {
                  namespace: metric.Namespace,
                  name: metric.MetricName,
                  dimensions: dims(metric.Dimensions),
                  stat: metric.Statistic ?? metric.ExtendedStatistic ?? 'Sum',
                  periodSeconds: metric.Period ?? 60,
                },
              ]
            : []),
          ...(metric.Metrics ?? []).flatMap((query) =>
            query.MetricStat?.Metric?.Namespace && query.MetricStat.Metric.MetricName
              ? [
                  {
                    namespace: query.MetricStat.Metric.Namespace,
                    name: query.MetricStat.Metric.MetricName,
                    dimensions: dims(query.MetricStat.Metric.Dimensions),
                    stat: query.MetricStat.Stat ?? 'Sum',
                    periodSeconds: query.MetricStat.Period ?? 60,
                  },
                ]
              : [],
          ),
        ]
      : [],
    ...(metric?.Threshold !== undefined && { threshold: metric.Threshold }),
  };
};
