/**
 * Artillery hooks of the orders scenarios (`load/flows.yml`): credentials, order bodies with
 * idempotency keys, cursor following and response checks. Artillery bundles this file with
 * esbuild when a run starts.
 *
 * Credentials come from the environment:
 * - `LOAD_API_KEY`: the consumer's API key;
 * - `LOAD_TOKEN`, or `LOAD_TOKEN_URL` + `LOAD_CLIENT_ID` + `LOAD_CLIENT_SECRET` (the client
 *   credentials grant; the token is renewed before it expires, so a soak outlives it).
 */
import { randomUUID } from 'node:crypto';
import { orderBody } from './order-body.ts';

type Vars = Record<string, unknown>;
interface Context {
  vars: Vars;
}
interface Events {
  emit(type: 'counter', name: string, value: number): void;
}
interface RequestParams {
  name?: string;
  url?: string;
  headers?: Record<string, string>;
  json?: unknown;
}
interface Response {
  statusCode: number;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/** Customers per run: few enough that their order lists grow past one page during a run. */
const CUSTOMERS = Number(process.env.LOAD_CUSTOMERS ?? 20);
/** Pages a browsing user reads before moving on. */
const MAX_PAGES = 4;
/** Renew a token this long before it expires. */
const TOKEN_MARGIN_MS = 60_000;
const RUN = process.env.LOAD_RUN_ID ?? randomUUID().slice(0, 8);

const env = (name: string): string => {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: the load runner sets it (see docs/load-testing.md)`);
  return value;
};

let cached: { token: string; expiresAt: number } | undefined;
let pending: Promise<string> | undefined;

const fetchToken = async (): Promise<string> => {
  const basic = Buffer.from(`${env('LOAD_CLIENT_ID')}:${env('LOAD_CLIENT_SECRET')}`).toString(
    'base64',
  );
  const response = await fetch(env('LOAD_TOKEN_URL'), {
    method: 'POST',
    headers: {
      authorization: `Basic ${basic}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`token endpoint answered ${response.status}`);
  const body = (await response.json()) as { access_token: string; expires_in: number };
  cached = { token: body.access_token, expiresAt: Date.now() + body.expires_in * 1000 };
  return body.access_token;
};

const token = async (): Promise<string> => {
  if (process.env.LOAD_TOKEN) return process.env.LOAD_TOKEN;
  if (cached && cached.expiresAt - TOKEN_MARGIN_MS > Date.now()) return cached.token;
  pending ??= fetchToken().finally(() => {
    pending = undefined;
  });
  return pending;
};

/** Every request: the consumer's token and API key. */
export async function authorize(params: RequestParams): Promise<void> {
  params.headers = {
    ...params.headers,
    authorization: `Bearer ${await token()}`,
    'x-api-key': env('LOAD_API_KEY'),
  };
}

/** Start of a scenario: one customer of the run's pool. */
export async function pickCustomer(context: Context): Promise<void> {
  context.vars.customerId = `load-${RUN}-c${Math.floor(Math.random() * CUSTOMERS)}`;
  context.vars.pages = 0;
  context.vars.cursorParam = '';
}

/** A create: a new body and a new idempotency key (kept, so a retry can replay it). */
export async function newOrder(params: RequestParams, context: Context): Promise<void> {
  await authorize(params);
  context.vars.idempotencyKey = `load-${randomUUID()}`;
  context.vars.orderBody = orderBody(String(context.vars.customerId));
  params.json = context.vars.orderBody;
  params.headers = { ...params.headers, 'idempotency-key': String(context.vars.idempotencyKey) };
}

/** A client retry of the last create: same key, same body. */
export async function retryOrder(params: RequestParams, context: Context): Promise<void> {
  await authorize(params);
  params.json = context.vars.orderBody;
  params.headers = { ...params.headers, 'idempotency-key': String(context.vars.idempotencyKey) };
}

const json = (response: Response): Record<string, unknown> => {
  if (typeof response.body === 'object' && response.body !== null)
    return response.body as Record<string, unknown>;
  try {
    return JSON.parse(String(response.body)) as Record<string, unknown>;
  } catch {
    return {};
  }
};

/**
 * Fails the virtual user (counted in `vusers.failed`, which the `ensure` checks read) on a status
 * the step does not expect.
 */
const expectStatus = (
  params: RequestParams,
  response: Response,
  events: Events,
  allowed: readonly number[],
): void => {
  if (allowed.includes(response.statusCode)) return;
  events.emit('counter', `orders.unexpected_status.${response.statusCode}`, 1);
  throw new Error(`${params.name ?? params.url} answered ${response.statusCode}`);
};

export async function checkCreated(
  params: RequestParams,
  response: Response,
  context: Context,
  events: Events,
): Promise<void> {
  expectStatus(params, response, events, [201]);
  context.vars.orderId = json(response).orderId;
}

export async function checkReplayed(
  params: RequestParams,
  response: Response,
  context: Context,
  events: Events,
): Promise<void> {
  expectStatus(params, response, events, [201]);
  if (json(response).orderId !== context.vars.orderId) {
    events.emit('counter', 'orders.replay_mismatch', 1);
    throw new Error('an idempotent retry returned another order');
  }
}

export async function checkRead(
  params: RequestParams,
  response: Response,
  _context: Context,
  events: Events,
): Promise<void> {
  expectStatus(params, response, events, [200]);
}

/** A page of the list: remembers its cursor (URL-encoded) and one order to read. */
export async function checkPage(
  params: RequestParams,
  response: Response,
  context: Context,
  events: Events,
): Promise<void> {
  expectStatus(params, response, events, [200]);
  const body = json(response);
  const orders = Array.isArray(body.orders) ? (body.orders as { orderId?: string }[]) : [];
  if (orders[0]?.orderId && context.vars.orderId === undefined)
    context.vars.orderId = orders[0].orderId;
  const next = typeof body.nextCursor === 'string' ? body.nextCursor : undefined;
  context.vars.cursorParam = next ? `&cursor=${encodeURIComponent(next)}` : '';
  context.vars.pages = Number(context.vars.pages ?? 0) + 1;
  if (next) events.emit('counter', 'orders.pages_followed', 1);
}

/** Cancel: 409 is a valid answer once the worker has fulfilled the order. */
export async function checkCancelled(
  params: RequestParams,
  response: Response,
  _context: Context,
  events: Events,
): Promise<void> {
  expectStatus(params, response, events, [200, 409]);
  if (response.statusCode === 409) events.emit('counter', 'orders.cancel_too_late', 1);
}

/** `whileTrue` of the pagination loop: another page exists and the user still reads on. */
export function hasNextPage(context: Context, next: (more: boolean) => void): void {
  next(context.vars.cursorParam !== '' && Number(context.vars.pages) < MAX_PAGES);
}

/** `ifTrue` of the read after a list (Artillery passes the variables): the list returned an order. */
export function hasOrder(vars: Vars): boolean {
  return typeof vars.orderId === 'string';
}
