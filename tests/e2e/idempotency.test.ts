import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import {
  type ApiResponse,
  call,
  cancelCreatedOrders,
  createOrder,
  expectProblem,
  newIdempotencyKey,
  type Order,
  orderRequest,
  uniqueCustomer,
} from './http.ts';

afterAll(cancelCreatedOrders);

const local = inject('e2eTarget') === 'local';

/** Sets the local pricing stub's latency; a deployed stage's pricing is left alone. */
const pricingLatency = async (latencyMs: number): Promise<void> => {
  if (!local) return;
  const response = await fetch(`${inject('pricingUrl')}/__config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ latencyMs }),
  });
  expect(response.status).toBe(200);
};

/** Headers that differ between any two responses, replay or not. */
const PER_RESPONSE_HEADERS = new Set([
  'date',
  // Each request has its own: a replay answers with the replaying request's id.
  'x-correlation-id',
  'connection',
  'keep-alive',
  'x-amzn-requestid',
  'x-amz-apigw-id',
  'x-amzn-trace-id',
  'via',
  'x-cache',
  'x-amz-cf-id',
  'x-amz-cf-pop',
]);

const comparableHeaders = (response: ApiResponse): Record<string, string> =>
  Object.fromEntries(
    [...response.headers.entries()].filter(([name]) => !PER_RESPONSE_HEADERS.has(name)),
  );

describe('POST /orders with an Idempotency-Key header', () => {
  it('replays the first response for the same key and body, creating one order', async () => {
    const key = newIdempotencyKey();
    const body = orderRequest(uniqueCustomer('idem'));

    const first = await createOrder(body, { 'idempotency-key': key });
    const replay = await createOrder(body, { 'idempotency-key': key });

    expect(first.status, first.text).toBe(201);
    expect(replay.status, replay.text).toBe(201);
    expect(replay.json.orderId).toBe(first.json.orderId);
    expect(replay.json).toEqual(first.json);
  });

  it('creates distinct orders for distinct keys with the same body', async () => {
    const body = orderRequest(uniqueCustomer('idem-distinct'));

    const first = await createOrder(body, { 'idempotency-key': newIdempotencyKey() });
    const second = await createOrder(body, { 'idempotency-key': newIdempotencyKey() });

    expect(first.status, first.text).toBe(201);
    expect(second.status, second.text).toBe(201);
    expect(second.json.orderId).not.toBe(first.json.orderId);
  });

  it('rejects the same key with a different body with 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const key = newIdempotencyKey();
    const customerId = uniqueCustomer('idem-reuse');
    const first = await createOrder(orderRequest(customerId), { 'idempotency-key': key });
    expect(first.status, first.text).toBe(201);

    const reused = await createOrder(
      orderRequest(customerId, [{ sku: 'SKU-OTHER', quantity: 3, unitPriceCents: 100 }]),
      { 'idempotency-key': key },
    );

    expectProblem(reused, 422, 'IDEMPOTENCY_KEY_REUSED');
  });

  it('rejects a malformed key with 400 VALIDATION_FAILED', async () => {
    const response = await createOrder(orderRequest(uniqueCustomer('idem-bad')), {
      'idempotency-key': 'short',
    });

    expectProblem(response, 400, 'VALIDATION_FAILED');
  });

  it('replays with the same headers as the original, CORS included, plus idempotent-replayed', async () => {
    const key = newIdempotencyKey();
    const body = orderRequest(uniqueCustomer('idem-headers'));
    const headers = { 'idempotency-key': key, origin: 'http://localhost:3000' };

    const first = await createOrder(body, headers);
    const replay = await createOrder(body, headers);

    expect(first.status, first.text).toBe(201);
    expect(first.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(comparableHeaders(replay)).toEqual({
      ...comparableHeaders(first),
      'idempotent-replayed': 'true',
    });
    expect(replay.text).toBe(first.text);
  });
});

describe('POST /orders: two requests with one Idempotency-Key at the same time', () => {
  // Locally, a slower pricing stub keeps the first request in progress while the second arrives.
  beforeEach(() => pricingLatency(400));
  afterEach(() => pricingLatency(0));

  it('creates one order, answers the other 409 IDEMPOTENCY_IN_PROGRESS with Retry-After, then replays', async () => {
    // Prepare
    const key = newIdempotencyKey();
    const customerId = uniqueCustomer('idem-race');
    const body = orderRequest(customerId);

    // Act
    const both = await Promise.all([
      createOrder(body, { 'idempotency-key': key }),
      createOrder(body, { 'idempotency-key': key }),
    ]);
    const retry = await createOrder(body, { 'idempotency-key': key });
    const listed = await call<{ items: Order[] }>(
      `/orders?customerId=${encodeURIComponent(customerId)}`,
    );

    // Assess
    expect(both.map((r) => r.status).sort(), both.map((r) => r.text).join('\n')).toEqual([
      201, 409,
    ]);
    const created = both.find((r) => r.status === 201) as ApiResponse<Order>;
    const busy = both.find((r) => r.status === 409) as ApiResponse;
    expectProblem(busy, 409, 'IDEMPOTENCY_IN_PROGRESS');
    expect(Number(busy.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(retry.status, retry.text).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.json).toEqual(created.json);
    expect(listed.json.items.map((o) => o.orderId)).toEqual([created.json.orderId]);
  });
});
