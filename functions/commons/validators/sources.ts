import * as z from 'zod/mini';
import '../zod.ts';
import { IncidentActionRequestSchema, IncidentPathSchema } from '../../incidents/schemas.ts';
import {
  HypothesisPathSchema,
  ListIncidentsQuerySchema,
  ReviewRequestSchema,
} from '../../triage/schemas.ts';
import {
  CancelOrderRequestSchema,
  CreateOrderRequestSchema,
  IdempotencyKeySchema,
  ListOrdersQuerySchema,
  OrderPathSchema,
} from '../schemas.ts';

/**
 * Every zod schema the functions validate against at run time, by name: the source of truth for
 * the compiled validators (`compiled.js`, written by `npm run openapi`) that the functions run
 * instead, with zod's messages: zod itself loads at build time and in tests, never in a function.
 * Add a schema here, then to validators.ts, and run `npm run openapi`.
 */

/** One consumer as the stack describes it to the functions (`ORDERS_CONSUMERS`). */
const ConsumerSchema = z.strictObject({
  // No '#': it separates owner and customer in the list index's partition key.
  name: z.string().check(z.regex(/^[a-z][a-z0-9-]{0,31}$/)),
  clientId: z.string().check(z.minLength(1)),
  apiKeyId: z.string().check(z.minLength(1)),
});

/**
 * What the pricing dependency answers for `POST {url}/quote`, given the order's lines at catalog
 * prices: the promotion it applies, as a discount on the catalog subtotal.
 */
const QuoteSchema = z.object({
  subtotalCents: z.int().check(z.minimum(0)),
  discountCents: z.int().check(z.minimum(0)),
  totalCents: z.int().check(z.minimum(0)),
});

/** The DynamoDB key inside a pagination cursor. */
const CursorPayloadSchema = z.strictObject({ k: z.record(z.string(), z.string()) });

/**
 * The fault-injection parameter: per route, extra latency and/or a share of requests that fail
 * with 503. Off unless `enabled` is true; ignored entirely where the stage does not allow it.
 */
const FaultSettingsSchema = z.object({
  enabled: z.boolean(),
  routes: z._default(
    z.record(
      z.string(),
      z.object({
        latencyMs: z._default(z.int().check(z.minimum(0), z.maximum(8000)), 0),
        errorRate: z._default(z.number().check(z.minimum(0), z.maximum(1)), 0),
      }),
    ),
    {},
  ),
});

export const VALIDATED_SCHEMAS = {
  createOrderRequest: CreateOrderRequestSchema,
  cancelOrderRequest: CancelOrderRequestSchema,
  listOrdersQuery: ListOrdersQuerySchema,
  orderPath: OrderPathSchema,
  idempotencyKey: IdempotencyKeySchema,
  consumers: z.array(ConsumerSchema),
  pricingQuote: QuoteSchema,
  cursorPayload: CursorPayloadSchema,
  faultSettings: FaultSettingsSchema,
  incidentPath: IncidentPathSchema,
  incidentActionRequest: IncidentActionRequestSchema,
  triagedIncidentsQuery: ListIncidentsQuerySchema,
  hypothesisPath: HypothesisPathSchema,
  reviewRequest: ReviewRequestSchema,
} as const;

export type ValidatedSchemaName = keyof typeof VALIDATED_SCHEMAS;

/** What each schema outputs: the value a validator returns. */
export type Validated = {
  readonly [K in ValidatedSchemaName]: z.output<(typeof VALIDATED_SCHEMAS)[K]>;
};
