import { describe, expect, it, vi } from 'vitest';
import { createCursorCodec } from '#commons/cursor';
import { HttpError } from '#commons/errors';

const KEY = 'k'.repeat(64);
const codec = createCursorCodec(async () => KEY);
const storefront = { consumer: 'storefront', readsAll: false };
const ownKey = {
  orderId: `ord_${'a'.repeat(32)}`,
  ownerCustomer: 'storefront#cust-1',
  createdAt: '2026-01-02T03:04:05.678Z',
};

const expectInvalid = async (
  cursor: string,
  reader = storefront,
  customerId = 'cust-1',
): Promise<void> => {
  const error = await codec.decode(cursor, reader, customerId).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(HttpError);
  expect(error).toMatchObject({ statusCode: 400, code: 'INVALID_CURSOR' });
};

describe('pagination cursor', () => {
  it('round-trips the key that continues a query', async () => {
    const cursor = await codec.encode(ownKey, storefront, 'cust-1');

    expect(await codec.decode(cursor, storefront, 'cust-1')).toEqual(ownKey);
  });

  it('is opaque and URL-safe: base64url payload and mac, no padding', async () => {
    expect(await codec.encode(ownKey, storefront, 'cust-1')).toMatch(
      /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/,
    );
  });

  it('rejects every single-character edit, at every position of the payload and the mac', async () => {
    const cursor = await codec.encode(ownKey, storefront, 'cust-1');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let accepted = 0;
    let tried = 0;

    for (let index = 0; index < cursor.length; index++) {
      if (cursor[index] === '.') continue;
      for (const replacement of alphabet) {
        if (replacement === cursor[index]) continue;
        const edited = `${cursor.slice(0, index)}${replacement}${cursor.slice(index + 1)}`;
        tried++;
        if (
          await codec.decode(edited, storefront, 'cust-1').then(
            () => true,
            () => false,
          )
        )
          accepted++;
      }
    }

    expect(tried).toBeGreaterThan(5000);
    expect(accepted).toBe(0);
  });

  it('rejects a well-formed cursor whose key was edited and re-encoded without the mac key', async () => {
    const cursor = await codec.encode(ownKey, storefront, 'cust-1');
    const [, mac] = cursor.split('.');
    const edited = Buffer.from(
      JSON.stringify({ k: { ...ownKey, createdAt: '2030-01-01T00:00:00.000Z' } }),
    ).toString('base64url');

    await expectInvalid(`${edited}.${mac}`);
  });

  it('binds a cursor to its consumer: another consumer gets 400 for it', async () => {
    const cursor = await codec.encode(ownKey, storefront, 'cust-1');

    await expectInvalid(cursor, { consumer: 'marketplace', readsAll: false });
  });

  it('binds a cursor to its customer and to the own/all view', async () => {
    const cursor = await codec.encode(ownKey, storefront, 'cust-1');

    await expectInvalid(cursor, storefront, 'cust-2');
    await expectInvalid(cursor, { consumer: 'storefront', readsAll: true });
  });

  it('rejects a cursor signed with another key (another stage)', async () => {
    const other = createCursorCodec(async () => 'x'.repeat(64));
    const cursor = await other.encode(ownKey, storefront, 'cust-1');

    await expectInvalid(cursor);
  });

  it.each([
    ['not a cursor', 'not a cursor!'],
    ['no mac', 'eyJrIjp7fX0'],
    ['a short mac', 'eyJrIjp7fX0.abc'],
    ['an empty string', ''],
  ])('rejects %s', async (_case, cursor) => {
    await expectInvalid(cursor);
  });

  it('reads the key once, when a cursor is first used, and again only after a failed read', async () => {
    const loadKey = vi
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(new Error('throttled'))
      .mockResolvedValue(KEY);
    const lazy = createCursorCodec(loadKey);
    expect(loadKey).not.toHaveBeenCalled();

    await expect(lazy.encode(ownKey, storefront, 'cust-1')).rejects.toThrow('throttled');
    const cursor = await lazy.encode(ownKey, storefront, 'cust-1');
    await lazy.decode(cursor, storefront, 'cust-1');

    expect(loadKey).toHaveBeenCalledTimes(2);
  });
});
