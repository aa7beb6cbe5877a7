/**
 * `npm run bench:worker`: fulfilment worker throughput (messages per second) against the
 * emulator, beside a bare receive-delete loop measured in the same run with the same receive
 * loops and batch size.
 *
 * - bare: ReceiveMessage (10) → DeleteMessageBatch, nothing else: what SQS allows here;
 * - worker, no-op fulfilment: the worker's own code (parsing, per-message logger, visibility
 *   renewal timers, outcome handling, metrics) around a fulfilment that does nothing; its ratio
 *   to bare is the worker's overhead (target ≥ 0.8×);
 * - worker, full: the real fulfilment (consistent read, two conditional writes, a warehouse
 *   call to the local stub) for the end-to-end figure.
 *
 * Options (env): BENCH_MESSAGES (default 600), BENCH_POLLERS (default 2).
 */

import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { newOrderId, storedOrder } from '#tests/fixtures/orders';

process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED = 'false';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const { ensureEmulatorInstalled } = await import('../local/emulator-install.ts');
const { startEmulator } = await import('../local/emulator.ts');
const { provisionStage, LOCAL_CREDENTIALS } = await import('../local/provision.ts');
const { startWarehouseStub } = await import('../local/warehouse-stub.ts');
const { FulfilmentConsumer } = await import('../containers/worker/src/consumer.ts');
const { startWorker } = await import('../containers/worker/src/worker.ts');
const { ENV } = await import('../functions/commons/env-names.ts');

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 600);
const POLLERS = Number(process.env.BENCH_POLLERS ?? 2);
const TARGET_RATIO = 0.8;

const step = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  process.stdout.write(`${label}... `);
  const result = await work();
  console.log(`${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
};

const body = (orderId: string) =>
  JSON.stringify({
    schemaVersion: 1,
    type: 'OrderCreated',
    eventId: randomUUID(),
    orderId,
    occurredAt: new Date().toISOString(),
  });

const startedAt = Date.now();
await ensureEmulatorInstalled({ log: (line) => console.log(line) });
const emulator = await step('Starting the emulator', () => startEmulator());
try {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: emulator.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  });
  const provisioned = await step('Provisioning the dev stage', () =>
    provisionStage(emulator.endpoint, 'dev'),
  );
  const ordersTable = provisioned.functionEnv[ENV.ordersTable] ?? '';
  const sqs = new SQSClient({ maxAttempts: 1 });
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 1 }));
  const warehouse = await startWarehouseStub();

  const freshQueues = async () => {
    const name = `bench-${randomUUID().slice(0, 8)}`;
    const { QueueUrl: queueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { QueueUrl: dlqUrl = '' } = await sqs.send(
      new CreateQueueCommand({ QueueName: `${name}-dlq` }),
    );
    return { queueUrl, dlqUrl };
  };
  const fill = async (queueUrl: string, bodies: string[]) => {
    const batches: Promise<unknown>[] = [];
    for (let start = 0; start < bodies.length; start += 10) {
      batches.push(
        sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: bodies
              .slice(start, start + 10)
              .map((text, index) => ({ Id: String(index), MessageBody: text })),
          }),
        ),
      );
    }
    await Promise.all(batches);
  };
  const putOrders = async (count: number): Promise<string[]> => {
    const ids = Array.from({ length: count }, newOrderId);
    for (let start = 0; start < ids.length; start += 25) {
      await documents.send(
        new BatchWriteCommand({
          RequestItems: {
            [ordersTable]: ids.slice(start, start + 25).map((orderId) => ({
              PutRequest: { Item: storedOrder({ orderId, customerId: 'bench' }) },
            })),
          },
        }),
      );
    }
    return ids;
  };
  const until = async (done: () => boolean) => {
    const deadline = Date.now() + 300_000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error('Benchmark run did not finish within 5 minutes');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };

  const bare = async (): Promise<number> => {
    const { queueUrl } = await freshQueues();
    await fill(
      queueUrl,
      Array.from({ length: MESSAGES }, () => body(`ord_${'0'.repeat(32)}`)),
    );
    let deleted = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: POLLERS }, async () => {
        while (deleted < MESSAGES) {
          const { Messages = [] } = await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: queueUrl,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: 1,
              VisibilityTimeout: 30,
            }),
          );
          if (Messages.length === 0) continue;
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
            }),
          );
          deleted += Messages.length;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    return MESSAGES / seconds;
  };

  const workerNoop = async (): Promise<number> => {
    const queues = await freshQueues();
    await fill(
      queues.queueUrl,
      Array.from({ length: MESSAGES }, () => body(`ord_${'0'.repeat(32)}`)),
    );
    const consumer = new FulfilmentConsumer({
      sqs,
      config: {
        ...queues,
        pollers: POLLERS,
        batchSize: 10,
        waitSeconds: 1,
        visibilitySeconds: 30,
        retryDelaySeconds: 0,
      },
      fulfil: async () => ({ kind: 'done', result: 'noop' }),
    });
    const started = performance.now();
    consumer.start();
    await until(() => consumer.stats.done >= MESSAGES);
    const seconds = (performance.now() - started) / 1000;
    await consumer.stop(5000);
    return MESSAGES / seconds;
  };

  const workerFull = async (): Promise<number> => {
    const queues = await freshQueues();
    const ids = await putOrders(MESSAGES);
    await fill(queues.queueUrl, ids.map(body));
    const worker = await startWorker({
      ordersTable,
      ...queues,
      warehouseUrl: warehouse.url,
      warehouseTimeoutMs: 2000,
      warehouseMaxRetries: 2,
      pollers: POLLERS,
      batchSize: 10,
      waitSeconds: 1,
      visibilitySeconds: 30,
      retryDelaySeconds: 0,
      stopTimeoutSeconds: 5,
      healthPort: 0,
      tracing: false,
    });
    const started = performance.now();
    await until(() => worker.consumer.stats.done >= MESSAGES);
    const seconds = (performance.now() - started) / 1000;
    await worker.stop();
    return MESSAGES / seconds;
  };

  // Interleaved, best of three each, so drift in the machine's load hits all variants alike.
  const runs = { bare: [] as number[], noop: [] as number[], full: [] as number[] };
  for (let round = 1; round <= 3; round++) {
    runs.bare.push(await step(`Round ${round}: bare receive-delete loop`, bare));
    runs.noop.push(await step(`Round ${round}: worker, no-op fulfilment`, workerNoop));
    runs.full.push(await step(`Round ${round}: worker, full fulfilment`, workerFull));
  }
  const best = (values: number[]) => Math.max(...values);
  const bareBest = best(runs.bare);
  const noopBest = best(runs.noop);
  const fullBest = best(runs.full);
  const ratio = noopBest / bareBest;
  const overheadMs = (1000 / noopBest - 1000 / bareBest) * POLLERS;
  await warehouse.stop();
  sqs.destroy();

  console.log(`
Worker throughput, ${MESSAGES} messages, ${POLLERS} receive loops × batches of 10 (best of 3)
  machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}
  bare receive-delete loop     ${bareBest.toFixed(0).padStart(6)} msg/s
  worker, no-op fulfilment     ${noopBest.toFixed(0).padStart(6)} msg/s   ${ratio.toFixed(2)}× bare (target ≥ ${TARGET_RATIO}×: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'})
  worker, full fulfilment      ${fullBest.toFixed(0).padStart(6)} msg/s   ${(fullBest / bareBest).toFixed(2)}× bare (read + 2 conditional writes + warehouse call each)
  worker's own code: ${overheadMs > 0 ? `${overheadMs.toFixed(2)} ms per message per receive loop` : 'not measurable above run-to-run noise (no-op worker ≥ bare)'}
  all runs (msg/s): bare ${runs.bare.map((v) => v.toFixed(0)).join(', ')}; no-op ${runs.noop.map((v) => v.toFixed(0)).join(', ')}; full ${runs.full.map((v) => v.toFixed(0)).join(', ')}
Done in ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
} finally {
  await emulator.stop();
}
