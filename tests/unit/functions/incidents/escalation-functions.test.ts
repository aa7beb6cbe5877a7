import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { handler as escalate } from '../../../../functions/incidents/escalate.ts';
import { executionName } from '../../../../functions/incidents/notifications.ts';
import { handler as onAlarm } from '../../../../functions/incidents/on-alarm.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const sns = mockClient(SNSClient);
afterEach(() => {
  ddb.reset();
  sfn.reset();
  sns.reset();
});

const ALARM = 'Orders-dev-slo-read-availability-page-fast';
const OPENED = '2026-11-27T13:06:12.345Z';
const ID = `${ALARM}#${OPENED}`;

const snsEvent = (message: Record<string, unknown> | string): SNSEvent => ({
  Records: [
    {
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:us-east-1:123456789012:page:sub',
      Sns: {
        Type: 'Notification',
        MessageId: 'message-1',
        TopicArn: 'arn:aws:sns:us-east-1:123456789012:page',
        Subject: 'ALARM',
        Message: typeof message === 'string' ? message : JSON.stringify(message),
        Timestamp: OPENED,
        SignatureVersion: '1',
        Signature: '',
        SigningCertUrl: '',
        UnsubscribeUrl: '',
        MessageAttributes: {},
      },
    },
  ],
});
const notification = (state: 'ALARM' | 'OK') => ({
  AlarmName: ALARM,
  AlarmDescription: 'Read availability burning. Runbook: https://example.com/r.md',
  NewStateValue: state,
  OldStateValue: state === 'ALARM' ? 'OK' : 'ALARM',
  NewStateReason: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:x transitioned to ALARM',
  StateChangeTime: '2026-11-27T13:06:12.345+0000',
});
const cancelled = () =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {} });

describe('on-alarm function (page topic subscriber)', () => {
  it('opens an incident named after the alarm and the time it fired, and starts its escalation', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution' });

    await onAlarm(snsEvent(notification('ALARM')));

    const write = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input;
    expect(write?.TransactItems?.[0]?.Put).toMatchObject({
      Item: { id: `alarm#${ALARM}`, incidentId: ID },
      ConditionExpression: 'attribute_not_exists(id)',
    });
    expect(write?.TransactItems?.[1]?.Put?.Item).toMatchObject({
      id: ID,
      status: 'OPEN',
      tier: -1,
    });
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      name: executionName(ID),
      input: JSON.stringify({ incidentId: ID }),
    });
  });

  it('does not page again while the alarm already has an open incident', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled());
    ddb.on(GetCommand).resolves({
      Item: { id: `alarm#${ALARM}`, incidentId: `${ALARM}#2026-11-27T12:00:00.000Z` },
    });

    await onAlarm(snsEvent(notification('ALARM')));

    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('starts the same execution again for a redelivered notification (same name, so no second page)', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled());
    ddb
      .on(GetCommand, { Key: { id: `alarm#${ALARM}` } })
      .resolves({ Item: { id: `alarm#${ALARM}`, incidentId: ID } })
      .on(GetCommand, { Key: { id: ID } })
      .resolves({ Item: { id: ID, kind: 'incident', status: 'OPEN', tier: 0, pages: [] } });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution' });

    await onAlarm(snsEvent(notification('ALARM')));

    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { name: executionName(ID) });
  });

  it('closes the open incident on OK and announces it on the info topic', async () => {
    ddb
      .on(GetCommand, { Key: { id: `alarm#${ALARM}` } })
      .resolves({ Item: { id: `alarm#${ALARM}`, incidentId: ID } })
      .on(GetCommand, { Key: { id: ID } })
      .resolves({
        Item: {
          id: ID,
          kind: 'incident',
          alarmName: ALARM,
          openedAt: OPENED,
          status: 'ACKNOWLEDGED',
          tier: 0,
          pages: [],
        },
      });
    ddb.on(TransactWriteCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'm' });

    await onAlarm(snsEvent(notification('OK')));

    const write = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input;
    expect(write?.TransactItems?.[0]?.Update?.ExpressionAttributeValues).toMatchObject({
      ':status': 'CLOSED',
    });
    expect(write?.TransactItems?.[1]?.Delete?.Key).toEqual({ id: `alarm#${ALARM}` });
    const published = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(published?.TopicArn).toBe('arn:aws:sns:us-east-1:123456789012:info');
    expect(JSON.parse(published?.Message ?? '{}')).toMatchObject({
      type: 'IncidentClosed',
      incidentId: ID,
    });
  });

  it('drops a message that is not an alarm notification without touching the table', async () => {
    await onAlarm(snsEvent('not json'));
    await onAlarm(snsEvent({ hello: 'world' }));

    expect(ddb.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
  });
});

describe('escalate function (state machine step)', () => {
  const incident = (status: string, tier: number) => ({
    Item: {
      id: ID,
      kind: 'incident',
      alarmName: ALARM,
      openedAt: OPENED,
      reason: 'r',
      status,
      tier,
      pages: [],
    },
  });

  it("pages the tier's topic while the incident is unacknowledged, then records the page", async () => {
    ddb.on(GetCommand).resolves(incident('OPEN', 0));
    ddb.on(UpdateCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'm' });

    const result = await escalate({ incidentId: ID, tier: 1 });

    expect(result).toEqual({ continue: true, paged: true });
    const published = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(published?.TopicArn).toBe('arn:aws:sns:us-east-1:123456789012:secondary');
    expect(JSON.parse(published?.Message ?? '{}')).toMatchObject({
      type: 'Page',
      tier: 'secondary',
      incidentId: ID,
    });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      ConditionExpression: '#status = :open AND tier < :tier',
    });
  });

  it.each(['ACKNOWLEDGED', 'RESOLVED', 'CLOSED'])(
    'stops escalating once the incident is %s',
    async (status) => {
      ddb.on(GetCommand).resolves(incident(status, 0));

      const result = await escalate({ incidentId: ID, tier: 1 });

      expect(result).toEqual({ continue: false, paged: false });
      expect(sns).not.toHaveReceivedCommand(PublishCommand);
    },
  );

  it('does not page a tier twice when a step is retried', async () => {
    ddb.on(GetCommand).resolves(incident('OPEN', 1));

    const result = await escalate({ incidentId: ID, tier: 1 });

    expect(result).toEqual({ continue: true, paged: false });
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });
});
