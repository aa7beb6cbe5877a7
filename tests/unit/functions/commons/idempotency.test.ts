import { createHash } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpError } from '#commons/errors';
import { type HttpResult, httpRoute, json } from '#commons/http';
import { idempotentRoute } from '#commons/idempotency';
import type { Validator } from '#commons/validation';
import { createLambdaContext } from '#local/lambda-context';
import { apiEvent, bodyOf } from '#tests/fixtures/api-event';

const ddb = mockClient(DynamoDBClient);
const context = createLambdaContext('createOrder');
const body = { customerId: 'c-1' };
const KEY = 'key-0123456789abcdef';

/** Powertools' payload hash: md5 of the key-sorted JSON of `validated.body`, base64. */
const payloadHash = (value: unknown) =>
  createHash('md5').update(JSON.stringify(value)).digest('base64');

const later = (seconds: number) => Math.round(Date.now() / 1000) + seconds;

/** An existing record, as DynamoDB returns it when Powertools' conditional put fails. */
const existing = (item: Record<string, AttributeValue>) =>
  new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    Item: {
      id: { S: 'createOrder#hash' },
      expiration: { N: String(later(3600)) },
      validation: { S: payloadHash(body) },
      ...item,
    },
  });

/** Any object with a customerId: this file is about idempotency, not about the order contract. */
const hasCustomerId = (value: unknown): value is { customerId: string } =>
  typeof (value as { customerId?: unknown } | null)?.customerId === 'string';
const customerBody: Validator<{ customerId: string }> = {
  name: 'createOrderRequest',
  validate: (value) =>
    hasCustomerId(value)
      ? { success: true, data: value }
      : { success: false, issues: [{ path: ['customerId'], message: 'Required' }] },
  check: (value) => (hasCustomerId(value) ? value : undefined),
};

const handlerBody = vi.fn<(committed: boolean) => Promise<HttpResult>>();
const replayCommitted = vi.fn<(id: string) => Promise<HttpResult | undefined>>();

const handler = httpRoute(
  {
    routeId: 'createOrder',
    body: customerBody,
    idempotency: idempotentRoute({ replayCommitted }),
  },
  async ({ idempotency }) => {
    const commit = idempotency?.commitWrite('ord_1');
    return handlerBody(commit !== undefined);
  },
);

const call = (input: { key?: string; body?: unknown; origin?: string } = {}) =>
  handler(
    apiEvent({
      method: 'POST',
      path: '/orders',
      body: input.body ?? body,
      headers: {
        ...(input.key !== undefined && { 'Idempotency-Key': input.key }),
        ...(input.origin !== undefined && { Origin: input.origin }),
      },
    }),
    context,
  );

const created = json(201, { orderId: 'ord_1' }, { location: '/orders/ord_1' });

describe('idempotentRoute', () => {
  afterEach(() => {
    ddb.reset();
    handlerBody.mockReset();
    replayCommitted.mockReset();
  });

  it('runs a request without a key and touches no record', async () => {
    handlerBody.mockResolvedValue(created);

    const result = await call();

    expect(result.statusCode).toBe(201);
    expect(handlerBody).toHaveBeenCalledWith(false);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('takes the record, hands the handler a commit write, and saves the response', async () => {
    ddb.on(PutItemCommand).resolves({});
    ddb.on(UpdateItemCommand).resolves({});
    handlerBody.mockResolvedValue(created);

    const result = await call({ key: KEY });

    expect(result.statusCode).toBe(201);
    expect(result.headers?.['idempotent-replayed']).toBeUndefined();
    expect(handlerBody).toHaveBeenCalledWith(true);
    expect(ddb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'idempotency-table',
      Item: expect.objectContaining({ status: { S: 'INPROGRESS' } }),
    });
    expect(ddb).toHaveReceivedCommandWith(UpdateItemCommand, {
      ExpressionAttributeValues: expect.objectContaining({ ':status': { S: 'COMPLETED' } }),
    });
  });

  it('answers 201 and keeps the record when saving the response fails after the commit', async () => {
    ddb.on(PutItemCommand).resolves({});
    ddb.on(UpdateItemCommand).rejects(new Error('throttled'));
    handlerBody.mockResolvedValue(created);

    const result = await call({ key: KEY });

    expect(result.statusCode).toBe(201);
    expect(bodyOf(result)).toEqual({ orderId: 'ord_1' });
    expect(ddb).not.toHaveReceivedCommand(DeleteItemCommand);
  });

  it('deletes the record, unless it names a commit, when the handler fails', async () => {
    ddb.on(PutItemCommand).resolves({});
    ddb.on(DeleteItemCommand).resolves({});
    handlerBody.mockRejectedValue(new HttpError(503, 'SERVICE_UNAVAILABLE', 'Try later'));

    const result = await call({ key: KEY });

    expect(result.statusCode).toBe(503);
    expect(ddb).toHaveReceivedCommandWith(DeleteItemCommand, {
      TableName: 'idempotency-table',
      ConditionExpression: 'attribute_not_exists(#committed)',
      ExpressionAttributeNames: { '#committed': 'committed_id' },
    });
  });

  it("keeps the handler's error when the record is kept because it names a commit", async () => {
    ddb.on(PutItemCommand).resolves({});
    ddb
      .on(DeleteItemCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'kept', $metadata: {} }));
    handlerBody.mockRejectedValue(new HttpError(503, 'SERVICE_UNAVAILABLE', 'Try later'));

    const result = await call({ key: KEY });

    expect(result.statusCode).toBe(503);
    expect(bodyOf(result)).toMatchObject({ error: { code: 'SERVICE_UNAVAILABLE' } });
  });

  it('answers 409 IDEMPOTENCY_IN_PROGRESS with Retry-After while the first request runs', async () => {
    ddb.on(PutItemCommand).rejects(
      existing({
        status: { S: 'INPROGRESS' },
        in_progress_expiration: { N: String(Date.now() + 10_000) },
      }),
    );
    ddb.on(GetItemCommand).resolves({ Item: { id: { S: 'createOrder#hash' } } });

    const result = await call({ key: KEY, origin: 'http://localhost:3000' });

    expect(result.statusCode).toBe(409);
    expect(result.headers?.['retry-after']).toBe('1');
    expect(result.headers?.['Access-Control-Allow-Origin']).toBe('http://localhost:3000');
    expect(bodyOf(result)).toMatchObject({ error: { code: 'IDEMPOTENCY_IN_PROGRESS' } });
    expect(handlerBody).not.toHaveBeenCalled();
    expect(ddb).not.toHaveReceivedCommand(DeleteItemCommand);
  });

  it('answers with the committed resource when the record has no saved response', async () => {
    ddb.on(PutItemCommand).rejects(existing({ status: { S: 'INPROGRESS' } }));
    ddb.on(GetItemCommand).resolves({ Item: { committed_id: { S: 'ord_1' } } });
    replayCommitted.mockResolvedValue(created);

    const result = await call({ key: KEY });

    expect(replayCommitted).toHaveBeenCalledWith('ord_1');
    expect(handlerBody).not.toHaveBeenCalled();
    expect(result.statusCode).toBe(201);
    expect(result.headers).toMatchObject({
      location: '/orders/ord_1',
      'idempotent-replayed': 'true',
    });
  });

  it('replays a saved response with CORS headers for the replaying request', async () => {
    ddb.on(PutItemCommand).rejects(
      existing({
        status: { S: 'COMPLETED' },
        data: {
          M: {
            statusCode: { N: '201' },
            headers: { M: { location: { S: '/orders/ord_1' } } },
            body: { S: '{"orderId":"ord_1"}' },
          },
        },
      }),
    );

    const result = await call({ key: KEY, origin: 'http://localhost:3000' });

    expect(handlerBody).not.toHaveBeenCalled();
    expect(result.statusCode).toBe(201);
    expect(result.body).toBe('{"orderId":"ord_1"}');
    expect(result.headers).toMatchObject({
      location: '/orders/ord_1',
      'idempotent-replayed': 'true',
      'Access-Control-Allow-Origin': 'http://localhost:3000',
    });
    expect(ddb).not.toHaveReceivedCommand(UpdateItemCommand);
  });

  it('answers 422 IDEMPOTENCY_KEY_REUSED for the same key with another body', async () => {
    ddb.on(PutItemCommand).rejects(existing({ status: { S: 'COMPLETED' } }));

    const result = await call({ key: KEY, body: { customerId: 'c-2' } });

    expect(result.statusCode).toBe(422);
    expect(bodyOf(result)).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    expect(ddb).not.toHaveReceivedCommand(DeleteItemCommand);
  });
});
