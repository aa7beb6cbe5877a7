import { randomUUID } from 'node:crypto';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAlarmNotification } from '#triage/alarm';
import { windowOf } from '#triage/gather';
import { chatSummary, runTriage } from '#triage/run';
import { alarmSource, logsSource } from '#triage/sources';
import { requiredEnv, TRIAGE_ENV } from '../../functions/triage/env-names.ts';
import { TriageStore } from '../../functions/triage/store.ts';
import { metricAlarmMessage } from '../fixtures/alarms.ts';

/**
 * Triage against real AWS APIs (the emulator by default): records and audit in DynamoDB, error
 * lines through Logs Insights (grouped by the function when the engine cannot run `stats`), and
 * the chat summary through SNS. Every test creates and deletes its own data.
 */
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 1 }));
const store = new TriageStore(
  documents,
  requiredEnv(TRIAGE_ENV.table),
  requiredEnv(TRIAGE_ENV.byOpenedIndex),
);
const logs = new CloudWatchLogsClient({ maxAttempts: 1 });
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const alarmAt = (minutesAgo: number) =>
  parseAlarmNotification(
    metricAlarmMessage({
      alarmName: `Orders-dev-it-${randomUUID().slice(0, 8)}`,
      time: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
    }),
  );
const settings = {
  stage: 'dev',
  prefix: 'Orders-dev',
  windowMinutes: 60,
  bundleMaxBytes: 48_000,
  timeouts: { default: 10_000 },
  links: { dashboard: 'd', runbookBaseUrl: 'https://example.org/runbooks', logQuery: 'q' },
};

describe('triage store', () => {
  it('stores an incident, lists it newest first, and records a review with its audit entry', async () => {
    // Prepare
    const older = await runTriage(alarmAt(30), settings, {
      gatherers: { alarm: alarmSource('Orders-dev', 'dev') },
    });
    const newer = await runTriage(alarmAt(1), settings, {
      gatherers: { alarm: alarmSource('Orders-dev', 'dev') },
    });

    // Act
    await store.put(older, 1);
    await store.put(newer, 1);
    const first = newer.hypotheses[0];
    await store.review(
      newer,
      first?.id ?? 'h-1',
      { decision: 'rejected', reason: 'a metric gap', by: 'oncall', at: new Date().toISOString() },
      1,
    );

    // Assess
    const page = await store.list(50);
    const listed = page.items.map((r) => r.incidentId);
    expect(listed.indexOf(newer.incidentId)).toBeLessThan(listed.indexOf(older.incidentId));
    // A page carries each incident's summary and review state, never its evidence bundle.
    expect(page.items.find((r) => r.incidentId === newer.incidentId)).toEqual({
      incidentId: newer.incidentId,
      alarmName: newer.alarmName,
      openedAt: newer.openedAt,
      triagedAt: newer.triagedAt,
      hypotheses: [
        expect.objectContaining({
          id: first?.id,
          review: expect.objectContaining({ decision: 'rejected' }),
        }),
        ...newer.hypotheses.slice(1),
      ],
    });
    const read = await store.get(newer.incidentId);
    expect(read?.bundle).toEqual(newer.bundle);
    expect(read?.hypotheses[0]?.review).toMatchObject({ decision: 'rejected', by: 'oncall' });
    expect(await store.audit(newer.incidentId)).toEqual([
      expect.objectContaining({
        hypothesisId: first?.id,
        decision: 'rejected',
        reason: 'a metric gap',
      }),
    ]);
  });

  it('refuses a review of a hypothesis the incident does not have', async () => {
    const record = await runTriage(alarmAt(5), settings, {
      gatherers: { alarm: alarmSource('Orders-dev', 'dev') },
    });
    await store.put(record, 1);
    await expect(
      store.review(
        record,
        'h-9',
        { decision: 'accepted', reason: 'x', by: 'oncall', at: new Date().toISOString() },
        1,
      ),
    ).rejects.toThrow('h-9');
  });
});

describe('logs source', () => {
  it('finds the error fingerprints of the window and of the span before it', async () => {
    // Prepare: JSON lines as Powertools writes them.
    const group = `/it/triage/${randomUUID().slice(0, 8)}`;
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    cleanups.push(() => logs.send(new DeleteLogGroupCommand({ logGroupName: group })));
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 's' }));
    const now = Date.now();
    const line = (fingerprint: string, message: string, at: number) => ({
      timestamp: at,
      message: JSON.stringify({
        level: 'ERROR',
        message: 'Request failed',
        errorFingerprint: fingerprint,
        error: { message },
      }),
    });
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: 's',
        logEvents: [
          line('aaaa', 'TypeError: x is undefined', now - 90 * 60_000),
          ...Array.from({ length: 5 }, (_, i) =>
            line('aaaa', 'TypeError: x is undefined', now - (10 - i) * 60_000),
          ),
          line('bbbb', 'Error: pricing timed out', now - 5 * 60_000),
          {
            timestamp: now - 4 * 60_000,
            message: JSON.stringify({ level: 'INFO', message: 'ok' }),
          },
        ],
      }),
    );
    const alarm = alarmAt(0);

    // Act
    const found = await logsSource(logs, [group], { pollMs: 100 })({
      alarm,
      incidentId: 'x',
      window: windowOf(alarm, 60),
      signal: AbortSignal.timeout(20_000),
    });

    // Assess
    expect(found.map((f) => f.data)).toEqual([
      expect.objectContaining({
        kind: 'fingerprint',
        fingerprint: 'aaaa',
        count: 5,
        countBefore: 1,
      }),
      expect.objectContaining({
        kind: 'fingerprint',
        fingerprint: 'bbbb',
        count: 1,
        countBefore: 0,
      }),
    ]);
  });
});

describe('chat summary', () => {
  it('reaches a subscriber of the chat topic', async () => {
    const sns = new SNSClient({ maxAttempts: 1 });
    const sqs = new SQSClient({ maxAttempts: 1 });
    const name = `it-triage-chat-${randomUUID().slice(0, 8)}`;
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
    cleanups.push(() => sns.send(new DeleteTopicCommand({ TopicArn })));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    cleanups.push(() => sqs.send(new DeleteQueueCommand({ QueueUrl })));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: Attributes?.QueueArn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    const record = await runTriage(alarmAt(2), settings, {
      gatherers: { alarm: alarmSource('Orders-dev', 'dev') },
    });

    const { subject, message } = chatSummary(record);
    await sns.send(new PublishCommand({ TopicArn, Subject: subject, Message: message }));

    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5 }),
    );
    expect(Messages?.[0]?.Body).toContain(`Incident ${record.incidentId}`);
    expect(Messages?.[0]?.Body).toContain('Runbook: https://example.org/runbooks/');
  });
});
