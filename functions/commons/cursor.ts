import { createHmac, timingSafeEqual } from 'node:crypto';
import { httpErrors } from './errors.ts';
import { type PageKey, pageKeyShape, type Reader } from './orders-repository.ts';
import { tracer } from './powertools.ts';
import * as validators from './validators.ts';

/**
 * Opaque, integrity-protected pagination cursors: `<payload>.<mac>`, where the payload is
 * base64url JSON of the DynamoDB key that continues the query, and the mac is HMAC-SHA256, under
 * the stage's cursor key, over the payload AND what the cursor is bound to: the consumer, whether
 * it reads its own or every consumer's orders, and the customer of the query. Any edit, a cursor
 * of another consumer or another customer, or one from another stage is a 400; so is anything
 * that does not decode, and nothing reaches DynamoDB unchecked.
 */
export interface CursorCodec {
  encode(key: PageKey, reader: Reader, customerId: string): Promise<string>;
  decode(cursor: string, reader: Reader, customerId: string): Promise<PageKey>;
}

const VERSION = 'v1';
const MAC_LENGTH = 43; // base64url of 32 bytes, unpadded
const CURSOR_PATTERN = new RegExp(`^[A-Za-z0-9_-]{1,900}\\.[A-Za-z0-9_-]{${MAC_LENGTH}}$`);

/** What a mac covers: the payload and the binding, each part unambiguous (no '\n' in any). */
const macInput = (payload: string, reader: Reader, customerId: string): string =>
  [VERSION, reader.consumer, reader.readsAll ? 'all' : 'own', customerId, payload].join('\n');

/**
 * A codec whose key comes from `loadKey`, asked only when a cursor is read or written (a list that
 * fits in one page needs no key) and then kept: the key is fetched once per function instance.
 */
export const createCursorCodec = (loadKey: () => Promise<string>): CursorCodec => {
  let key: Promise<string> | undefined;
  const getKey = (): Promise<string> => {
    key ??= loadKey().catch((error: unknown) => {
      key = undefined; // a failed read is retried by the next request
      throw error;
    });
    return key;
  };
  const mac = async (input: string): Promise<Buffer> =>
    createHmac('sha256', await getKey())
      .update(input)
      .digest();

  return {
    async encode(pageKey, reader, customerId) {
      const payload = Buffer.from(JSON.stringify({ k: pageKey })).toString('base64url');
      const tag = await mac(macInput(payload, reader, customerId));
      return `${payload}.${tag.toString('base64url')}`;
    },
    async decode(cursor, reader, customerId) {
      if (!CURSOR_PATTERN.test(cursor)) throw httpErrors.invalidCursor();
      const [payload = '', sent = ''] = cursor.split('.');
      // Compared as text, not decoded: the last base64url character carries two unused bits, so
      // decoding would accept some edited cursors.
      const expected = Buffer.from(
        (await mac(macInput(payload, reader, customerId))).toString('base64url'),
      );
      const given = Buffer.from(sent);
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        throw httpErrors.invalidCursor();
      // Authentic, so ours; still checked, so a key change can never send DynamoDB a bad key.
      let decoded: unknown;
      try {
        decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      } catch {
        throw httpErrors.invalidCursor();
      }
      const parsed = validators.cursorPayload.check(decoded);
      const shape = pageKeyShape(reader, customerId);
      const [partitionName, partitionValue] = shape.partition;
      if (
        parsed === undefined ||
        Object.keys(parsed.k).sort().join() !== [...shape.names].sort().join() ||
        parsed.k[partitionName] !== partitionValue
      )
        throw httpErrors.invalidCursor();
      return parsed.k;
    },
  };
};

/**
 * The cursor key from a Secrets Manager secret (the stack generates it per stage; it is never in
 * code or logs). The SDK client loads on first use, so cold starts do not pay for it.
 */
export const secretsManagerKey = (secretId: string) => async (): Promise<string> => {
  const { SecretsManagerClient, GetSecretValueCommand } = await import(
    '@aws-sdk/client-secrets-manager'
  );
  const client = tracer.captureAWSv3Client(new SecretsManagerClient({}));
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!SecretString) throw new Error(`Secret ${secretId} has no string value`);
  return SecretString;
};
