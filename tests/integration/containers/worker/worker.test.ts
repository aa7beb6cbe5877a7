import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OrdersRepository } from '#commons/orders-repository';
import { OUT_OF_STOCK_PREFIX, startWarehouseStub, type WarehouseStub } from '#local/warehouse-stub';
import type { WorkerConfig } from '../../../../containers/worker/src/config.ts';
import { startWorker, type Worker } from '../../../../containers/worker/src/worker.ts';
import {
  CANCEL_EVENT,
  createTestQueues,
  deleteWrittenOrders,
  documentClient,
  eventBody,
  ordersTable,
  putOrder,
  queueDepth,
  receiveAll,
  sendBodies,
  type TestQueues,
  testWorkerConfig,
  waitFor,
} from './harness.ts';

/**
 * The fulfilment worker against a real SQS and DynamoDB API (the emulator by default): the
 * worker runs in-process on a queue pair of its own, the warehouse is the local stub.
 */
const repository = new OrdersRepository(documentClient, ordersTable);
let warehouse: WarehouseStub;
let queues: TestQueues;
const workers: Worker[] = [];

const start = async (overrides: Partial<WorkerConfig> = {}): Promise<Worker> => {
  const worker = await startWorker(testWorkerConfig(queues, warehouse.url, overrides));
  workers.push(worker);
  return worker;
};

const statusOf = async (orderId: string) => (await repository.get(orderId))?.status;

const waitForStatus = (orderId: string, status: string, timeoutMs?: number) =>
  waitFor(
    `order ${orderId} to be ${status}`,
    async () => ((await statusOf(orderId)) === status ? true : undefined),
    timeoutMs,
  );

const waitForEmptyQueue = () =>
  waitFor('the queue to be empty', async () => {
    const depth = await queueDepth(queues.queueUrl);
    return depth.visible + depth.inFlight === 0 ? true : undefined;
  });

beforeAll(async () => {
  warehouse = await startWarehouseStub();
});

beforeEach(async () => {
  queues = await createTestQueues();
  warehouse.setConfig({ latencyMs: 0, errorRate: 0 });
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  await queues.remove();
});

afterAll(async () => {
  await warehouse.stop();
  await deleteWrittenOrders();
});

describe('fulfilment worker', () => {
  it('fulfils a batch of orders and deletes their messages', async () => {
    const orders = await Promise.all(Array.from({ length: 15 }, () => putOrder()));
    await sendBodies(
      queues.queueUrl,
      orders.map((order) => eventBody(order.orderId)),
    );

    const worker = await start();

    for (const order of orders) await waitForStatus(order.orderId, 'FULFILLED');
    await waitForEmptyQueue();
    for (const order of orders) expect(warehouse.reservationsOf(order.orderId)).toBe(1);
    // SQS delivers at least once (and moto, with concurrent receives, sometimes twice): a
    // duplicate is handled again and found done, never applied twice (one reservation each).
    expect(worker.consumer.stats.done).toBeGreaterThanOrEqual(15);
    expect(worker.consumer.stats).toMatchObject({ rejected: 0, retried: 0 });
  });

  it('marks an order the warehouse refuses as FAILED with the reason', async () => {
    const order = await putOrder('PENDING', [
      { sku: `${OUT_OF_STOCK_PREFIX}1`, quantity: 1, unitPriceCents: 100 },
    ]);
    await sendBodies(queues.queueUrl, [eventBody(order.orderId)]);

    await start();

    await waitForStatus(order.orderId, 'FAILED');
    expect((await repository.get(order.orderId))?.failureReason).toMatch(/status 409/);
    await waitForEmptyQueue();
  });

  it('moves a message that keeps failing to the DLQ after maxReceiveCount receives', async () => {
    warehouse.setConfig({ errorRate: 1 });
    const order = await putOrder();
    const body = eventBody(order.orderId);
    await sendBodies(queues.queueUrl, [body]);

    const worker = await start();

    const [poisoned] = await receiveAll(queues.dlqUrl, 1, 25_000);
    expect(poisoned?.body).toBe(body);
    expect(worker.consumer.stats.retried).toBeGreaterThanOrEqual(queues.maxReceiveCount);
    expect(worker.consumer.stats.done).toBe(0);
    // Half-way through, never fulfilled: the message can be redriven once the warehouse is back.
    expect(await statusOf(order.orderId)).toBe('PROCESSING');
  });

  it('moves malformed messages to the DLQ with their reason without holding up the others', async () => {
    const good = await putOrder();
    const missing = `ord_${'0'.repeat(32)}`;
    const bodies = {
      badJson: '{"schemaVersion":1,',
      unknownVersion: JSON.stringify({
        schemaVersion: 2,
        type: 'OrderCreated',
        orderId: good.orderId,
      }),
      badOrderId: JSON.stringify({
        ...JSON.parse(eventBody(good.orderId)),
        orderId: 'not-an-order',
      }),
      missingOrder: eventBody(missing),
    };
    await sendBodies(queues.queueUrl, [...Object.values(bodies), eventBody(good.orderId)]);

    const worker = await start();

    await waitForStatus(good.orderId, 'FULFILLED');
    const rejected = await receiveAll(queues.dlqUrl, 4);
    const reasonOf = (body: string) => rejected.find((entry) => entry.body === body)?.reason;
    expect(reasonOf(bodies.badJson)).toBe('body is not JSON');
    expect(reasonOf(bodies.unknownVersion)).toBe('unknown schemaVersion 2');
    expect(reasonOf(bodies.badOrderId)).toMatch(/^invalid orderId/);
    expect(reasonOf(bodies.missingOrder)).toBe('order not found');
    await waitForEmptyQueue();
    expect(worker.consumer.stats.rejected).toBeGreaterThanOrEqual(4);
    expect(worker.consumer.stats.done).toBeGreaterThanOrEqual(1);
  });

  it('applies duplicate deliveries once, across two workers', async () => {
    warehouse.setConfig({ latencyMs: 50 });
    const orders = await Promise.all(Array.from({ length: 5 }, () => putOrder()));
    // Each event three times (an outbox retry, a redelivery), two workers racing for them.
    await sendBodies(
      queues.queueUrl,
      orders.flatMap((order) => {
        const body = eventBody(order.orderId);
        return [body, body, eventBody(order.orderId)];
      }),
    );

    const [first, second] = await Promise.all([start(), start()]);

    for (const order of orders) await waitForStatus(order.orderId, 'FULFILLED');
    await waitForEmptyQueue();
    for (const order of orders) expect(warehouse.reservationsOf(order.orderId)).toBe(1);
    expect(warehouse.stats().reserved).toBeGreaterThanOrEqual(5);
    // Every delivery was handled; one handled twice (a redelivery) is still applied once above.
    const done = (first?.consumer.stats.done ?? 0) + (second?.consumer.stats.done ?? 0);
    expect(done).toBeGreaterThanOrEqual(15);
  });

  it('never fulfils an order cancelled while its reservation is being made, and releases it', async () => {
    warehouse.setConfig({ latencyMs: 400 });
    const order = await putOrder();
    await sendBodies(queues.queueUrl, [eventBody(order.orderId)]);
    await start();
    await waitForStatus(order.orderId, 'PROCESSING');

    const cancel = await repository.cancel(
      order.orderId,
      'storefront',
      new Date().toISOString(),
      0,
      CANCEL_EVENT,
    );

    expect(cancel.outcome).toBe('cancelled');
    await waitForEmptyQueue();
    expect(await statusOf(order.orderId)).toBe('CANCELLED');
    expect(warehouse.isReleased(order.orderId)).toBe(true);
  });

  it('keeps cancel and fulfilment exclusive when they race freely', async () => {
    warehouse.setConfig({ latencyMs: 20 });
    const orders = await Promise.all(Array.from({ length: 10 }, () => putOrder()));
    await sendBodies(
      queues.queueUrl,
      orders.map((order) => eventBody(order.orderId)),
    );
    await start();

    const cancels = await Promise.all(
      orders.map(async (order, index) => {
        await new Promise((resolve) => setTimeout(resolve, index * 15));
        return repository.cancel(
          order.orderId,
          'storefront',
          new Date().toISOString(),
          0,
          CANCEL_EVENT,
        );
      }),
    );

    await waitForEmptyQueue();
    for (const [index, order] of orders.entries()) {
      const status = await statusOf(order.orderId);
      if (cancels[index]?.outcome === 'cancelled') {
        expect(status).toBe('CANCELLED');
        if (warehouse.reservationsOf(order.orderId) > 0)
          expect(warehouse.isReleased(order.orderId)).toBe(true);
      } else {
        expect(cancels[index]).toEqual({ outcome: 'invalid-state', status: 'FULFILLED' });
        expect(status).toBe('FULFILLED');
      }
    }
  });

  it('releases an order when its OrderCancelled event arrives', async () => {
    const order = await putOrder('CANCELLED');
    await sendBodies(queues.queueUrl, [eventBody(order.orderId, 'OrderCancelled')]);

    await start();

    await waitFor('the release', () => (warehouse.isReleased(order.orderId) ? true : undefined));
    await waitForEmptyQueue();
    expect(await statusOf(order.orderId)).toBe('CANCELLED');
  });

  it('answers /healthz and /readyz with the state of the queue and the table', async () => {
    const worker = await start();
    const url = `http://127.0.0.1:${worker.health.port}`;

    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ok',
      checks: { queue: { status: 'ok' }, ordersTable: { status: 'ok' } },
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });
});
