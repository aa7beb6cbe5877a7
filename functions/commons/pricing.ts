import { emitMetric } from './metrics.ts';
import {
  type BreakerState,
  type CircuitBreaker,
  createResilientHttpClient,
  InvalidResponseError,
} from './resilient-http.ts';
import type { Currency, LineItem, PricingSource } from './schemas.ts';
import * as validators from './validators.ts';

export interface Pricing {
  readonly subtotalCents: number;
  readonly discountCents: number;
  readonly totalCents: number;
  /** `catalog`: the quote was not used (see `fallbackReason`); catalog prices, no discount. */
  readonly source: PricingSource;
  /** Attempts made against the pricing service (0 when the open circuit refused the call). */
  readonly attempts: number;
  /** Why catalog prices were used without a promotion. */
  readonly fallbackReason?: string;
  /** True when the circuit breaker refused the call or a retry without trying it. */
  readonly shortCircuited: boolean;
}

export interface PricingClientOptions {
  readonly baseUrl: string;
  /** Deadline of one attempt, response body included. */
  readonly timeoutMs: number;
  /** Retries after the first attempt, for timeouts, network errors, 429 and 5xx. */
  readonly maxRetries: number;
  /** Base of the exponential backoff between attempts. @default 25 */
  readonly backoffBaseMs?: number;
  /** Shared by every quote of this client, so an outage stops costing the retry budget. */
  readonly breaker?: CircuitBreaker;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

export const subtotalOf = (lines: readonly LineItem[]): number =>
  lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);

/**
 * Asks the pricing dependency for the promotion on an order already priced from the catalog,
 * through the shared resilient HTTP client (deadline covering the body, bounded retries,
 * Retry-After, circuit breaker). When it cannot answer, or its quote contradicts the catalog (a
 * subtotal computed from other prices, a discount above the subtotal, a total that does not add
 * up), the order is priced from the catalog alone, with no discount. The client's prices play no
 * part here.
 */
export const createPricingClient = (options: PricingClientOptions) => {
  const http = createResilientHttpClient({
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs,
    maxRetries: options.maxRetries,
    ...(options.backoffBaseMs !== undefined && { backoffBaseMs: options.backoffBaseMs }),
    ...(options.breaker && { breaker: options.breaker }),
    ...(options.fetch && { fetch: options.fetch }),
  });

  return {
    /** The breaker's state now (`closed` without a breaker). */
    breakerState: (): BreakerState => http.breakerState(),

    async quote(currency: Currency, lines: readonly LineItem[]): Promise<Pricing> {
      const subtotalCents = subtotalOf(lines);
      const started = performance.now();
      const result = await http.postJson('quote', { currency, items: lines }, (json) => {
        // What the pricing dependency answers: validators/sources.ts has its schema.
        const quote = validators.pricingQuote.check(json);
        if (quote === undefined) throw new InvalidResponseError('not a quote');
        if (quote.subtotalCents !== subtotalCents) {
          throw new InvalidResponseError(
            `quote contradicts the catalog (subtotal ${quote.subtotalCents}, catalog ${subtotalCents})`,
          );
        }
        if (
          quote.discountCents > subtotalCents ||
          quote.totalCents !== subtotalCents - quote.discountCents
        ) {
          throw new InvalidResponseError('inconsistent quote (discount or total)');
        }
        return quote.discountCents;
      });
      // A call refused by the open circuit took no time worth a latency sample.
      if (result.attempts > 0) emitMetric('DownstreamLatency', performance.now() - started);
      if (result.attempts > 1) emitMetric('PricingRetries', result.attempts - 1);
      emitMetric('PricingCircuitOpen', http.breakerState() === 'closed' ? 0 : 1);
      if (!result.ok) {
        emitMetric('DownstreamErrors');
        emitMetric('PricingFallback');
      }
      if (result.ok) {
        return {
          subtotalCents,
          discountCents: result.value,
          totalCents: subtotalCents - result.value,
          source: 'quote',
          attempts: result.attempts,
          shortCircuited: false,
        };
      }
      return {
        subtotalCents,
        discountCents: 0,
        totalCents: subtotalCents,
        source: 'catalog',
        attempts: result.attempts,
        fallbackReason: result.reason,
        shortCircuited: result.shortCircuited,
      };
    },
  };
};

export type PricingClient = ReturnType<typeof createPricingClient>;
