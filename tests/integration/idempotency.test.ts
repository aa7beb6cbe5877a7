import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { dynamoDbClient } from '#clients/dynamodb';
import { requireEnv } from '#commons/env';
import { ENV } from '#commons/env-names';
import { OrdersRepository } from '#commons/orders-repository';
import { createLambdaContext } from '#local/lambda-context';
import { apiEvent, bodyOf } from '#tests/fixtures/api-event';
import { useTestSku } from '#tests/fixtures/catalog';
import { asConsumer } from '#tests/fixtures/consumers';
import { TEST_CONTACT } from '#tests/fixtures/contact';
import { storedOrder } from '#tests/fixtures/orders';
import { handler as createOrder } from '../../functions/orders/create-order.ts';

/**
 * Idempotency edge cases of POST /orders, with the handler in-process against real DynamoDB
 * APIs (the emulator by default): concurrent requests with one key, a response that could not be
 * saved after the order was committed, and the headers a replay carries.
 */
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 1 }));
const ordersTable = requireEnv(ENV.ordersTable);
const idempotencyTable = requireEnv(ENV.idempotencyTable);
const created = new Set<string>();

const { sku, eurCents } = useTestSku(1500);

const order = (customerId: string) => ({
  customerId,
  currency: 'EUR',
  items: [{ sku, quantity: 2, unitPriceCents: eurCents }],
  contact: TEST_CONTACT,
});

const post = async (
  body: unknown,
  idempotencyKey: string,
  headers: Record<string, string> = {},
): Promise<APIGatewayProxyResult> => {
  const result = await createOrder(
    apiEvent({
      method: 'POST',
      path: '/orders',
      body,
      ...asConsumer('storefront'),
      headers: { 'Idempotency-Key': idempotencyKey, ...headers },
    }),
    createLambdaContext('createOrder'),
  );
  if (result.statusCode === 201) created.add(bodyOf<{ orderId: string }>(result).orderId);
  return result;
};

const ordersOf = async (customerId: string) =>
  (
    await client.send(
      new QueryCommand({
        TableName: ordersTable,
        IndexName: requireEnv(ENV.ordersByCustomerIndex),
        KeyConditionExpression: 'customerId = :c',
        ExpressionAttributeValues: { ':c': customerId },
      }),
    )
  ).Items ?? [];

/** The idempotency record that names `orderId` as committed, if any. */
const recordCommitting = async (orderId: string) => {
  const { Items = [] } = await client.send(
    new ScanCommand({
      TableName: idempotencyTable,
      FilterExpression: 'committed_id = :id',
      ExpressionAttributeValues: { ':id': orderId },
      ConsistentRead: true,
    }),
  );
  return Items[0];
};

/** Quotes that answer at once, or, after `holdNextQuote`, only when released. */
let held: { reached: () => void; release: Promise<void> } | undefined;
const holdNextQuote = () => {
  let reached!: () => void;
  let release!: () => void;
  const whenReached = new Promise<void>((resolve) => {
    reached = resolve;
  });
  held = {
    reached,
    release: new Promise<void>((resolve) => {
      release = resolve;
    }),
  };
  return { whenReached, release };
};

/** Fails the idempotency table's UpdateItem (how Powertools saves a response) while installed. */
const failResponseSaves = (): (() => void) => {
  const name = 'testFailsIdempotencySave';
  dynamoDbClient.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { TableName?: string };
      if (context.commandName === 'UpdateItemCommand' && input.TableName === idempotencyTable) {
        throw Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
          name: 'ProvisionedThroughputExceededException',
        });
      }
      return next(args);
    },
    { step: 'initialize', name },
  );
  return () => dynamoDbClient.middlewareStack.remove(name);
};

beforeEach(() => {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (_url: unknown, init?: RequestInit) => {
      const current = held;
      held = undefined;
      if (current) {
        current.reached();
        await current.release;
      }
      const { items } = JSON.parse(String(init?.body)) as {
        items: { quantity: number; unitPriceCents: number }[];
      };
      const subtotalCents = items.reduce((sum, i) => sum + i.quantity * i.unitPriceCents, 0);
      return Response.json({ subtotalCents, discountCents: 0, totalCents: subtotalCents });
    }),
  );
});

let restoreSaves: (() => void) | undefined;
afterEach(() => {
  restoreSaves?.();
  restoreSaves = undefined;
  held = undefined;
  vi.unstubAllGlobals();
});

afterAll(async () => {
  await Promise.all(
    [...created].map((orderId) =>
      client.send(new DeleteCommand({ TableName: ordersTable, Key: { orderId } })),
    ),
  );
});

describe('POST /orders: two requests with one key at the same time', () => {
  it('creates the order once, answers the other 409 with Retry-After, and replays it later', async () => {
    // Prepare: the first request takes the key and waits inside the pricing call
    const customerId = `it-${randomUUID().slice(0, 8)}`;
    const key = randomUUID();
    const quote = holdNextQuote();
    const first = post(order(customerId), key);
    await quote.whenReached;

    // Act
    const second = await post(order(customerId), key);
    quote.release();
    const firstResult = await first;
    const retry = await post(order(customerId), key);

    // Assess
    expect(second.statusCode).toBe(409);
    expect(second.headers?.['retry-after']).toBe('1');
    expect(bodyOf(second)).toEqual({
      error: {
        code: 'IDEMPOTENCY_IN_PROGRESS',
        message: expect.any(String),
        details: [{ path: 'headers.idempotency-key', message: expect.any(String) }],
      },
    });
    expect(firstResult.statusCode).toBe(201);
    expect(firstResult.headers?.['idempotent-replayed']).toBeUndefined();
    expect(retry.statusCode).toBe(201);
    expect(retry.headers?.['idempotent-replayed']).toBe('true');
    expect(bodyOf(retry)).toEqual(bodyOf(firstResult));
    expect(await ordersOf(customerId)).toHaveLength(1);
  });

  it('lets a request with another key run while the first is in progress', async () => {
    const customerId = `it-${randomUUID().slice(0, 8)}`;
    const quote = holdNextQuote();
    const first = post(order(customerId), randomUUID());
    await quote.whenReached;

    const other = await post(order(customerId), randomUUID());
    quote.release();

    expect(other.statusCode).toBe(201);
    expect((await first).statusCode).toBe(201);
    expect(await ordersOf(customerId)).toHaveLength(2);
  });
});

describe('POST /orders when saving the response fails after the order was committed', () => {
  it('still answers 201, keeps the record, and a retry replays the same order', async () => {
    // Prepare
    const customerId = `it-${randomUUID().slice(0, 8)}`;
    const key = randomUUID();
    restoreSaves = failResponseSaves();

    // Act
    const first = await post(order(customerId), key);
    const { orderId } = bodyOf<{ orderId: string }>(first);
    const record = await recordCommitting(orderId);
    restoreSaves();
    restoreSaves = undefined;
    const retry = await post(order(customerId), key);

    // Assess
    expect(first.statusCode).toBe(201);
    expect(record).toMatchObject({ status: 'INPROGRESS', committed_id: orderId });
    expect(record).not.toHaveProperty('in_progress_expiration');
    expect(retry.statusCode).toBe(201);
    expect(retry.headers?.['idempotent-replayed']).toBe('true');
    expect(bodyOf(retry)).toEqual(bodyOf(first));
    expect(retry.headers?.location).toBe(`/orders/${orderId}`);
    expect(await ordersOf(customerId)).toHaveLength(1);
  });

  it('runs the request again when the committed order no longer exists', async () => {
    const customerId = `it-${randomUUID().slice(0, 8)}`;
    const key = randomUUID();
    restoreSaves = failResponseSaves();
    const first = await post(order(customerId), key);
    restoreSaves();
    restoreSaves = undefined;
    const { orderId } = bodyOf<{ orderId: string }>(first);
    await client.send(new DeleteCommand({ TableName: ordersTable, Key: { orderId } }));

    const retry = await post(order(customerId), key);

    expect(retry.statusCode).toBe(201);
    expect(retry.headers?.['idempotent-replayed']).toBeUndefined();
    expect(bodyOf<{ orderId: string }>(retry).orderId).not.toBe(orderId);
    expect(await ordersOf(customerId)).toHaveLength(1);
  });
});

describe('POST /orders replays', () => {
  it('carry the same headers as the original, CORS included, plus idempotent-replayed', async () => {
    const customerId = `it-${randomUUID().slice(0, 8)}`;
    const key = randomUUID();
    const origin = { Origin: 'http://localhost:3000' };

    const first = await post(order(customerId), key, origin);
    const replay = await post(order(customerId), key, origin);

    expect(first.headers?.['Access-Control-Allow-Origin']).toBe('http://localhost:3000');
    expect(replay.headers).toEqual({ ...first.headers, 'idempotent-replayed': 'true' });
    expect(replay.body).toBe(first.body);
  });

  it('answer CORS for the replaying request, not the original one', async () => {
    const customerId = `it-${randomUUID().slice(0, 8)}`;
    const key = randomUUID();

    await post(order(customerId), key, { Origin: 'http://localhost:3000' });
    const replay = await post(order(customerId), key, { Origin: 'https://elsewhere.example' });

    expect(replay.headers?.['idempotent-replayed']).toBe('true');
    expect(replay.headers?.['Access-Control-Allow-Origin']).toBeUndefined();
  });
});

describe('an order and its idempotency commit', () => {
  it('are written together or not at all', async () => {
    // Prepare: a commit whose condition fails, as when the record is no longer this request's
    const repository = new OrdersRepository(client, ordersTable);
    const orderId = `ord_${randomUUID().replaceAll('-', '')}`;
    const now = new Date().toISOString();
    const commit = {
      Update: {
        TableName: idempotencyTable,
        Key: { id: `it#${randomUUID()}` },
        UpdateExpression: 'SET committed_id = :id',
        ConditionExpression: 'attribute_exists(id)',
        ExpressionAttributeValues: { ':id': orderId },
      },
    };

    // Act
    const customerId = `it-${randomUUID().slice(0, 8)}`;
    const write = repository.create(
      {
        ...storedOrder({ orderId, customerId, createdAt: now }),
        lastEvent: 'OrderCreated',
        correlationId: 'it-commit',
        traceHeader: '',
      },
      commit,
    );

    // Assess
    await expect(write).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    const { Item } = await client.send(
      new GetCommand({ TableName: ordersTable, Key: { orderId }, ConsistentRead: true }),
    );
    expect(Item).toBeUndefined();
  });
});
