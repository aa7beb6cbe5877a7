import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { PublishCommand } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import type { SNSEvent } from 'aws-lambda';
import { emitMetric } from '#commons/metrics';
import { logger, metrics, tracer } from '#powertools';
import {
  AlarmParseError,
  type ParsedAlarm,
  parseAlarmNotification,
  parseIncidentId,
} from '#triage/alarm';
import { chatSummary, type IncidentRecord, runTriage } from '#triage/run';
import { requiredEnv, TRIAGE_ENV } from './env-names.ts';
import {
  createTriageDeps,
  describeAlarm,
  snsClient,
  triageSettings,
  triageStore,
} from './runtime.ts';

/**
 * The triage run: subscribed to the page topic (CloudWatch alarm notifications, metric and
 * composite), and invoked by the start route for an incident an operator names. Stores the
 * incident record, then sends its summary to the chat topic. A retry (Lambda retries a failed
 * asynchronous invocation) runs triage again and overwrites the same record, so the summary is
 * sent at least once and the record is never duplicated. A notification that is not an alarm is
 * a poison message: its reason is logged and it goes to the function's dead-letter queue.
 */

/** What the start route sends: the incident an operator names. */
export interface StartTriageEvent {
  readonly source: 'operator';
  readonly incidentId: string;
  readonly requestedBy: string;
}

const envSettings = triageSettings();
const { settings, deps } = createTriageDeps(envSettings);
const store = triageStore();
const sns = snsClient();
const chatTopicArn = requiredEnv(TRIAGE_ENV.chatTopicArn);
const cloudwatch = tracer.captureAWSv3Client(new CloudWatchClient({}));

export class PoisonNotification extends Error {
  override readonly name = 'PoisonNotification';
}

/** Runs, stores and announces one incident. */
export const triageAlarm = async (alarm: ParsedAlarm): Promise<IncidentRecord> => {
  const record = await runTriage(alarm, settings, deps);
  await store.put(record, envSettings.retentionDays);
  const { subject, message } = chatSummary(record);
  await sns.send(
    new PublishCommand({ TopicArn: chatTopicArn, Subject: subject, Message: message }),
  );
  const degraded = Object.values(record.bundle.sources).filter(
    (s) => s?.status === 'timeout' || s?.status === 'error',
  ).length;
  emitMetric('TriageRuns');
  emitMetric('TriageSourcesDegraded', degraded);
  emitMetric('TriageInputTokens', record.model.inputTokens);
  emitMetric('TriageOutputTokens', record.model.outputTokens);
  emitMetric('TriageCostUsd', record.model.costUsd);
  if (record.model.outcome !== 'ok' && record.model.outcome !== 'disabled')
    emitMetric('TriageModelFallbacks');
  logger.info('Incident triaged', {
    incidentId: record.incidentId,
    hypotheses: record.hypotheses.map((h) => `${h.category}:${h.source}:${h.confidence}`),
    model: record.model.outcome,
    sources: record.bundle.sources,
    truncated: record.bundle.truncated,
    redactions: record.redactions,
  });
  return record;
};

const isSns = (event: unknown): event is SNSEvent =>
  Array.isArray((event as SNSEvent | undefined)?.Records);

export const handler = middy<SNSEvent | StartTriageEvent, void>()
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use({
    before: () => {
      metrics.addDimension('route', 'triage');
    },
  })
  .handler(async (event) => {
    if (!isSns(event)) {
      logger.info('Triage started by an operator', {
        by: event.requestedBy,
        incidentId: event.incidentId,
      });
      const named = parseIncidentId(event.incidentId);
      const alarm = named && (await describeAlarm(cloudwatch, named.alarmName, named.time));
      if (!alarm) {
        logger.error(
          'Operator-started triage names no alarm of this stage, sent to the dead-letter queue',
          {
            incidentId: event.incidentId,
          },
        );
        throw new PoisonNotification(`no alarm for incident ${event.incidentId}`);
      }
      await triageAlarm(alarm);
      return;
    }
    for (const record of event.Records) {
      let alarm: ParsedAlarm;
      try {
        alarm = parseAlarmNotification(record.Sns.Message);
      } catch (error) {
        if (!(error instanceof AlarmParseError)) throw error;
        logger.error('Poison notification: not a CloudWatch alarm, sent to the dead-letter queue', {
          reason: error.message,
          messageId: record.Sns.MessageId,
        });
        throw new PoisonNotification(error.message);
      }
      if (alarm.state !== 'ALARM') {
        logger.info('Alarm left ALARM: nothing to triage', {
          alarm: alarm.alarmName,
          state: alarm.state,
        });
        continue;
      }
      await triageAlarm(alarm);
    }
  });
