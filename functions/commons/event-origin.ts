import { logger } from '#powertools';
import type { OrderEventType } from './events.ts';
import { ORDER_EVENT_ATTRIBUTES } from './events.ts';

/** The attributes a change that produces an event writes, for the outbox's message template. */
export type EventAttributes = {
  readonly [ORDER_EVENT_ATTRIBUTES.lastEvent]: OrderEventType;
  readonly [ORDER_EVENT_ATTRIBUTES.correlationId]: string;
  readonly [ORDER_EVENT_ATTRIBUTES.traceHeader]: string;
};

/**
 * What the current request contributes to the event a write produces: its correlation id (the
 * API request id the middleware set on the logger) and its X-Ray trace header. Both are always
 * written, empty when unknown, so the message template never reads a missing attribute.
 */
export const eventAttributes = (type: OrderEventType): EventAttributes => {
  const correlationId = logger.getCorrelationId();
  return {
    lastEvent: type,
    correlationId: typeof correlationId === 'string' ? correlationId.slice(0, 128) : '',
    // Lambda sets this per invocation, so it is read per request, not at load.
    traceHeader: (process.env._X_AMZN_TRACE_ID ?? '').slice(0, 256),
  };
};
