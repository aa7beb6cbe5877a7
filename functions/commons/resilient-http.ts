import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The one way the service calls an HTTP dependency (pricing from the API, the warehouse from the
 * fulfilment worker): a deadline per attempt that covers the response body too, bounded retries
 * with jittered exponential backoff, `Retry-After` honoured, every unread body drained so the
 * connection is reused, and a circuit breaker so that during an outage callers stop paying the
 * retry budget. Hand-written rather than a library because it is small, it must stay cheap on a
 * Lambda cold start, and the breaker's state has to be observable as a metric.
 */

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failed attempts that open the circuit. */
  readonly failureThreshold: number;
  /** How long the circuit stays open before one trial attempt is let through. */
  readonly openMs: number;
  /** Called on every state change (for a log line or a metric). */
  readonly onStateChange?: (from: BreakerState, to: BreakerState) => void;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * Closed: attempts go through; `failureThreshold` consecutive failures open it. Open: attempts
 * are refused until `openMs` has passed. Half-open: one trial attempt at a time; its success
 * closes the circuit, its failure opens it again.
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    if (options.failureThreshold < 1) throw new Error('failureThreshold must be at least 1');
    this.now = options.now ?? Date.now;
  }

  /** The state as of now (an open circuit whose time is up reads as half-open). */
  state(): BreakerState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.options.openMs) {
      this.transition('half-open');
    }
    return this.current;
  }

  /** Whether an attempt may go out now; in half-open only one trial at a time. */
  tryAcquire(): boolean {
    const state = this.state();
    if (state === 'closed') return true;
    if (state === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  onSuccess(): void {
    this.trialInFlight = false;
    this.failures = 0;
    if (this.current !== 'closed') this.transition('closed');
  }

  onFailure(): void {
    this.trialInFlight = false;
    this.failures += 1;
    if (this.current === 'half-open' || this.failures >= this.options.failureThreshold) {
      this.openedAt = this.now();
      if (this.current !== 'open') this.transition('open');
    }
  }

  private transition(to: BreakerState): void {
    const from = this.current;
    this.current = to;
    this.options.onStateChange?.(from, to);
  }
}

export interface ResilientHttpOptions {
  readonly baseUrl: string;
  /** Deadline of one attempt: connecting, the response headers and reading the body. */
  readonly timeoutMs: number;
  /** Retries after the first attempt, for timeouts, network errors, 429 and 5xx. */
  readonly maxRetries: number;
  /** Base of the exponential backoff between attempts. @default 25 */
  readonly backoffBaseMs?: number;
  /**
   * Longest `Retry-After` that is waited for; a longer one ends the call instead, since the
   * caller has a deadline of its own. @default 1000
   */
  readonly maxRetryAfterMs?: number;
  /** Shared by every call of this client. @default no breaker */
  readonly breaker?: CircuitBreaker;
  /** @default globalThis.fetch, looked up per call so tests can replace it */
  readonly fetch?: typeof fetch;
}

export type CallResult<T> =
  | { readonly ok: true; readonly value: T; readonly attempts: number }
  | {
      readonly ok: false;
      /** Short, log-safe reason: `timeout`, `status 503`, `circuit open`, `invalid response: …`. */
      readonly reason: string;
      readonly attempts: number;
      /** True when the breaker refused the call (or a retry) without trying. */
      readonly shortCircuited: boolean;
    };

/** A failed attempt: whether another one may help, and how long the server asked us to wait. */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Thrown by a `parse` function when the dependency's answer is not what was agreed. */
export class InvalidResponseError extends Error {}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. */
export const parseRetryAfter = (value: string | null, now = Date.now()): number | undefined => {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
};

const drain = async (response: Response): Promise<void> => {
  try {
    await response.body?.cancel();
  } catch {
    // Already consumed or aborted: nothing to release.
  }
};

/** A client for one dependency. See the module comment for what it guarantees. */
export const createResilientHttpClient = (options: ResilientHttpOptions) => {
  const doFetch: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const backoffBaseMs = options.backoffBaseMs ?? 25;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 1000;
  const base = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;

  const attempt = async <T>(url: URL, body: string, parse: (json: unknown) => T): Promise<T> => {
    const signal = AbortSignal.timeout(options.timeoutMs);
    let response: Response;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body,
        signal,
      });
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      throw new AttemptError(name === 'TimeoutError' ? 'timeout' : `network error (${name})`, true);
    }
    if (!response.ok) {
      await drain(response);
      const retryable = response.status === 429 || response.status >= 500;
      throw new AttemptError(
        `status ${response.status}`,
        retryable,
        parseRetryAfter(response.headers.get('retry-after')),
      );
    }
    let text: string;
    try {
      // The attempt's signal also bounds the body: a dependency that stalls mid-body times out.
      text = await response.text();
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      throw new AttemptError(
        name === 'TimeoutError' || signal.aborted ? 'timeout reading the body' : 'body read failed',
        true,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new AttemptError('invalid response: not JSON', false);
    }
    try {
      return parse(json);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new AttemptError(`invalid response: ${message}`, false);
    }
  };

  return {
    /** The breaker's state, for a metric; `closed` when the client has no breaker. */
    breakerState: (): BreakerState => options.breaker?.state() ?? 'closed',

    /**
     * POSTs `body` as JSON to `path` (relative to the base URL) and returns `parse`'s value for
     * the JSON answer. Never throws for the dependency's failures: the result says what happened.
     * `parse` throws (for example {@link InvalidResponseError}) when the answer is not acceptable;
     * such an answer is not retried, and counts as a failure for the breaker.
     */
    async postJson<T>(
      path: string,
      body: unknown,
      parse: (json: unknown) => T,
    ): Promise<CallResult<T>> {
      const url = new URL(path.replace(/^\//, ''), base);
      const payload = JSON.stringify(body);
      const breaker = options.breaker;
      for (let attempts = 1; ; attempts++) {
        if (breaker && !breaker.tryAcquire()) {
          return {
            ok: false,
            reason: 'circuit open',
            attempts: attempts - 1,
            shortCircuited: true,
          };
        }
        try {
          const value = await attempt(url, payload, parse);
          breaker?.onSuccess();
          return { ok: true, value, attempts };
        } catch (error) {
          breaker?.onFailure();
          const failure =
            error instanceof AttemptError ? error : new AttemptError(String(error), false);
          const tooLong =
            failure.retryAfterMs !== undefined && failure.retryAfterMs > maxRetryAfterMs;
          if (!failure.retryable || attempts > options.maxRetries || tooLong) {
            return {
              ok: false,
              reason: tooLong ? `${failure.message} (Retry-After too long)` : failure.message,
              attempts,
              shortCircuited: false,
            };
          }
          const backoff = backoffBaseMs * 2 ** (attempts - 1);
          await sleep(failure.retryAfterMs ?? backoff / 2 + Math.random() * (backoff / 2));
        }
      }
    },
  };
};

export type ResilientHttpClient = ReturnType<typeof createResilientHttpClient>;
