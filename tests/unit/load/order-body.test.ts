import { describe, expect, it } from 'vitest';
import { CreateOrderRequestSchema } from '#commons/schemas';
import { loadCatalogFile, SAMPLE_CATALOG_FILE } from '#ops/catalog';
import { LOAD_SKUS, orderBody } from '../../../load/order-body.ts';

describe('load test order bodies', () => {
  it('builds bodies the API accepts, from active EUR-priced SKUs of the sample catalog', async () => {
    // Prepare
    const catalog = await loadCatalogFile(SAMPLE_CATALOG_FILE);
    const sellable = catalog.filter((item) => item.active && item.prices.EUR !== undefined);

    // Act
    const bodies = Array.from({ length: 50 }, () => orderBody('load-c1'));

    // Assess
    for (const body of bodies) {
      expect(CreateOrderRequestSchema.safeParse(body).success, JSON.stringify(body)).toBe(true);
      const skus = body.items.map((item) => item.sku);
      expect(new Set(skus).size).toBe(skus.length);
    }
    expect(LOAD_SKUS.every((sku) => sellable.some((item) => item.sku === sku))).toBe(true);
  });

  it('varies the lines with the random source', () => {
    // Act
    const small = orderBody('c', () => 0);
    const large = orderBody('c', () => 0.99);

    // Assess
    expect(small.items).toEqual([{ sku: 'SKU-1', quantity: 1 }]);
    expect(large.items).toHaveLength(3);
    expect(large.items.every((item) => item.quantity === 3)).toBe(true);
  });
});
