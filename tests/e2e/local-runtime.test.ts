import { existsSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import {
  call,
  cancelCreatedOrders,
  createOrder,
  expectProblem,
  orderRequest,
  uniqueCustomer,
} from './http.ts';

/**
 * What only the local runtime offers: a pricing stub the tests may break, and the OpenAPI
 * document. A deployed stage's pricing dependency is not ours to break, so these run locally
 * only (API_URL unset, the default).
 */
const local = inject('e2eTarget') === 'local';
const pricingUrl = inject('pricingUrl') ?? '';

const configurePricing = async (config: {
  latencyMs?: number;
  errorRate?: number;
  contradictCatalog?: boolean;
}): Promise<void> => {
  const response = await fetch(`${pricingUrl}/__config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(config),
  });
  expect(response.status).toBe(200);
};

afterAll(cancelCreatedOrders);

describe.runIf(local)('pricing through the local stub', () => {
  afterEach(() => configurePricing({ latencyMs: 0, errorRate: 0, contradictCatalog: false }));

  it('prices an order from the quote, with 5% off from 10 000 cents', async () => {
    const response = await createOrder(
      orderRequest(uniqueCustomer('pricing'), [
        { sku: 'SKU-BIG', quantity: 4, unitPriceCents: 2500 },
      ]),
    );

    expect(response.status, response.text).toBe(201);
    expect(response.json).toMatchObject({
      pricingSource: 'quote',
      subtotalCents: 10_000,
      discountCents: 500,
      totalCents: 9_500,
    });
  });

  it('charges catalog prices with no discount when the quote contradicts the catalog', async () => {
    await configurePricing({ contradictCatalog: true });

    const response = await createOrder(
      orderRequest(uniqueCustomer('contradict'), [{ sku: 'SKU-BIG', quantity: 4 }]),
    );

    expect(response.status, response.text).toBe(201);
    expect(response.json).toMatchObject({
      pricingSource: 'catalog',
      subtotalCents: 10_000,
      discountCents: 0,
      totalCents: 10_000,
    });
  });

  it('still creates the order, at catalog prices, when the pricing service fails', async () => {
    await configurePricing({ errorRate: 1 });

    const response = await createOrder(
      orderRequest(uniqueCustomer('fallback'), [
        { sku: 'SKU-BIG', quantity: 4, unitPriceCents: 2500 },
      ]),
    );

    expect(response.status, response.text).toBe(201);
    expect(response.json).toMatchObject({
      pricingSource: 'catalog',
      subtotalCents: 10_000,
      discountCents: 0,
      totalCents: 10_000,
    });
  });
});

describe.runIf(local)('GET /openapi.json on the local runtime', () => {
  it('serves docs/openapi.json when it exists, else says how to generate it', async () => {
    const response = await call<{ openapi?: string; paths?: Record<string, unknown> }>(
      '/openapi.json',
      {
        credentials: 'none',
      },
    );

    if (existsSync('docs/openapi.json')) {
      expect(response.status, response.text).toBe(200);
      expect(response.json.openapi).toMatch(/^3\./);
      expect(Object.keys(response.json.paths ?? {})).toContain('/orders');
    } else {
      expectProblem(response, 404, 'NOT_FOUND');
      expect(response.text).toContain('npm run openapi');
    }
  });
});
