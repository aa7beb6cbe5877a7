import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLambdaContext } from '#local/lambda-context';
import { apiEvent, bodyOf } from '#tests/fixtures/api-event';
import { TEST_CONTACT } from '#tests/fixtures/contact';
import { handler } from '../../../../functions/orders/create-order.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const context = createLambdaContext('createOrder');

/** The catalog as the table returns it. */
const CATALOG = {
  'BOOK-1': { sku: 'BOOK-1', active: true, prices: { EUR: 1250, USD: 1400 } },
  'PEN-9': { sku: 'PEN-9', active: true, prices: { EUR: 300, USD: 350 } },
  'OLD-1': { sku: 'OLD-1', active: false, prices: { EUR: 999 } },
  'EUR-ONLY': { sku: 'EUR-ONLY', active: true, prices: { EUR: 700 } },
} as const;

/** Answers a BatchGetItem with the catalog entries of the keys asked for. */
const catalogLookup = (input: { RequestItems?: Record<string, { Keys?: unknown[] }> }) => ({
  Responses: {
    'catalog-table': (input.RequestItems?.['catalog-table']?.Keys ?? [])
      .map((key) => CATALOG[(key as { sku: keyof typeof CATALOG }).sku])
      .filter(Boolean),
  },
});

/** The client sends SKUs and quantities; prices (2 × 1250 + 300) come from the catalog. */
const validOrder = {
  customerId: 'cust-42',
  currency: 'EUR',
  items: [
    { sku: 'BOOK-1', quantity: 2 },
    { sku: 'PEN-9', quantity: 1 },
  ],
  contact: TEST_CONTACT,
};

const create = (body: unknown, headers: Record<string, string> = {}) =>
  handler(apiEvent({ method: 'POST', path: '/orders', body, headers }), context);

const quote = (discountCents: number) =>
  vi.fn<typeof fetch>(async (_url, init) => {
    const { items } = JSON.parse(String(init?.body)) as {
      items: { quantity: number; unitPriceCents: number }[];
    };
    const subtotalCents = items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
    return Response.json({
      subtotalCents,
      discountCents,
      totalCents: subtotalCents - discountCents,
    });
  });

describe('POST /orders', () => {
  beforeEach(() => {
    ddb.on(PutCommand).resolves({});
    ddb.on(BatchGetCommand).callsFake(catalogLookup);
    vi.stubGlobal('fetch', quote(100));
  });
  afterEach(() => {
    ddb.reset();
    vi.unstubAllGlobals();
  });

  it('stores a PENDING order with a server-computed total and returns 201 with its location', async () => {
    const result = await create(validOrder);

    expect(result.statusCode).toBe(201);
    const order = bodyOf(result);
    expect(order).toMatchObject({
      customerId: 'cust-42',
      status: 'PENDING',
      subtotalCents: 2800,
      discountCents: 100,
      totalCents: 2700,
      pricingSource: 'quote',
    });
    expect(order.orderId).toMatch(/^ord_[0-9a-f]{32}$/);
    expect(result.headers?.location).toBe(`/orders/${order.orderId}`);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'orders-table',
      ConditionExpression: 'attribute_not_exists(orderId)',
      Item: expect.objectContaining({
        orderId: order.orderId,
        status: 'PENDING',
        totalCents: 2700,
        items: [
          { sku: 'BOOK-1', quantity: 2, unitPriceCents: 1250 },
          { sku: 'PEN-9', quantity: 1, unitPriceCents: 300 },
        ],
      }),
    });
  });

  it('stores the delivery contact with the order and returns it to its creator', async () => {
    const result = await create(validOrder);

    expect(result.statusCode).toBe(201);
    expect(bodyOf(result).contact).toEqual(TEST_CONTACT);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ contact: TEST_CONTACT }),
    });
  });

  it.each([
    ['no contact', { contact: undefined }, 'body.contact'],
    ['a bad email', { contact: { ...TEST_CONTACT, email: 'not-an-email' } }, 'body.contact.email'],
    [
      'a phone not in E.164',
      { contact: { ...TEST_CONTACT, phone: '07700 900123' } },
      'body.contact.phone',
    ],
    ['a blank name', { contact: { ...TEST_CONTACT, name: '   ' } }, 'body.contact.name'],
    [
      'a name of 101 characters',
      { contact: { ...TEST_CONTACT, name: 'a'.repeat(101) } },
      'body.contact.name',
    ],
    [
      'a newline in the name',
      { contact: { ...TEST_CONTACT, name: 'Ada\nTest' } },
      'body.contact.name',
    ],
    [
      'an unknown contact field',
      { contact: { ...TEST_CONTACT, fax: '+441234567' } },
      'body.contact',
    ],
    [
      'a lower-case country',
      { contact: { ...TEST_CONTACT, address: { ...TEST_CONTACT.address, country: 'gb' } } },
      'body.contact.address.country',
    ],
    [
      'an unassigned country code',
      { contact: { ...TEST_CONTACT, address: { ...TEST_CONTACT.address, country: 'XX' } } },
      'body.contact.address.country',
    ],
    [
      'no city',
      { contact: { ...TEST_CONTACT, address: { ...TEST_CONTACT.address, city: undefined } } },
      'body.contact.address.city',
    ],
    [
      'a postcode with symbols',
      { contact: { ...TEST_CONTACT, address: { ...TEST_CONTACT.address, postcode: 'AB<1>' } } },
      'body.contact.address.postcode',
    ],
  ])('answers 400 for %s, storing nothing', async (_label, change, path) => {
    const result = await create({ ...validOrder, ...change });

    expect(result.statusCode).toBe(400);
    expect(bodyOf<{ error: { details: { path: string }[] } }>(result).error.details).toContainEqual(
      expect.objectContaining({ path }),
    );
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it("stores the caller's correlation id on the order for the outbox, and returns it", async () => {
    const result = await create(validOrder, { 'X-Correlation-Id': 'checkout-7f3a' });

    expect(result.headers?.['x-correlation-id']).toBe('checkout-7f3a');
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ correlationId: 'checkout-7f3a' }),
    });
    expect(bodyOf(result)).not.toHaveProperty('correlationId');
  });

  it('reads the whole basket from the catalog in exactly one BatchGetItem', async () => {
    await create(validOrder);

    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(BatchGetCommand, {
      RequestItems: {
        'catalog-table': expect.objectContaining({ Keys: [{ sku: 'BOOK-1' }, { sku: 'PEN-9' }] }),
      },
    });
  });

  it('asks again, with backoff, for the keys DynamoDB leaves unprocessed', async () => {
    ddb
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { 'catalog-table': [CATALOG['BOOK-1']] },
        UnprocessedKeys: { 'catalog-table': { Keys: [{ sku: 'PEN-9' }] } },
      })
      .resolvesOnce({ Responses: { 'catalog-table': [CATALOG['PEN-9']] } });

    const result = await create(validOrder);

    expect(result.statusCode, result.body).toBe(201);
    expect(bodyOf(result)).toMatchObject({ subtotalCents: 2800 });
    expect(ddb).toHaveReceivedNthCommandWith(BatchGetCommand, 2, {
      RequestItems: { 'catalog-table': expect.objectContaining({ Keys: [{ sku: 'PEN-9' }] }) },
    });
  });

  it('answers 503, storing nothing, when catalog keys stay unprocessed', async () => {
    ddb.on(BatchGetCommand).resolves({
      Responses: { 'catalog-table': [] },
      UnprocessedKeys: { 'catalog-table': { Keys: [{ sku: 'BOOK-1' }, { sku: 'PEN-9' }] } },
    });

    const result = await create(validOrder);

    expect(result.statusCode).toBe(503);
    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 4);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('accepts unit prices the client showed when they are the catalog prices', async () => {
    const result = await create({
      ...validOrder,
      items: [
        { sku: 'BOOK-1', quantity: 2, unitPriceCents: 1250 },
        { sku: 'PEN-9', quantity: 1, unitPriceCents: 300 },
      ],
    });

    expect(result.statusCode, result.body).toBe(201);
    expect(bodyOf(result)).toMatchObject({ subtotalCents: 2800 });
  });

  it('answers 409 PRICE_CHANGED with the current prices when a shown price is not the catalog one', async () => {
    const result = await create({
      ...validOrder,
      items: [
        { sku: 'BOOK-1', quantity: 2, unitPriceCents: 1 },
        { sku: 'PEN-9', quantity: 1, unitPriceCents: 300 },
      ],
    });

    expect(result.statusCode).toBe(409);
    expect(bodyOf(result)).toEqual({
      error: {
        code: 'PRICE_CHANGED',
        message: expect.any(String),
        details: [
          {
            path: 'body.items.0.unitPriceCents',
            sku: 'BOOK-1',
            currentUnitPriceCents: 1250,
            message: expect.stringContaining('1250'),
          },
        ],
      },
    });
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('prices in the order currency', async () => {
    const result = await create({ ...validOrder, currency: 'USD' });

    expect(bodyOf(result)).toMatchObject({ currency: 'USD', subtotalCents: 2 * 1400 + 350 });
  });

  it('answers 422 UNKNOWN_SKU listing every SKU that is unknown, inactive or not sold in the currency', async () => {
    const result = await create({
      ...validOrder,
      currency: 'USD',
      items: [
        { sku: 'BOOK-1', quantity: 1 },
        { sku: 'NOPE-1', quantity: 1 },
        { sku: 'OLD-1', quantity: 1 },
        { sku: 'EUR-ONLY', quantity: 1 },
      ],
    });

    expect(result.statusCode).toBe(422);
    const problem = bodyOf<{ error: { code: string; details: { path: string; sku: string }[] } }>(
      result,
    );
    expect(problem.error.code).toBe('UNKNOWN_SKU');
    expect(problem.error.details.map(({ path, sku }) => [path, sku])).toEqual([
      ['body.items.1.sku', 'NOPE-1'],
      ['body.items.2.sku', 'OLD-1'],
      ['body.items.3.sku', 'EUR-ONLY'],
    ]);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('answers 400 for a SKU given twice, before reading the catalog', async () => {
    const result = await create({
      ...validOrder,
      items: [
        { sku: 'BOOK-1', quantity: 1 },
        { sku: 'PEN-9', quantity: 1 },
        { sku: 'BOOK-1', quantity: 2 },
      ],
    });

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: [{ path: 'body.items.2.sku' }] },
    });
    expect(ddb).not.toHaveReceivedCommand(BatchGetCommand);
  });

  it('records the OrderCreated event, the correlation id and the trace header with the order', async () => {
    // Prepare
    vi.stubEnv(
      '_X_AMZN_TRACE_ID',
      'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    );

    // Act
    const result = await create(validOrder);

    // Assess
    const stored = ddb.commandCalls(PutCommand)[0]?.args[0].input.Item;
    expect(stored).toMatchObject({
      lastEvent: 'OrderCreated',
      correlationId: expect.stringMatching(/.+/),
      traceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    });
    // Storage-only: the API representation carries none of them.
    for (const attribute of ['lastEvent', 'correlationId', 'traceHeader']) {
      expect(bodyOf(result)).not.toHaveProperty(attribute);
    }
    vi.unstubAllEnvs();
  });

  it('rejects a client-sent total: totals are computed by the service', async () => {
    const result = await create({ ...validOrder, totalCents: 1 });

    expect(result.statusCode).toBe(400);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('answers a bare 500 without internals when DynamoDB fails unexpectedly', async () => {
    ddb
      .on(PutCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'secret detail', $metadata: {} }));

    const result = await create(validOrder);

    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('secret detail');
    expect(bodyOf(result)).toMatchObject({ error: { code: 'INTERNAL' } });
  });

  it.each([
    ['malformed JSON', '{"customerId": ', 400, 'MALFORMED_JSON'],
    ['an empty body', '', 400, 'VALIDATION_FAILED'],
    ['a missing customerId', { items: validOrder.items }, 400, 'VALIDATION_FAILED'],
    ['an unknown field', { ...validOrder, coupon: 'FREE' }, 400, 'VALIDATION_FAILED'],
    ['no items', { ...validOrder, items: [] }, 400, 'VALIDATION_FAILED'],
    [
      '51 items',
      { ...validOrder, items: Array.from({ length: 51 }, () => validOrder.items[0]) },
      400,
      'VALIDATION_FAILED',
    ],
    ['quantity 0', { ...validOrder, items: [{ sku: 'A', quantity: 0 }] }, 400, 'VALIDATION_FAILED'],
    [
      'quantity 1001',
      { ...validOrder, items: [{ sku: 'A', quantity: 1001 }] },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a fractional price',
      { ...validOrder, items: [{ sku: 'A', quantity: 1, unitPriceCents: 9.99 }] },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a price as a string',
      { ...validOrder, items: [{ sku: 'A', quantity: 1, unitPriceCents: '100' }] },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'an injection string as customerId',
      { ...validOrder, customerId: "x' OR '1'='1" },
      400,
      'VALIDATION_FAILED',
    ],
    ['a JSON array', [validOrder], 400, 'VALIDATION_FAILED'],
    [
      'a body over the size limit',
      { ...validOrder, pad: 'x'.repeat(70_000) },
      413,
      'PAYLOAD_TOO_LARGE',
    ],
  ])('rejects %s with a problem body and stores nothing', async (_case, body, status, code) => {
    const result = await create(body);

    expect(result.statusCode).toBe(status);
    expect(bodyOf(result)).toEqual({
      error: { code, message: expect.any(String), details: expect.any(Array) },
    });
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('names the invalid field in the details', async () => {
    const result = await create({
      ...validOrder,
      items: [{ sku: 'A', quantity: 0 }],
    });

    expect(bodyOf(result)).toMatchObject({
      error: { details: [{ path: 'body.items.0.quantity' }] },
    });
  });

  it('rejects a body that is not declared as JSON with 415', async () => {
    const result = await create(JSON.stringify(validOrder), { 'Content-Type': 'text/plain' });

    expect(result.statusCode).toBe(415);
  });

  it('rejects a malformed Idempotency-Key before doing any work', async () => {
    const result = await create(validOrder, { 'Idempotency-Key': 'short' });

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toMatchObject({
      error: { details: [{ path: 'headers.idempotency-key' }] },
    });
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('adds CORS headers for an allowed origin only', async () => {
    const allowed = await handler(
      apiEvent({
        method: 'POST',
        path: '/orders',
        body: validOrder,
        headers: { Origin: 'http://localhost:3000' },
      }),
      context,
    );
    const other = await handler(
      apiEvent({
        method: 'POST',
        path: '/orders',
        body: validOrder,
        headers: { Origin: 'https://evil.example' },
      }),
      context,
    );

    expect(allowed.headers?.['Access-Control-Allow-Origin']).toBe('http://localhost:3000');
    expect(other.headers?.['Access-Control-Allow-Origin']).toBeUndefined();
  });
});
