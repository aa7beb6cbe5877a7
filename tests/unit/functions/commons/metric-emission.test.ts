import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { httpRoute, json } from '#commons/http';
import { METRICS, type MetricName } from '#commons/metric-catalog';
import { captureMetricsOutput, type EmfRecord } from '#local/emf';
import { createLambdaContext } from '#local/lambda-context';
import { REPO_ROOT } from '#local/paths';
import { apiEvent } from '#tests/fixtures/api-event';
import { startWorker } from '../../../../containers/worker/src/worker.ts';
import { handler as cancelOrder } from '../../../../functions/orders/cancel-order.ts';
import { handler as createOrder } from '../../../../functions/orders/create-order.ts';
import { handler as getOrder } from '../../../../functions/orders/get-order.ts';
import { orderRequest } from '../../../e2e/http.ts';

/**
 * Every metric of the catalogue is emitted by some code path: the real handlers, middleware and
 * worker run with their AWS calls mocked, with Powertools Metrics on, and the EMF lines they
 * print are read back, as CloudWatch reads them. Each metric must also carry exactly one of the
 * dimension sets the catalogue declares for it.
 */
vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  // As Lambda sets it: Powertools counts a cold start only for on-demand environments.
  process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
});

const ddb = mockClient(DynamoDBClient);
const documents = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);

const records: EmfRecord[] = [];
let restore: () => void;
beforeAll(() => {
  restore = captureMetricsOutput({ onEmf: (record) => records.push(record) });
});
afterAll(() => restore());
afterEach(() => {
  ddb.reset();
  documents.reset();
  sqs.reset();
  vi.unstubAllGlobals();
});

/** metric name → the dimension sets it was published with (`service,stage,route`). */
const emitted = (): Map<string, Set<string>> => {
  const byName = new Map<string, Set<string>>();
  for (const record of records) {
    for (const directive of record._aws.CloudWatchMetrics) {
      for (const metric of directive.Metrics) {
        const sets = byName.get(metric.Name) ?? new Set<string>();
        for (const dimensions of directive.Dimensions) sets.add([...dimensions].sort().join(','));
        byName.set(metric.Name, sets);
      }
    }
  }
  return byName;
};

/** The values one metric was published with (EMF puts them under the metric's name). */
const valuesOf = (name: MetricName): number[] =>
  records.flatMap((record) => {
    const value = record[name];
    if (value === undefined) return [];
    return (Array.isArray(value) ? value : [value]) as number[];
  });

const catalog = [
  { sku: 'BOOK-1', active: true, prices: { EUR: 1250 } },
  { sku: 'PEN-9', active: true, prices: { EUR: 300 } },
];
const orderBody = orderRequest('cust-7', [
  { sku: 'BOOK-1', quantity: 2 },
  { sku: 'PEN-9', quantity: 1 },
]);
const create = (headers: Record<string, string> = {}, body: unknown = orderBody) =>
  createOrder(
    apiEvent({ method: 'POST', path: '/orders', body, headers }),
    createLambdaContext('createOrder'),
  );

/** A pricing service answering `statuses` in turn (200: a consistent quote with 100 off). */
const pricing = (...statuses: number[]) =>
  vi.fn<typeof fetch>(async (_url, init) => {
    const status = statuses.length > 1 ? (statuses.shift() ?? 200) : (statuses[0] ?? 200);
    if (status !== 200) return new Response('unavailable', { status });
    const { items } = JSON.parse(String(init?.body)) as {
      items: { quantity: number; unitPriceCents: number }[];
    };
    const subtotalCents = items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
    return Response.json({ subtotalCents, discountCents: 100, totalCents: subtotalCents - 100 });
  });

const sortKeys = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(sortKeys)
    : typeof value === 'object' && value !== null
      ? Object.fromEntries(
          Object.entries(value)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([key, inner]) => [key, sortKeys(inner)]),
        )
      : value;

describe('the metric catalogue, as the code emits it', () => {
  it('meters a created order: count, value, pricing latency, retries, circuit state, cold start', async () => {
    documents.on(BatchGetCommand).resolves({ Responses: { 'catalog-table': catalog } });
    documents.on(TransactWriteCommand).resolves({});
    ddb.on(PutItemCommand).resolves({});
    // Saving the response fails after the order was committed: the client still gets its 201.
    ddb.on(UpdateItemCommand).rejects(new Error('throttled'));
    vi.stubGlobal('fetch', pricing(503, 200));

    const result = await create({ 'Idempotency-Key': 'key-0123456789abcdef' });

    expect(result.statusCode).toBe(201);
    expect(valuesOf('OrderValue')).toContain(2700);
    expect(valuesOf('PricingRetries')).toContain(1);
    expect(valuesOf('PricingCircuitOpen')).toContain(0);
    expect(emitted().has('IdempotencySaveFailed')).toBe(true);
  });

  it('meters an idempotent replay', async () => {
    ddb.on(PutItemCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: {
          id: { S: 'createOrder#hash' },
          expiration: { N: String(Math.round(Date.now() / 1000) + 3600) },
          // Powertools' payload hash: md5 of the validated body's key-sorted JSON, base64.
          validation: {
            S: createHash('md5')
              .update(JSON.stringify(sortKeys(orderBody)))
              .digest('base64'),
          },
          status: { S: 'COMPLETED' },
          data: { M: { statusCode: { N: '201' }, body: { S: '{"orderId":"ord_1"}' } } },
        },
      }),
    );

    const result = await create({ 'Idempotency-Key': 'key-fedcba9876543210' });

    expect(result.headers?.['idempotent-replayed']).toBe('true');
    expect(emitted().has('IdempotentReplays')).toBe(true);
  });

  it('meters a pricing outage: dependency errors and the catalog fallback', async () => {
    documents.on(BatchGetCommand).resolves({ Responses: { 'catalog-table': catalog } });
    documents.on(TransactWriteCommand).resolves({});
    vi.stubGlobal('fetch', pricing(503));

    const result = await create();

    expect(result.statusCode).toBe(201);
    expect(emitted().has('DownstreamErrors')).toBe(true);
    expect(emitted().has('PricingFallback')).toBe(true);
  });

  it('meters rejected input as a client error and a validation failure', async () => {
    const result = await create({}, { customerId: '' });

    expect(result.statusCode).toBe(400);
    expect(emitted().has('ValidationFailures')).toBe(true);
    expect(emitted().has('ClientErrors')).toBe(true);
  });

  it('meters a cancelled order', async () => {
    const orderId = `ord_${'d'.repeat(32)}`;
    documents.on(UpdateCommand).resolves({ Attributes: { orderId, status: 'CANCELLED' } });

    const result = await cancelOrder(
      apiEvent({
        method: 'POST',
        path: `/orders/${orderId}/cancel`,
        pathParameters: { orderId },
      }),
      createLambdaContext('cancelOrder'),
    );

    expect(result.statusCode).toBe(200);
    expect(emitted().has('OrdersCancelled')).toBe(true);
  });

  it('meters an unexpected failure as a server error', async () => {
    const orderId = `ord_${'e'.repeat(32)}`;
    documents.on(GetCommand).rejects(new Error('socket hang up'));

    const result = await getOrder(
      apiEvent({ method: 'GET', path: `/orders/${orderId}`, pathParameters: { orderId } }),
      createLambdaContext('getOrder'),
    );

    expect(result.statusCode).toBe(500);
    expect(emitted().has('ServerErrors')).toBe(true);
  });

  it('meters an injected fault', async () => {
    const route = httpRoute(
      {
        routeId: 'health',
        faults: {
          load: async () => ({ enabled: true, routes: { health: { latencyMs: 0, errorRate: 1 } } }),
        },
      },
      async () => json(200, { status: 'ok' }),
    );

    const result = await route(apiEvent({ path: '/health' }), createLambdaContext('health'));

    expect(result.statusCode).toBe(503);
    expect(emitted().has('FaultsInjected')).toBe(true);
  });

  it("meters the worker's messages, the warehouse calls and the time to fulfilment", async () => {
    const createdAt = new Date(Date.now() - 5_000).toISOString();
    const order = (orderId: string) => ({
      orderId,
      status: 'PENDING',
      createdAt,
      items: [{ sku: 'BOOK-1', quantity: 1, unitPriceCents: 1250 }],
    });
    const fulfilled = `ord_${'1'.repeat(32)}`;
    const refused = `ord_${'2'.repeat(32)}`;
    const unreachable = `ord_${'3'.repeat(32)}`;
    const event = (orderId: string) =>
      JSON.stringify({
        schemaVersion: 1,
        type: 'OrderCreated',
        eventId: `e-${orderId}`,
        orderId,
        occurredAt: createdAt,
      });
    documents.on(GetCommand).callsFake(async (input: { Key: { orderId: string } }) => ({
      Item: order(input.Key.orderId),
    }));
    documents.on(UpdateCommand).resolves({});
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [fulfilled, refused, unreachable, 'poison'].map((orderId, index) => ({
          MessageId: `m-${index}`,
          ReceiptHandle: `r-${index}`,
          Body: orderId === 'poison' ? 'not json' : event(orderId),
        })),
      })
      .callsFake(async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return {};
      });
    sqs.on(SendMessageCommand).resolves({});
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    sqs.on(DeleteMessageBatchCommand).resolves({});
    const attempts = new Map<string, number>();
    vi.stubGlobal(
      'fetch',
      vi.fn<typeof fetch>(async (_url, init) => {
        const { orderId } = JSON.parse(String(init?.body)) as { orderId: string };
        const attempt = (attempts.get(orderId) ?? 0) + 1;
        attempts.set(orderId, attempt);
        if (orderId === refused) return new Response('out of stock', { status: 409 });
        if (orderId === unreachable || attempt === 1) return new Response('busy', { status: 503 });
        return Response.json({ orderId });
      }),
    );

    const worker = await startWorker({
      ordersTable: 'orders-table',
      queueUrl: 'https://sqs.test/queue',
      dlqUrl: 'https://sqs.test/dlq',
      warehouseUrl: 'http://warehouse.test',
      warehouseTimeoutMs: 500,
      warehouseMaxRetries: 1,
      pollers: 1,
      batchSize: 10,
      waitSeconds: 1,
      visibilitySeconds: 30,
      retryDelaySeconds: 0,
      stopTimeoutSeconds: 5,
      healthPort: 0,
      tracing: false,
    });
    const deadline = Date.now() + 10_000;
    while (worker.consumer.stats.done + worker.consumer.stats.rejected < 3) {
      if (Date.now() > deadline) throw new Error('the worker did not handle its batch in 10 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await worker.stop();

    expect(worker.consumer.stats).toMatchObject({ done: 2, rejected: 1, retried: 1 });
    const fulfilmentMs = valuesOf('FulfilmentTime');
    expect(fulfilmentMs).toHaveLength(1);
    expect(fulfilmentMs[0]).toBeGreaterThanOrEqual(5_000);
    for (const name of ['Processed', 'Failed', 'Retried', 'ProcessingLatency'] as const)
      expect(emitted().get(name), name).toEqual(new Set(['service,stage,task']));
  });

  it('has emitted every declared metric, each with a dimension set the catalogue declares', () => {
    const seen = emitted();

    // Triage's metrics come from its own functions (SNS-triggered, Bedrock behind them): this file
    // drives the order API and the worker; each triage metric must at least be emitted by name in
    // functions/triage.
    const triageSources = readdirSync(join(REPO_ROOT, 'functions/triage'))
      .filter((file) => file.endsWith('.ts'))
      .map((file) => readFileSync(join(REPO_ROOT, 'functions/triage', file), 'utf8'))
      .join('\n');
    const triage = Object.keys(METRICS).filter((name) => name.startsWith('Triage'));
    expect(triage.length).toBeGreaterThan(0);
    for (const name of triage) expect(triageSources, name).toContain(`emitMetric('${name}'`);
    expect([...seen.keys()].sort()).toEqual(
      Object.keys(METRICS)
        .filter((name) => !triage.includes(name))
        .sort(),
    );
    for (const [name, sets] of seen) {
      const declared = METRICS[name as MetricName].dimensions.map((set) =>
        [...set].sort().join(','),
      );
      for (const set of sets) expect(declared, `${name} published with ${set}`).toContain(set);
    }
    const worker = records.filter((record) => record.task === 'fulfilment');
    expect(
      worker.every((record) => record.service === 'orders' && record.route === undefined),
    ).toBe(true);
  });
});
