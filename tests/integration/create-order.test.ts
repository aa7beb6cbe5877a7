import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { requireEnv } from '#commons/env';
import { ENV } from '#commons/env-names';
import { createLambdaContext } from '#local/lambda-context';
import { apiEvent, bodyOf } from '#tests/fixtures/api-event';
import { asConsumer } from '#tests/fixtures/consumers';
import { TEST_CONTACT } from '#tests/fixtures/contact';
import { handler as cancelOrder } from '../../functions/orders/cancel-order.ts';
import { handler as createOrder } from '../../functions/orders/create-order.ts';

/**
 * The create and cancel handlers, in-process, against real DynamoDB and SQS APIs (the
 * emulator by default): idempotency replay and conflict through Powertools' DynamoDB
 * persistence, and concurrent cancels through the conditional write.
 */
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 1 }));
const tableName = requireEnv(ENV.ordersTable);
const catalogTable = requireEnv(ENV.catalogTable);
const created: string[] = [];
/** This run's own SKUs, so runs against a shared stage never touch its real catalog. */
const SKU = `IT-${randomUUID().slice(0, 8)}`;
const RETIRED_SKU = `${SKU}-OLD`;

const order = (customerId: string, quantity = 1) => ({
  customerId,
  currency: 'EUR',
  items: [{ sku: SKU, quantity, unitPriceCents: 1999 }],
  contact: TEST_CONTACT,
});

const post = async (body: unknown, idempotencyKey?: string, consumer = 'storefront') => {
  const result = await createOrder(
    apiEvent({
      method: 'POST',
      path: '/orders',
      body,
      ...asConsumer(consumer),
      headers: idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {},
    }),
    createLambdaContext('createOrder'),
  );
  if (result.statusCode === 201) created.push(bodyOf<{ orderId: string }>(result).orderId);
  return result;
};

const ordersOf = async (customerId: string) =>
  (
    await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: requireEnv(ENV.ordersByCustomerIndex),
        KeyConditionExpression: 'customerId = :c',
        ExpressionAttributeValues: { ':c': customerId },
      }),
    )
  ).Items ?? [];

beforeAll(async () => {
  await client.send(
    new BatchWriteCommand({
      RequestItems: {
        [catalogTable]: [
          { PutRequest: { Item: { sku: SKU, active: true, prices: { EUR: 1999, USD: 2199 } } } },
          { PutRequest: { Item: { sku: RETIRED_SKU, active: false, prices: { EUR: 5 } } } },
        ],
      },
    }),
  );
  // Pricing is not under test here: answer every quote with no discount.
  vi.stubGlobal(
    'fetch',
    vi.fn(async (_url: unknown, init?: RequestInit) => {
      const { items } = JSON.parse(String(init?.body)) as {
        items: { quantity: number; unitPriceCents: number }[];
      };
      const subtotalCents = items.reduce(
        (sum, item) => sum + item.quantity * item.unitPriceCents,
        0,
      );
      return Response.json({ subtotalCents, discountCents: 0, totalCents: subtotalCents });
    }),
  );
});

afterAll(async () => {
  vi.unstubAllGlobals();
  await Promise.all([
    ...created.map((orderId) =>
      client.send(new DeleteCommand({ TableName: tableName, Key: { orderId } })),
    ),
    ...[SKU, RETIRED_SKU].map((sku) =>
      client.send(new DeleteCommand({ TableName: catalogTable, Key: { sku } })),
    ),
  ]);
});

describe('POST /orders prices from the catalog table', () => {
  it('stores the catalog price, read back from the table', async () => {
    const customerId = `it-${randomUUID().slice(0, 8)}`;

    const result = await post({
      ...order(customerId),
      currency: 'USD',
      items: [{ sku: SKU, quantity: 3 }],
    });

    expect(result.statusCode, result.body).toBe(201);
    expect(bodyOf(result)).toMatchObject({
      items: [{ sku: SKU, quantity: 3, unitPriceCents: 2199 }],
      subtotalCents: 3 * 2199,
    });
  });

  it('answers 409 PRICE_CHANGED with the table price, and 422 for inactive and unknown SKUs', async () => {
    const customerId = `it-${randomUUID().slice(0, 8)}`;

    const changed = await post({
      ...order(customerId),
      items: [{ sku: SKU, quantity: 1, unitPriceCents: 1 }],
    });
    const unknown = await post({
      ...order(customerId),
      items: [
        { sku: RETIRED_SKU, quantity: 1 },
        { sku: `${SKU}-NONE`, quantity: 1 },
      ],
    });

    expect(changed.statusCode).toBe(409);
    expect(bodyOf(changed)).toMatchObject({
      error: { code: 'PRICE_CHANGED', details: [{ sku: SKU, currentUnitPriceCents: 1999 }] },
    });
    expect(unknown.statusCode).toBe(422);
    expect(bodyOf(unknown)).toMatchObject({
      error: { code: 'UNKNOWN_SKU', details: [{ sku: RETIRED_SKU }, { sku: `${SKU}-NONE` }] },
    });
    expect(await ordersOf(customerId)).toHaveLength(0);
  });
});

describe('POST /orders with an Idempotency-Key', () => {
  it('replays the original response for the same key and body, storing one order', async () => {
    const customerId = `it-${randomUUID().slice(0, 8)}`;
    const key = randomUUID();

    const first = await post(order(customerId), key);
    const replay = await post(order(customerId), key);

    expect(first.statusCode).toBe(201);
    expect(replay.statusCode).toBe(201);
    expect(bodyOf(replay)).toEqual(bodyOf(first));
    expect(replay.headers?.['idempotent-replayed']).toBe('true');
    expect(await ordersOf(customerId)).toHaveLength(1);
  });

  it('treats the same JSON with other formatting and key order as the same request', async () => {
    const customerId = `it-${randomUUID().slice(0, 8)}`;
    const key = randomUUID();
    const body = order(customerId);

    const first = await post(JSON.stringify(body), key);
    const reordered = await post(
      JSON.stringify(
        { contact: body.contact, items: body.items, currency: body.currency, customerId },
        null,
        2,
      ),
      key,
    );

    expect(bodyOf(reordered)).toEqual(bodyOf(first));
  });

  it('answers 422 for the same key with a different body, and keeps replaying the original', async () => {
    const customerId = `it-${randomUUID().slice(0, 8)}`;
    const key = randomUUID();

    const first = await post(order(customerId, 1), key);
    const conflict = await post(order(customerId, 2), key);
    const replay = await post(order(customerId, 1), key);

    expect(conflict.statusCode).toBe(422);
    expect(bodyOf(conflict)).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    expect(bodyOf(replay)).toEqual(bodyOf(first));
    expect(await ordersOf(customerId)).toHaveLength(1);
  });

  it('scopes keys per consumer: two consumers may use the same key', async () => {
    const customerId = `it-${randomUUID().slice(0, 8)}`;
    const key = randomUUID();

    const a = await post(order(customerId), key, 'storefront');
    const b = await post(order(customerId), key, 'marketplace');

    expect(bodyOf(a).orderId).not.toBe(bodyOf(b).orderId);
    expect(await ordersOf(customerId)).toHaveLength(2);
  });

  it('creates a new order for each request without a key', async () => {
    const customerId = `it-${randomUUID().slice(0, 8)}`;

    await post(order(customerId));
    await post(order(customerId));

    expect(await ordersOf(customerId)).toHaveLength(2);
  });
});

describe('POST /orders/{orderId}/cancel, concurrently', () => {
  it('answers one of two simultaneous cancels with 200 and the other with 409', async () => {
    const { orderId } = bodyOf<{ orderId: string }>(
      await post(order(`it-${randomUUID().slice(0, 8)}`)),
    );
    const cancel = () =>
      cancelOrder(
        apiEvent({
          method: 'POST',
          path: `/orders/${orderId}/cancel`,
          pathParameters: { orderId },
          ...asConsumer('storefront'),
        }),
        createLambdaContext('cancelOrder'),
      );

    const results = await Promise.all([cancel(), cancel()]);

    expect(results.map((result) => result.statusCode).sort()).toEqual([200, 409]);
  });
});
