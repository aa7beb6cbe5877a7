// A namespace import lets esbuild drop what is unused (zod's locales): ~350 KiB less per bundle.
import * as z from 'zod';

/**
 * The API's contract, in one place: handlers validate with these schemas at the edge and the
 * OpenAPI document is generated from them.
 */

export const ORDER_STATUSES = ['PENDING', 'PROCESSING', 'FULFILLED', 'CANCELLED'] as const;
export const CANCELLABLE_STATUSES = ['PENDING', 'PROCESSING'] as const;
export const CURRENCIES = ['EUR', 'USD', 'GBP'] as const;

export const MAX_LINE_ITEMS = 50;
export const MAX_QUANTITY = 1000;
export const MAX_UNIT_PRICE_CENTS = 10_000_000;
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export const OrderIdSchema = z
  .string()
  .regex(/^ord_[0-9a-f]{32}$/, 'Must be an order id such as ord_0f8c… (ord_ and 32 hex digits)')
  .describe('Order id, assigned by the service');

export const CustomerIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'Must be 1–64 letters, digits, _ or -')
  .describe('Id of the customer the order belongs to');

export const SkuSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'Must be 1–64 letters, digits, ., _ or -')
  .describe('Stock keeping unit');

export const LineItemSchema = z
  .strictObject({
    sku: SkuSchema,
    quantity: z.int().min(1).max(MAX_QUANTITY).describe(`Units ordered, 1–${MAX_QUANTITY}`),
    unitPriceCents: z
      .int()
      .min(0)
      .max(MAX_UNIT_PRICE_CENTS)
      .describe('Price of one unit in the smallest currency unit (cents)'),
  })
  .describe('One line of an order');

export const CreateOrderRequestSchema = z
  .strictObject({
    customerId: CustomerIdSchema,
    currency: z.enum(CURRENCIES).default('EUR').describe('ISO 4217 code; defaults to EUR'),
    items: z
      .array(LineItemSchema)
      .min(1)
      .max(MAX_LINE_ITEMS)
      .describe(`1–${MAX_LINE_ITEMS} line items; totals are computed by the service`),
  })
  .describe('A new order');

export const CancelOrderRequestSchema = z
  .strictObject({
    reason: z.string().min(1).max(500).optional().describe('Why the order is cancelled'),
  })
  .describe('Optional cancellation details');

export const OrderSchema = z
  .object({
    orderId: OrderIdSchema,
    customerId: CustomerIdSchema,
    status: z.enum(ORDER_STATUSES),
    currency: z.enum(CURRENCIES),
    items: z.array(LineItemSchema),
    subtotalCents: z.int().describe('Σ quantity × unitPriceCents'),
    discountCents: z.int().describe('Discount quoted by the pricing service (0 on fallback)'),
    totalCents: z.int().describe('subtotalCents − discountCents'),
    pricingSource: z
      .enum(['quote', 'fallback'])
      .describe('fallback: the pricing service did not answer'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    cancelledAt: z.iso.datetime().optional(),
    cancellationReason: z.string().optional(),
  })
  .describe('An order');

export const ListOrdersQuerySchema = z.strictObject({
  customerId: CustomerIdSchema,
  limit: z
    .string()
    .regex(/^\d{1,3}$/, `Must be a whole number from 1 to ${MAX_PAGE_SIZE}`)
    .transform(Number)
    .pipe(z.int().min(1).max(MAX_PAGE_SIZE))
    .optional()
    .describe(`Page size, 1–${MAX_PAGE_SIZE}; defaults to ${DEFAULT_PAGE_SIZE}`),
  cursor: z.string().min(1).max(1024).optional().describe('nextCursor from the previous page'),
});

export const OrderPageSchema = z
  .object({
    items: z.array(OrderSchema),
    nextCursor: z
      .string()
      .nullable()
      .describe('Pass as cursor to get the next page; null on the last page'),
  })
  .describe("A page of a customer's orders, newest first");

export const OrderPathSchema = z.strictObject({ orderId: OrderIdSchema });

export const IdempotencyKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,128}$/, 'Must be 8–128 letters, digits, _ or - (a UUID works)');

export const ProblemSchema = z
  .object({
    error: z.object({
      code: z.string().describe('Stable, machine-readable code, e.g. VALIDATION_FAILED'),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })),
    }),
  })
  .describe('Every error response has this body');

export const HealthSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    checks: z.record(
      z.string(),
      z.object({ status: z.enum(['ok', 'error']), latencyMs: z.number() }),
    ),
  })
  .describe('Health of the service and its dependencies');

export type LineItem = z.infer<typeof LineItemSchema>;
export type CreateOrderRequest = z.infer<typeof CreateOrderRequestSchema>;
export type Order = z.infer<typeof OrderSchema>;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export type Currency = (typeof CURRENCIES)[number];
export type Health = z.infer<typeof HealthSchema>;
