import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  CreateBackupCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DynamoDBClient,
  ListTablesCommand,
  PutItemCommand,
  UpdateContinuousBackupsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEnv } from '#commons/env';
import { ENV } from '#commons/env-names';
import { fingerprintOf } from '#commons/table-fingerprint';
import { STAGES } from '#config/stages';
import { type DrillOptions, runDrill } from '../../ops/dr/drill.ts';
import {
  guardSourceTable,
  resolveSourceTable,
  scratchPrefix,
  snapshotTable,
} from '../../ops/dr/tables.ts';

/**
 * The DR drill end to end against the emulator (or any AWS_ENDPOINT_URL): each test seeds a
 * table of its own, backs it up, damages it, and drills it. The stage's own tables are not
 * touched: other suites write to them concurrently.
 */
const dynamodb = new DynamoDBClient({ maxAttempts: 1 });
const cloudwatch = new CloudWatchClient({ maxAttempts: 1 });
const created: string[] = [];
let reportsDir: string;

/** Every command the drill's client sends, with the tables it names. */
const sent: { command: string; tables: string[] }[] = [];
dynamodb.middlewareStack.add(
  (next, context) => async (args) => {
    const input = args.input as Record<string, unknown>;
    const tables = [
      ...(typeof input.TableName === 'string' ? [input.TableName] : []),
      ...(input.RequestItems ? Object.keys(input.RequestItems) : []),
    ];
    sent.push({ command: context.commandName ?? '', tables });
    return next(args);
  },
  { step: 'initialize', name: 'test-recorder' },
);

const order = (
  i: number,
  updatedAt = '2026-01-01T00:00:00.000Z',
): Record<string, AttributeValue> => ({
  orderId: { S: `ord_${String(i).padStart(4, '0')}` },
  customerId: { S: `c-${i % 7}` },
  status: { S: 'PENDING' },
  totalCents: { N: String(100 + i) },
  items: { L: [{ M: { sku: { S: 'SKU-1' }, quantity: { N: '2' } } }] },
  tags: { SS: ['b', 'a'] },
  updatedAt: { S: updatedAt },
});

/** A table shaped like the orders table, with `count` orders and one backup of them. */
const seededTable = async (count: number, options: { backup?: boolean } = {}) => {
  const name = `dr-drill-test-${randomUUID().slice(0, 8)}`;
  created.push(name);
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'orderId', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await dynamodb.send(
    new UpdateContinuousBackupsCommand({
      TableName: name,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    }),
  );
  const items = Array.from({ length: count }, (_, i) => order(i));
  for (let i = 0; i < items.length; i += 25) {
    await dynamodb.send(
      new BatchWriteItemCommand({
        RequestItems: { [name]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  }
  if (options.backup !== false) {
    await dynamodb.send(new CreateBackupCommand({ TableName: name, BackupName: 'drill-test' }));
  }
  return name;
};

const drill = (options: Partial<DrillOptions> & { table?: string }) => {
  const lines: string[] = [];
  const progress: string[] = [];
  sent.length = 0;
  const run = runDrill(
    { stage: 'dev', reportsDir, ...options },
    {
      dynamodb,
      cloudwatch,
      out: (line) => lines.push(line),
      progressOut: (text) => progress.push(text),
    },
  );
  return { run, lines, progress };
};

const writesTo = (table: string) =>
  sent.filter(
    (entry) =>
      /Put|Update|Delete|BatchWrite|Transact|Execute/.test(entry.command) &&
      entry.tables.includes(table),
  );

const scratchTables = async () =>
  ((await dynamodb.send(new ListTablesCommand({}))).TableNames ?? []).filter((name) =>
    name.startsWith(scratchPrefix(STAGES.dev)),
  );

describe('dr:drill against the emulator', () => {
  beforeAll(async () => {
    reportsDir = await mkdtemp(join(tmpdir(), 'dr-drill-'));
  });

  afterAll(async () => {
    await Promise.all(
      created.map((TableName) =>
        dynamodb.send(new DeleteTableCommand({ TableName })).catch(() => undefined),
      ),
    );
    await rm(reportsDir, { recursive: true, force: true });
  });

  it('restores the backup, finds the deleted and corrupted items, fails with a diff, and never writes the source', async () => {
    // Prepare: 40 orders backed up, then 3 deleted and 2 corrupted (no change time recorded)
    const table = await seededTable(40);
    for (const i of [1, 2, 3]) {
      await dynamodb.send(
        new DeleteItemCommand({ TableName: table, Key: { orderId: { S: `ord_000${i}` } } }),
      );
    }
    for (const i of [5, 6]) {
      await dynamodb.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { orderId: { S: `ord_000${i}` } },
          UpdateExpression: 'SET totalCents = :x',
          ExpressionAttributeValues: { ':x': { N: '-1' } },
        }),
      );
    }
    const before = await snapshotTable(dynamodb, table, ['orderId']);

    // Act
    const { run, lines, progress } = drill({ table, source: 'backup' });
    const outcome = await run;

    // Assess: the recovery point holds the 40 original orders
    const report = outcome.report;
    expect(outcome.exitCode).toBe(1);
    expect(report?.restoredFingerprint).toEqual(
      fingerprintOf(
        Array.from({ length: 40 }, (_, i) => order(i)),
        ['orderId'],
      ),
    );
    expect(report?.sourceFingerprint.itemCount).toBe(37);
    expect(report?.diff).toMatchObject({
      identical: 35,
      deletedSince: 3,
      changedSince: 0,
      unexplained: 5,
    });
    expect(report?.verified).toBe(false);
    expect(lines.join('\n')).toMatch(
      /FAILED[\s\S]*deleted since 3[\s\S]*unexplained 5[\s\S]*orderId=/,
    );
    expect(progress.join('')).toMatch(
      /\[4\] restore into Orders-dev-dr-drill-orders-\d+ \.\.\. done in/,
    );
    // The source is untouched, and nothing was sent to write it
    expect(writesTo(table)).toEqual([]);
    expect((await snapshotTable(dynamodb, table, ['orderId'])).fingerprint).toEqual(
      before.fingerprint,
    );
    expect(await scratchTables()).toEqual([]);
    // Reports: JSON, Markdown and the timeline page
    const json = JSON.parse(await readFile(outcome.paths?.json as string, 'utf8')) as {
      passed: boolean;
      rtoSeconds: number;
    };
    expect(json).toMatchObject({ passed: false });
    expect(json.rtoSeconds).toBeGreaterThan(0);
    expect(await readFile(outcome.paths?.markdown as string, 'utf8')).toContain(
      '| RTO (restore + verify) |',
    );
    expect(await readFile(outcome.paths?.html as string, 'utf8')).toMatch(
      /<svg[\s\S]*restore into/,
    );
  });

  it('passes when every difference is a change made after the backup, and reports RPO as the backup age', async () => {
    // Prepare
    const table = await seededTable(30);
    await dynamodb.send(
      new PutItemCommand({
        TableName: table,
        Item: order(5, new Date(Date.now() + 60_000).toISOString()),
      }),
    );
    await dynamodb.send(
      new PutItemCommand({
        TableName: table,
        Item: order(99, new Date(Date.now() + 60_000).toISOString()),
      }),
    );

    // Act
    const outcome = await drill({ table, source: 'backup' }).run;

    // Assess
    expect(outcome.exitCode).toBe(0);
    expect(outcome.report).toMatchObject({
      verified: true,
      passed: true,
      rtoMet: true,
      rpoMet: true,
      diff: { identical: 29, changedSince: 1, createdSince: 1, unexplained: 0 },
    });
    expect(outcome.report?.rpoSeconds).toBeLessThan(60);
  });

  it('restores to the latest restorable time with --source pitr', async () => {
    // Prepare
    const table = await seededTable(12, { backup: false });

    // Act
    const outcome = await drill({ table, source: 'pitr' }).run;

    // Assess
    expect(outcome.exitCode).toBe(0);
    expect(outcome.report?.restoredFingerprint).toEqual(outcome.report?.sourceFingerprint);
    expect(outcome.report?.recoveryPoint.id).toBe('point-in-time');
  });

  it('exits non-zero when the RTO target is exceeded, even if the data is equal', async () => {
    // Prepare
    const table = await seededTable(5);

    // Act
    const outcome = await drill({ table, rtoMinutes: 0.000_001 }).run;

    // Assess
    expect(outcome.report).toMatchObject({ verified: true, rtoMet: false, passed: false });
    expect(outcome.exitCode).toBe(1);
  });

  it('fails clearly on a table without a backup', async () => {
    const table = await seededTable(3, { backup: false });
    await expect(drill({ table }).run).rejects.toThrow(`no backup of table ${table}: take one`);
    expect(await scratchTables()).toEqual([]);
  });

  it('fails clearly on a missing table', async () => {
    await expect(drill({ table: 'no-such-table' }).run).rejects.toThrow(
      'table no-such-table does not exist: check --table',
    );
  });

  it("finds the stage's table of a data store by the Data stack's naming", async () => {
    // Act
    const orders = await resolveSourceTable(dynamodb, STAGES.dev, 'orders');
    const idempotency = await resolveSourceTable(dynamodb, STAGES.dev, 'idempotency');

    // Assess: the stage's tables, with point-in-time recovery on as the template says
    expect(orders.TableName).toBe(requireEnv(ENV.ordersTable));
    expect(idempotency.TableName).toBe(requireEnv(ENV.idempotencyTable));
    const pitr = await dynamodb.send(
      new DescribeContinuousBackupsCommand({ TableName: orders.TableName }),
    );
    expect(
      pitr.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus,
    ).toBe('ENABLED');
  });

  it('fails clearly when the stage has no table for the data store', async () => {
    await expect(drill({ store: 'nothing' }).run).rejects.toThrow(
      'no nothing table of stage dev (no table named Orders-dev-Data-NothingTable*)',
    );
  });

  it('refuses a leftover scratch table, and --cleanup deletes it', async () => {
    // Prepare: what an interrupted drill leaves
    const leftover = `${scratchPrefix(STAGES.dev)}orders-1`;
    created.push(leftover);
    await dynamodb.send(
      new CreateTableCommand({
        TableName: leftover,
        KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'orderId', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const table = await seededTable(2);

    // Act / Assess
    await expect(drill({ table }).run).rejects.toThrow(
      `scratch table ${leftover} is left from an interrupted drill: delete it with npm run dr:drill -- --stage dev --cleanup`,
    );
    const cleanup = await drill({ cleanup: true }).run;
    expect(cleanup).toEqual({ exitCode: 0, cleaned: [leftover] });
    expect(await scratchTables()).toEqual([]);
  });

  it("guards the drill's client: a write to the source table is refused before it is sent", async () => {
    // Prepare
    const table = await seededTable(1, { backup: false });
    const client = new DynamoDBClient({ maxAttempts: 1 });
    const unguard = guardSourceTable(client, table);
    const put = () => client.send(new PutItemCommand({ TableName: table, Item: order(500) }));

    // Act / Assess
    await expect(put()).rejects.toThrow(
      `the drill never writes to the source table ${table} (refused PutItemCommand)`,
    );
    unguard();
    await expect(put()).resolves.toBeDefined();
  });

  it.each([
    [{ stage: 'qa' }, "unknown stage 'qa': pass --stage <dev|staging|prod>"],
    [{ stage: 'prod' }, 'refusing to drill prod without --allow-prod'],
  ])('refuses %o before touching anything', async (options, message) => {
    await expect(drill(options).run).rejects.toThrow(message);
    expect(sent).toEqual([]);
  });

  it('as a command, exits 2 with one line that says how to fix the stage', () => {
    // Act
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'ops/dr/drill.ts', '--stage', 'qa'],
      {
        encoding: 'utf8',
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
    );

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(
      "dr:drill: unknown stage 'qa': pass --stage <dev|staging|prod>",
    );
    expect(existsSync(reportsDir)).toBe(true);
  });
});
