/**
 * Rules of the order contract that JSON Schema cannot express. Plain functions, with no
 * validation library: the zod schemas (schemas.ts) refine with them, and the compiled validators
 * the functions run (validation.ts) apply the same code, so both answer alike.
 */

/** A SKU given again: where, and where it was first given. */
export interface DuplicateSku {
  readonly index: number;
  readonly sku: string;
  readonly firstIndex: number;
}

/** Every repetition of a SKU in an order's lines (none when each SKU is given once). */
export const duplicateSkus = (items: readonly { readonly sku: string }[]): DuplicateSku[] => {
  const first = new Map<string, number>();
  const duplicates: DuplicateSku[] = [];
  items.forEach((item, index) => {
    const firstIndex = first.get(item.sku);
    if (firstIndex === undefined) first.set(item.sku, index);
    else duplicates.push({ index, sku: item.sku, firstIndex });
  });
  return duplicates;
};
