import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { httpErrors, type ProblemDetail } from './errors.ts';
import type { Currency, LineItem, OrderLineRequest } from './schemas.ts';

/** One SKU of the catalog table, keyed by `sku`. */
export interface CatalogItem {
  readonly sku: string;
  readonly name?: string;
  /** Only active SKUs can be ordered. */
  readonly active: boolean;
  /** Unit price in cents, per currency; a currency without a price is not sold in it. */
  readonly prices: Readonly<Partial<Record<Currency, number>>>;
}

/** BatchGetItem's limit of keys per request; an order has at most 50 lines. */
export const MAX_KEYS_PER_BATCH = 100;

/** The catalog could not be read completely (DynamoDB kept keys unprocessed). */
export class CatalogUnavailableError extends Error {
  constructor(readonly unprocessed: number) {
    super(`${unprocessed} catalog keys stayed unprocessed`);
    this.name = 'CatalogUnavailableError';
  }
}

export interface CatalogRepositoryOptions {
  /** Extra requests for keys DynamoDB returns as UnprocessedKeys. @default 3 */
  readonly unprocessedRetries?: number;
  /** Base of the exponential backoff before re-requesting unprocessed keys. @default 20 */
  readonly backoffBaseMs?: number;
}

/** Reads the catalog table: one `BatchGetItem` for all the SKUs of an order. */
export class CatalogRepository {
  private readonly unprocessedRetries: number;
  private readonly backoffBaseMs: number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: CatalogRepositoryOptions = {},
  ) {
    this.unprocessedRetries = options.unprocessedRetries ?? 3;
    this.backoffBaseMs = options.backoffBaseMs ?? 20;
  }

  /**
   * The catalog entries of `skus` (distinct, at most {@link MAX_KEYS_PER_BATCH}), by SKU; SKUs
   * not in the catalog are absent. Keys DynamoDB leaves unprocessed (throttling, the 16 MB
   * response limit) are asked for again with backoff; if some remain, throws
   * {@link CatalogUnavailableError} rather than answer with a partial catalog.
   */
  async getMany(skus: readonly string[]): Promise<Map<string, CatalogItem>> {
    if (skus.length > MAX_KEYS_PER_BATCH) {
      throw new Error(`At most ${MAX_KEYS_PER_BATCH} SKUs per catalog read, got ${skus.length}`);
    }
    const found = new Map<string, CatalogItem>();
    let keys: Record<string, unknown>[] = skus.map((sku) => ({ sku }));
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt > this.unprocessedRetries) throw new CatalogUnavailableError(keys.length);
      if (attempt > 0) {
        const backoff = this.backoffBaseMs * 2 ** (attempt - 1);
        await sleep(backoff / 2 + Math.random() * (backoff / 2));
      }
      const { Responses, UnprocessedKeys } = await this.client.send(
        new BatchGetCommand({
          RequestItems: {
            [this.tableName]: {
              Keys: keys,
              ProjectionExpression: 'sku, active, prices',
            },
          },
        }),
      );
      for (const item of Responses?.[this.tableName] ?? []) {
        const entry = item as CatalogItem;
        found.set(entry.sku, entry);
      }
      keys = (UnprocessedKeys?.[this.tableName]?.Keys as Record<string, unknown>[]) ?? [];
    }
    return found;
  }
}

/**
 * Prices the requested lines from the catalog. The catalog price is what is charged; a price the
 * client sent is only checked against it.
 *
 * @throws 422 `UNKNOWN_SKU` listing every SKU that is unknown, inactive or has no price in the
 * currency; else 409 `PRICE_CHANGED` with the current price of every line whose asserted price
 * differs.
 */
export const priceFromCatalog = (
  currency: Currency,
  requested: readonly OrderLineRequest[],
  catalog: ReadonlyMap<string, CatalogItem>,
): LineItem[] => {
  const unknown: ProblemDetail[] = [];
  const changed: ProblemDetail[] = [];
  const lines: LineItem[] = [];
  requested.forEach((line, index) => {
    const entry = catalog.get(line.sku);
    const price = entry?.prices?.[currency];
    const path = `body.items.${index}.sku`;
    if (entry === undefined) {
      unknown.push({ path, sku: line.sku, message: `${line.sku} is not in the catalog` });
    } else if (entry.active !== true) {
      unknown.push({ path, sku: line.sku, message: `${line.sku} is no longer sold` });
    } else if (typeof price !== 'number' || !Number.isInteger(price) || price < 0) {
      unknown.push({ path, sku: line.sku, message: `${line.sku} is not sold in ${currency}` });
    } else {
      if (line.unitPriceCents !== undefined && line.unitPriceCents !== price) {
        changed.push({
          path: `body.items.${index}.unitPriceCents`,
          sku: line.sku,
          currentUnitPriceCents: price,
          message: `${line.sku} costs ${price} (${currency} cents) now, not ${line.unitPriceCents}`,
        });
      }
      lines.push({ sku: line.sku, quantity: line.quantity, unitPriceCents: price });
    }
  });
  if (unknown.length > 0) throw httpErrors.unknownSku(unknown);
  if (changed.length > 0) throw httpErrors.priceChanged(changed);
  return lines;
};
