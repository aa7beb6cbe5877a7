import { describe, expect, it } from 'vitest';
import type { ValidationResult } from '#commons/validation';
import * as validators from '#commons/validators';
import { TEST_CONTACT } from '#tests/fixtures/contact';
import {
  VALIDATED_SCHEMAS,
  type ValidatedSchemaName,
} from '../../../../functions/commons/validators/sources.ts';

/**
 * The compiled validators the functions run must answer exactly as the zod schemas they are
 * generated from: the same verdict, the same output (defaults, parsed query numbers, key order,
 * which the idempotency hash of a body depends on) and, for a rejection, the same issues (path and
 * message, in the same order), which become the problem body's details.
 */

/** The one valid order body of this file: every case below is a variation of it. */
const validOrder = () => ({
  customerId: 'cust-1',
  currency: 'USD',
  items: [
    { sku: 'SKU-1', quantity: 2, unitPriceCents: 1250 },
    { sku: 'SKU-2', quantity: 1 },
  ],
  contact: { ...TEST_CONTACT, address: { ...TEST_CONTACT.address, line2: 'Flat 2' } },
});

const VALID: { readonly [K in ValidatedSchemaName]: () => unknown } = {
  createOrderRequest: validOrder,
  cancelOrderRequest: () => ({ reason: 'changed my mind' }),
  listOrdersQuery: () => ({ customerId: 'cust-1', limit: '20', cursor: 'abc.def' }),
  orderPath: () => ({ orderId: `ord_${'0a'.repeat(16)}` }),
  idempotencyKey: () => '0f8c2a1e-7b4d-4c9a-9d2e-5b6f7a8c9d0e',
  consumers: () => [{ name: 'storefront', clientId: 'client-1', apiKeyId: 'key-1' }],
  pricingQuote: () => ({ subtotalCents: 100, discountCents: 10, totalCents: 90 }),
  cursorPayload: () => ({ k: { pk: 'a', sk: 'b' } }),
  faultSettings: () => ({ enabled: true, routes: { getOrder: { latencyMs: 5 } } }),
  incidentPath: () => ({ incidentId: 'Orders-dev-api-5xx-spike#2026-01-01T00:00:00.000Z' }),
  incidentActionRequest: () => ({ note: 'rolled back' }),
  triagedIncidentsQuery: () => ({ limit: '20', cursor: 'abc' }),
  hypothesisPath: () => ({
    incidentId: 'Orders-dev-api-5xx-spike#2026-01-01T00:00:00.000Z',
    hypothesisId: 'h-1',
  }),
  reviewRequest: () => ({ decision: 'accepted', reason: 'the deploy at 10:02 matches' }),
};

/** Values put in place of each field in turn: every JSON type, bounds, and hostile text. */
const REPLACEMENTS: readonly unknown[] = [
  undefined,
  null,
  true,
  0,
  -1,
  1,
  1.5,
  1001,
  1e300,
  2 ** 60,
  -(2 ** 60),
  '',
  '1',
  '0',
  '101',
  '1e1',
  ' 5',
  'x',
  'ü',
  'EUR',
  'BTC',
  'SKU-1',
  "' OR '1'='1",
  'x'.repeat(1025),
  // Astral characters (two UTF-16 units each) across every length bound of the schemas (3, 60,
  // 100, 128, 254, 256, 500, 1000, 1024, 2048): lengths count code points, as in JSON Schema.
  ...[2, 31, 51, 65, 128, 251, 501, 513, 1025].map((count) => '\u{1F600}'.repeat(count)),
  // Lone surrogates count one each.
  '\ud83d',
  'a\udc00b',
  [],
  [{}],
  {},
  { sku: 'SKU-1', quantity: 1 },
];

type Json = unknown;

/** Every path to a value inside `value` (objects and arrays), the root included. */
const pathsOf = (value: Json, prefix: (string | number)[] = []): (string | number)[][] => {
  const here = [prefix];
  if (Array.isArray(value))
    return [...here, ...value.flatMap((item, index) => pathsOf(item, [...prefix, index]))];
  if (value !== null && typeof value === 'object')
    return [
      ...here,
      ...Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...prefix, key])),
    ];
  return here;
};

/** A copy of `value` with the value at `path` replaced (or removed, for undefined). */
const replaced = (value: Json, path: readonly (string | number)[], by: unknown): Json => {
  if (path.length === 0) return structuredClone(by);
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (by === undefined && !Array.isArray(parent)) delete parent[last];
  else parent[last] = structuredClone(by);
  return copy;
};

const viaZod = (name: ValidatedSchemaName, value: unknown): ValidationResult<unknown> => {
  const result = VALIDATED_SCHEMAS[name].safeParse(structuredClone(value));
  return result.success
    ? { success: true, data: result.data }
    : {
        success: false,
        issues: result.error.issues.map(({ path, message }) => ({ path, message })),
      };
};

/** Key order counts (it changes an idempotency hash), so results are compared as JSON text. */
const asText = (result: ValidationResult<unknown>) => JSON.stringify(result);

const expectSameAnswer = (name: ValidatedSchemaName, value: unknown) => {
  const compiled = validators[name].validate(structuredClone(value));
  expect(asText(compiled), `${name} ${JSON.stringify(value)?.slice(0, 200)}`).toBe(
    asText(viaZod(name, value)),
  );
};

const names = Object.keys(VALID) as ValidatedSchemaName[];

describe('compiled validators', () => {
  it('has a validator, and a valid sample here, for every schema the functions validate with', () => {
    expect(names.sort()).toEqual(Object.keys(VALIDATED_SCHEMAS).sort());
  });

  it.each(names)('accepts the valid %s as zod does, with the same output', (name) => {
    const result = validators[name].validate(VALID[name]());

    expect(result.success).toBe(true);
    expectSameAnswer(name, VALID[name]());
  });

  it.each(names)('answers as zod for every field of %s replaced by each odd value', (name) => {
    const valid = VALID[name]();
    let rejected = 0;
    for (const path of pathsOf(valid)) {
      for (const by of REPLACEMENTS) {
        const value = replaced(valid, path, by);
        expectSameAnswer(name, value);
        if (!viaZod(name, value).success) rejected += 1;
      }
    }
    // The corpus must reach the error paths, not only the happy one.
    expect(rejected).toBeGreaterThan(10);
  });

  it.each([
    ['unknown keys, one and several', { ...validOrder(), discount: 1, zz: 2 }],
    ['an empty order', { customerId: 'c', items: [] }],
    [
      '51 lines',
      {
        customerId: 'c',
        items: Array.from({ length: 51 }, (_, i) => ({ sku: `S${i}`, quantity: 1 })),
      },
    ],
    [
      '51 identical lines',
      { customerId: 'c', items: Array.from({ length: 51 }, () => ({ sku: 'S', quantity: 1 })) },
    ],
    [
      'a repeated SKU',
      {
        customerId: 'c',
        items: [
          { sku: 'A', quantity: 1 },
          { sku: 'A', quantity: 2 },
          { sku: 'A', quantity: 3 },
        ],
      },
    ],
    [
      'a repeated SKU and nothing else wrong',
      {
        ...validOrder(),
        items: [
          { sku: 'A', quantity: 1 },
          { sku: 'B', quantity: 1 },
          { sku: 'A', quantity: 2 },
        ],
      },
    ],
    [
      'a repeated SKU beside a bad quantity',
      {
        customerId: 'c',
        items: [
          { sku: 'A', quantity: 1 },
          { sku: 'A', quantity: 0 },
        ],
      },
    ],
    [
      'a repeated SKU beside an unknown line field',
      {
        customerId: 'c',
        items: [
          { sku: 'A', quantity: 1 },
          { sku: 'A', quantity: 1, x: 1 },
        ],
      },
    ],
    [
      'a repeated SKU beside a line of the wrong type',
      { customerId: 'c', items: [{ sku: 'A', quantity: 1 }, { sku: 'A', quantity: 1 }, null] },
    ],
    [
      'a repeated SKU beside a missing SKU',
      {
        customerId: 'c',
        items: [{ sku: 'A', quantity: 1 }, { sku: 'A', quantity: 1 }, { quantity: 1 }],
      },
    ],
    [
      'everything wrong at once',
      {
        customerId: '',
        currency: 3,
        items: [{ sku: 'ü', quantity: 1.5, unitPriceCents: -1, y: 0 }, 5],
        extra: true,
      },
    ],
    ['keys in another order', { items: [{ quantity: 1, sku: 'A' }], customerId: 'c' }],
  ])('answers as zod for an order with %s', (_case, value) => {
    expectSameAnswer('createOrderRequest', value);
  });

  it('gives the problem details zod gives, in its order', () => {
    const result = validators.createOrderRequest.validate({
      customerId: 42,
      items: [{ sku: 'A', quantity: 0 }],
      contact: TEST_CONTACT,
      discount: 1,
    });

    expect(result).toEqual({
      success: false,
      issues: [
        { path: ['customerId'], message: 'Invalid input: expected string, received number' },
        { path: ['items', 0, 'quantity'], message: 'Too small: expected number to be >=1' },
        { path: [], message: 'Unrecognized key: "discount"' },
      ],
    });
  });

  it("counts a string's length in code points, as the OpenAPI document's maxLength does", () => {
    // 60 emoji are 120 UTF-16 units: the city's limit is 60 characters, and these are 60.
    const withCity = (city: string) => ({
      ...validOrder(),
      contact: { ...TEST_CONTACT, address: { ...TEST_CONTACT.address, city } },
    });

    expect(validators.createOrderRequest.validate(withCity('\u{1F3D9}'.repeat(60))).success).toBe(
      true,
    );
    expect(validators.createOrderRequest.validate(withCity('\u{1F3D9}'.repeat(61)))).toEqual({
      success: false,
      issues: [
        {
          path: ['contact', 'address', 'city'],
          message: 'Too big: expected string to have <=60 characters',
        },
      ],
    });
  });

  it('parses the page size of a query to a number, and checks it after parsing', () => {
    expect(validators.listOrdersQuery.validate({ customerId: 'c', limit: '07' })).toEqual({
      success: true,
      data: { customerId: 'c', limit: 7 },
    });
    expect(validators.listOrdersQuery.check({ customerId: 'c', limit: '101' })).toBeUndefined();
  });
});
