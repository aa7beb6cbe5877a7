import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import {
  afterAll,
  afterEach,
  beforeEach,
  describe,
  expect,
  it,
  type MockInstance,
  vi,
} from 'vitest';
import { createLambdaContext } from '#local/lambda-context';
import { logger, metrics } from '#powertools';
import { apiEvent, bodyOf } from '#tests/fixtures/api-event';
import { TEST_CONTACT } from '#tests/fixtures/contact';
import { handler } from '../../../../functions/orders/create-order.ts';

/**
 * Pricing resilience of POST /orders, in a file of its own: the circuit breaker lives for the
 * life of the handler module (one per Lambda execution environment), so these tests run in
 * order against one breaker (threshold 5, open 30 s, 2 retries: the unit environment).
 */
const ddb = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const context = createLambdaContext('createOrder');

const order = {
  customerId: 'cust-7',
  currency: 'EUR',
  items: [
    { sku: 'BOOK-1', quantity: 2 },
    { sku: 'PEN-9', quantity: 1 },
  ],
  contact: TEST_CONTACT,
};
const create = (body: unknown = order) =>
  handler(apiEvent({ method: 'POST', path: '/orders', body }), context);

const consistentQuote = (discountCents: number) =>
  vi.fn<typeof fetch>(async (_url, init) => {
    const { items } = JSON.parse(String(init?.body)) as {
      items: { quantity: number; unitPriceCents: number }[];
    };
    const subtotalCents = items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
    return Response.json({
      subtotalCents,
      discountCents,
      totalCents: subtotalCents - discountCents,
    });
  });

/** Values of one metric added during the test. */
const metricValues = (spy: { mock: { calls: unknown[][] } }, name: string): unknown[] =>
  spy.mock.calls.filter(([metric]) => metric === name).map(([, , value]) => value);

describe('POST /orders when the pricing service misbehaves', () => {
  let addMetric: MockInstance<typeof metrics.addMetric>;
  let warn: MockInstance<typeof logger.warn>;

  beforeEach(() => {
    ddb.on(BatchGetCommand).resolves({
      Responses: {
        'catalog-table': [
          { sku: 'BOOK-1', active: true, prices: { EUR: 1250 } },
          { sku: 'PEN-9', active: true, prices: { EUR: 300 } },
        ],
      },
    });
    ddb.on(PutCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    addMetric = vi.spyOn(metrics, 'addMetric');
    warn = vi.spyOn(logger, 'warn');
  });
  afterEach(() => {
    ddb.reset();
    sqs.reset();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  it('applies the promotion of a consistent quote, with the circuit closed', async () => {
    vi.stubGlobal('fetch', consistentQuote(100));

    const result = await create();

    expect(bodyOf(result)).toMatchObject({
      pricingSource: 'quote',
      subtotalCents: 2800,
      discountCents: 100,
      totalCents: 2700,
    });
    expect(metricValues(addMetric, 'PricingCircuitOpen')).toEqual([0]);
    expect(metricValues(addMetric, 'PricingFallback')).toEqual([]);
  });

  it('stores catalog prices with no discount when a quote contradicts the catalog, without retrying', async () => {
    const fetchImpl = vi.fn<typeof fetch>(async () =>
      Response.json({ subtotalCents: 3, discountCents: 0, totalCents: 3 }),
    );
    vi.stubGlobal('fetch', fetchImpl);

    const result = await create();

    expect(result.statusCode).toBe(201);
    expect(bodyOf(result)).toMatchObject({
      pricingSource: 'catalog',
      subtotalCents: 2800,
      discountCents: 0,
      totalCents: 2800,
    });
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ pricingSource: 'catalog', totalCents: 2800 }),
    });
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining('catalog prices'),
      expect.objectContaining({ reason: expect.stringContaining('contradicts the catalog') }),
    );
    expect(metricValues(addMetric, 'PricingFallback')).toEqual([1]);
  });

  it('stores catalog prices, logged and counted, when the pricing service is down', async () => {
    // A success first, so the contradicting quote above no longer counts toward the breaker.
    vi.stubGlobal('fetch', consistentQuote(0));
    await create();
    const fetchImpl = vi
      .fn<typeof fetch>()
      .mockImplementation(async () => new Response('down', { status: 503 }));
    vi.stubGlobal('fetch', fetchImpl);
    addMetric.mockClear();

    const result = await create();

    expect(result.statusCode).toBe(201);
    expect(bodyOf(result)).toMatchObject({ pricingSource: 'catalog', totalCents: 2800 });
    expect(fetchImpl).toHaveBeenCalledTimes(3);
    expect(metricValues(addMetric, 'PricingFallback')).toEqual([1]);
    expect(metricValues(addMetric, 'PricingRetries')).toEqual([2]);
    expect(metricValues(addMetric, 'PricingCircuitOpen')).toEqual([0]);
  });

  it('opens the circuit during an outage, so later orders skip the retries', async () => {
    // Prepare: 3 failed attempts so far; 2 more reach the threshold of 5.
    const fetchImpl = vi
      .fn<typeof fetch>()
      .mockImplementation(async () => new Response('down', { status: 503 }));
    vi.stubGlobal('fetch', fetchImpl);
    const opening = await create();
    expect(fetchImpl).toHaveBeenCalledTimes(2);
    addMetric.mockClear();

    // Act
    const result = await create();

    // Assess
    expect(bodyOf(opening)).toMatchObject({ pricingSource: 'catalog' });
    expect(result.statusCode).toBe(201);
    expect(bodyOf(result)).toMatchObject({ pricingSource: 'catalog', totalCents: 2800 });
    expect(fetchImpl).toHaveBeenCalledTimes(2);
    expect(metricValues(addMetric, 'PricingCircuitOpen')).toEqual([1]);
    expect(metricValues(addMetric, 'DownstreamErrors')).toEqual([1]);
    expect(metricValues(addMetric, 'DownstreamLatency')).toEqual([]);
    expect(metricValues(addMetric, 'PricingRetries')).toEqual([]);
  });

  it('lets a trial quote through once the open time has passed, and closes on its success', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31_000);
    const fetchImpl = consistentQuote(100);
    vi.stubGlobal('fetch', fetchImpl);

    // Act
    const result = await create();

    // Assess
    expect(bodyOf(result)).toMatchObject({ pricingSource: 'quote', totalCents: 2700 });
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    expect(metricValues(addMetric, 'PricingCircuitOpen')).toEqual([0]);
  });

  it('never charges a price the client sent, even with pricing down', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn<typeof fetch>().mockImplementation(async () => new Response('down', { status: 503 })),
    );

    const result = await create({
      ...order,
      items: [{ sku: 'BOOK-1', quantity: 2, unitPriceCents: 1 }],
    });

    expect(result.statusCode).toBe(409);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });
});
