import * as z from 'zod/mini';

/**
 * The fulfilment queue's message contract: what the outbox (the orders table's stream, through
 * an EventBridge Pipe) sends, and what the fulfilment worker accepts. A message names the event
 * and the order; the worker reads the order itself, so the message never carries personal data.
 *
 * Versioned: a consumer rejects (to the DLQ, with the reason logged) a `schemaVersion` it does
 * not know, rather than guessing.
 */
export const ORDER_EVENT_SCHEMA_VERSION = 1;
export const ORDER_EVENT_TYPES = ['OrderCreated', 'OrderCancelled'] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

/**
 * Attributes of a stored order that the outbox's message template reads: written with every
 * change that produces an event (create, cancel) and with no other.
 */
export const ORDER_EVENT_ATTRIBUTES = {
  /** The event the last change produced: `OrderCreated` or `OrderCancelled`. */
  lastEvent: 'lastEvent',
  /** The correlation id of the request that made that change. */
  correlationId: 'correlationId',
  /** That request's X-Ray trace header; empty where there is none. */
  traceHeader: 'traceHeader',
} as const;

/**
 * Built on first use: the functions import this module for the constants above and must not load
 * zod when they start (only the fulfilment worker parses events).
 */
const orderEventSchema = () =>
  z.object({
    schemaVersion: z.literal(ORDER_EVENT_SCHEMA_VERSION),
    type: z.enum(ORDER_EVENT_TYPES),
    /** Unique per event (the stream record's id): consumers de-duplicate on it. */
    eventId: z.string().check(z.minLength(1), z.maxLength(128)),
    orderId: z.string().check(z.regex(/^ord_[0-9a-f]{32}$/)),
    /** When the change committed (the order's `updatedAt`). */
    occurredAt: z.iso.datetime(),
    /** The correlation id of the request that made the change. */
    correlationId: z.optional(z.string().check(z.maxLength(128))),
    /** The X-Ray trace header of that request (`Root=…;Parent=…;Sampled=…`). */
    traceHeader: z.optional(z.string().check(z.maxLength(256))),
  });
let schema: ReturnType<typeof orderEventSchema> | undefined;

export type OrderEvent = z.infer<ReturnType<typeof orderEventSchema>>;

export type ParsedOrderEvent =
  | { readonly ok: true; readonly event: OrderEvent }
  | { readonly ok: false; readonly reason: string };

/**
 * Parses a queue message body. Never throws: a malformed body comes back with a short,
 * log-safe reason (bad JSON, unknown schema version, or the first invalid field).
 */
export const parseOrderEvent = (body: string): ParsedOrderEvent => {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== ORDER_EVENT_SCHEMA_VERSION) {
    return { ok: false, reason: `unknown schemaVersion ${JSON.stringify(version ?? null)}` };
  }
  schema ??= orderEventSchema();
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, event: result.data };
  const issue = result.error.issues[0];
  return {
    ok: false,
    reason: `invalid ${issue?.path.map(String).join('.') || 'message'}: ${issue?.message ?? 'unknown'}`,
  };
};
