import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod/mini';
import type { Currency, LineItem } from './schemas.ts';

/** What the pricing dependency answers for `POST {url}/quote`. */
const QuoteSchema = z.object({
  subtotalCents: z.int().check(z.minimum(0)),
  discountCents: z.int().check(z.minimum(0)),
  totalCents: z.int().check(z.minimum(0)),
});

export interface Pricing {
  readonly subtotalCents: number;
  readonly discountCents: number;
  readonly totalCents: number;
  readonly source: 'quote' | 'fallback';
  /** Attempts made against the pricing service. */
  readonly attempts: number;
  /** Why the fallback was used. */
  readonly fallbackReason?: string;
}

export interface PricingClientOptions {
  readonly baseUrl: string;
  /** Per attempt. */
  readonly timeoutMs: number;
  /** Retries after the first attempt, for timeouts, network errors, 429 and 5xx. */
  readonly maxRetries: number;
  /** Base of the exponential backoff between attempts. @default 25 */
  readonly backoffBaseMs?: number;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

class RetryableError extends Error {}

export const subtotalOf = (items: readonly LineItem[]): number =>
  items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);

/**
 * Asks the pricing dependency for a discount, with a timeout per attempt, bounded retries with
 * jittered backoff, and a fallback (no discount) when it cannot answer. The service, not the
 * caller, computes the subtotal; a quote whose subtotal disagrees with it is not trusted.
 */
export const createPricingClient = (options: PricingClientOptions) => {
  // Looked up per call, not captured at load, so the runtime's fetch can be replaced in tests.
  const doFetch: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const backoffBaseMs = options.backoffBaseMs ?? 25;
  const quoteUrl = new URL(
    'quote',
    options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`,
  );

  const attempt = async (body: string, subtotalCents: number) => {
    let response: Response;
    try {
      response = await doFetch(quoteUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      throw new RetryableError(name === 'TimeoutError' ? 'timeout' : `network error (${name})`);
    }
    if (response.status === 429 || response.status >= 500) {
      throw new RetryableError(`status ${response.status}`);
    }
    if (!response.ok) throw new Error(`status ${response.status}`);
    const quote = QuoteSchema.safeParse(await response.json().catch(() => undefined));
    if (!quote.success) throw new Error('invalid quote');
    const { discountCents, totalCents } = quote.data;
    if (
      quote.data.subtotalCents !== subtotalCents ||
      discountCents > subtotalCents ||
      totalCents !== subtotalCents - discountCents
    ) {
      throw new Error('inconsistent quote');
    }
    return discountCents;
  };

  return {
    async quote(currency: Currency, items: readonly LineItem[]): Promise<Pricing> {
      const subtotalCents = subtotalOf(items);
      const body = JSON.stringify({ currency, items });
      for (let attempts = 1; ; attempts++) {
        try {
          const discountCents = await attempt(body, subtotalCents);
          return {
            subtotalCents,
            discountCents,
            totalCents: subtotalCents - discountCents,
            source: 'quote',
            attempts,
          };
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          const last = attempts > options.maxRetries;
          if (!(error instanceof RetryableError) || last) {
            return {
              subtotalCents,
              discountCents: 0,
              totalCents: subtotalCents,
              source: 'fallback',
              attempts,
              fallbackReason: reason,
            };
          }
          const backoff = backoffBaseMs * 2 ** (attempts - 1);
          await sleep(backoff / 2 + Math.random() * (backoff / 2));
        }
      }
    },
  };
};

export type PricingClient = ReturnType<typeof createPricingClient>;
