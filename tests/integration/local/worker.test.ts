import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { requireEnv } from '#commons/env';
import { ENV } from '#commons/env-names';
import { OrdersRepository } from '#commons/orders-repository';
import { startWarehouseStub, type WarehouseStub } from '#local/warehouse-stub';
import { findWorkerTask, type LocalWorker, startLocalWorker } from '#local/worker';
import { WORKER_ENV } from '../../../containers/worker/src/env.ts';
import {
  createTestQueues,
  deleteWrittenOrders,
  documentClient,
  eventBody,
  ordersTable,
  putOrder,
  sendBodies,
  waitFor,
} from '../containers/worker/harness.ts';

/**
 * `npm start`'s worker: the task definition of the synthesized template, run as a child process
 * against the stage's own queue and table in the emulator.
 */
const endpoint = process.env.AWS_ENDPOINT_URL ?? '';
const region = process.env.AWS_REGION ?? 'us-east-1';
const repository = new OrdersRepository(documentClient, ordersTable);
let warehouse: WarehouseStub;
let worker: LocalWorker | undefined;

beforeAll(async () => {
  warehouse = await startWarehouseStub();
});

afterAll(async () => {
  await worker?.stop();
  await warehouse.stop();
  await deleteWrittenOrders();
});

// Only where the local tooling provisioned the emulator from these templates (moto's names).
const task = endpoint === '' ? undefined : findWorkerTask(inject('stacks'), endpoint, region);
const provisionedLocally =
  task?.environment[WORKER_ENV.queueUrl] === process.env[ENV.fulfilmentQueueUrl];

describe.runIf(provisionedLocally)('local fulfilment worker', () => {
  it("reads the worker's environment from the task definition, resolved to the emulator", () => {
    expect(task?.environment).toMatchObject({
      [WORKER_ENV.ordersTable]: requireEnv(ENV.ordersTable),
      [WORKER_ENV.queueUrl]: requireEnv(ENV.fulfilmentQueueUrl),
      [WORKER_ENV.dlqUrl]: expect.stringMatching(/FulfilmentDlq/),
    });
    expect(Object.keys(task?.secrets ?? {})).toEqual([WORKER_ENV.warehouseUrl]);
    // Its awslogs driver's group: where the local runtime forwards its JSON lines.
    expect(task?.logGroup).toEqual(expect.any(String));
  });

  it('fulfils an order sent to the stage queue, then drains and exits 0 on SIGTERM', async () => {
    // A queue of its own, with the stage queue's settings: the stage queue is the outbox test's.
    const queues = await createTestQueues();
    const forwarded: { logGroup: string; line: string }[] = [];
    worker = await startLocalWorker({
      stacks: inject('stacks'),
      endpoint,
      region,
      warehouseUrl: warehouse.url,
      environment: { [WORKER_ENV.queueUrl]: queues.queueUrl, [WORKER_ENV.dlqUrl]: queues.dlqUrl },
      log: () => undefined,
      logLevel: 'INFO',
      onLogLine: (logGroup, line) => forwarded.push({ logGroup, line }),
    });
    const order = await putOrder();

    await sendBodies(queues.queueUrl, [eventBody(order.orderId)]);

    await waitFor(
      'the order to be FULFILLED',
      async () =>
        (await repository.get(order.orderId))?.status === 'FULFILLED' ? true : undefined,
      20_000,
    );
    expect((await fetch(`${worker.healthUrl}/readyz`)).status).toBe(200);
    expect(await worker.stop()).toBe(0);
    // Its JSON lines went to the task's log group, as the awslogs driver sends them.
    expect(forwarded.length).toBeGreaterThan(0);
    for (const { logGroup, line } of forwarded) {
      expect(logGroup).toBe(task?.logGroup);
      expect(() => JSON.parse(line)).not.toThrow();
    }
    worker = undefined;
    await queues.remove();
  });
});
