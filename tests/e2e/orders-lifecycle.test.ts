import { afterAll, describe, expect, it } from 'vitest';
import {
  call,
  cancelCreatedOrders,
  createOrder,
  expectProblem,
  type Order,
  orderRequest,
  uniqueCustomer,
} from './http.ts';

afterAll(cancelCreatedOrders);

describe('an order over HTTP, from creation to cancellation', () => {
  const customerId = uniqueCustomer('lifecycle');
  let order: Order;

  it('creates a PENDING order priced by the service, with its Location', async () => {
    const response = await createOrder(
      orderRequest(customerId, [
        { sku: 'SKU-1', quantity: 2, unitPriceCents: 1250 },
        { sku: 'SKU-2', quantity: 1, unitPriceCents: 500 },
      ]),
    );

    expect(response.status, response.text).toBe(201);
    order = response.json;
    expect(order).toMatchObject({
      customerId,
      status: 'PENDING',
      currency: 'EUR',
      subtotalCents: 3000,
    });
    expect(order.orderId).toMatch(/^ord_[0-9a-f]{32}$/);
    expect(order.totalCents).toBe(order.subtotalCents - order.discountCents);
    expect(response.headers.get('location')).toBe(`/orders/${order.orderId}`);
  });

  it('reads the order back by id', async () => {
    const response = await call<Order>(`/orders/${order.orderId}`);

    expect(response.status, response.text).toBe(200);
    expect(response.json).toEqual(order);
  });

  it("lists it among the customer's orders, newest first", async () => {
    const second = await createOrder(orderRequest(customerId));
    expect(second.status, second.text).toBe(201);

    const response = await call<{ items: Order[]; nextCursor: string | null }>(
      `/orders?customerId=${customerId}`,
    );

    expect(response.status, response.text).toBe(200);
    expect(response.json.items.map((item) => item.orderId)).toEqual([
      second.json.orderId,
      order.orderId,
    ]);
    expect(response.json.nextCursor).toBeNull();
  });

  it('pages through the list with nextCursor', async () => {
    const first = await call<{ items: Order[]; nextCursor: string | null }>(
      `/orders?customerId=${customerId}&limit=1`,
    );
    expect(first.status, first.text).toBe(200);
    expect(first.json.items).toHaveLength(1);
    expect(first.json.nextCursor).toEqual(expect.any(String));

    const second = await call<{ items: Order[]; nextCursor: string | null }>(
      `/orders?customerId=${customerId}&limit=1&cursor=${encodeURIComponent(first.json.nextCursor ?? '')}`,
    );

    expect(second.status, second.text).toBe(200);
    expect(second.json.items.map((item) => item.orderId)).toEqual([order.orderId]);
  });

  it('cancels the order', async () => {
    const response = await call<Order>(`/orders/${order.orderId}/cancel`, {
      body: { reason: 'e2e test' },
    });

    expect(response.status, response.text).toBe(200);
    expect(response.json).toMatchObject({ orderId: order.orderId, status: 'CANCELLED' });
    expect((await call<Order>(`/orders/${order.orderId}`)).json.status).toBe('CANCELLED');
  });

  it('refuses to cancel it twice with 409 INVALID_STATE', async () => {
    const response = await call(`/orders/${order.orderId}/cancel`, { body: {} });

    expectProblem(response, 409, 'INVALID_STATE');
  });

  it('answers 404 ORDER_NOT_FOUND for an order that does not exist', async () => {
    const response = await call(`/orders/ord_${'0'.repeat(32)}`);

    expectProblem(response, 404, 'ORDER_NOT_FOUND');
  });

  it('answers 404 ORDER_NOT_FOUND when cancelling an order that does not exist', async () => {
    const response = await call(`/orders/ord_${'f'.repeat(32)}/cancel`, { body: {} });

    expectProblem(response, 404, 'ORDER_NOT_FOUND');
  });
});
