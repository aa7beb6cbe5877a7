/**
 * The pricing dependency, stubbed on its own port: `POST /quote` receives the order's lines at
 * catalog prices (the create-order handler reads them from the catalog table) and answers the
 * promotion it applies. Latency, an error rate and a contradicting mode are configurable at start
 * and at run time (`POST /__config`), so the handler's timeout, retries, circuit breaker and
 * catalog fallback can be exercised.
 *
 * Promotion: subtotal = Σ quantity × unitPriceCents; 5 % off (rounded down to the cent) when the
 * subtotal is at least 10 000 cents; total = subtotal − discount. With `contradictCatalog`, the
 * quote's subtotal is one cent below the catalog's, as if priced from a stale price list.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { problem, readJson, sendJson, validFaultsPatch } from './http-stub.ts';

export interface PricingStubConfig {
  /** Added before every answer. @default 0 */
  readonly latencyMs: number;
  /** Share of quotes answered 503, from 0 to 1. @default 0 */
  readonly errorRate: number;
  /** Answer quotes whose subtotal disagrees with the catalog prices sent. @default false */
  readonly contradictCatalog: boolean;
}

export interface PricingStub {
  /** Base URL: the handler calls `${url}/quote`. */
  readonly url: string;
  config(): PricingStubConfig;
  setConfig(patch: Partial<PricingStubConfig>): PricingStubConfig;
  /** Quotes asked for since start: `served` answered 200, `failed` answered an error. */
  stats(): { readonly served: number; readonly failed: number };
  stop(): Promise<void>;
}

export const DISCOUNT_THRESHOLD_CENTS = 10_000;
export const DISCOUNT_RATE = 0.05;

interface QuoteItem {
  readonly sku: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
}

/** Prices a basket; `undefined` when the request is not a valid quote request. */
export const priceQuote = (
  body: unknown,
): { subtotalCents: number; discountCents: number; totalCents: number } | undefined => {
  if (typeof body !== 'object' || body === null) return undefined;
  const { currency, items } = body as { currency?: unknown; items?: unknown };
  if (typeof currency !== 'string' || !Array.isArray(items) || items.length === 0) return undefined;
  const valid = items.every(
    (item: Partial<QuoteItem>) =>
      typeof item === 'object' &&
      item !== null &&
      typeof item.sku === 'string' &&
      Number.isInteger(item.quantity) &&
      (item.quantity ?? 0) > 0 &&
      Number.isInteger(item.unitPriceCents) &&
      (item.unitPriceCents ?? -1) >= 0,
  );
  if (!valid) return undefined;
  const subtotalCents = (items as QuoteItem[]).reduce(
    (sum, item) => sum + item.quantity * item.unitPriceCents,
    0,
  );
  const discountCents =
    subtotalCents >= DISCOUNT_THRESHOLD_CENTS ? Math.floor(subtotalCents * DISCOUNT_RATE) : 0;
  return { subtotalCents, discountCents, totalCents: subtotalCents - discountCents };
};

const validConfigPatch = (patch: unknown): Partial<PricingStubConfig> | undefined => {
  const faults = validFaultsPatch(patch);
  if (faults === undefined) return undefined;
  const { contradictCatalog } = patch as Record<string, unknown>;
  if (contradictCatalog !== undefined && typeof contradictCatalog !== 'boolean') return undefined;
  return { ...faults, ...(contradictCatalog !== undefined && { contradictCatalog }) };
};

/** Starts the stub on a free port of 127.0.0.1 (or `port`). */
export const startPricingStub = async (
  initial: Partial<PricingStubConfig> = {},
  options: { readonly port?: number } = {},
): Promise<PricingStub> => {
  let config: PricingStubConfig = {
    latencyMs: 0,
    errorRate: 0,
    contradictCatalog: false,
    ...validConfigPatch(initial),
  };
  let served = 0;
  let failed = 0;
  const setConfig = (patch: Partial<PricingStubConfig>): PricingStubConfig => {
    const valid = validConfigPatch(patch);
    if (valid === undefined)
      throw new Error(
        'Pricing stub config: latencyMs must be 0..60000, errorRate 0..1, contradictCatalog a boolean',
      );
    config = { ...config, ...valid };
    return config;
  };

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://stub');
      if (url.pathname === '/__config' && request.method === 'GET')
        return sendJson(response, 200, config);
      if (url.pathname === '/__config' && request.method === 'POST') {
        const patch = validConfigPatch(await readJson(request));
        if (patch === undefined) {
          return sendJson(
            response,
            400,
            problem(
              'VALIDATION_FAILED',
              'latencyMs must be 0..60000, errorRate 0..1, contradictCatalog a boolean',
            ),
          );
        }
        return sendJson(response, 200, setConfig(patch));
      }
      if (url.pathname === '/__stats' && request.method === 'GET')
        return sendJson(response, 200, { served, failed });
      if (url.pathname !== '/quote')
        return sendJson(response, 404, problem('NOT_FOUND', 'The stub serves POST /quote'));
      if (request.method !== 'POST')
        return sendJson(response, 405, problem('METHOD_NOT_ALLOWED', 'Use POST /quote'));
      const body = await readJson(request);
      const { latencyMs, errorRate } = config;
      if (latencyMs > 0) await delay(latencyMs);
      if (errorRate > 0 && Math.random() < errorRate) {
        failed++;
        return sendJson(response, 503, problem('PRICING_UNAVAILABLE', 'Injected pricing failure'));
      }
      const quote = priceQuote(body);
      if (quote === undefined) {
        failed++;
        return sendJson(
          response,
          400,
          problem(
            'VALIDATION_FAILED',
            'Expected { currency, items: [{ sku, quantity, unitPriceCents }] }',
          ),
        );
      }
      served++;
      if (config.contradictCatalog && quote.subtotalCents > 0) {
        const subtotalCents = quote.subtotalCents - 1;
        return sendJson(response, 200, {
          subtotalCents,
          discountCents: 0,
          totalCents: subtotalCents,
        });
      }
      return sendJson(response, 200, quote);
    })().catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, problem('INTERNAL_ERROR', String(error)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    config: () => config,
    setConfig,
    stats: () => ({ served, failed }),
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
