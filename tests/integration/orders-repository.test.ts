import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { requireEnv } from '#commons/env';
import { ENV } from '#commons/env-names';
import type { EventAttributes } from '#commons/event-origin';
import { type OrderRecord, OrdersRepository } from '#commons/orders-repository';

/**
 * The orders table's behaviour against a real DynamoDB API: the emulator by default, or
 * whatever AWS_ENDPOINT_URL points at. Each test uses its own customer and order ids and deletes
 * what it wrote.
 */
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 1 }));
const tableName = requireEnv(ENV.ordersTable);
const repository = new OrdersRepository(client, tableName, requireEnv(ENV.ordersByCustomerIndex));
const written: string[] = [];

const newOrder = (
  customerId: string,
  createdAt: string,
  status: OrderRecord['status'] = 'PENDING',
): OrderRecord & EventAttributes => {
  const orderId = `ord_${randomUUID().replaceAll('-', '')}`;
  written.push(orderId);
  return {
    orderId,
    customerId,
    status,
    currency: 'EUR',
    items: [{ sku: 'SKU-1', quantity: 1, unitPriceCents: 100 }],
    subtotalCents: 100,
    discountCents: 0,
    totalCents: 100,
    pricingSource: 'quote',
    createdAt,
    updatedAt: createdAt,
    lastEvent: 'OrderCreated',
    correlationId: 'repository-test',
    traceHeader: '',
  };
};

const cancelled: EventAttributes = {
  lastEvent: 'OrderCancelled',
  correlationId: 'repository-test',
  traceHeader: '',
};

const uniqueCustomer = () => `it-${randomUUID().slice(0, 8)}`;

afterAll(async () => {
  await Promise.all(
    written.map((orderId) =>
      client.send(new DeleteCommand({ TableName: tableName, Key: { orderId } })),
    ),
  );
});

describe('orders table', () => {
  it('refuses to overwrite an existing order id (conditional put)', async () => {
    const order = newOrder(uniqueCustomer(), new Date().toISOString());
    await repository.create(order);

    await expect(repository.create({ ...order, totalCents: 1 })).rejects.toBeInstanceOf(
      ConditionalCheckFailedException,
    );
    expect((await repository.get(order.orderId))?.totalCents).toBe(100);
  });

  it('pages through a customer newest first with no order missed or repeated', async () => {
    const customerId = uniqueCustomer();
    const orders = Array.from({ length: 7 }, (_, i) =>
      newOrder(customerId, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString()),
    );
    await Promise.all(orders.map((order) => repository.create(order)));
    await repository.create(newOrder(uniqueCustomer(), new Date().toISOString()));

    const seen: string[] = [];
    let nextKey: Awaited<ReturnType<typeof repository.listByCustomer>>['nextKey'];
    let pages = 0;
    do {
      const page = await repository.listByCustomer(customerId, 3, nextKey);
      seen.push(...page.items.map((order) => order.orderId));
      nextKey = page.nextKey;
      pages++;
    } while (nextKey && pages < 10);

    expect(seen).toEqual([...orders].reverse().map((order) => order.orderId));
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('lets exactly one of two concurrent cancels win', async () => {
    const order = newOrder(uniqueCustomer(), new Date().toISOString());
    await repository.create(order);
    const now = new Date().toISOString();

    const outcomes = await Promise.all([
      repository.cancel(order.orderId, now, 1_900_000_000, cancelled),
      repository.cancel(order.orderId, now, 1_900_000_000, cancelled),
    ]);

    expect(outcomes.map((outcome) => outcome.outcome).sort()).toEqual([
      'cancelled',
      'invalid-state',
    ]);
    expect(outcomes).toContainEqual({ outcome: 'invalid-state', status: 'CANCELLED' });
    expect(await repository.get(order.orderId)).toMatchObject({
      status: 'CANCELLED',
      expiresAt: 1_900_000_000,
      lastEvent: 'OrderCancelled',
    });
  });

  it('refuses to cancel a FULFILLED order and leaves it unchanged', async () => {
    const order = newOrder(uniqueCustomer(), new Date().toISOString(), 'FULFILLED');
    await repository.create(order);

    expect(await repository.cancel(order.orderId, new Date().toISOString(), 1, cancelled)).toEqual({
      outcome: 'invalid-state',
      status: 'FULFILLED',
    });
    expect((await repository.get(order.orderId))?.status).toBe('FULFILLED');
  });

  it('reports an unknown order as not found instead of creating it', async () => {
    const orderId = `ord_${randomUUID().replaceAll('-', '')}`;

    expect(await repository.cancel(orderId, new Date().toISOString(), 1, cancelled)).toEqual({
      outcome: 'not-found',
    });
    expect(await repository.get(orderId)).toBeUndefined();
  });
});
