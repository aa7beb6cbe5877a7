import * as z from 'zod/mini';
import { duplicateSkus } from './order-rules.ts';
import './zod.ts';

/**
 * The API's contract, in one place: the OpenAPI document and the validators the handlers run at
 * the edge are generated from these schemas (functions/openapi; `npm run openapi` after a change).
 */

import {
  CURRENCIES,
  DEFAULT_PAGE_SIZE,
  MAX_LINE_ITEMS,
  MAX_PAGE_SIZE,
  MAX_QUANTITY,
  MAX_UNIT_PRICE_CENTS,
  ORDER_STATUSES,
  PRICING_SOURCES,
} from './limits.ts';

export {
  CURRENCIES,
  DEFAULT_PAGE_SIZE,
  MAX_LINE_ITEMS,
  MAX_PAGE_SIZE,
  MAX_QUANTITY,
  MAX_UNIT_PRICE_CENTS,
  ORDER_STATUSES,
  PRICING_SOURCES,
};

const text = (pattern: RegExp, message: string, description: string) =>
  z.string().check(z.regex(pattern, message), z.describe(description));
const integer = (min: number, max: number, description: string) =>
  z.int().check(z.minimum(min), z.maximum(max), z.describe(description));
const described = <T extends z.ZodMiniType>(schema: T, description: string): T =>
  schema.check(z.describe(description)) as T;

export const OrderIdSchema = text(
  /^ord_[0-9a-f]{32}$/,
  'Must be an order id such as ord_0f8c… (ord_ and 32 hex digits)',
  'Order id, assigned by the service',
);

export const CustomerIdSchema = text(
  /^[A-Za-z0-9_-]{1,64}$/,
  'Must be 1–64 letters, digits, _ or -',
  'Id of the customer the order belongs to',
);

export const SkuSchema = text(
  /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
  'Must be 1–64 letters, digits, ., _ or -',
  'Stock keeping unit',
);

const unitPriceCents = (description: string) => integer(0, MAX_UNIT_PRICE_CENTS, description);

/** A line as the client sends it: what to buy, and optionally the price it showed the buyer. */
export const OrderLineRequestSchema = described(
  z.strictObject({
    sku: SkuSchema,
    quantity: integer(1, MAX_QUANTITY, `Units ordered, 1–${MAX_QUANTITY}`),
    unitPriceCents: z.optional(
      unitPriceCents(
        'Optional: the unit price (cents) the buyer was shown. The catalog price is always charged; when this differs from it the order is refused with 409 PRICE_CHANGED',
      ),
    ),
  }),
  'One line of a new order',
);

/** A line of a stored order, priced by the service from the catalog. */
export const LineItemSchema = described(
  z.object({
    sku: SkuSchema,
    quantity: integer(1, MAX_QUANTITY, `Units ordered, 1–${MAX_QUANTITY}`),
    unitPriceCents: unitPriceCents(
      'Catalog price of one unit in the smallest currency unit (cents)',
    ),
  }),
  'One line of an order',
);

/** Every SKU at most once per order: a repeated one is reported at each repetition. */
const uniqueSkus = z.superRefine((items: readonly { sku: string }[], ctx) => {
  for (const { index, sku, firstIndex } of duplicateSkus(items)) {
    ctx.addIssue({
      code: 'custom',
      input: sku,
      path: [index, 'sku'],
      message: `Duplicate SKU ${sku} (also items.${firstIndex}): give each SKU once, with the total quantity`,
    });
  }
});

/** ISO 3166-1 alpha-2 country codes that are officially assigned. */
export const COUNTRY_CODES = (
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS ' +
  'BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE ' +
  'EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM ' +
  'HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC ' +
  'LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA ' +
  'NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ' +
  'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO ' +
  'TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
).split(' ') as [string, ...string[]];

/**
 * No control or format characters (C0, DEL, C1, soft hyphen, zero-width, bidi controls, BOM).
 * Explicit ranges rather than `\p{Cc}`, so the OpenAPI pattern works in every regex dialect.
 */
const PRINTABLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: they are named in order to refuse them
  /^[^\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]*$/;

/** Printable text with at least one character that is not white space. */
const LABEL_TEXT = new RegExp(`(?=[\\s\\S]*\\S)${PRINTABLE.source}`);

/** Text printed on a delivery label: not blank, no control or format characters. */
const label = (min: number, max: number, description: string) =>
  z.string().check(
    z.minLength(min),
    z.maxLength(max),
    // One pattern: JSON Schema (and so the compiled validators) has one per string.
    z.regex(LABEL_TEXT, 'Must not be blank nor contain control or format characters'),
    z.describe(description),
  );

/** Postal address of a delivery contact. */
export const AddressSchema = described(
  z.strictObject({
    line1: label(1, 100, 'Street and number, 1–100 characters'),
    line2: z.optional(label(1, 100, 'Flat, floor, building: optional, 1–100 characters')),
    city: label(1, 60, 'City or town, 1–60 characters'),
    postcode: text(
      /^[A-Za-z0-9][A-Za-z0-9 -]{1,10}[A-Za-z0-9]$/,
      'Must be 3–12 letters, digits, spaces or -',
      'Postal code, 3–12 letters, digits, spaces or -',
    ),
    // A pattern rather than an enum: the compiled validators carry a custom message on patterns
    // only, and the message names the rule better than zod's list of 249 codes would.
    country: text(
      new RegExp(`^(?:${COUNTRY_CODES.join('|')})$`),
      'Must be an ISO 3166-1 alpha-2 country code in capitals, such as GB or DE',
      'ISO 3166-1 alpha-2 country code, e.g. GB',
    ),
  }),
  'Postal address for delivery',
);

/**
 * Who receives the order, and where: personal data. Stored encrypted with the orders table,
 * returned only to the consumer that created the order, never logged, traced or sent through the
 * fulfilment queue (the worker reads it from the order).
 */
export const ContactSchema = described(
  z.strictObject({
    name: label(1, 100, 'Recipient name, 1–100 characters'),
    // A pattern of our own rather than z.email(): the document then states the whole rule, the
    // local part is held to RFC 5321's 64 characters, and no look-ahead slows generators down.
    email: z
      .string()
      .check(
        z.maxLength(254),
        z.regex(
          /^[A-Za-z0-9_%+'-](?:[A-Za-z0-9_%+'.-]{0,62}[A-Za-z0-9_%+'-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/,
          'Must be an email address such as name@example.com',
        ),
        z.describe('Email address: local part at most 64 characters, at most 254 in all'),
      ),
    phone: text(
      /^\+[1-9][0-9]{6,14}$/,
      'Must be an E.164 phone number: +, country code and number, no spaces (e.g. +442071838750)',
      'Phone number in E.164 form, e.g. +442071838750',
    ),
    address: AddressSchema,
  }),
  'Delivery contact: returned only to the consumer that created the order',
);

export const CreateOrderRequestSchema = described(
  z.strictObject({
    customerId: CustomerIdSchema,
    currency: described(z._default(z.enum(CURRENCIES), 'EUR'), 'ISO 4217 code; defaults to EUR'),
    items: described(
      z
        .array(OrderLineRequestSchema)
        .check(z.minLength(1), z.maxLength(MAX_LINE_ITEMS), uniqueSkus),
      `1–${MAX_LINE_ITEMS} line items, each SKU once; prices and totals are computed by the service from the catalog`,
    ),
    contact: ContactSchema,
  }),
  'A new order',
);

export const CancelOrderRequestSchema = described(
  z.strictObject({
    reason: z.optional(
      z.string().check(z.minLength(1), z.maxLength(500), z.describe('Why the order is cancelled')),
    ),
  }),
  'Optional cancellation details',
);

const timestamp = () => z.iso.datetime();

export const OrderSchema = described(
  z.object({
    orderId: OrderIdSchema,
    customerId: CustomerIdSchema,
    status: z.enum(ORDER_STATUSES),
    currency: z.enum(CURRENCIES),
    items: z.array(LineItemSchema),
    subtotalCents: described(z.int(), 'Σ quantity × unitPriceCents, at catalog prices'),
    discountCents: described(
      z.int(),
      'Promotion applied by the pricing service (0 when priced from the catalog alone)',
    ),
    totalCents: described(z.int(), 'subtotalCents − discountCents'),
    pricingSource: described(
      z.enum(PRICING_SOURCES),
      'quote: the pricing service applied its promotions; catalog: it was slow, down or contradicted the catalog, so catalog prices were charged with no discount',
    ),
    createdAt: timestamp(),
    updatedAt: timestamp(),
    cancelledAt: z.optional(timestamp()),
    cancellationReason: z.optional(z.string()),
    failureReason: z.optional(
      described(z.string(), 'Why fulfilment failed (status FAILED), e.g. out of stock'),
    ),
    contact: z.optional(ContactSchema),
  }),
  'An order',
);

/**
 * A whole number sent as query text: decimal digits, then the bounds. Documented as the integer
 * it is parsed to (query parameters are text on the wire; OpenAPI describes their value).
 */
const queryInteger = (min: number, max: number, description: string) =>
  described(
    z.pipe(
      z.string().check(z.regex(/^\d{1,16}$/, `Must be a whole number from ${min} to ${max}`)),
      z.pipe(z.transform(Number), integer(min, max, description)),
    ),
    description,
  );

export const ListOrdersQuerySchema = z.strictObject({
  customerId: CustomerIdSchema,
  limit: z.optional(
    queryInteger(
      1,
      MAX_PAGE_SIZE,
      `Page size, 1–${MAX_PAGE_SIZE}; defaults to ${DEFAULT_PAGE_SIZE}`,
    ),
  ),
  cursor: z.optional(
    z
      .string()
      .check(z.minLength(1), z.maxLength(1024), z.describe('nextCursor from the previous page')),
  ),
});

export const OrderPageSchema = described(
  z.object({
    items: z.array(OrderSchema),
    nextCursor: described(
      z.nullable(z.string()),
      'Pass as cursor to get the next page; null on the last page',
    ),
  }),
  "A page of a customer's orders, newest first",
);

export const OrderPathSchema = z.strictObject({ orderId: OrderIdSchema });

export const IdempotencyKeySchema = text(
  /^[A-Za-z0-9_-]{8,128}$/,
  'Must be 8–128 letters, digits, _ or - (a UUID works)',
  'Makes the request safe to retry: the same key and body return the original response',
);

export const ProblemSchema = described(
  z.object({
    error: z.object({
      code: described(z.string(), 'Stable, machine-readable code, e.g. VALIDATION_FAILED'),
      message: z.string(),
      details: z.array(
        z.object({
          path: z.string(),
          message: z.string(),
          sku: z.optional(described(z.string(), 'The SKU this detail is about')),
          currentUnitPriceCents: z.optional(
            described(z.int(), 'PRICE_CHANGED: the catalog price of the SKU now, in cents'),
          ),
        }),
      ),
    }),
  }),
  'Every error response has this body',
);

export const HealthSchema = described(
  z.object({
    status: z.enum(['ok', 'unavailable']),
    checks: z.record(
      z.string(),
      z.object({ status: z.enum(['ok', 'error']), latencyMs: z.number() }),
    ),
  }),
  'Health of the service and its dependencies',
);

export type LineItem = z.infer<typeof LineItemSchema>;
export type OrderLineRequest = z.infer<typeof OrderLineRequestSchema>;
export type PricingSource = (typeof PRICING_SOURCES)[number];
export type CreateOrderRequest = z.infer<typeof CreateOrderRequestSchema>;
export type Order = z.infer<typeof OrderSchema>;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export type Currency = (typeof CURRENCIES)[number];
export type Health = z.infer<typeof HealthSchema>;
export type Contact = z.infer<typeof ContactSchema>;
