import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
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

  it('records the OrderCreated event, the correlation id and the trace header with the order', async () => {
    // Prepare
    vi.stubEnv(
      '_X_AMZN_TRACE_ID',
      'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    );

    // Act
    const result = await create(validOrder);

    // Assess
    const stored = ddb.commandCalls(PutCommand)[0]?.args[0].input.Item;
    expect(stored).toMatchObject({
      lastEvent: 'OrderCreated',
      correlationId: expect.stringMatching(/.+/),
      traceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    });
    // Storage-only: the API representation carries none of them.
    for (const attribute of ['lastEvent', 'correlationId', 'traceHeader']) {
      expect(bodyOf(result)).not.toHaveProperty(attribute);
    }
    vi.unstubAllEnvs();
  });

  it('sends nothing itself: the order reaches fulfilment through the table stream (outbox)', async () => {
    const result = await create(validOrder);

    expect(result.statusCode).toBe(201);
    expect(sqs).not.toHaveReceivedAnyCommand();
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 1);
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
