import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { requireEnv } from '#commons/env';
import { ENV } from '#commons/env-names';
import { type OrderEvent, parseOrderEvent } from '#commons/events';
import { createLambdaContext } from '#local/lambda-context';
import { type RunningPipes, startPipes } from '#local/pipes';
import { logger } from '#powertools';
import { apiEvent, bodyOf } from '#tests/fixtures/api-event';
import { useTestSku } from '#tests/fixtures/catalog';
import { asConsumer } from '#tests/fixtures/consumers';
import { TEST_CONTACT } from '#tests/fixtures/contact';
import { handler as cancelOrder } from '../../functions/orders/cancel-order.ts';
import { handler as createOrder } from '../../functions/orders/create-order.ts';

/**
 * The transactional outbox end to end: orders the handlers write reach the fulfilment queue
 * through the orders table's stream and the pipe (on the emulator the test setup plays the
 * template's pipe; on AWS the deployed one runs). The queue must have no other consumer while
 * this file runs: it receives and deletes every message, keeping those of its own orders.
 *
 * "Exactly one" is checked after a barrier: a later change to the same order (its cancel). A
 * stream keeps one item's changes in order, so once the cancel's message has arrived, any
 * message the earlier changes would produce has arrived too.
 */
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 1 }));
// The same endpoint as the DynamoDB client, whatever host the queue URL names: when several
// projects share one vitest process, the URL may come from another emulator than the writes go to.
const sqs = new SQSClient({ maxAttempts: 1, useQueueUrlAsEndpoint: false });
const tableName = requireEnv(ENV.ordersTable);
const queueUrl = requireEnv(ENV.fulfilmentQueueUrl);
const created: string[] = [];
/** Messages received so far, by order id; and bodies that did not parse as an OrderEvent. */
const received = new Map<string, OrderEvent[]>();
const malformed: string[] = [];

const typesOf = (orderId: string) => (received.get(orderId) ?? []).map((event) => event.type);

/** Receives (and deletes) messages until `done` holds; fails after `timeoutMs`. */
const receiveUntil = async (done: () => boolean, what: string, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) {
      throw new Error(
        `No ${what} within ${timeoutMs} ms; received ${JSON.stringify([...received])}`,
      );
    }
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    for (const message of Messages) {
      const parsed = parseOrderEvent(message.Body ?? '');
      if (parsed.ok) {
        received.set(parsed.event.orderId, [
          ...(received.get(parsed.event.orderId) ?? []),
          parsed.event,
        ]);
      } else {
        malformed.push(`${parsed.reason}: ${message.Body}`);
      }
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    }
  }
};

const { sku } = useTestSku(500);

const create = async (customerId: string) => {
  const result = await createOrder(
    apiEvent({
      method: 'POST',
      path: '/orders',
      body: {
        customerId,
        currency: 'EUR',
        items: [{ sku, quantity: 1 }],
        contact: TEST_CONTACT,
      },
      ...asConsumer('storefront'),
    }),
    createLambdaContext('createOrder'),
  );
  if (result.statusCode === 201) created.push(bodyOf<{ orderId: string }>(result).orderId);
  return result;
};

const cancel = (orderId: string) =>
  cancelOrder(
    apiEvent({
      method: 'POST',
      path: `/orders/${orderId}/cancel`,
      pathParameters: { orderId },
      ...asConsumer('storefront'),
    }),
    createLambdaContext('cancelOrder'),
  );

/** What the fulfilment worker does: move the order on, without touching its event attributes. */
const workerSets = (orderId: string, status: 'PROCESSING' | 'FULFILLED') =>
  client.send(
    new UpdateCommand({
      TableName: tableName,
      Key: { orderId },
      UpdateExpression: 'SET #status = :status, updatedAt = :at',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': status, ':at': new Date().toISOString() },
    }),
  );

const createAndAwait = async () => {
  const result = await create(`outbox-${randomUUID().slice(0, 8)}`);
  expect(result.statusCode).toBe(201);
  const { orderId } = bodyOf<{ orderId: string }>(result);
  await receiveUntil(
    () => typesOf(orderId).includes('OrderCreated'),
    `OrderCreated for ${orderId}`,
  );
  return orderId;
};

const cancelAndAwait = async (orderId: string) => {
  expect((await cancel(orderId)).statusCode).toBe(200);
  await receiveUntil(
    () => typesOf(orderId).includes('OrderCancelled'),
    `OrderCancelled for ${orderId}`,
  );
};

// On the emulator this file plays the pipe itself, in its own process (as `npm start` does): on
// AWS, or an emulator that runs pipes, the deployed pipe is under test.
let pipes: RunningPipes | undefined;

beforeAll(async () => {
  if (inject('testTarget') === 'emulator') {
    pipes = await startPipes(process.env.AWS_ENDPOINT_URL ?? '', inject('stacks'), {
      region: process.env.AWS_REGION ?? 'us-east-1',
      log: (line) => console.error(line),
    });
  }
  // Pricing is not under test here: answer every quote with no discount.
  vi.stubGlobal(
    'fetch',
    vi.fn(async (_url: unknown, init?: RequestInit) => {
      const { items } = JSON.parse(String(init?.body)) as {
        items: { quantity: number; unitPriceCents: number }[];
      };
      const subtotalCents = items.reduce((sum, i) => sum + i.quantity * i.unitPriceCents, 0);
      return Response.json({ subtotalCents, discountCents: 0, totalCents: subtotalCents });
    }),
  );
});

afterEach(() => {
  vi.restoreAllMocks();
  expect(malformed).toEqual([]);
});

afterAll(async () => {
  await pipes?.stop();
  vi.unstubAllGlobals();
  await Promise.all(
    created.map((orderId) =>
      client.send(new DeleteCommand({ TableName: tableName, Key: { orderId } })),
    ),
  );
});

describe('transactional outbox (orders table stream → pipe → fulfilment queue)', () => {
  it('sends exactly one OrderCreated for a created order, with its ids', async () => {
    // Act
    const orderId = await createAndAwait();
    await cancelAndAwait(orderId);

    // Assess
    const [event] = received.get(orderId) ?? [];
    expect(typesOf(orderId).filter((type) => type === 'OrderCreated')).toHaveLength(1);
    expect(event).toMatchObject({
      schemaVersion: 1,
      type: 'OrderCreated',
      orderId,
      eventId: expect.stringMatching(/.+/),
      correlationId: 'req-test',
    });
  });

  it('sends OrderCancelled when the order is cancelled, with its own event id', async () => {
    // Prepare
    const orderId = await createAndAwait();

    // Act
    await cancelAndAwait(orderId);

    // Assess
    const events = received.get(orderId) ?? [];
    expect(events.map((e) => e.type).sort()).toEqual(['OrderCancelled', 'OrderCreated']);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(2);
  });

  it("sends nothing for the fulfilment worker's status updates", async () => {
    // Prepare
    const orderId = await createAndAwait();

    // Act
    await workerSets(orderId, 'PROCESSING');
    await cancelAndAwait(orderId);

    // Assess: the update between the create and the cancel produced no message.
    expect(typesOf(orderId).sort()).toEqual(['OrderCancelled', 'OrderCreated']);
  });

  it('still sends exactly one OrderCreated when the handler fails after its write', async () => {
    // Prepare: the handler crashes right after storing the order.
    const customerId = `outbox-crash-${randomUUID().slice(0, 8)}`;
    vi.spyOn(logger, 'info').mockImplementation((...args) => {
      if (args[0] === 'Order created') throw new Error('crash after the write');
    });
    const errors = vi.spyOn(logger, 'error').mockImplementation(() => undefined);

    // Act
    const result = await create(customerId);
    const logged = errors.mock.calls.map((call) => call[0]);
    vi.restoreAllMocks();

    // Assess
    expect(result.statusCode).toBe(500);
    expect(logged).toContain('Request failed');
    const { Items = [] } = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: requireEnv(ENV.ordersByCustomerIndex),
        KeyConditionExpression: 'customerId = :c',
        ExpressionAttributeValues: { ':c': customerId },
      }),
    );
    expect(Items).toHaveLength(1);
    const orderId = String(Items[0]?.orderId);
    created.push(orderId);
    await receiveUntil(
      () => typesOf(orderId).includes('OrderCreated'),
      `OrderCreated for ${orderId}`,
    );
    await cancelAndAwait(orderId);
    expect(typesOf(orderId).filter((type) => type === 'OrderCreated')).toHaveLength(1);
  });
});
