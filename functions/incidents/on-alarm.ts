import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { SNSEvent } from 'aws-lambda';
import { requireEnv } from '#commons/env';
import { ENV } from '#commons/env-names';
import { logger, tracer } from '#powertools';
import { executionName, isoTime, parseAlarmNotification, subject } from './notifications.ts';
import { incidentsRepository } from './operator.ts';

const incidents = incidentsRepository();
const stateMachineArn = requireEnv(ENV.escalationStateMachineArn);
const infoTopicArn = requireEnv(ENV.infoTopicArn);
const sfn = tracer.captureAWSv3Client(new SFNClient({}));
const sns = tracer.captureAWSv3Client(new SNSClient({}));

/**
 * Subscribed to the page topic. ALARM opens an incident (one per alarm while it is open) and
 * starts its escalation, which pages the tiers in turn; OK closes the alarm's open incident and
 * says so on the info topic. A message that is no alarm notification is logged and dropped.
 */
export const handler = async (event: SNSEvent): Promise<void> => {
  for (const record of event.Records) {
    const parsed = parseAlarmNotification(record.Sns.Message);
    if ('problem' in parsed) {
      logger.error('Dropped a page-topic message that is not an alarm notification', {
        messageId: record.Sns.MessageId,
        reason: parsed.problem,
      });
      continue;
    }
    const alarm = parsed.notification;
    const at = isoTime(alarm.StateChangeTime);
    if (alarm.NewStateValue === 'ALARM') {
      const result = await incidents.open({
        alarmName: alarm.AlarmName,
        openedAt: at,
        reason: alarm.NewStateReason,
        ...(alarm.AlarmDescription && { description: alarm.AlarmDescription }),
      });
      if (result.outcome === 'already-open') {
        logger.info('Alarm already has an open incident: not paging again', {
          alarmName: alarm.AlarmName,
          incidentId: result.openIncidentId,
        });
        continue;
      }
      // Also on a redelivery: the execution's name makes a second start return the first.
      await sfn.send(
        new StartExecutionCommand({
          stateMachineArn,
          name: executionName(result.incident.id),
          input: JSON.stringify({ incidentId: result.incident.id }),
        }),
      );
      logger.info('Incident opened, escalation started', { incidentId: result.incident.id });
    } else if (alarm.NewStateValue === 'OK') {
      const closed = await incidents.close(alarm.AlarmName, at);
      if (closed === undefined) {
        logger.info('Alarm is OK with no open incident', { alarmName: alarm.AlarmName });
        continue;
      }
      await sns.send(
        new PublishCommand({
          TopicArn: infoTopicArn,
          Subject: subject(`Closed: ${alarm.AlarmName} is OK`),
          Message: JSON.stringify({
            type: 'IncidentClosed',
            incidentId: closed.id,
            alarmName: closed.alarmName,
            openedAt: closed.openedAt,
            closedAt: at,
            acknowledged: closed.acknowledged ?? null,
            reason: alarm.NewStateReason,
          }),
        }),
      );
      logger.info('Incident closed', { incidentId: closed.id });
    }
  }
};
