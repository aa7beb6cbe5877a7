import { afterAll, describe, expect, it } from 'vitest';
import { TEST_CONTACT } from '#tests/fixtures/contact';
import {
  call,
  cancelCreatedOrders,
  createOrder,
  expectProblem,
  type Order,
  orderRequest,
  type Problem,
  uniqueCustomer,
} from './http.ts';

/**
 * The server owns prices, over HTTP. Uses the sample catalog (ops/catalog/sample.json), which
 * `npm start` loads locally and `npm run catalog:seed` loads into a deployed stage.
 */
afterAll(cancelCreatedOrders);

describe('POST /orders priced from the catalog', () => {
  it('charges the catalog price when the client sends SKUs and quantities only', async () => {
    const response = await createOrder(
      orderRequest(uniqueCustomer('catalog'), [
        { sku: 'SKU-1', quantity: 2 },
        { sku: 'SKU-2', quantity: 1 },
      ]),
    );

    expect(response.status, response.text).toBe(201);
    expect(response.json.items).toEqual([
      { sku: 'SKU-1', quantity: 2, unitPriceCents: 1250 },
      { sku: 'SKU-2', quantity: 1, unitPriceCents: 500 },
    ]);
    expect(response.json.subtotalCents).toBe(3000);
  });

  it('never stores a 1-cent price sent by the client: 409 PRICE_CHANGED with the current price', async () => {
    // Prepare
    const customerId = uniqueCustomer('one-cent');

    // Act
    const response = await createOrder(
      orderRequest(customerId, [{ sku: 'SKU-1', quantity: 100, unitPriceCents: 1 }]),
    );
    const stored = await call<{ items: Order[] }>(`/orders?customerId=${customerId}`);

    // Assess
    expectProblem(response, 409, 'PRICE_CHANGED');
    expect((response.json as unknown as Problem).error.details).toEqual([
      {
        path: 'body.items.0.unitPriceCents',
        sku: 'SKU-1',
        currentUnitPriceCents: 1250,
        message: expect.any(String),
      },
    ]);
    expect(stored.status, stored.text).toBe(200);
    expect(stored.json.items).toEqual([]);
  });

  it('answers 422 UNKNOWN_SKU naming unknown, inactive and not-sold-in-the-currency SKUs', async () => {
    const response = await createOrder({
      customerId: uniqueCustomer('unknown'),
      currency: 'USD',
      items: [
        { sku: 'SKU-1', quantity: 1 },
        { sku: 'SKU-DOES-NOT-EXIST', quantity: 1 },
        { sku: 'SKU-RETIRED', quantity: 1 },
        { sku: 'SKU-EUR-ONLY', quantity: 1 },
      ],
      contact: TEST_CONTACT,
    });

    expectProblem(response, 422, 'UNKNOWN_SKU');
    expect((response.json as unknown as Problem).error.details.map((d) => d.sku)).toEqual([
      'SKU-DOES-NOT-EXIST',
      'SKU-RETIRED',
      'SKU-EUR-ONLY',
    ]);
  });

  it('answers 400 for a SKU given twice, naming the repeated line', async () => {
    const response = await createOrder(
      orderRequest(uniqueCustomer('duplicate'), [
        { sku: 'SKU-1', quantity: 1 },
        { sku: 'SKU-1', quantity: 1 },
      ]),
    );

    expectProblem(response, 400, 'VALIDATION_FAILED');
    expect((response.json as unknown as Problem).error.details).toEqual([
      { path: 'body.items.1.sku', message: expect.stringContaining('Duplicate SKU SKU-1') },
    ]);
  });
});
