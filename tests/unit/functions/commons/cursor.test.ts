import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '#commons/cursor';
import { HttpError } from '#commons/errors';

const key = {
  orderId: `ord_${'a'.repeat(32)}`,
  customerId: 'cust-1',
  createdAt: '2026-01-02T03:04:05.678Z',
};

const expectInvalid = (cursor: string, customerId = 'cust-1') => {
  let caught: unknown;
  try {
    decodeCursor(cursor, customerId);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(HttpError);
  expect(caught).toMatchObject({ statusCode: 400, code: 'INVALID_CURSOR' });
};

describe('pagination cursor', () => {
  it('round-trips the key that continues a query', () => {
    expect(decodeCursor(encodeCursor(key), 'cust-1')).toEqual(key);
  });

  it('is opaque: URL-safe base64 without padding', () => {
    expect(encodeCursor(key)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('rejects a cursor issued for another customer', () => {
    expectInvalid(encodeCursor(key), 'cust-2');
  });

  it.each([
    ['not base64', 'not a cursor!'],
    ['base64 of something other than JSON', Buffer.from('hello').toString('base64url')],
    ['a truncated cursor', encodeCursor(key).slice(0, 20)],
    ['an unknown version', Buffer.from(JSON.stringify({ v: 2, k: key })).toString('base64url')],
    [
      'an extra key field',
      Buffer.from(JSON.stringify({ v: 1, k: { ...key, status: 'x' } })).toString('base64url'),
    ],
    [
      'an injected order id',
      Buffer.from(JSON.stringify({ v: 1, k: { ...key, orderId: { S: 'x' } } })).toString(
        'base64url',
      ),
    ],
  ])('rejects %s', (_case, cursor) => {
    expectInvalid(cursor);
  });
});
