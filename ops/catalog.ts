/**
 * The catalog file format and how it is written to a catalog table. `npm run catalog:seed` loads
 * a file into a deployed stage (or the emulator); `npm start` loads the sample one into the local
 * stage the same way.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import type { CatalogItem } from '#commons/catalog';
import { CURRENCIES, MAX_UNIT_PRICE_CENTS, SkuSchema } from '#commons/schemas';

/** The sample catalog: the SKUs the README's examples and the e2e tests order. */
export const SAMPLE_CATALOG_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  'catalog',
  'sample.json',
);

/** DynamoDB's limit of items per BatchWriteItem. */
export const WRITE_BATCH_SIZE = 25;

const price = z.int().check(z.minimum(0), z.maximum(MAX_UNIT_PRICE_CENTS));

const CatalogItemSchema = z.strictObject({
  sku: SkuSchema,
  name: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  active: z.boolean(),
  prices: z.partialRecord(z.enum(CURRENCIES), price),
});

export const CatalogFileSchema = z.strictObject({
  items: z.array(CatalogItemSchema).check(
    z.minLength(1),
    z.superRefine((items, ctx) => {
      const seen = new Set<string>();
      items.forEach((item, index) => {
        if (seen.has(item.sku)) {
          ctx.addIssue({
            code: 'custom',
            input: item.sku,
            path: [index, 'sku'],
            message: `duplicate SKU ${item.sku}`,
          });
        }
        seen.add(item.sku);
      });
    }),
  ),
});

/** A catalog file that cannot be loaded; the message says where and what. */
export class CatalogFileError extends Error {}

/** Validates a parsed catalog document; the error lists the first problems with their paths. */
export const parseCatalog = (document: unknown, source = 'catalog'): CatalogItem[] => {
  const result = CatalogFileSchema.safeParse(document);
  if (!result.success) {
    const issues = result.error.issues;
    const shown = issues
      .slice(0, 3)
      .map((issue) => `${issue.path.map(String).join('.') || 'top level'}: ${issue.message}`);
    const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
    throw new CatalogFileError(
      `${source} is not a valid catalog: ${shown.join('; ')}${more}. Expected {"items":[{"sku","name","active","prices":{"EUR":cents}}]}`,
    );
  }
  return result.data.items as CatalogItem[];
};

/** Reads and validates a catalog file. */
export const loadCatalogFile = async (file: string): Promise<CatalogItem[]> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CatalogFileError(
      code === 'ENOENT' ? `${file} does not exist` : `${file} cannot be read (${code})`,
    );
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new CatalogFileError(`${file} is not JSON: ${(error as Error).message}`);
  }
  return parseCatalog(document, file);
};

export interface WriteCatalogOptions {
  /** Called after each batch is written in full. */
  readonly onBatch?: (written: number, total: number) => void;
  /** Attempts per batch while DynamoDB returns UnprocessedItems. @default 8 */
  readonly maxAttempts?: number;
  /** @default 50 */
  readonly backoffBaseMs?: number;
}

/**
 * Puts every item into the table, {@link WRITE_BATCH_SIZE} per BatchWriteItem, re-sending
 * unprocessed items with backoff. SKUs absent from `items` are left as they are (withdraw one
 * with `active: false`). Returns the number of items written.
 */
export const writeCatalog = async (
  client: DynamoDBDocumentClient,
  tableName: string,
  items: readonly CatalogItem[],
  options: WriteCatalogOptions = {},
): Promise<number> => {
  const maxAttempts = options.maxAttempts ?? 8;
  const backoffBaseMs = options.backoffBaseMs ?? 50;
  let written = 0;
  for (let start = 0; start < items.length; start += WRITE_BATCH_SIZE) {
    let requests: NonNullable<
      NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>[string]
    > = items
      .slice(start, start + WRITE_BATCH_SIZE)
      .map((item) => ({ PutRequest: { Item: { ...item } } }));
    const size = requests.length;
    for (let attempt = 1; requests.length > 0; attempt++) {
      if (attempt > maxAttempts) {
        throw new Error(
          `DynamoDB left ${requests.length} catalog items unprocessed after ${maxAttempts} attempts: run the command again`,
        );
      }
      if (attempt > 1) await sleep(backoffBaseMs * 2 ** (attempt - 2));
      const { UnprocessedItems } = await client.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: requests } }),
      );
      requests = UnprocessedItems?.[tableName] ?? [];
    }
    written += size;
    options.onBatch?.(written, items.length);
  }
  return written;
};
