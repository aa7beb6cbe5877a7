import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { requireEnv } from '#commons/env';
import { ENV } from '#commons/env-names';
import { createLambdaContext } from '#local/lambda-context';
import { apiEvent, bodyOf } from '#tests/fixtures/api-event';
import { useTestSku } from '#tests/fixtures/catalog';
import { asConsumer } from '#tests/fixtures/consumers';
import { TEST_CONTACT } from '#tests/fixtures/contact';
import { handler as cancelOrder } from '../../functions/orders/cancel-order.ts';
import { handler as createOrder } from '../../functions/orders/create-order.ts';
import { handler as getOrder } from '../../functions/orders/get-order.ts';

/**
 * Object-level authorization through the handlers, in-process, against a real DynamoDB API:
 * two consumers that create orders (storefront, marketplace) and one that reads all (reporting),
 * each identified by its token's client id and its API key id as API Gateway passes them.
 */
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 1 }));
const tableName = requireEnv(ENV.ordersTable);
const created: string[] = [];
const READ_ALL = 'orders/orders.read.all';
const { sku } = useTestSku(500);

const create = async (consumer: string, customerId: string) => {
  const result = await createOrder(
    apiEvent({
      method: 'POST',
      path: '/orders',
      body: { customerId, items: [{ sku, quantity: 1 }], contact: TEST_CONTACT },
      ...asConsumer(consumer),
    }),
    createLambdaContext('createOrder'),
  );
  expect(result.statusCode, result.body).toBe(201);
  const { orderId } = bodyOf<{ orderId: string }>(result);
  created.push(orderId);
  return orderId;
};

const get = (orderId: string, as: ReturnType<typeof asConsumer>) =>
  getOrder(
    apiEvent({ path: `/orders/${orderId}`, pathParameters: { orderId }, ...as }),
    createLambdaContext('getOrder'),
  );

const cancel = (orderId: string, as: ReturnType<typeof asConsumer>) =>
  cancelOrder(
    apiEvent({
      method: 'POST',
      path: `/orders/${orderId}/cancel`,
      pathParameters: { orderId },
      ...as,
    }),
    createLambdaContext('cancelOrder'),
  );

const stored = async (orderId: string) =>
  (await client.send(new GetCommand({ TableName: tableName, Key: { orderId } }))).Item;

beforeAll(() => {
  // Pricing is not under test here: answer every quote with no discount.
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => Response.json({ subtotalCents: 500, discountCents: 0, totalCents: 500 })),
  );
});

afterAll(async () => {
  vi.unstubAllGlobals();
  await Promise.all(
    created.map((orderId) =>
      client.send(new DeleteCommand({ TableName: tableName, Key: { orderId } })),
    ),
  );
});

describe('ownership of orders', () => {
  it('records the consumer that created an order as its owner', async () => {
    const customerId = `it-own-${randomUUID().slice(0, 8)}`;

    const orderId = await create('marketplace', customerId);

    expect(await stored(orderId)).toMatchObject({
      owner: 'marketplace',
      ownerCustomer: `marketplace#${customerId}`,
    });
  });

  it("answers another consumer's order with 404 ORDER_NOT_FOUND, like a missing one", async () => {
    const orderId = await create('storefront', `it-own-${randomUUID().slice(0, 8)}`);
    const missing = `ord_${randomUUID().replaceAll('-', '')}`;

    const foreign = await get(orderId, asConsumer('marketplace'));
    const absent = await get(missing, asConsumer('marketplace'));

    expect(foreign.statusCode).toBe(404);
    expect(bodyOf(foreign)).toEqual(JSON.parse(absent.body.replaceAll(missing, orderId)));
    expect((await get(orderId, asConsumer('storefront'))).statusCode).toBe(200);
  });

  it("does not let a consumer cancel another's order, and leaves the order as it was", async () => {
    const orderId = await create('storefront', `it-own-${randomUUID().slice(0, 8)}`);

    const result = await cancel(orderId, asConsumer('marketplace'));

    expect(result.statusCode).toBe(404);
    expect(bodyOf(result)).toMatchObject({ error: { code: 'ORDER_NOT_FOUND' } });
    expect((await stored(orderId))?.status).toBe('PENDING');
  });

  it('lets the reporting consumer read any order, but cancel none', async () => {
    const orderId = await create('storefront', `it-own-${randomUUID().slice(0, 8)}`);

    const read = await get(orderId, asConsumer('reporting', READ_ALL));
    const cancelled = await cancel(orderId, asConsumer('reporting', READ_ALL));

    expect(read.statusCode).toBe(200);
    expect(bodyOf(read)).toMatchObject({ orderId });
    expect(cancelled.statusCode).toBe(404);
    expect((await stored(orderId))?.status).toBe('PENDING');
  });

  it("refuses a token of one consumer sent with another consumer's API key", async () => {
    const orderId = await create('storefront', `it-own-${randomUUID().slice(0, 8)}`);
    const storefrontToken = asConsumer('storefront');
    const marketplaceKey = asConsumer('marketplace').apiKeyId;

    const result = await get(orderId, { ...storefrontToken, apiKeyId: marketplaceKey });

    expect(result.statusCode).toBe(403);
    expect(bodyOf(result)).toMatchObject({ error: { code: 'FORBIDDEN' } });
  });
});
