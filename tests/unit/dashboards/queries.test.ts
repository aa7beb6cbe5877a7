import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SAVED_QUERIES } from '#dashboards';
import { createLambdaContext } from '#local/lambda-context';
import { apiEvent } from '#tests/fixtures/api-event';
import { synthesized } from '#tests/unit/cdk/helpers';
import { FulfilmentConsumer } from '../../../containers/worker/src/consumer.ts';
import type { LogSource } from '../../../dashboards/queries.ts';
import { handler as getOrder } from '../../../functions/orders/get-order.ts';

/**
 * The saved Logs Insights queries name fields that the logs really contain: the API's handlers
 * and the worker run here with their AWS calls mocked and an error thrown in each, their JSON
 * log lines are captured, and every field a query names must be on some line of the log groups
 * it runs over. API Gateway's access log fields come from the synthesized stage's format.
 */
vi.hoisted(() => {
  // Read once, when the logger is built: Powertools restores it on every invocation.
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
});

type Line = Record<string, unknown>;
const captured: Record<'functions' | 'worker', Line[]> = { functions: [], worker: [] };
let into: keyof typeof captured = 'functions';

const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
beforeAll(() => {
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = process[name];
    const original = originals[name];
    stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString();
      const lines = text.split('\n').filter((line) => line.startsWith('{"level"'));
      if (lines.length === 0)
        return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
      for (const line of lines) captured[into].push(JSON.parse(line) as Line);
      return true;
    } as typeof stream.write;
  }
});
afterAll(() => {
  process.stdout.write = originals.stdout;
  process.stderr.write = originals.stderr;
});

const has = (line: Line, path: string): boolean => {
  let value: unknown = line;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return false;
    value = (value as Record<string, unknown>)[part];
  }
  return value !== undefined && value !== null && value !== '';
};

/** Fields a query names (in `fields`, `filter` and `by`), without Logs Insights' own `@` ones. */
const fieldsOf = (query: string): string[] => {
  const names = new Set<string>();
  const list = (text: string | undefined) =>
    (text ?? '')
      .split(',')
      .map(
        (part) =>
          part
            .trim()
            .split(/\s+as\s+/)[0]
            ?.trim() ?? '',
      )
      .filter((name) => /^[A-Za-z_][\w.]*$/.test(name))
      .forEach((name) => {
        names.add(name);
      });
  for (const match of query.matchAll(/(?:^|\|)\s*fields\s+([^|\n]+)/gm)) list(match[1]);
  for (const match of query.matchAll(/\bby\s+([^|\n]+)/g)) list(match[1]);
  for (const match of query.matchAll(/(?<![@\w.])([A-Za-z_][\w.]*)\s*=\s*"/g))
    names.add(match[1] ?? '');
  for (const match of query.matchAll(/ispresent\(([\w.]+)\)/g)) names.add(match[1] ?? '');
  return [...names];
};

const accessLogFields = (): string[] => {
  const stages = synthesized('dev').api.findResources('AWS::ApiGateway::Stage');
  const format = Object.values(stages)[0]?.Properties?.AccessLogSetting?.Format as string;
  return Object.keys(JSON.parse(format) as object);
};

describe('saved Logs Insights queries', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const sqs = mockClient(SQSClient);
  const fingerprints: Record<string, unknown[]> = { functions: [], worker: [] };

  beforeAll(async () => {
    // The same failure twice, about two different orders and addresses.
    for (const [orderId, address] of [
      [`ord_${'a'.repeat(32)}`, '10.0.0.1:443'],
      [`ord_${'b'.repeat(32)}`, '10.0.7.9:443'],
    ] as const) {
      ddb.on(GetCommand).rejects(new Error(`connect ECONNREFUSED ${address} reading ${orderId}`));
      await getOrder(
        apiEvent({ method: 'GET', path: `/orders/${orderId}`, pathParameters: { orderId } }),
        createLambdaContext('getOrder'),
      );
    }

    into = 'worker';
    const orderId = `ord_${'c'.repeat(32)}`;
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          {
            MessageId: 'm-1',
            ReceiptHandle: 'r-1',
            Body: JSON.stringify({
              schemaVersion: 1,
              type: 'OrderCreated',
              eventId: 'e-1',
              orderId,
              occurredAt: new Date().toISOString(),
              correlationId: 'corr-1',
            }),
          },
        ],
      })
      .callsFake(async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return {};
      });
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    sqs.on(DeleteMessageBatchCommand).resolves({});
    const consumer = new FulfilmentConsumer({
      sqs: new SQSClient({}),
      config: {
        queueUrl: 'https://sqs.test/queue',
        dlqUrl: 'https://sqs.test/dlq',
        pollers: 1,
        batchSize: 10,
        waitSeconds: 1,
        visibilitySeconds: 30,
        retryDelaySeconds: 0,
      },
      fulfil: async () => {
        throw new TypeError(`Cannot read properties of undefined (reading 'items') in ${orderId}`);
      },
    });
    consumer.start();
    const deadline = Date.now() + 5_000;
    while (consumer.stats.retried === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await consumer.stop(1_000);
    into = 'functions';
    ddb.reset();
    sqs.reset();

    for (const source of ['functions', 'worker'] as const)
      fingerprints[source] = captured[source]
        .filter((line) => line.level === 'ERROR')
        .map((line) => line.errorFingerprint);
  });

  it('logs every 5xx and every failed message with a fingerprint that ignores ids and addresses', () => {
    expect(fingerprints.functions).toHaveLength(2);
    expect(fingerprints.functions?.[0]).toMatch(/^[0-9a-f]{12}$/);
    expect(fingerprints.functions?.[1]).toBe(fingerprints.functions?.[0]);
    expect(fingerprints.worker).toHaveLength(1);
    expect(fingerprints.worker?.[0]).toMatch(/^[0-9a-f]{12}$/);
    expect(fingerprints.worker?.[0]).not.toBe(fingerprints.functions?.[0]);
    const signature = captured.functions.find((line) => line.level === 'ERROR')?.errorSignature;
    expect(signature).toMatch(/^Error: connect ECONNREFUSED <ip> reading <orderId> @ /);
  });

  it('name only fields that the log lines of their log groups carry', () => {
    const lines: Record<LogSource, Line[]> = {
      functions: captured.functions,
      worker: captured.worker,
      apiAccess: [Object.fromEntries(accessLogFields().map((field) => [field, 'x']))],
    };
    const missing = SAVED_QUERIES.flatMap((query) =>
      fieldsOf(query.query)
        .filter(
          (field) =>
            !query.sources.some((source) => lines[source].some((line) => has(line, field))),
        )
        .map((field) => `${query.id}: ${field}`),
    );

    expect(SAVED_QUERIES.flatMap((query) => fieldsOf(query.query)).length).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });

  it('follow one request by its correlation id through the API and the worker', () => {
    const follow = SAVED_QUERIES.find((query) => query.id === 'follow-correlation-id');

    expect(follow?.sources).toEqual(expect.arrayContaining(['functions', 'worker']));
    expect(follow?.query).toContain('correlation_id = ');
    expect(captured.functions.some((line) => has(line, 'correlation_id'))).toBe(true);
    expect(captured.worker.some((line) => line.correlation_id === 'corr-1')).toBe(true);
  });
});
