import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OrderRecord } from '#commons/orders-repository';
import { OrdersRepository } from '#commons/orders-repository';
import { REPO_ROOT } from '#local/paths';
import { startWarehouseStub, type WarehouseStub } from '#local/warehouse-stub';
import { WORKER_ENV } from '../../../../containers/worker/src/env.ts';
import { startWorker } from '../../../../containers/worker/src/worker.ts';
import {
  createTestQueues,
  deleteWrittenOrders,
  documentClient,
  eventBody,
  ordersTable,
  putOrder,
  queueDepth,
  sendBodies,
  type TestQueues,
  testWorkerConfig,
  waitFor,
} from './harness.ts';

/**
 * SIGTERM with messages in flight, on the worker's real entry point in a child process (as ECS
 * stops a task): afterwards every message is either done or back on the queue, and no order is
 * reserved twice.
 */
const repository = new OrdersRepository(documentClient, ordersTable);
let warehouse: WarehouseStub;
let queues: TestQueues;

const spawnWorker = (
  stopTimeoutSeconds: number,
): { child: ChildProcess; exit: Promise<number | null> } => {
  const config = testWorkerConfig(queues, warehouse.url);
  const child = spawn(process.execPath, ['--import', 'tsx', 'containers/worker/src/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      [WORKER_ENV.ordersTable]: config.ordersTable,
      [WORKER_ENV.queueUrl]: config.queueUrl,
      [WORKER_ENV.dlqUrl]: config.dlqUrl,
      [WORKER_ENV.warehouseUrl]: config.warehouseUrl,
      [WORKER_ENV.warehouseMaxRetries]: '0',
      [WORKER_ENV.waitSeconds]: '1',
      // Enough receive loops that every message is taken at once, even if SQS hands out a few per call.
      [WORKER_ENV.pollers]: '8',
      [WORKER_ENV.visibilitySeconds]: '30',
      [WORKER_ENV.stopTimeoutSeconds]: String(stopTimeoutSeconds),
      [WORKER_ENV.healthPort]: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exit };
};

const allProcessing = (orders: readonly OrderRecord[]) =>
  waitFor(
    'every order to be in flight (PROCESSING)',
    async () => {
      const statuses = await Promise.all(
        orders.map(async (o) => (await repository.get(o.orderId))?.status),
      );
      return statuses.every((status) => status === 'PROCESSING') ? true : undefined;
    },
    40_000,
  );

beforeAll(async () => {
  warehouse = await startWarehouseStub();
});

beforeEach(async () => {
  queues = await createTestQueues();
});

afterEach(async () => {
  await queues.remove();
});

afterAll(async () => {
  await warehouse.stop();
  await deleteWrittenOrders();
});

describe('fulfilment worker on SIGTERM', () => {
  it('finishes in-flight messages within the stop timeout and exits 0', async () => {
    warehouse.setConfig({ latencyMs: 1000 });
    const orders = await Promise.all(Array.from({ length: 8 }, () => putOrder()));
    await sendBodies(
      queues.queueUrl,
      orders.map((order) => eventBody(order.orderId)),
    );
    const { child, exit } = spawnWorker(10);
    await allProcessing(orders);

    const signalledAt = Date.now();
    child.kill('SIGTERM');

    expect(await exit).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    for (const order of orders) {
      expect((await repository.get(order.orderId))?.status).toBe('FULFILLED');
      expect(warehouse.reservationsOf(order.orderId)).toBe(1);
    }
    expect(await queueDepth(queues.queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('releases what cannot finish in time back to the queue, and another worker applies it once', async () => {
    warehouse.setConfig({ latencyMs: 3000 });
    const callsBefore = warehouse.stats().reserved + warehouse.stats().repeated;
    const orders = await Promise.all(Array.from({ length: 8 }, () => putOrder()));
    await sendBodies(
      queues.queueUrl,
      orders.map((order) => eventBody(order.orderId)),
    );
    const { child, exit } = spawnWorker(1);
    await allProcessing(orders);

    const signalledAt = Date.now();
    child.kill('SIGTERM');

    expect(await exit).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(3000);
    // Released with visibility 0: back on the queue at once, none of them fulfilled yet.
    expect((await queueDepth(queues.queueUrl)).visible).toBe(orders.length);
    for (const order of orders)
      expect((await repository.get(order.orderId))?.status).toBe('PROCESSING');

    warehouse.setConfig({ latencyMs: 0 });
    const successor = await startWorker(testWorkerConfig(queues, warehouse.url));
    try {
      for (const order of orders) {
        await waitFor(`order ${order.orderId} to be FULFILLED`, async () =>
          (await repository.get(order.orderId))?.status === 'FULFILLED' ? true : undefined,
        );
      }
      await waitFor('the reservations the stopped worker left running', () =>
        // One call per order from each worker: the stub answers the second without reserving.
        warehouse.stats().reserved + warehouse.stats().repeated - callsBefore >= 2 * orders.length
          ? true
          : undefined,
      );
    } finally {
      await successor.stop();
    }
    for (const order of orders) expect(warehouse.reservationsOf(order.orderId)).toBe(1);
  });
});
