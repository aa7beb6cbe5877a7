import { afterAll, describe, expect, it } from 'vitest';
import {
  cancelCreatedOrders,
  createOrder,
  expectProblem,
  newIdempotencyKey,
  orderRequest,
  uniqueCustomer,
} from './http.ts';

afterAll(cancelCreatedOrders);

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
});
