import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { requireEnv } from '#commons/env';
import { ENV } from '#commons/env-names';
import { ORDER_EVENT_SCHEMA_VERSION, type OrderEvent } from '#commons/events';
import type { OrderRecord } from '#commons/orders-repository';
import type { LineItem, OrderStatus } from '#commons/schemas';
import { storedOrder } from '#tests/fixtures/orders';
import type { WorkerConfig } from '../../../../containers/worker/src/config.ts';

/**
 * What the worker tests share: their own queue and DLQ (with the stage queue's redrive and
 * visibility settings, so tests running side by side never take each other's messages), orders
 * written straight to the stage's orders table, and polls with a deadline.
 */
export const sqs = new SQSClient({ maxAttempts: 1 });
export const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 1 }));
export const ordersTable = requireEnv(ENV.ordersTable);

export interface TestQueues {
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly maxReceiveCount: number;
  remove(): Promise<void>;
}

/** A queue and its DLQ configured like the stage's fulfilment queue. */
export const createTestQueues = async (): Promise<TestQueues> => {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: requireEnv(ENV.fulfilmentQueueUrl),
      AttributeNames: ['RedrivePolicy', 'VisibilityTimeout'],
    }),
  );
  const { maxReceiveCount } = JSON.parse(Attributes.RedrivePolicy ?? '{}') as {
    maxReceiveCount?: number | string;
  };
  const name = `it-worker-${randomUUID().slice(0, 8)}`;
  const { QueueUrl: dlqUrl = '' } = await sqs.send(
    new CreateQueueCommand({ QueueName: `${name}-dlq` }),
  );
  const { Attributes: dlq = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
  );
  const { QueueUrl: queueUrl = '' } = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlq.QueueArn,
          maxReceiveCount: Number(maxReceiveCount),
        }),
      },
    }),
  );
  return {
    queueUrl,
    dlqUrl,
    maxReceiveCount: Number(maxReceiveCount),
    remove: async () => {
      await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
      await sqs.send(new DeleteQueueCommand({ QueueUrl: dlqUrl }));
    },
  };
};

/** Worker settings for tests: short polls and timeouts, a free health port. */
export const testWorkerConfig = (
  queues: TestQueues,
  warehouseUrl: string,
  overrides: Partial<WorkerConfig> = {},
): WorkerConfig => ({
  ordersTable,
  queueUrl: queues.queueUrl,
  dlqUrl: queues.dlqUrl,
  warehouseUrl,
  warehouseTimeoutMs: 2000,
  warehouseMaxRetries: 0,
  pollers: 2,
  batchSize: 10,
  waitSeconds: 1,
  visibilitySeconds: 10,
  retryDelaySeconds: 0,
  stopTimeoutSeconds: 5,
  healthPort: 0,
  tracing: false,
  ...overrides,
});

const written: string[] = [];

/** Writes an order straight to the table (as the API would) and remembers it for cleanup. */
export const putOrder = async (
  status: OrderStatus = 'PENDING',
  items: LineItem[] = [{ sku: 'SKU-1', quantity: 1, unitPriceCents: 100 }],
): Promise<OrderRecord> => {
  const order = storedOrder({ customerId: `it-${randomUUID().slice(0, 8)}`, status, items });
  await documentClient.send(new PutCommand({ TableName: ordersTable, Item: order }));
  written.push(order.orderId);
  return order;
};

/** What a cancel through the API records with its write (the outbox reads it). */
export const CANCEL_EVENT = {
  lastEvent: 'OrderCancelled',
  correlationId: 'it-worker-cancel',
  traceHeader: '',
} as const;

export const deleteWrittenOrders = async (): Promise<void> => {
  await Promise.all(
    written
      .splice(0)
      .map((orderId) =>
        documentClient.send(new DeleteCommand({ TableName: ordersTable, Key: { orderId } })),
      ),
  );
};

/** A message body in the fulfilment contract. */
export const eventBody = (
  orderId: string,
  type: OrderEvent['type'] = 'OrderCreated',
  eventId = randomUUID(),
): string =>
  JSON.stringify({
    schemaVersion: ORDER_EVENT_SCHEMA_VERSION,
    type,
    eventId,
    orderId,
    occurredAt: new Date().toISOString(),
    correlationId: `it-${eventId}`,
  } satisfies OrderEvent);

/** Sends bodies in batches of ten. */
export const sendBodies = async (queueUrl: string, bodies: readonly string[]): Promise<void> => {
  for (let start = 0; start < bodies.length; start += 10) {
    const { Failed = [] } = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.slice(start, start + 10).map((body, index) => ({
          Id: String(index),
          MessageBody: body,
        })),
      }),
    );
    if (Failed.length > 0) throw new Error(`SendMessageBatch failed: ${JSON.stringify(Failed)}`);
  }
};

/** Polls `probe` until it returns a value other than undefined, or fails at the deadline. */
export const waitFor = async <T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
};

/** Visible and in-flight message counts of a queue. */
export const queueDepth = async (
  queueUrl: string,
): Promise<{ visible: number; inFlight: number }> => {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
};

/** Receives (and leaves hidden) every message of a DLQ, with its attributes. */
export const receiveAll = async (queueUrl: string, expected: number, timeoutMs = 15_000) => {
  const received: { body: string; reason: string | undefined }[] = [];
  await waitFor(
    `${expected} message(s) on ${queueUrl}`,
    async () => {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 60,
          MessageAttributeNames: ['All'],
        }),
      );
      for (const message of Messages) {
        received.push({
          body: message.Body ?? '',
          reason: message.MessageAttributes?.reason?.StringValue,
        });
      }
      return received.length >= expected ? true : undefined;
    },
    timeoutMs,
  );
  return received;
};
