/**
 * The warehouse dependency of the fulfilment worker, stubbed on its own port:
 * - `POST /reservations` `{ orderId, items: [{ sku, quantity }] }` reserves an order's items.
 *   Keyed by order id: a repeated call answers 200 with the first reservation and reserves
 *   nothing more (the first answers 201). A SKU starting with `OOS-` is out of stock: 409.
 * - `POST /reservations/release` `{ orderId }` gives an order's items back (200, idempotent).
 * Latency and an error rate (503) are configurable at start and at run time
 * (`POST /__config {"latencyMs":500,"errorRate":0.5}`); `GET /__stats` counts what happened, so
 * tests can prove each order was reserved once.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { problem, readJson, sendJson, validFaultsPatch } from './http-stub.ts';

export interface WarehouseStubConfig {
  /** Added before every answer. @default 0 */
  readonly latencyMs: number;
  /** Share of calls answered 503, from 0 to 1. @default 0 */
  readonly errorRate: number;
}

export interface WarehouseStubStats {
  /** Orders reserved (each counted once, however often it was asked). */
  readonly reserved: number;
  /** Reservation calls for an order that was already reserved. */
  readonly repeated: number;
  /** Orders whose reservation was released. */
  readonly released: number;
  /** Calls answered 409 (out of stock). */
  readonly refused: number;
  /** Calls answered 503 by the injected error rate. */
  readonly failed: number;
}

export interface WarehouseStub {
  readonly url: string;
  config(): WarehouseStubConfig;
  setConfig(patch: Partial<WarehouseStubConfig>): WarehouseStubConfig;
  stats(): WarehouseStubStats;
  /** How many times `orderId` was reserved by a first (201) call: 0 or 1. */
  reservationsOf(orderId: string): number;
  isReleased(orderId: string): boolean;
  stop(): Promise<void>;
}

/** SKUs with this prefix are always out of stock. */
export const OUT_OF_STOCK_PREFIX = 'OOS-';

const validPatch = (patch: unknown): Partial<WarehouseStubConfig> | undefined =>
  validFaultsPatch(patch);

const orderIdOf = (body: unknown): string | undefined => {
  const orderId = (body as { orderId?: unknown } | undefined)?.orderId;
  return typeof orderId === 'string' && orderId.length > 0 ? orderId : undefined;
};

/** Starts the stub on a free port of 127.0.0.1 (or `port`). */
export const startWarehouseStub = async (
  initial: Partial<WarehouseStubConfig> = {},
  options: { readonly port?: number; readonly host?: string } = {},
): Promise<WarehouseStub> => {
  let config: WarehouseStubConfig = { latencyMs: 0, errorRate: 0, ...validPatch(initial) };
  const reservations = new Map<string, number>();
  const released = new Set<string>();
  let repeated = 0;
  let refused = 0;
  let failed = 0;
  const setConfig = (patch: Partial<WarehouseStubConfig>): WarehouseStubConfig => {
    const valid = validPatch(patch);
    if (valid === undefined)
      throw new Error('Warehouse stub config: latencyMs must be 0..60000 and errorRate 0..1');
    config = { ...config, ...valid };
    return config;
  };
  const stats = (): WarehouseStubStats => ({
    reserved: reservations.size,
    repeated,
    released: released.size,
    refused,
    failed,
  });

  const server = createServer((request, response) => {
    void (async () => {
      const path = new URL(request.url ?? '/', 'http://stub').pathname;
      if (path === '/__config' && request.method === 'GET') return sendJson(response, 200, config);
      if (path === '/__config' && request.method === 'POST') {
        const patch = validPatch(await readJson(request));
        if (patch === undefined)
          return sendJson(
            response,
            400,
            problem('VALIDATION_FAILED', 'latencyMs must be 0..60000 and errorRate 0..1'),
          );
        return sendJson(response, 200, setConfig(patch));
      }
      if (path === '/__stats' && request.method === 'GET') return sendJson(response, 200, stats());
      if (path !== '/reservations' && path !== '/reservations/release')
        return sendJson(
          response,
          404,
          problem('NOT_FOUND', 'The stub serves POST /reservations and /reservations/release'),
        );
      if (request.method !== 'POST')
        return sendJson(response, 405, problem('METHOD_NOT_ALLOWED', `Use POST ${path}`));
      const body = await readJson(request);
      const { latencyMs, errorRate } = config;
      if (latencyMs > 0) await delay(latencyMs);
      if (errorRate > 0 && Math.random() < errorRate) {
        failed++;
        return sendJson(
          response,
          503,
          problem('WAREHOUSE_UNAVAILABLE', 'Injected warehouse failure'),
        );
      }
      const orderId = orderIdOf(body);
      if (orderId === undefined)
        return sendJson(response, 400, problem('VALIDATION_FAILED', 'Expected { orderId, ... }'));
      if (path === '/reservations/release') {
        released.add(orderId);
        return sendJson(response, 200, { orderId, released: true });
      }
      const items = (body as { items?: unknown }).items;
      if (!Array.isArray(items) || items.length === 0)
        return sendJson(
          response,
          400,
          problem('VALIDATION_FAILED', 'Expected items: [{ sku, quantity }]'),
        );
      if (reservations.has(orderId)) {
        repeated++;
        return sendJson(response, 200, { orderId, reservationId: `res_${orderId}` });
      }
      if (
        items.some((item: { sku?: unknown }) => String(item?.sku).startsWith(OUT_OF_STOCK_PREFIX))
      ) {
        refused++;
        return sendJson(response, 409, problem('OUT_OF_STOCK', 'An item is out of stock'));
      }
      reservations.set(orderId, 1);
      return sendJson(response, 201, { orderId, reservationId: `res_${orderId}` });
    })().catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, problem('INTERNAL_ERROR', String(error)));
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    config: () => config,
    setConfig,
    stats,
    reservationsOf: (orderId) => reservations.get(orderId) ?? 0,
    isReleased: (orderId) => released.has(orderId),
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
