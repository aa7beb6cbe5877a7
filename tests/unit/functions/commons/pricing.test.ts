import { describe, expect, it, vi } from 'vitest';
import { createPricingClient } from '#commons/pricing';

const items = [
  { sku: 'A-1', quantity: 2, unitPriceCents: 1000 },
  { sku: 'B-2', quantity: 1, unitPriceCents: 500 },
];

const quoteResponse = (discountCents: number, subtotalCents = 2500) =>
  new Response(
    JSON.stringify({ subtotalCents, discountCents, totalCents: subtotalCents - discountCents }),
    {
      status: 200,
      headers: { 'content-type': 'application/json' },
    },
  );

const client = (fetchImpl: typeof fetch, maxRetries = 2) =>
  createPricingClient({
    baseUrl: 'http://pricing.test',
    timeoutMs: 50,
    maxRetries,
    backoffBaseMs: 1,
    fetch: fetchImpl,
  });

describe('pricing client', () => {
  it('takes the discount from a consistent quote and computes the total itself', async () => {
    const fetchImpl = vi.fn<typeof fetch>().mockResolvedValue(quoteResponse(300));

    const price = await client(fetchImpl).quote('EUR', items);

    expect(price).toEqual({
      subtotalCents: 2500,
      discountCents: 300,
      totalCents: 2200,
      source: 'quote',
      attempts: 1,
    });
    const [url, init] = fetchImpl.mock.calls[0] ?? [];
    expect(String(url)).toBe('http://pricing.test/quote');
    expect(JSON.parse(String(init?.body))).toEqual({ currency: 'EUR', items });
  });

  it('retries a 503 and succeeds on the next attempt', async () => {
    const fetchImpl = vi
      .fn<typeof fetch>()
      .mockResolvedValueOnce(new Response('busy', { status: 503 }))
      .mockResolvedValueOnce(quoteResponse(0));

    const price = await client(fetchImpl).quote('EUR', items);

    expect(price.source).toBe('quote');
    expect(price.attempts).toBe(2);
  });

  it('falls back to list prices after the bounded retries time out', async () => {
    const fetchImpl = vi.fn<typeof fetch>(
      (_url, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
        }),
    );

    const price = await client(fetchImpl, 2).quote('EUR', items);

    expect(fetchImpl).toHaveBeenCalledTimes(3);
    expect(price).toMatchObject({
      source: 'fallback',
      discountCents: 0,
      totalCents: 2500,
      fallbackReason: 'timeout',
    });
  });

  it('does not retry a 4xx answer', async () => {
    const fetchImpl = vi.fn<typeof fetch>().mockResolvedValue(new Response('no', { status: 400 }));

    const price = await client(fetchImpl).quote('EUR', items);

    expect(fetchImpl).toHaveBeenCalledTimes(1);
    expect(price).toMatchObject({ source: 'fallback', fallbackReason: 'status 400' });
  });

  it.each([
    ['a subtotal that disagrees with the line items', quoteResponse(0, 9999)],
    ['a discount larger than the subtotal', quoteResponse(3000)],
    ['a body that is not a quote', new Response('{"price":"free"}', { status: 200 })],
  ])('does not trust %s', async (_case, response) => {
    const price = await client(vi.fn<typeof fetch>().mockResolvedValue(response)).quote(
      'EUR',
      items,
    );

    expect(price).toMatchObject({ source: 'fallback', totalCents: 2500 });
  });
});
