import { describe, expect, it, vi } from 'vitest';
import {
  CircuitBreaker,
  createResilientHttpClient,
  InvalidResponseError,
  parseRetryAfter,
} from '#commons/resilient-http';

const ok = (body: unknown) =>
  new Response(JSON.stringify(body), {
    status: 200,
    headers: { 'content-type': 'application/json' },
  });
const status = (code: number, headers: Record<string, string> = {}) =>
  new Response('{"message":"nope"}', { status: code, headers });
const parseValue = (json: unknown): number => {
  const value = (json as { value?: unknown }).value;
  if (typeof value !== 'number') throw new InvalidResponseError('value missing');
  return value;
};

const client = (
  fetchImpl: typeof fetch,
  extra: Partial<Parameters<typeof createResilientHttpClient>[0]> = {},
) =>
  createResilientHttpClient({
    baseUrl: 'http://dependency.test/v1',
    timeoutMs: 50,
    maxRetries: 2,
    backoffBaseMs: 1,
    fetch: fetchImpl,
    ...extra,
  });

describe('resilient HTTP client', () => {
  it('posts JSON below the base URL and returns the parsed answer', async () => {
    const fetchImpl = vi.fn<typeof fetch>().mockResolvedValue(ok({ value: 7 }));

    const result = await client(fetchImpl).postJson('/quote', { a: 1 }, parseValue);

    expect(result).toEqual({ ok: true, value: 7, attempts: 1 });
    const [url, init] = fetchImpl.mock.calls[0] ?? [];
    expect(String(url)).toBe('http://dependency.test/v1/quote');
    expect(init?.body).toBe('{"a":1}');
  });

  it('retries 5xx and network errors, then succeeds', async () => {
    const fetchImpl = vi
      .fn<typeof fetch>()
      .mockResolvedValueOnce(status(503))
      .mockRejectedValueOnce(new TypeError('fetch failed'))
      .mockResolvedValueOnce(ok({ value: 1 }));

    const result = await client(fetchImpl).postJson('quote', {}, parseValue);

    expect(result).toEqual({ ok: true, value: 1, attempts: 3 });
  });

  it('gives up after the retry budget with the last reason', async () => {
    const fetchImpl = vi.fn<typeof fetch>().mockImplementation(async () => status(500));

    const result = await client(fetchImpl).postJson('quote', {}, parseValue);

    expect(result).toEqual({ ok: false, reason: 'status 500', attempts: 3, shortCircuited: false });
  });

  it('does not retry a 4xx other than 429, nor an answer the parser rejects', async () => {
    const badRequest = vi.fn<typeof fetch>().mockImplementation(async () => status(400));
    const invalid = vi.fn<typeof fetch>().mockImplementation(async () => ok({ other: 1 }));

    const rejected = await client(badRequest).postJson('quote', {}, parseValue);
    const unparsable = await client(invalid).postJson('quote', {}, parseValue);

    expect(rejected).toMatchObject({ ok: false, reason: 'status 400', attempts: 1 });
    expect(unparsable).toMatchObject({
      ok: false,
      reason: 'invalid response: value missing',
      attempts: 1,
    });
  });

  it('waits for Retry-After when it is short, and stops when it is too long', async () => {
    const short = vi
      .fn<typeof fetch>()
      .mockResolvedValueOnce(status(429, { 'retry-after': '0' }))
      .mockResolvedValueOnce(ok({ value: 2 }));
    const long = vi
      .fn<typeof fetch>()
      .mockImplementation(async () => status(503, { 'retry-after': '120' }));

    const waited = await client(short).postJson('quote', {}, parseValue);
    const stopped = await client(long).postJson('quote', {}, parseValue);

    expect(waited).toEqual({ ok: true, value: 2, attempts: 2 });
    expect(stopped).toMatchObject({
      ok: false,
      attempts: 1,
      reason: 'status 503 (Retry-After too long)',
    });
  });

  it('drains the body of a failed response', async () => {
    const cancel = vi.fn(async () => undefined);
    const response = status(502);
    Object.defineProperty(response, 'body', { value: { cancel } });
    const fetchImpl = vi.fn<typeof fetch>().mockResolvedValue(response);

    await client(fetchImpl, { maxRetries: 0 }).postJson('quote', {}, parseValue);

    expect(cancel).toHaveBeenCalledOnce();
  });

  it('times out an attempt whose body stalls, and retries it', async () => {
    // Like a real fetch, the stand-in ties the body stream to the request's signal.
    const stalled = (signal: AbortSignal | null | undefined) =>
      new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"value":'));
            signal?.addEventListener('abort', () => controller.error(signal.reason));
          },
        }),
        { status: 200 },
      );
    const fetchImpl = vi
      .fn<typeof fetch>()
      .mockImplementationOnce(async (_url, init) => stalled(init?.signal))
      .mockResolvedValueOnce(ok({ value: 3 }));

    const result = await client(fetchImpl, { timeoutMs: 20 }).postJson('quote', {}, parseValue);

    expect(result).toEqual({ ok: true, value: 3, attempts: 2 });
  });
});

describe('circuit breaker', () => {
  const breakerAt = (clock: { t: number }, changes: string[] = []) =>
    new CircuitBreaker({
      failureThreshold: 2,
      openMs: 1000,
      now: () => clock.t,
      onStateChange: (from, to) => changes.push(`${from}->${to}`),
    });

  it('opens after consecutive failures and refuses calls without trying', async () => {
    const clock = { t: 0 };
    const breaker = breakerAt(clock);
    const fetchImpl = vi.fn<typeof fetch>().mockImplementation(async () => status(503));
    const http = client(fetchImpl, { breaker, maxRetries: 5 });

    const first = await http.postJson('quote', {}, parseValue);
    const second = await http.postJson('quote', {}, parseValue);

    expect(first).toMatchObject({ ok: false, attempts: 2, shortCircuited: true });
    expect(second).toEqual({
      ok: false,
      reason: 'circuit open',
      attempts: 0,
      shortCircuited: true,
    });
    expect(fetchImpl).toHaveBeenCalledTimes(2);
    expect(http.breakerState()).toBe('open');
  });

  it('lets one trial through after openMs, closing on success and reopening on failure', () => {
    const clock = { t: 0 };
    const changes: string[] = [];
    const breaker = breakerAt(clock, changes);
    breaker.onFailure();
    breaker.onFailure();

    clock.t = 1000;
    const trial = breaker.tryAcquire();
    const concurrent = breaker.tryAcquire();
    breaker.onFailure();
    clock.t = 2000;
    breaker.tryAcquire();
    breaker.onSuccess();

    expect(trial).toBe(true);
    expect(concurrent).toBe(false);
    expect(breaker.state()).toBe('closed');
    expect(changes).toEqual([
      'closed->open',
      'open->half-open',
      'half-open->open',
      'open->half-open',
      'half-open->closed',
    ]);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, and ignores junk', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:02 GMT', now)).toBe(2000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
