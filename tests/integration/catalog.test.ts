import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { CatalogRepository } from '#commons/catalog';
import { requireEnv } from '#commons/env';
import { ENV } from '#commons/env-names';
import { parseCatalog, writeCatalog } from '#ops/catalog';

/**
 * The catalog table through real DynamoDB APIs: what catalog:seed writes, the create-order
 * handler reads back in one BatchGetItem.
 */
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 1 }));
const tableName = requireEnv(ENV.catalogTable);
const prefix = `IT-CAT-${randomUUID().slice(0, 8)}`;
const items = parseCatalog({
  items: Array.from({ length: 30 }, (_, n) => ({
    sku: `${prefix}-${n}`,
    name: `Integration item ${n}`,
    active: n !== 7,
    prices: n === 8 ? { EUR: 800 } : { EUR: 100 + n, USD: 200 + n },
  })),
});

afterAll(async () => {
  await Promise.all(
    items.map(({ sku }) => client.send(new DeleteCommand({ TableName: tableName, Key: { sku } }))),
  );
});

describe('catalog table', () => {
  it('stores a seeded catalog in batches, item for item', async () => {
    const written = await writeCatalog(client, tableName, items);

    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: { sku: `${prefix}-8` } }),
    );
    expect(written).toBe(30);
    expect(Item).toEqual({
      sku: `${prefix}-8`,
      name: 'Integration item 8',
      active: true,
      prices: { EUR: 800 },
    });
  });

  it('reads 50 SKUs, known and unknown, in one BatchGetItem', async () => {
    const repository = new CatalogRepository(client, tableName);
    const skus = Array.from({ length: 50 }, (_, n) => `${prefix}-${n}`);

    const found = await repository.getMany(skus);

    expect(found.size).toBe(30);
    expect(found.get(`${prefix}-7`)).toMatchObject({ active: false });
    expect(found.get(`${prefix}-3`)).toEqual({
      sku: `${prefix}-3`,
      active: true,
      prices: { EUR: 103, USD: 203 },
    });
    expect(found.has(`${prefix}-40`)).toBe(false);
  });
});
