import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiResponse,
  type CallOptions,
  call,
  cancelCreatedOrders,
  createOrder,
  expectProblem,
  type Order,
  orderRequest,
  uniqueCustomer,
} from './http.ts';

/**
 * Hostile and malformed requests: every one gets a 4xx with the problem body and no internals.
 * Where the contract names a status and code, the case asserts them.
 */
const customerId = uniqueCustomer('bad-input');
const item = { sku: 'SKU-1', quantity: 1, unitPriceCents: 100 };
const json = { 'content-type': 'application/json' };
const INJECTIONS = [
  "' OR '1'='1",
  '"; DROP TABLE orders; --',
  '{"$ne": null}',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  `\${jndi:ldap://x}`,
];

let existingOrder: Order;
let validCursor: string;

beforeAll(async () => {
  const first = await createOrder(orderRequest(customerId));
  const second = await createOrder(orderRequest(customerId));
  expect(first.status, first.text).toBe(201);
  expect(second.status, second.text).toBe(201);
  existingOrder = first.json;
  const page = await call<{ nextCursor: string | null }>(
    `/orders?customerId=${customerId}&limit=1`,
  );
  expect(page.json.nextCursor).toEqual(expect.any(String));
  validCursor = page.json.nextCursor ?? '';
});

afterAll(cancelCreatedOrders);

interface Case {
  readonly name: string;
  readonly path: string | (() => string);
  readonly options: CallOptions | (() => CallOptions);
  readonly status: number | '4xx';
  readonly code?: string;
}

const post = (body: unknown, headers: Record<string, string> = json): CallOptions => ({
  method: 'POST',
  body: typeof body === 'string' ? body : JSON.stringify(body),
  headers,
});

const CREATE_CASES: Case[] = [
  {
    name: 'malformed JSON',
    path: '/orders',
    options: post('{"customerId": "c1", "items": ['),
    status: 400,
    code: 'MALFORMED_JSON',
  },
  {
    name: 'a JSON array instead of an object',
    path: '/orders',
    options: post([item]),
    status: 400,
  },
  {
    name: 'an empty body',
    path: '/orders',
    options: post(''),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  { name: 'JSON null', path: '/orders', options: post('null'), status: 400 },
  {
    name: 'a missing customerId',
    path: '/orders',
    options: post({ items: [item] }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'missing items',
    path: '/orders',
    options: post({ customerId }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'a customerId of the wrong type',
    path: '/orders',
    options: post({ customerId: 42, items: [item] }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'items of the wrong type',
    path: '/orders',
    options: post({ customerId, items: 'SKU-1' }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'a quantity given as a string',
    path: '/orders',
    options: post({ customerId, items: [{ ...item, quantity: '1' }] }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'an unknown top-level field',
    path: '/orders',
    options: post({ customerId, items: [item], discount: 100 }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'an unknown item field',
    path: '/orders',
    options: post({ customerId, items: [{ ...item, totalCents: 1 }] }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'an unknown currency',
    path: '/orders',
    options: post({ customerId, currency: 'BTC', items: [item] }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'empty items',
    path: '/orders',
    options: post({ customerId, items: [] }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: '51 items',
    path: '/orders',
    options: post({
      customerId,
      items: Array.from({ length: 51 }, (_, i) => ({ ...item, sku: `SKU-${i}` })),
    }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'quantity 0',
    path: '/orders',
    options: post({ customerId, items: [{ ...item, quantity: 0 }] }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'quantity 1001',
    path: '/orders',
    options: post({ customerId, items: [{ ...item, quantity: 1001 }] }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'quantity 1.5',
    path: '/orders',
    options: post({ customerId, items: [{ ...item, quantity: 1.5 }] }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'a negative price',
    path: '/orders',
    options: post({ customerId, items: [{ ...item, unitPriceCents: -1 }] }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'a fractional price',
    path: '/orders',
    options: post({ customerId, items: [{ ...item, unitPriceCents: 9.99 }] }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'an astronomically large price',
    path: '/orders',
    options: post({ customerId, items: [{ ...item, unitPriceCents: 1e300 }] }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'a unicode SKU',
    path: '/orders',
    options: post({ customerId, items: [{ ...item, sku: 'ÉPÉE-⚔️-剣' }] }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'a body over 64 KiB',
    path: '/orders',
    options: post({ customerId, items: [{ ...item, sku: 'x'.repeat(70 * 1024) }] }),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'text/plain content',
    path: '/orders',
    options: post(JSON.stringify({ customerId, items: [item] }), { 'content-type': 'text/plain' }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'form-encoded content',
    path: '/orders',
    options: post('customerId=c1&items=1', { 'content-type': 'application/x-www-form-urlencoded' }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'no content type',
    path: '/orders',
    options: post(JSON.stringify({ customerId, items: [item] }), {}),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  ...INJECTIONS.map((text) => ({
    name: `an injection in customerId: ${text}`,
    path: '/orders',
    options: post({ customerId: text, items: [item] }),
    status: 400,
    code: 'VALIDATION_FAILED',
  })),
  ...INJECTIONS.map((text) => ({
    name: `an injection in sku: ${text}`,
    path: '/orders',
    options: post({ customerId, items: [{ ...item, sku: text }] }),
    status: 400,
    code: 'VALIDATION_FAILED',
  })),
];

const ID_CASES: Case[] = [
  {
    name: 'an order id without the ord_ prefix',
    path: '/orders/12345',
    options: {},
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'an order id with upper-case hex',
    path: `/orders/ord_${'A'.repeat(32)}`,
    options: {},
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'an order id one digit short',
    path: `/orders/ord_${'0'.repeat(31)}`,
    options: {},
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'a 10 000-character order id',
    path: `/orders/ord_${'a'.repeat(10_000)}`,
    options: {},
    status: '4xx',
  },
  ...INJECTIONS.map((text) => ({
    name: `an injection as order id: ${text}`,
    path: `/orders/${encodeURIComponent(text)}`,
    options: {},
    status: '4xx' as const,
  })),
  ...INJECTIONS.map((text) => ({
    name: `an injection as order id to cancel: ${text}`,
    path: `/orders/${encodeURIComponent(text)}/cancel`,
    options: post({}),
    status: '4xx' as const,
  })),
  {
    name: 'an unknown field in a cancel body',
    path: () => `/orders/${existingOrder.orderId}/cancel`,
    options: post({ reason: 'x', refund: true }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'malformed JSON in a cancel body',
    path: () => `/orders/${existingOrder.orderId}/cancel`,
    options: post('{"reason":'),
    status: 400,
    code: 'MALFORMED_JSON',
  },
];

const LIST_CASES: Case[] = [
  {
    name: 'a list without customerId',
    path: '/orders',
    options: {},
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'limit 0',
    path: `/orders?customerId=${customerId}&limit=0`,
    options: {},
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'limit 101',
    path: `/orders?customerId=${customerId}&limit=101`,
    options: {},
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: "limit 'abc'",
    path: `/orders?customerId=${customerId}&limit=abc`,
    options: {},
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'limit -1',
    path: `/orders?customerId=${customerId}&limit=-1`,
    options: {},
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'an unknown query parameter',
    path: `/orders?customerId=${customerId}&status=PENDING`,
    options: {},
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'customerId given twice',
    path: `/orders?customerId=${customerId}&customerId=other`,
    options: {},
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'a cursor that is not base64url',
    path: `/orders?customerId=${customerId}&cursor=%%%%`,
    options: {},
    status: 400,
  },
  {
    name: 'a cursor of random base64url',
    path: `/orders?customerId=${customerId}&cursor=bm90LWEtY3Vyc29y`,
    options: {},
    status: 400,
    code: 'INVALID_CURSOR',
  },
  {
    name: 'a tampered cursor',
    path: () =>
      `/orders?customerId=${customerId}&cursor=${validCursor.slice(0, -3)}${validCursor.endsWith('AAA') ? 'BBB' : 'AAA'}`,
    options: {},
    status: 400,
    code: 'INVALID_CURSOR',
  },
  {
    name: "another customer's cursor",
    path: () => `/orders?customerId=${uniqueCustomer('other')}&cursor=${validCursor}`,
    options: {},
    status: 400,
    code: 'INVALID_CURSOR',
  },
  ...INJECTIONS.map((text) => ({
    name: `an injection as customerId: ${text}`,
    path: `/orders?customerId=${encodeURIComponent(text)}`,
    options: {},
    status: 400,
    code: 'VALIDATION_FAILED',
  })),
];

const run = (testCase: Case): Promise<ApiResponse> =>
  call(
    typeof testCase.path === 'function' ? testCase.path() : testCase.path,
    typeof testCase.options === 'function' ? testCase.options() : testCase.options,
  );

describe('POST /orders rejects bad input', () => {
  it.each(CREATE_CASES)('rejects $name with $status', async (testCase) => {
    expectProblem(await run(testCase), testCase.status, testCase.code);
  });
});

describe('order id routes reject bad ids and bodies', () => {
  it.each(ID_CASES)('rejects $name with $status', async (testCase) => {
    expectProblem(await run(testCase), testCase.status, testCase.code);
  });
});

describe('GET /orders rejects bad queries', () => {
  it.each(LIST_CASES)('rejects $name with $status', async (testCase) => {
    expectProblem(await run(testCase), testCase.status, testCase.code);
  });
});

describe('hostile input leaves the data intact', () => {
  it('still serves the order created before the hostile requests', async () => {
    const response = await call<Order>(`/orders/${existingOrder.orderId}`);

    expect(response.status, response.text).toBe(200);
    expect(response.json.orderId).toBe(existingOrder.orderId);
  });
});
