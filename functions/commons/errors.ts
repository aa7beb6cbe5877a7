/** One problem found in a request: where, and what is wrong there. */
export interface ProblemDetail {
  readonly path: string;
  readonly message: string;
  /** The SKU the detail is about (catalog problems). */
  readonly sku?: string;
  /** `PRICE_CHANGED`: the catalog price of {@link sku} now, in cents. */
  readonly currentUnitPriceCents?: number;
}

/** The JSON body of every error response: `{"error":{"code","message","details"}}`. */
export interface ProblemBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details: readonly ProblemDetail[];
  };
}

/**
 * An error that knows its HTTP status and public message. Handlers and middleware throw these;
 * the error mapper (see `http.ts`) turns them into problem responses. Anything else becomes a
 * generic 500 that reveals nothing.
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: readonly ProblemDetail[] = [],
    /** Response headers the problem needs, such as `retry-after`. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const httpErrors = {
  validation: (details: readonly ProblemDetail[]) =>
    new HttpError(400, 'VALIDATION_FAILED', 'The request is not valid', details),
  malformedJson: () =>
    new HttpError(400, 'MALFORMED_JSON', 'The request body is not valid JSON', [
      { path: 'body', message: 'Send a JSON document' },
    ]),
  payloadTooLarge: (limitBytes: number) =>
    new HttpError(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${limitBytes} bytes`, [
      { path: 'body', message: `At most ${limitBytes} bytes are accepted` },
    ]),
  unsupportedMediaType: () =>
    new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'The request body must be application/json', [
      { path: 'headers.content-type', message: 'Use Content-Type: application/json' },
    ]),
  /** The same answer for a missing order and another consumer's, so ids cannot be probed. */
  orderNotFound: (orderId: string) =>
    new HttpError(404, 'ORDER_NOT_FOUND', `Order ${orderId} was not found`),
  forbidden: (message: string) =>
    new HttpError(403, 'FORBIDDEN', message, [
      { path: 'headers', message: 'Send the access token and the API key of the same consumer' },
    ]),
  invalidCursor: () =>
    new HttpError(400, 'INVALID_CURSOR', 'The cursor is not valid for this query', [
      { path: 'query.cursor', message: 'Pass the nextCursor of a previous page, unchanged' },
    ]),
  invalidState: (message: string, currentStatus: string) =>
    new HttpError(409, 'INVALID_STATE', message, [
      { path: 'status', message: `The order is ${currentStatus}` },
    ]),
  idempotencyKeyReused: () =>
    new HttpError(
      422,
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was already used with a different request body',
      [{ path: 'headers.idempotency-key', message: 'Use a new key for a different request' }],
    ),
  idempotencyInProgress: (retryAfterSeconds = 1) =>
    new HttpError(
      409,
      'IDEMPOTENCY_IN_PROGRESS',
      'A request with this Idempotency-Key is still in progress',
      [
        {
          path: 'headers.idempotency-key',
          message: `Retry with the same key and body after ${retryAfterSeconds} s to get its result`,
        },
      ],
      { 'retry-after': String(retryAfterSeconds) },
    ),
  /** 422: SKUs the catalog does not sell (unknown, inactive, or without a price in the currency). */
  unknownSku: (details: readonly ProblemDetail[]) =>
    new HttpError(
      422,
      'UNKNOWN_SKU',
      `${details.length === 1 ? 'A SKU is' : 'SKUs are'} not for sale: ${details.map((d) => d.sku).join(', ')}`,
      details,
    ),
  /** 409: the prices the client showed the buyer are not the catalog's; details carry the current ones. */
  priceChanged: (details: readonly ProblemDetail[]) =>
    new HttpError(
      409,
      'PRICE_CHANGED',
      'Prices changed since they were shown: confirm the current prices with the buyer and send them again',
      details,
    ),
  serviceUnavailable: () =>
    new HttpError(
      503,
      'SERVICE_UNAVAILABLE',
      'The service is temporarily unavailable; retry later',
    ),
} as const;

/** Maps any thrown value to the public status and problem body. Never exposes internals. */
export const toProblem = (
  error: unknown,
): { statusCode: number; body: ProblemBody; headers?: Readonly<Record<string, string>> } => {
  if (error instanceof HttpError) {
    return {
      statusCode: error.statusCode,
      body: { error: { code: error.code, message: error.message, details: error.details } },
      ...(Object.keys(error.headers).length > 0 && { headers: error.headers }),
    };
  }
  // Matched by name so that routes without idempotency never load the Powertools package.
  const name = error instanceof Error ? error.name : undefined;
  if (name === 'IdempotencyValidationError') return toProblem(httpErrors.idempotencyKeyReused());
  if (name === 'IdempotencyAlreadyInProgressError')
    return toProblem(httpErrors.idempotencyInProgress());
  return {
    statusCode: 500,
    body: { error: { code: 'INTERNAL', message: 'An unexpected error occurred', details: [] } },
  };
};
