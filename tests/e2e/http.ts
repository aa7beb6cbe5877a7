import { randomUUID } from 'node:crypto';
import { expect, inject } from 'vitest';
import type { ProblemBody as Problem } from '#commons/errors';
import type { Order } from '#commons/schemas';
import { TEST_CONTACT } from '#tests/fixtures/contact';

// The API's own types: the e2e tests only read them, over HTTP.
export type { Order, Problem };

/** One run's ids, so parallel files and repeated runs never see each other's orders. */
export const RUN_ID = randomUUID().slice(0, 8);

export const uniqueCustomer = (label: string): string =>
  `e2e-${label}-${RUN_ID}-${randomUUID().slice(0, 6)}`;

export const newIdempotencyKey = (): string => `e2e-${randomUUID()}`;

export type Credentials = 'full' | 'read-only' | 'no-token' | 'no-key' | 'none';

export interface CallOptions {
  readonly method?: string;
  /** Objects are sent as JSON; strings and buffers as they are. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** @default 'full' */
  readonly credentials?: Credentials;
  /** Call as this consumer (its token and API key) instead of with `credentials`. */
  readonly as?: string;
}

export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** Parsed JSON, or undefined when the body is not JSON. */
  readonly json: T;
}

/** Calls the API under test with the credentials asked for. */
export const call = async <T = unknown>(
  path: string,
  options: CallOptions = {},
): Promise<ApiResponse<T>> => {
  const credentials = options.credentials ?? 'full';
  const headers: Record<string, string> = {};
  if (options.as !== undefined) {
    const consumer = inject('consumers')[options.as];
    if (!consumer) throw new Error(`No credentials for consumer ${options.as}`);
    headers.authorization = `Bearer ${consumer.token}`;
    headers['x-api-key'] = consumer.apiKey;
  } else if (credentials === 'full' || credentials === 'read-only' || credentials === 'no-key') {
    headers.authorization = `Bearer ${inject(credentials === 'read-only' ? 'readToken' : 'token')}`;
  }
  if (
    options.as === undefined &&
    (credentials === 'full' || credentials === 'read-only' || credentials === 'no-token')
  ) {
    headers['x-api-key'] = inject('apiKey');
  }
  let body: string | Buffer | undefined;
  if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) body = options.body;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${inject('apiUrl')}${path}`, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { ...headers, ...options.headers },
    ...(body !== undefined && { body }),
    signal: AbortSignal.timeout(25_000),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json: json as T };
};

/** Asserts the problem shape every error shares, and that nothing internal leaks into it. */
export const expectProblem = (
  response: ApiResponse,
  status: number | '4xx',
  code?: string,
): void => {
  if (status === '4xx') {
    expect(response.status, response.text).toBeGreaterThanOrEqual(400);
    expect(response.status, response.text).toBeLessThan(500);
  } else {
    expect(response.status, response.text).toBe(status);
  }
  expect(response.json, response.text).toMatchObject({
    error: { code: expect.any(String), message: expect.any(String) },
  });
  expect(response.json).toHaveProperty('error.details');
  if (code !== undefined) expect((response.json as Problem).error.code).toBe(code);
  expect(response.text).not.toMatch(/\bat .+\.(ts|js|mjs):\d+|stack|Error:|node_modules/);
};

export const orderRequest = (
  customerId: string,
  items: readonly { sku: string; quantity: number; unitPriceCents?: number }[] = [
    { sku: 'SKU-1', quantity: 2, unitPriceCents: 1250 },
  ],
) => ({
  customerId,
  currency: 'EUR',
  items,
  contact: TEST_CONTACT,
});

/** Orders a test created; cancelled in afterAll so a deployed stage keeps no live test orders. */
export const createdOrders: string[] = [];

export const createOrder = async (
  body: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse<Order>> => {
  const response = await call<Order>('/orders', { body, headers });
  if (response.status === 201) createdOrders.push(response.json.orderId);
  return response;
};

/** Cancels every order the file created (already-cancelled ones answer 409, which is fine). */
export const cancelCreatedOrders = async (): Promise<void> => {
  const ids = createdOrders.splice(0);
  const results = await Promise.all(ids.map((id) => call(`/orders/${id}/cancel`, { body: {} })));
  for (const result of results) expect([200, 409]).toContain(result.status);
};
