import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeCursor } from '#commons/cursor';
import { createLambdaContext } from '#local/lambda-context';
import { apiEvent, bodyOf } from '#tests/fixtures/api-event';
import { handler as getOrder } from '../../../../functions/orders/get-order.ts';
import { handler as listOrders } from '../../../../functions/orders/list-orders.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const orderId = `ord_${'b'.repeat(32)}`;
const stored = {
  orderId,
  customerId: 'cust-1',
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

afterEach(() => ddb.reset());

describe('GET /orders/{orderId}', () => {
  const get = (id: string) =>
    getOrder(
      apiEvent({ path: `/orders/${id}`, pathParameters: { orderId: id } }),
      createLambdaContext('getOrder'),
    );

  it('returns the stored order without storage-only attributes', async () => {
    ddb.on(GetCommand, { Key: { orderId } }).resolves({ Item: stored });

    const result = await get(orderId);

    expect(result.statusCode).toBe(200);
    const { expiresAt: _dropped, ...expected } = stored;
    expect(bodyOf(result)).toEqual(expected);
  });

  it('answers 404 for an unknown order', async () => {
    ddb.on(GetCommand).resolves({});

    const result = await get(`ord_${'c'.repeat(32)}`);

    expect(result.statusCode).toBe(404);
    expect(bodyOf(result)).toMatchObject({ error: { code: 'NOT_FOUND' } });
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
  const list = (query: Record<string, string>) =>
    listOrders(apiEvent({ path: '/orders', query }), createLambdaContext('listOrders'));

  it('queries the per-customer index newest first with the requested page size', async () => {
    ddb.on(QueryCommand).resolves({ Items: [stored] });

    const result = await list({ customerId: 'cust-1', limit: '5' });

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toMatchObject({ items: [{ orderId }], nextCursor: null });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'byCustomer',
      ScanIndexForward: false,
      Limit: 5,
      ExpressionAttributeValues: { ':customerId': 'cust-1' },
    });
  });

  it('defaults to 20 per page', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });

    await list({ customerId: 'cust-1' });

    expect(ddb).toHaveReceivedCommandWith(QueryCommand, { Limit: 20 });
  });

  it('turns the last evaluated key into an opaque cursor and back', async () => {
    const lastKey = { orderId, customerId: 'cust-1', createdAt: stored.createdAt };
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [stored], LastEvaluatedKey: lastKey })
      .resolves({ Items: [] });

    const first = bodyOf<{ nextCursor: string }>(await list({ customerId: 'cust-1', limit: '1' }));
    await list({ customerId: 'cust-1', limit: '1', cursor: first.nextCursor });

    expect(first.nextCursor).toBe(encodeCursor(lastKey));
    expect(ddb.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual(lastKey);
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
