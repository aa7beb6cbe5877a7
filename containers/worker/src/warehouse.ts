import { emitMetric } from '#commons/metrics';
import {
  CircuitBreaker,
  createResilientHttpClient,
  InvalidResponseError,
} from '#commons/resilient-http';
import type { LineItem } from '#commons/schemas';
import { logger } from '#powertools';

/**
 * The warehouse dependency: `POST /reservations` reserves an order's items, keyed by order id
 * so a repeated call returns the first reservation instead of reserving again;
 * `POST /reservations/release` gives them back (also idempotent). A 409 or 422 means the
 * warehouse refuses the order for good (out of stock, unknown SKU).
 */
export type WarehouseResult =
  | { readonly outcome: 'ok' }
  | { readonly outcome: 'rejected'; readonly reason: string }
  | { readonly outcome: 'unavailable'; readonly reason: string };

export interface Warehouse {
  reserve(orderId: string, items: readonly LineItem[]): Promise<WarehouseResult>;
  release(orderId: string): Promise<WarehouseResult>;
}

export interface WarehouseClientOptions {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  /** @default 5 consecutive failures open the circuit for 10 s */
  readonly breaker?: CircuitBreaker;
}

const parseReservation = (json: unknown): true => {
  if (
    typeof json !== 'object' ||
    json === null ||
    typeof (json as { orderId?: unknown }).orderId !== 'string'
  ) {
    throw new InvalidResponseError('expected { orderId }');
  }
  return true;
};

const PERMANENT = /^status (409|422)$/;

/** A {@link Warehouse} over HTTP through the service's resilient client. */
export const createWarehouseClient = (options: WarehouseClientOptions): Warehouse => {
  const breaker =
    options.breaker ??
    new CircuitBreaker({
      failureThreshold: 5,
      openMs: 10_000,
      onStateChange: (from, to) =>
        logger.warn('Warehouse circuit breaker changed state', { from, to }),
    });
  const client = createResilientHttpClient({
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs,
    maxRetries: options.maxRetries,
    breaker,
  });
  const call = async (path: string, body: unknown): Promise<WarehouseResult> => {
    const started = performance.now();
    const result = await client.postJson(path, body, parseReservation);
    if (result.attempts > 0) emitMetric('DownstreamLatency', performance.now() - started);
    if (result.attempts > 1) emitMetric('WarehouseRetries', result.attempts - 1);
    emitMetric('WarehouseCircuitOpen', client.breakerState() === 'closed' ? 0 : 1);
    if (result.ok) return { outcome: 'ok' };
    // A refusal (out of stock, unknown SKU) is the warehouse working as it should.
    if (PERMANENT.test(result.reason))
      return { outcome: 'rejected', reason: `warehouse refused the order (${result.reason})` };
    emitMetric('DownstreamErrors');
    return { outcome: 'unavailable', reason: `warehouse unavailable (${result.reason})` };
  };
  return {
    reserve: (orderId, items) =>
      call('reservations', {
        orderId,
        items: items.map(({ sku, quantity }) => ({ sku, quantity })),
      }),
    release: (orderId) => call('reservations/release', { orderId }),
  };
};
