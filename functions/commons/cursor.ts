import * as z from 'zod/mini';
import { httpErrors } from './errors.ts';
import type { CustomerPageKey } from './orders-repository.ts';
import { CustomerIdSchema, OrderIdSchema } from './schemas.ts';

/**
 * Opaque pagination cursors: base64url of the DynamoDB key that continues a query, bound to the
 * customer it was issued for. Decoding is strict, so an edited, truncated or foreign cursor is a
 * 400, never a DynamoDB error. Editing a cursor's timestamp only moves within the same
 * customer's orders, so no signature is needed.
 */
const CursorSchema = z.strictObject({
  v: z.literal(1),
  k: z.strictObject({
    orderId: OrderIdSchema,
    customerId: CustomerIdSchema,
    createdAt: z.iso.datetime(),
  }),
});

export const encodeCursor = (key: CustomerPageKey): string =>
  Buffer.from(
    JSON.stringify({
      v: 1,
      k: { orderId: key.orderId, customerId: key.customerId, createdAt: key.createdAt },
    }),
  ).toString('base64url');

export const decodeCursor = (cursor: string, customerId: string): CustomerPageKey => {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw httpErrors.invalidCursor();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw httpErrors.invalidCursor();
  }
  const parsed = CursorSchema.safeParse(decoded);
  if (!parsed.success || parsed.data.k.customerId !== customerId) throw httpErrors.invalidCursor();
  return parsed.data.k;
};
