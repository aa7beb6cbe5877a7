import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { requireEnv } from '#commons/env';
import { ENV } from '#commons/env-names';
import type { EventAttributes } from '#commons/event-origin';
import { type OrderRecord, OrdersRepository } from '#commons/orders-repository';
import { storedOrder } from '#tests/fixtures/orders';

/**
 * The orders table's behaviour against a real DynamoDB API: the emulator by default, or
 * whatever AWS_ENDPOINT_URL points at. Each test uses its own customer and order ids and deletes
 * what it wrote.
 */
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 1 }));
const tableName = requireEnv(ENV.ordersTable);
const repository = new OrdersRepository(client, tableName, {
  byOwner: requireEnv(ENV.ordersByOwnerIndex),
  byCustomer: requireEnv(ENV.ordersByCustomerIndex),
});
const storefront = { consumer: 'storefront', readsAll: false };
const marketplace = { consumer: 'marketplace', readsAll: false };
const reporting = { consumer: 'reporting', readsAll: true };
const written: string[] = [];

const newOrder = (
  customerId: string,
  createdAt: string,
  status: OrderRecord['status'] = 'PENDING',
  owner = 'storefront',
): OrderRecord & EventAttributes => {
  const order = storedOrder({ customerId, createdAt, status, owner });
  written.push(order.orderId);
  return {
    ...order,
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
      const page = await repository.listByCustomer(storefront, customerId, 3, nextKey);
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
      repository.cancel(order.orderId, 'storefront', now, 1_900_000_000, cancelled),
      repository.cancel(order.orderId, 'storefront', now, 1_900_000_000, cancelled),
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

    expect(
      await repository.cancel(order.orderId, 'storefront', new Date().toISOString(), 1, cancelled),
    ).toEqual({
      outcome: 'invalid-state',
      status: 'FULFILLED',
    });
    expect((await repository.get(order.orderId))?.status).toBe('FULFILLED');
  });

  it('reports an unknown order as not found instead of creating it', async () => {
    const orderId = `ord_${randomUUID().replaceAll('-', '')}`;

    expect(
      await repository.cancel(orderId, 'storefront', new Date().toISOString(), 1, cancelled),
    ).toEqual({
      outcome: 'not-found',
    });
    expect(await repository.get(orderId)).toBeUndefined();
  });
});

describe('orders table: ownership', () => {
  /** One customer id that two consumers both use: their orders must never mix. */
  const sharedCustomer = async () => {
    const customerId = uniqueCustomer();
    const mine = [0, 1, 2].map((i) =>
      newOrder(customerId, new Date(Date.UTC(2026, 1, 1, 0, i)).toISOString()),
    );
    const theirs = [3, 4].map((i) =>
      newOrder(
        customerId,
        new Date(Date.UTC(2026, 1, 1, 0, i)).toISOString(),
        'PENDING',
        'marketplace',
      ),
    );
    await Promise.all([...mine, ...theirs].map((order) => repository.create(order)));
    return { customerId, mine, theirs };
  };

  const listAll = async (reader: typeof storefront, customerId: string, pageSize: number) => {
    const seen: string[] = [];
    let nextKey: Awaited<ReturnType<typeof repository.listByCustomer>>['nextKey'];
    let queries = 0;
    do {
      const page = await repository.listByCustomer(reader, customerId, pageSize, nextKey);
      seen.push(...page.items.map((order) => order.orderId));
      nextKey = page.nextKey;
      queries++;
    } while (nextKey && queries < 20);
    return { seen, queries };
  };

  it("lists only the caller's own orders of a customer, however it pages", async () => {
    const { customerId, mine, theirs } = await sharedCustomer();

    for (const pageSize of [1, 2, 100]) {
      expect((await listAll(storefront, customerId, pageSize)).seen).toEqual(
        [...mine].reverse().map((order) => order.orderId),
      );
      expect((await listAll(marketplace, customerId, pageSize)).seen).toEqual(
        [...theirs].reverse().map((order) => order.orderId),
      );
    }
  });

  it("lists every consumer's orders of a customer for a reader with orders.read.all", async () => {
    const { customerId, mine, theirs } = await sharedCustomer();

    const { seen } = await listAll(reporting, customerId, 2);

    expect(seen).toEqual([...mine, ...theirs].reverse().map((order) => order.orderId));
  });

  it("reads another consumer's order as absent, and any order with orders.read.all", async () => {
    const { mine } = await sharedCustomer();
    const orderId = mine[0]?.orderId ?? '';

    expect(await repository.getFor(orderId, marketplace)).toBeUndefined();
    expect((await repository.getFor(orderId, storefront))?.orderId).toBe(orderId);
    expect((await repository.getFor(orderId, reporting))?.orderId).toBe(orderId);
  });

  it("refuses to cancel another consumer's order, reports it as not found, and leaves it", async () => {
    const { mine } = await sharedCustomer();
    const orderId = mine[0]?.orderId ?? '';

    const outcome = await repository.cancel(
      orderId,
      'marketplace',
      new Date().toISOString(),
      1,
      cancelled,
    );

    expect(outcome).toEqual({ outcome: 'not-found' });
    expect((await repository.get(orderId))?.status).toBe('PENDING');
  });
});
