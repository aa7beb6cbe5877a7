/**
 * Personal data never reaches the logs, and a correlation id follows an order from the API to
 * the worker. `npm start`'s runtime runs in a process of its own with every handler and the
 * worker logging at DEBUG with debug sampling forced on; everything it prints is captured and
 * scanned for the contact values sent through every route.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Contact } from '#commons/schemas';
import { REPO_ROOT } from '#local/paths';
import { orderRequest, uniqueCustomer } from './http.ts';

const READY_TIMEOUT_MS = 120_000;

/** Distinctive values: none of them can appear in a log line by chance. */
const CONTACT: Contact = {
  name: 'Zephyrine Quillfeather-Obsidian',
  email: 'zq.marigold.7731@example.org',
  phone: '+447700900731',
  address: {
    line1: '17 Marigold Crescentway',
    line2: 'Flat Periwinkle 9',
    city: 'Vexhollowmere',
    postcode: 'VX9 3QZ',
    country: 'IS',
  },
};
/** Every value of the contact except the country: two letters are not distinctive. */
const SECRETS = [
  CONTACT.name,
  CONTACT.email,
  CONTACT.phone,
  CONTACT.address.line1,
  CONTACT.address.line2 ?? '',
  CONTACT.address.city,
  CONTACT.address.postcode,
];

interface Runtime {
  readonly child: ChildProcess;
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly token: string;
  output(): string;
  readonly exited: Promise<number | null>;
}

const start = async (): Promise<Runtime> => {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(AWS_|POWERTOOLS_|LOG_LEVEL$|VITEST|NODE_OPTIONS$)/.test(name)) env[name] = value;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts', '--verbose'], {
    cwd: REPO_ROOT,
    env: {
      ...env,
      PORT: '0',
      LOG_LEVEL: 'DEBUG',
      POWERTOOLS_LOGGER_SAMPLE_RATE: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const field = (pattern: RegExp): string | undefined => pattern.exec(output)?.[1];
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && child.exitCode === null) {
    const apiUrl = field(/^\s*API:\s+(http:\/\/127\.0\.0\.1:\d+)/m);
    const apiKey = field(/^\s*API key:\s+(\S+)/m);
    const token = field(/^\s*token:\s+(\S+)/m);
    if (apiUrl && apiKey && token)
      return { child, apiUrl, apiKey, token, output: () => output, exited };
    await delay(100);
  }
  child.kill('SIGKILL');
  throw new Error(`The local runtime was not ready within ${READY_TIMEOUT_MS} ms:\n${output}`);
};

const local = inject('e2eTarget') === 'local';

describe.runIf(local)('contact data and correlation ids in the logs', () => {
  let runtime: Runtime;
  const correlationId = `e2e-logs-${randomUUID()}`;

  const send = (
    path: string,
    init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) =>
    fetch(`${runtime.apiUrl}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        'x-api-key': runtime.apiKey,
        authorization: `Bearer ${runtime.token}`,
        'content-type': 'application/json',
        'x-correlation-id': correlationId,
        ...init.headers,
      },
      ...(init.body !== undefined && {
        body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
      }),
      signal: AbortSignal.timeout(25_000),
    });

  beforeAll(async () => {
    runtime = await start();
  });

  afterAll(async () => {
    if (!runtime) return;
    try {
      process.kill(-(runtime.child.pid as number), 'SIGKILL');
    } catch {
      // already gone
    }
  });

  it('sends the contact through every route and the worker, and no log line holds any of it', async () => {
    const customerId = uniqueCustomer('logs');
    const body = { ...orderRequest(customerId), contact: CONTACT };
    const key = randomUUID();

    const created = await send('/orders', { body, headers: { 'idempotency-key': key } });
    expect(created.status, await created.clone().text()).toBe(201);
    expect(created.headers.get('x-correlation-id')).toBe(correlationId);
    const order = (await created.json()) as { orderId: string; contact: Contact };
    expect(order.contact).toEqual(CONTACT);

    const replay = await send('/orders', { body, headers: { 'idempotency-key': key } });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.headers.get('x-correlation-id')).toBe(correlationId);
    const reused = await send('/orders', {
      body: { ...body, items: [{ sku: 'SKU-2', quantity: 1 }] },
      headers: { 'idempotency-key': key },
    });
    expect(reused.status).toBe(422);

    // The worker fulfils the order: wait for it (it logs every line about the message).
    const deadline = Date.now() + 30_000;
    let status = '';
    while (Date.now() < deadline) {
      const read = await send(`/orders/${order.orderId}`);
      status = ((await read.json()) as { status: string }).status;
      if (status === 'FULFILLED' || status === 'FAILED') break;
      await delay(250);
    }
    expect(status).toBe('FULFILLED');
    expect((await send(`/orders?customerId=${customerId}&limit=5`)).status).toBe(200);

    const second = await send('/orders', { body });
    const secondId = ((await second.json()) as { orderId: string }).orderId;
    const cancelled = await send(`/orders/${secondId}/cancel`, {
      body: { reason: 'changed mind' },
    });
    expect(cancelled.status).toBe(200);
    expect((await send(`/orders/${order.orderId}/cancel`, { body: {} })).status).toBe(409);

    // Bad input carrying the contact: each is a 4xx, with the correlation id.
    const bad: Array<[string, unknown]> = [
      ['bad email', { ...body, contact: { ...CONTACT, email: `${CONTACT.name}@@` } }],
      ['bad phone', { ...body, contact: { ...CONTACT, phone: `${CONTACT.phone}x` } }],
      ['unknown field', { ...body, contact: { ...CONTACT, note: CONTACT.address.line1 } }],
      ['unknown SKU', { ...body, items: [{ sku: 'NOPE-404', quantity: 1 }] }],
      ['malformed JSON', `${JSON.stringify(body).slice(0, -2)}`],
      ['wrong types', { ...body, contact: { ...CONTACT, address: CONTACT.address.city } }],
    ];
    for (const [label, payload] of bad) {
      const response = await send('/orders', { body: payload });
      expect(response.status, label).toBeGreaterThanOrEqual(400);
      expect(response.status, label).toBeLessThan(500);
      expect(response.headers.get('x-correlation-id'), label).toBe(correlationId);
    }
    const invalidId = await send('/orders', {
      body,
      headers: { 'x-correlation-id': 'not valid!' },
    });
    expect(invalidId.status).toBe(201);
    expect(invalidId.headers.get('x-correlation-id')).not.toBe('not valid!');

    // Stop the runtime (the worker drains) so every line is flushed, then scan.
    process.kill(runtime.child.pid as number, 'SIGTERM');
    await Promise.race([runtime.exited, delay(20_000)]);
    const lines = runtime.output().split('\n');

    const workerLines = lines.filter(
      (line) => line.startsWith('[worker] {') && line.includes(order.orderId),
    );
    expect(workerLines.length, 'the worker logged the order').toBeGreaterThan(0);
    for (const line of workerLines) {
      expect(JSON.parse(line.slice('[worker] '.length))).toMatchObject({
        correlation_id: correlationId,
      });
    }
    const handlerDebug = lines.filter((line) => /"level":"DEBUG"/.test(line));
    expect(handlerDebug.length, 'DEBUG lines were logged').toBeGreaterThan(0);

    const leaks = lines.filter((line) =>
      SECRETS.some((value) => line.toLowerCase().includes(value.toLowerCase())),
    );
    expect(leaks).toEqual([]);
  }, 120_000);
});
