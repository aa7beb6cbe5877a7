import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLambdaContext } from '#local/lambda-context';
import { apiEvent, bodyOf } from '#tests/fixtures/api-event';
import { handler } from '../../../../functions/orders/create-order.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const context = createLambdaContext('createOrder');

const validOrder = {
  customerId: 'cust-42',
  currency: 'EUR',
  items: [
    { sku: 'BOOK-1', quantity: 2, unitPriceCents: 1250 },
    { sku: 'PEN-9', quantity: 1, unitPriceCents: 300 },
  ],
};

const create = (body: unknown, headers: Record<string, string> = {}) =>
  handler(apiEvent({ method: 'POST', path: '/orders', body, headers }), context);

const quote = (discountCents: number) =>
  vi.fn<typeof fetch>(async (_url, init) => {
    const { items } = JSON.parse(String(init?.body)) as {
      items: { quantity: number; unitPriceCents: number }[];
    };
    const subtotalCents = items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
    return Response.json({
      subtotalCents,
      discountCents,
      totalCents: subtotalCents - discountCents,
    });
  });

describe('POST /orders', () => {
  beforeEach(() => {
    ddb.on(PutCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    vi.stubGlobal('fetch', quote(100));
  });
  afterEach(() => {
    ddb.reset();
    sqs.reset();
    vi.unstubAllGlobals();
  });

  it('stores a PENDING order with a server-computed total and returns 201 with its location', async () => {
    const result = await create(validOrder);

    expect(result.statusCode).toBe(201);
    const order = bodyOf(result);
    expect(order).toMatchObject({
      customerId: 'cust-42',
      status: 'PENDING',
      subtotalCents: 2800,
      discountCents: 100,
      totalCents: 2700,
      pricingSource: 'quote',
    });
    expect(order.orderId).toMatch(/^ord_[0-9a-f]{32}$/);
    expect(result.headers?.location).toBe(`/orders/${order.orderId}`);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'orders-table',
      ConditionExpression: 'attribute_not_exists(orderId)',
      Item: expect.objectContaining({
        orderId: order.orderId,
        status: 'PENDING',
        totalCents: 2700,
      }),
    });
  });

  it('publishes the order to the fulfilment queue', async () => {
    const order = bodyOf(await create(validOrder));

    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    const sent = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(sent?.QueueUrl).toBe(process.env.FULFILMENT_QUEUE_URL);
    expect(JSON.parse(sent?.MessageBody ?? '{}')).toMatchObject({
      type: 'OrderCreated',
      orderId: order.orderId,
      totalCents: 2700,
    });
  });

  it('rejects a client-sent total: totals are computed by the service', async () => {
    const result = await create({ ...validOrder, totalCents: 1 });

    expect(result.statusCode).toBe(400);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('uses list prices, and says so, when the pricing service fails', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn<typeof fetch>().mockResolvedValue(new Response('down', { status: 503 })),
    );

    const result = await create(validOrder);

    expect(result.statusCode).toBe(201);
    expect(bodyOf(result)).toMatchObject({
      pricingSource: 'fallback',
      discountCents: 0,
      totalCents: 2800,
    });
  });

  it('removes the stored order and answers 503 when fulfilment cannot be reached', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('queue unavailable'));
    ddb.on(DeleteCommand).resolves({});

    const result = await create(validOrder);

    expect(result.statusCode).toBe(503);
    expect(bodyOf(result)).toEqual({
      error: { code: 'SERVICE_UNAVAILABLE', message: expect.any(String), details: [] },
    });
    const stored = ddb.commandCalls(PutCommand)[0]?.args[0].input.Item;
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, { Key: { orderId: stored?.orderId } });
  });

  it('answers a bare 500 without internals when DynamoDB fails unexpectedly', async () => {
    ddb
      .on(PutCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'secret detail', $metadata: {} }));

    const result = await create(validOrder);

    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('secret detail');
    expect(bodyOf(result)).toMatchObject({ error: { code: 'INTERNAL' } });
  });

  it.each([
    ['malformed JSON', '{"customerId": ', 400, 'MALFORMED_JSON'],
    ['an empty body', '', 400, 'VALIDATION_FAILED'],
    ['a missing customerId', { items: validOrder.items }, 400, 'VALIDATION_FAILED'],
    ['an unknown field', { ...validOrder, coupon: 'FREE' }, 400, 'VALIDATION_FAILED'],
    ['no items', { ...validOrder, items: [] }, 400, 'VALIDATION_FAILED'],
    [
      '51 items',
      { ...validOrder, items: Array.from({ length: 51 }, () => validOrder.items[0]) },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'quantity 0',
      { ...validOrder, items: [{ sku: 'A', quantity: 0, unitPriceCents: 1 }] },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'quantity 1001',
      { ...validOrder, items: [{ sku: 'A', quantity: 1001, unitPriceCents: 1 }] },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a fractional price',
      { ...validOrder, items: [{ sku: 'A', quantity: 1, unitPriceCents: 9.99 }] },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a price as a string',
      { ...validOrder, items: [{ sku: 'A', quantity: 1, unitPriceCents: '100' }] },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'an injection string as customerId',
      { ...validOrder, customerId: "x' OR '1'='1" },
      400,
      'VALIDATION_FAILED',
    ],
    ['a JSON array', [validOrder], 400, 'VALIDATION_FAILED'],
    [
      'a body over the size limit',
      { ...validOrder, pad: 'x'.repeat(70_000) },
      413,
      'PAYLOAD_TOO_LARGE',
    ],
  ])('rejects %s with a problem body and stores nothing', async (_case, body, status, code) => {
    const result = await create(body);

    expect(result.statusCode).toBe(status);
    expect(bodyOf(result)).toEqual({
      error: { code, message: expect.any(String), details: expect.any(Array) },
    });
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('names the invalid field in the details', async () => {
    const result = await create({
      ...validOrder,
      items: [{ sku: 'A', quantity: 0, unitPriceCents: 1 }],
    });

    expect(bodyOf(result)).toMatchObject({
      error: { details: [{ path: 'body.items.0.quantity' }] },
    });
  });

  it('rejects a body that is not declared as JSON with 415', async () => {
    const result = await create(JSON.stringify(validOrder), { 'Content-Type': 'text/plain' });

    expect(result.statusCode).toBe(415);
  });

  it('rejects a malformed Idempotency-Key before doing any work', async () => {
    const result = await create(validOrder, { 'Idempotency-Key': 'short' });

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toMatchObject({
      error: { details: [{ path: 'headers.idempotency-key' }] },
    });
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('adds CORS headers for an allowed origin only', async () => {
    const allowed = await handler(
      apiEvent({
        method: 'POST',
        path: '/orders',
        body: validOrder,
        headers: { Origin: 'http://localhost:3000' },
      }),
      context,
    );
    const other = await handler(
      apiEvent({
        method: 'POST',
        path: '/orders',
        body: validOrder,
        headers: { Origin: 'https://evil.example' },
      }),
      context,
    );

    expect(allowed.headers?.['Access-Control-Allow-Origin']).toBe('http://localhost:3000');
    expect(other.headers?.['Access-Control-Allow-Origin']).toBeUndefined();
  });
});
