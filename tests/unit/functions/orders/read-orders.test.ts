import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLambdaContext } from '#local/lambda-context';
import { apiEvent, bodyOf } from '#tests/fixtures/api-event';
import { TEST_CONTACT } from '#tests/fixtures/contact';
import { handler as getOrder } from '../../../../functions/orders/get-order.ts';
import { handler as listOrders } from '../../../../functions/orders/list-orders.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);
const READ_ALL = 'orders/orders.read.all';
const orderId = `ord_${'b'.repeat(32)}`;
const stored = {
  orderId,
  customerId: 'cust-1',
  owner: 'test',
  ownerCustomer: 'test#cust-1',
  status: 'PENDING',
  currency: 'EUR',
  items: [{ sku: 'A', quantity: 1, unitPriceCents: 100 }],
  subtotalCents: 100,
  discountCents: 0,
  totalCents: 100,
  pricingSource: 'quote',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  expiresAt: 1_900_000_000,
};

beforeEach(() => {
  secrets.on(GetSecretValueCommand).resolves({ SecretString: 'cursor-key-'.repeat(6) });
});
afterEach(() => {
  ddb.reset();
  secrets.reset();
});

describe('the delivery contact', () => {
  const withContact = { ...stored, contact: TEST_CONTACT };
  const get = (as: { consumer?: string; scope?: string } = {}) =>
    getOrder(
      apiEvent({ path: `/orders/${orderId}`, pathParameters: { orderId }, ...as }),
      createLambdaContext('getOrder'),
    );
  const list = (as: { consumer?: string; scope?: string } = {}) =>
    listOrders(
      apiEvent({ path: '/orders', query: { customerId: 'cust-1' }, ...as }),
      createLambdaContext('listOrders'),
    );

  it('is returned to the consumer that created the order, on get and list', async () => {
    ddb.on(GetCommand).resolves({ Item: withContact });
    ddb.on(QueryCommand).resolves({ Items: [withContact] });

    const one = bodyOf(await get());
    const page = bodyOf<{ items: Record<string, unknown>[] }>(await list());

    expect(one.contact).toEqual(TEST_CONTACT);
    expect(page.items[0]?.contact).toEqual(TEST_CONTACT);
  });

  it("is left out for a reader of every consumer's orders, on get and list", async () => {
    ddb.on(GetCommand).resolves({ Item: withContact });
    ddb.on(QueryCommand).resolves({ Items: [withContact] });
    const reporting = { consumer: 'reporting-consumer', scope: READ_ALL };

    const one = await get(reporting);
    const page = await list(reporting);

    expect(one.statusCode).toBe(200);
    expect(page.statusCode).toBe(200);
    expect(bodyOf(one)).not.toHaveProperty('contact');
    expect(bodyOf<{ items: Record<string, unknown>[] }>(page).items[0]).not.toHaveProperty(
      'contact',
    );
    expect(one.body).not.toContain(TEST_CONTACT.email);
    expect(page.body).not.toContain(TEST_CONTACT.email);
  });
});

describe('GET /orders/{orderId}', () => {
  const get = (id: string, as: { consumer?: string; scope?: string } = {}) =>
    getOrder(
      apiEvent({ path: `/orders/${id}`, pathParameters: { orderId: id }, ...as }),
      createLambdaContext('getOrder'),
    );

  it("returns the caller's own order without storage-only attributes", async () => {
    ddb.on(GetCommand, { Key: { orderId } }).resolves({ Item: stored });

    const result = await get(orderId);

    expect(result.statusCode).toBe(200);
    const { expiresAt: _e, owner: _o, ownerCustomer: _oc, ...expected } = stored;
    expect(bodyOf(result)).toEqual(expected);
  });

  it('answers 404 for an unknown order', async () => {
    ddb.on(GetCommand).resolves({});

    const result = await get(`ord_${'c'.repeat(32)}`);

    expect(result.statusCode).toBe(404);
    expect(bodyOf(result)).toMatchObject({ error: { code: 'ORDER_NOT_FOUND' } });
  });

  it("answers another consumer's order exactly like a missing one", async () => {
    ddb.on(GetCommand, { Key: { orderId } }).resolves({ Item: stored });
    ddb.on(GetCommand, { Key: { orderId: `ord_${'c'.repeat(32)}` } }).resolves({});

    const foreign = await get(orderId, { consumer: 'other-consumer' });
    const missing = await get(`ord_${'c'.repeat(32)}`, { consumer: 'other-consumer' });

    expect(foreign.statusCode).toBe(404);
    expect(bodyOf(foreign)).toEqual(
      JSON.parse(missing.body.replace(`ord_${'c'.repeat(32)}`, orderId)),
    );
  });

  it("lets a consumer holding orders.read.all read any consumer's order", async () => {
    ddb.on(GetCommand, { Key: { orderId } }).resolves({ Item: stored });

    const result = await get(orderId, { consumer: 'reporting-consumer', scope: READ_ALL });

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toMatchObject({ orderId });
  });

  it('refuses a token sent with the API key of another consumer, before reading', async () => {
    const result = await getOrder(
      apiEvent({ path: `/orders/${orderId}`, pathParameters: { orderId }, apiKeyId: 'other-key' }),
      createLambdaContext('getOrder'),
    );

    expect(result.statusCode).toBe(403);
    expect(bodyOf(result)).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
  });

  it('refuses a token of a client the stage does not know', async () => {
    const result = await get(orderId, { consumer: 'stranger-consumer' });

    expect(result.statusCode).toBe(403);
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
  });

  it.each(['123', 'ord_XYZ', '../etc/passwd', `ord_${'a'.repeat(33)}`, '%00'])(
    'answers 400 for the malformed id %s without reading the table',
    async (id) => {
      const result = await get(id);

      expect(result.statusCode).toBe(400);
      expect(ddb).not.toHaveReceivedCommand(GetCommand);
    },
  );
});

describe('GET /orders', () => {
  const list = (query: Record<string, string>, as: { consumer?: string; scope?: string } = {}) =>
    listOrders(apiEvent({ path: '/orders', query, ...as }), createLambdaContext('listOrders'));

  it("queries only the caller's own partition of the per-owner index, newest first", async () => {
    ddb.on(QueryCommand).resolves({ Items: [stored] });

    const result = await list({ customerId: 'cust-1', limit: '5' });

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toMatchObject({ items: [{ orderId }], nextCursor: null });
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'byOwnerCustomer',
      ScanIndexForward: false,
      Limit: 5,
      ExpressionAttributeNames: { '#partition': 'ownerCustomer' },
      ExpressionAttributeValues: { ':partition': 'test#cust-1' },
    });
    expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input.FilterExpression).toBeUndefined();
  });

  it('queries the per-customer index for a consumer holding orders.read.all', async () => {
    ddb.on(QueryCommand).resolves({ Items: [stored] });

    const result = await list(
      { customerId: 'cust-1' },
      { consumer: 'reporting-consumer', scope: READ_ALL },
    );

    expect(result.statusCode).toBe(200);
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'byCustomer',
      ExpressionAttributeNames: { '#partition': 'customerId' },
      ExpressionAttributeValues: { ':partition': 'cust-1' },
    });
  });

  it('reads the cursor key only when a page has a next one', async () => {
    ddb.on(QueryCommand).resolves({ Items: [stored] });

    await list({ customerId: 'cust-1' });

    expect(secrets).not.toHaveReceivedCommand(GetSecretValueCommand);
  });

  it('defaults to 20 per page', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });

    await list({ customerId: 'cust-1' });

    expect(ddb).toHaveReceivedCommandWith(QueryCommand, { Limit: 20 });
  });

  it('turns the last evaluated key into a signed cursor and back', async () => {
    const lastKey = { orderId, ownerCustomer: 'test#cust-1', createdAt: stored.createdAt };
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [stored], LastEvaluatedKey: lastKey })
      .resolves({ Items: [] });

    const first = bodyOf<{ nextCursor: string }>(await list({ customerId: 'cust-1', limit: '1' }));
    const second = await list({ customerId: 'cust-1', limit: '1', cursor: first.nextCursor });

    expect(second.statusCode).toBe(200);
    expect(first.nextCursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(ddb.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual(lastKey);
  });

  it("answers 400 for another consumer's cursor, without querying", async () => {
    const lastKey = { orderId, ownerCustomer: 'test#cust-1', createdAt: stored.createdAt };
    ddb.on(QueryCommand).resolvesOnce({ Items: [stored], LastEvaluatedKey: lastKey });
    const first = bodyOf<{ nextCursor: string }>(await list({ customerId: 'cust-1', limit: '1' }));
    ddb.resetHistory();

    const result = await list(
      { customerId: 'cust-1', cursor: first.nextCursor },
      { consumer: 'other-consumer' },
    );

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toMatchObject({ error: { code: 'INVALID_CURSOR' } });
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
  });

  it.each([
    ['a missing customerId', { limit: '5' }, 'VALIDATION_FAILED'],
    ['limit 0', { customerId: 'c', limit: '0' }, 'VALIDATION_FAILED'],
    ['limit 101', { customerId: 'c', limit: '101' }, 'VALIDATION_FAILED'],
    ['limit abc', { customerId: 'c', limit: 'abc' }, 'VALIDATION_FAILED'],
    ['an unknown parameter', { customerId: 'c', sort: 'asc' }, 'VALIDATION_FAILED'],
    ['a tampered cursor', { customerId: 'c', cursor: 'eyJ2IjoxfQ' }, 'INVALID_CURSOR'],
  ])('answers 400 for %s', async (_case, query, code) => {
    const result = await list(query);

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toMatchObject({ error: { code } });
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
  });
});
