import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  type ApiResponse,
  call,
  expectProblem,
  type Order,
  orderRequest,
  uniqueCustomer,
} from './http.ts';

/**
 * Object-level authorization over HTTP, as deployed: two consumers that create orders
 * (storefront, marketplace) never see, list or cancel each other's orders; reporting reads every
 * order and writes none; a token is honoured only with its own consumer's API key; a cursor
 * works only for the consumer and query it was issued for.
 */
type Page = { items: Order[]; nextCursor: string | null };
const mine: Array<{ orderId: string; as: string }> = [];

const create = async (as: string, customerId: string): Promise<Order> => {
  const response = await call<Order>('/orders', { as, body: orderRequest(customerId) });
  expect(response.status, response.text).toBe(201);
  mine.push({ orderId: response.json.orderId, as });
  return response.json;
};

const list = (as: string, customerId: string, query = '') =>
  call<Page>(`/orders?customerId=${customerId}${query}`, { as });

afterAll(async () => {
  const results = await Promise.all(
    mine.map(({ orderId, as }) => call(`/orders/${orderId}/cancel`, { as, body: {} })),
  );
  for (const result of results) expect([200, 409]).toContain(result.status);
});

describe('ownership between consumers', () => {
  it("answers another consumer's order with 404 ORDER_NOT_FOUND, exactly like a missing one", async () => {
    const order = await create('storefront', uniqueCustomer('own'));
    const missingId = `ord_${'0'.repeat(32)}`;

    const foreign = await call(`/orders/${order.orderId}`, { as: 'marketplace' });
    const missing = await call(`/orders/${missingId}`, { as: 'marketplace' });

    expectProblem(foreign, 404, 'ORDER_NOT_FOUND');
    expect(foreign.text).toBe(missing.text.replaceAll(missingId, order.orderId));
    expect((await call(`/orders/${order.orderId}`, { as: 'storefront' })).status).toBe(200);
  });

  it("lists only the caller's own orders of a customer both consumers use", async () => {
    const customerId = uniqueCustomer('shared');
    const ours = await create('storefront', customerId);
    const theirs = await create('marketplace', customerId);

    const storefront = await list('storefront', customerId);
    const marketplace = await list('marketplace', customerId);

    expect(storefront.json.items.map((o) => o.orderId)).toEqual([ours.orderId]);
    expect(marketplace.json.items.map((o) => o.orderId)).toEqual([theirs.orderId]);
  });

  it("does not let a consumer cancel another's order, which stays PENDING", async () => {
    const order = await create('storefront', uniqueCustomer('own'));

    const response = await call(`/orders/${order.orderId}/cancel`, {
      as: 'marketplace',
      body: {},
    });

    expectProblem(response, 404, 'ORDER_NOT_FOUND');
    const after = await call<Order>(`/orders/${order.orderId}`, { as: 'storefront' });
    expect(after.json.status).toBe('PENDING');
  });
});

describe('the reporting consumer (orders.read.all)', () => {
  it("reads and lists every consumer's orders", async () => {
    const customerId = uniqueCustomer('report');
    const a = await create('storefront', customerId);
    const b = await create('marketplace', customerId);

    const read = await call<Order>(`/orders/${a.orderId}`, { as: 'reporting' });
    const listed = await list('reporting', customerId);

    expect(read.status, read.text).toBe(200);
    expect(listed.json.items.map((o) => o.orderId).sort()).toEqual([a.orderId, b.orderId].sort());
  });

  it('cannot create or cancel orders: 403 FORBIDDEN', async () => {
    const order = await create('storefront', uniqueCustomer('report'));

    const created = await call('/orders', {
      as: 'reporting',
      body: orderRequest(uniqueCustomer('report')),
    });
    const cancelled = await call(`/orders/${order.orderId}/cancel`, { as: 'reporting', body: {} });

    expectProblem(created, 403, 'FORBIDDEN');
    expectProblem(cancelled, 403, 'FORBIDDEN');
  });
});

describe('token and API key of different consumers', () => {
  const mixed = (path: string, body?: unknown): Promise<ApiResponse> => {
    const { storefront, marketplace } = inject('consumers');
    return call(path, {
      credentials: 'none',
      headers: {
        authorization: `Bearer ${storefront?.token}`,
        'x-api-key': marketplace?.apiKey ?? '',
      },
      ...(body !== undefined && { body }),
    });
  };

  it('refuses the storefront token with the marketplace API key on every route', async () => {
    const order = await create('storefront', uniqueCustomer('mixed'));

    for (const response of [
      await mixed(`/orders/${order.orderId}`),
      await mixed(`/orders?customerId=${order.customerId}`),
      await mixed('/orders', orderRequest(uniqueCustomer('mixed'))),
      await mixed(`/orders/${order.orderId}/cancel`, {}),
    ])
      expectProblem(response, 403, 'FORBIDDEN');
  });
});

describe('cursors', () => {
  const twoPages = async () => {
    const customerId = uniqueCustomer('cursor');
    await create('storefront', customerId);
    await create('storefront', customerId);
    const first = await list('storefront', customerId, '&limit=1');
    expect(first.status, first.text).toBe(200);
    return { customerId, cursor: first.json.nextCursor ?? '' };
  };

  it('continues the list for the consumer and customer it was issued for', async () => {
    const { customerId, cursor } = await twoPages();

    const second = await list('storefront', customerId, `&limit=1&cursor=${cursor}`);

    expect(second.status, second.text).toBe(200);
    expect(second.json.items).toHaveLength(1);
  });

  it('answers 400 INVALID_CURSOR for a cursor edited in any one character', async () => {
    const { customerId, cursor } = await twoPages();

    for (const index of [0, Math.floor(cursor.length / 2), cursor.length - 1]) {
      const edited = `${cursor.slice(0, index)}${cursor[index] === 'A' ? 'B' : 'A'}${cursor.slice(index + 1)}`;
      expectProblem(
        await list('storefront', customerId, `&cursor=${edited}`),
        400,
        'INVALID_CURSOR',
      );
    }
  });

  it("answers 400 INVALID_CURSOR for another consumer's cursor, even for the same customer", async () => {
    const { customerId, cursor } = await twoPages();

    expectProblem(
      await list('marketplace', customerId, `&cursor=${cursor}`),
      400,
      'INVALID_CURSOR',
    );
    expectProblem(await list('reporting', customerId, `&cursor=${cursor}`), 400, 'INVALID_CURSOR');
  });
});
