import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createLambdaContext } from '#local/lambda-context';
import { apiEvent, bodyOf } from '#tests/fixtures/api-event';
import { handler as ack } from '../../../../functions/incidents/acknowledge-incident.ts';
import { handler as get } from '../../../../functions/incidents/get-incident.ts';
import { handler as list } from '../../../../functions/incidents/list-incidents.ts';
import { handler as resolve } from '../../../../functions/incidents/resolve-incident.ts';

const ddb = mockClient(DynamoDBDocumentClient);
afterEach(() => ddb.reset());

const ID = 'Orders-dev-slo-read-availability-page-fast#2026-11-27T13:06:12.345Z';
const SCOPE = 'orders/incidents.operate';
const item = (status: string) => ({
  id: ID,
  kind: 'incident',
  alarmName: 'Orders-dev-slo-read-availability-page-fast',
  openedAt: '2026-11-27T13:06:12.345Z',
  reason: 'r',
  status,
  tier: 0,
  pages: [{ tier: 'primary', at: '2026-11-27T13:06:13.000Z' }],
});
const call = (
  handler: typeof ack,
  action: '' | '/ack' | '/resolve',
  incidentId = ID,
  body?: unknown,
) =>
  handler(
    apiEvent({
      method: action ? 'POST' : 'GET',
      path: `/incidents/${encodeURIComponent(incidentId)}${action}`,
      pathParameters: { incidentId },
      ...(body !== undefined && { body }),
      scope: SCOPE,
    }),
    createLambdaContext('incidents'),
  );
const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

describe('operator routes', () => {
  it('lists the open incidents from the sparse open index, newest first', async () => {
    ddb.on(QueryCommand).resolves({ Items: [item('OPEN')] });

    const result = await list(
      apiEvent({ path: '/incidents', scope: SCOPE }),
      createLambdaContext('list'),
    );

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toMatchObject({ incidents: [{ incidentId: ID, status: 'OPEN' }] });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'open',
      ScanIndexForward: false,
    });
  });

  it('answers 404 INCIDENT_NOT_FOUND for an unknown incident', async () => {
    ddb.on(GetCommand).resolves({});

    const result = await call(get, '');

    expect(result.statusCode).toBe(404);
    expect(bodyOf(result)).toMatchObject({ error: { code: 'INCIDENT_NOT_FOUND' } });
  });

  it('answers 400 for an id that is not <alarm>#<ISO time>', async () => {
    const result = await call(get, '', 'not-an-incident');

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
  });

  it('acknowledges an OPEN incident with who and when, in one conditional write', async () => {
    ddb
      .on(UpdateCommand)
      .resolves({ Attributes: { ...item('ACKNOWLEDGED'), acknowledged: { by: 'test' } } });

    const result = await call(ack, '/ack', ID, { note: 'looking' });

    expect(result.statusCode).toBe(200);
    const input = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBe('kind = :incident AND #status = :open');
    expect(input?.ExpressionAttributeValues?.[':action']).toMatchObject({
      by: 'test',
      clientId: 'test-consumer',
      note: 'looking',
      at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
  });

  it('answers 409 INVALID_STATE when acknowledging an incident that is not OPEN', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({ Item: item('RESOLVED') });

    const result = await call(ack, '/ack');

    expect(result.statusCode).toBe(409);
    expect(bodyOf(result)).toMatchObject({ error: { code: 'INVALID_STATE' } });
  });

  it('answers 404 when acknowledging an unknown incident', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({});

    expect((await call(ack, '/ack')).statusCode).toBe(404);
  });

  it("resolves an acknowledged incident and removes the alarm's open marker in the same transaction", async () => {
    ddb.on(GetCommand).resolves({ Item: item('ACKNOWLEDGED') });
    ddb.on(TransactWriteCommand).resolves({});

    const result = await call(resolve, '/resolve');

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toMatchObject({ status: 'RESOLVED', resolved: { by: 'test' } });
    const items = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems;
    expect(items?.[0]?.Update?.UpdateExpression).toContain('REMOVE openKey');
    expect(items?.[1]?.Delete?.Key).toEqual({
      id: 'alarm#Orders-dev-slo-read-availability-page-fast',
    });
  });

  it('answers 409 when resolving an incident that is already closed, and when a race closes it first', async () => {
    ddb.on(GetCommand).resolvesOnce({ Item: item('CLOSED') });
    expect((await call(resolve, '/resolve')).statusCode).toBe(409);

    ddb.reset();
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: item('OPEN') })
      .resolves({ Item: item('CLOSED') });
    ddb
      .on(TransactWriteCommand)
      .rejects(new TransactionCanceledException({ message: 'x', $metadata: {} }));
    expect((await call(resolve, '/resolve')).statusCode).toBe(409);
  });
});
