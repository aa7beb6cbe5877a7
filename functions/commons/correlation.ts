import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { CORRELATION_ID_HEADER } from './headers.ts';

/**
 * What a caller's correlation id may be: 1–128 letters, digits, `.`, `_`, `:` or `-`. Enough for
 * UUIDs, ULIDs, W3C trace ids and `service:id` forms, and nothing that could forge a log field or
 * a header (no spaces, quotes, newlines or `;`).
 */
export const CORRELATION_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Case-insensitive header lookup: this runs before header normalisation. */
const headerValue = (event: APIGatewayProxyEvent, name: string): string | undefined => {
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === name && typeof value === 'string') return value;
  }
  return undefined;
};

/**
 * The request's correlation id: the caller's `x-correlation-id` when it is valid (see
 * {@link CORRELATION_ID_PATTERN}), else the API Gateway request id. An invalid header is ignored,
 * never refused: a client's tracing choice must not fail its order.
 */
export const correlationIdOf = (event: APIGatewayProxyEvent): string | undefined => {
  const sent = headerValue(event, CORRELATION_ID_HEADER);
  if (sent !== undefined && CORRELATION_ID_PATTERN.test(sent)) return sent;
  return event.requestContext?.requestId;
};

/** Adds the correlation id header to a response, whatever produced it. */
export const withCorrelationHeader = (
  response: APIGatewayProxyResult | null | undefined,
  correlationId: string | undefined,
): void => {
  if (response == null || correlationId === undefined) return;
  response.headers = { ...response.headers, [CORRELATION_ID_HEADER]: correlationId };
};

/** Per-invocation state the correlation middleware keeps between `before` and `after`. */
const ids = new WeakMap<object, string>();

/**
 * Resolves the correlation id before anything else can fail, hands it to `onResolved` (the
 * logger), and returns it on every response: a handler's, an idempotent replay, a problem body
 * from the error mapper, a 500. Register it before the error mapper, so its `onError` runs after
 * the mapper has set the response.
 */
export const correlation = (
  onResolved: (correlationId: string | undefined) => void,
): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> => ({
  before: (request) => {
    const id = correlationIdOf(request.event);
    if (id !== undefined) ids.set(request.event, id);
    onResolved(id);
  },
  after: (request) => withCorrelationHeader(request.response, ids.get(request.event)),
  onError: (request) => withCorrelationHeader(request.response, ids.get(request.event)),
});
