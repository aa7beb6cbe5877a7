/**
 * Order-independent fingerprints of DynamoDB items, shared by the restore-validation function
 * and the DR drill: the same item gives the same hash in a table and in its restored copy,
 * whatever the scan order and the attribute order.
 */
import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

type Item = Record<string, AttributeValue>;

/**
 * A canonical form of an attribute value: map keys sorted, sets sorted (DynamoDB returns set
 * members in no fixed order), numbers as DynamoDB's strings.
 */
const canonical = (value: AttributeValue): unknown => {
  if (value.M !== undefined) return { M: canonicalItem(value.M) };
  if (value.L !== undefined) return { L: value.L.map(canonical) };
  if (value.SS !== undefined) return { SS: [...value.SS].sort() };
  if (value.NS !== undefined) return { NS: [...value.NS].sort() };
  if (value.BS !== undefined)
    return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')).sort() };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  return value;
};

const canonicalItem = (item: Item): [string, unknown][] =>
  Object.keys(item)
    .sort()
    .map((name) => [name, canonical(item[name] as AttributeValue)]);

/** SHA-256 (hex) of an item's canonical form. */
export const itemHash = (item: Item): string =>
  createHash('sha256')
    .update(JSON.stringify(canonicalItem(item)))
    .digest('hex');

/** The item's key, as a stable string (`orderId=S:ord_1`). */
export const itemKey = (item: Item, keyAttributes: readonly string[]): string =>
  keyAttributes
    .map((name) => {
      const value = item[name];
      if (value === undefined) throw new Error(`item has no key attribute '${name}'`);
      return `${name}=${JSON.stringify(canonical(value))}`;
    })
    .join('&');

/** Item count and an order-independent checksum of a set of items. */
export interface Fingerprint {
  readonly itemCount: number;
  /** Sum of the items' hashes modulo 2^128, as 32 hex digits. */
  readonly checksum: string;
}

const MOD = 1n << 128n;

/** Accumulates items in any order; {@link digest} gives the fingerprint. */
export class FingerprintBuilder {
  private count = 0;
  private sum = 0n;
  /** Hash of each item by key, when per-item detail is kept (for diffs). */
  readonly hashes = new Map<string, string>();

  constructor(
    private readonly keyAttributes: readonly string[],
    private readonly keepHashes = true,
  ) {}

  add(item: Item): void {
    const hash = itemHash(item);
    this.count += 1;
    this.sum = (this.sum + BigInt(`0x${hash.slice(0, 32)}`)) % MOD;
    if (this.keepHashes) this.hashes.set(itemKey(item, this.keyAttributes), hash);
  }

  digest(): Fingerprint {
    return { itemCount: this.count, checksum: this.sum.toString(16).padStart(32, '0') };
  }
}

/** Fingerprint of a list of items. */
export const fingerprintOf = (items: readonly Item[], keyAttributes: readonly string[]) => {
  const builder = new FingerprintBuilder(keyAttributes, false);
  for (const item of items) builder.add(item);
  return builder.digest();
};
