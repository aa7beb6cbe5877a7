import { describe, expect, it, vi } from 'vitest';
import { createPricingClient } from '#commons/pricing';
import { CircuitBreaker } from '#commons/resilient-http';

/** Lines at catalog prices: subtotal 2500. */
const lines = [
  { sku: 'A-1', quantity: 2, unitPriceCents: 1000 },
  { sku: 'B-2', quantity: 1, unitPriceCents: 500 },
];

const quoteResponse = (discountCents: number, subtotalCents = 2500) =>
  Response.json({ subtotalCents, discountCents, totalCents: subtotalCents - discountCents });

const client = (fetchImpl: typeof fetch, maxRetries = 2, breaker?: CircuitBreaker) =>
  createPricingClient({
    baseUrl: 'http://pricing.test',
    timeoutMs: 50,
    maxRetries,
    backoffBaseMs: 1,
    fetch: fetchImpl,
    ...(breaker && { breaker }),
  });

const hang: typeof fetch = (_url, init) =>
  new Promise((_resolve, reject) => {
    init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
  });

describe('pricing client', () => {
  it('sends the catalog-priced lines and applies the promotion of a consistent quote', async () => {
    const fetchImpl = vi.fn<typeof fetch>().mockResolvedValue(quoteResponse(300));

    const price = await client(fetchImpl).quote('EUR', lines);

    expect(price).toEqual({
      subtotalCents: 2500,
      discountCents: 300,
      totalCents: 2200,
      source: 'quote',
      attempts: 1,
      shortCircuited: false,
    });
    const [url, init] = fetchImpl.mock.calls[0] ?? [];
    expect(String(url)).toBe('http://pricing.test/quote');
    expect(JSON.parse(String(init?.body))).toEqual({ currency: 'EUR', items: lines });
  });

  it('retries a 503 and succeeds on the next attempt', async () => {
    const fetchImpl = vi
      .fn<typeof fetch>()
      .mockResolvedValueOnce(new Response('busy', { status: 503 }))
      .mockResolvedValueOnce(quoteResponse(0));

    const price = await client(fetchImpl).quote('EUR', lines);

    expect(price.source).toBe('quote');
    expect(price.attempts).toBe(2);
  });

  it('prices from the catalog, without discount, after the bounded retries time out', async () => {
    const fetchImpl = vi.fn<typeof fetch>(hang);

    const price = await client(fetchImpl, 2).quote('EUR', lines);

    expect(fetchImpl).toHaveBeenCalledTimes(3);
    expect(price).toMatchObject({
      source: 'catalog',
      discountCents: 0,
      subtotalCents: 2500,
      totalCents: 2500,
      fallbackReason: 'timeout',
    });
  });

  it('does not retry a 4xx answer', async () => {
    const fetchImpl = vi.fn<typeof fetch>().mockResolvedValue(new Response('no', { status: 400 }));

    const price = await client(fetchImpl).quote('EUR', lines);

    expect(fetchImpl).toHaveBeenCalledTimes(1);
    expect(price).toMatchObject({ source: 'catalog', fallbackReason: 'status 400' });
  });

  it.each([
    ['a subtotal computed from other prices', quoteResponse(0, 2499), /contradicts the catalog/],
    [
      'a discount larger than the subtotal',
      Response.json({ subtotalCents: 2500, discountCents: 3000, totalCents: 0 }),
      /inconsistent/,
    ],
    [
      'a total that does not add up',
      Response.json({ subtotalCents: 2500, discountCents: 100, totalCents: 2000 }),
      /inconsistent/,
    ],
    ['a body that is not a quote', Response.json({ price: 'free' }), /not a quote/],
  ])(
    'treats %s as a fault: catalog prices, no discount, no retry',
    async (_case, response, reason) => {
      const fetchImpl = vi.fn<typeof fetch>().mockResolvedValue(response);

      const price = await client(fetchImpl).quote('EUR', lines);

      expect(fetchImpl).toHaveBeenCalledTimes(1);
      expect(price).toMatchObject({ source: 'catalog', discountCents: 0, totalCents: 2500 });
      expect(price.fallbackReason).toMatch(reason);
    },
  );

  it('counts a contradicting quote as a failure for the breaker', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, openMs: 60_000 });
    const fetchImpl = vi.fn<typeof fetch>(async () => quoteResponse(0, 1));
    const pricing = client(fetchImpl, 0, breaker);

    await pricing.quote('EUR', lines);
    await pricing.quote('EUR', lines);

    expect(pricing.breakerState()).toBe('open');
  });

  it('skips the retry budget while the breaker is open', async () => {
    // Prepare: an outage opens the circuit after two failed attempts.
    const breaker = new CircuitBreaker({ failureThreshold: 2, openMs: 60_000 });
    const fetchImpl = vi.fn<typeof fetch>(hang);
    const pricing = client(fetchImpl, 2, breaker);
    await pricing.quote('EUR', lines);
    const attemptsBeforeOpen = fetchImpl.mock.calls.length;

    // Act
    const price = await pricing.quote('EUR', lines);

    // Assess
    expect(attemptsBeforeOpen).toBe(2);
    expect(fetchImpl).toHaveBeenCalledTimes(2);
    expect(price).toMatchObject({
      source: 'catalog',
      attempts: 0,
      shortCircuited: true,
      fallbackReason: 'circuit open',
      totalCents: 2500,
    });
    expect(pricing.breakerState()).toBe('open');
  });

  it('reports a closed breaker when it has none', () => {
    expect(client(vi.fn<typeof fetch>()).breakerState()).toBe('closed');
  });
});
