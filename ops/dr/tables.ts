/**
 * The DynamoDB side of a DR drill: finding the stage's tables, fingerprinting a table, finding
 * its recovery point, restoring into a scratch table, and a client guard that refuses any write
 * to the source table.
 */
import {
  type AttributeValue,
  type BackupSummary,
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ListBackupsCommand,
  ListTablesCommand,
  ResourceNotFoundException,
  RestoreTableFromBackupCommand,
  RestoreTableToPointInTimeCommand,
  ScanCommand,
  type SSESpecification,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { type Fingerprint, FingerprintBuilder, itemKey } from '#commons/table-fingerprint';
import type { StageConfig } from '#config/stages';
import { CliError } from '#ops/cli';

type Item = Record<string, AttributeValue>;

/** Prefix of every scratch table a drill of `config`'s stage creates. */
export const scratchPrefix = (config: StageConfig): string =>
  `${config.appName}-${config.stage}-dr-drill-`;

/**
 * Prefix of a data store's table: CloudFormation names a table `<stack>-<logical id>-<suffix>`
 * (the local runtime `<stack>-<logical id>`), and the logical id starts with the construct id,
 * `<Store>Table` (`OrdersTable`, `IdempotencyTable`, `CatalogTable`).
 */
export const sourcePrefix = (config: StageConfig, store: string): string =>
  `${config.appName}-${config.stage}-Data-${store.charAt(0).toUpperCase()}${store.slice(1)}Table`;

export const listTables = async (dynamodb: DynamoDBClient): Promise<string[]> => {
  const names: string[] = [];
  let start: string | undefined;
  do {
    const page = await dynamodb.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    names.push(...(page.TableNames ?? []));
    start = page.LastEvaluatedTableName;
  } while (start);
  return names;
};

export const describeTable = async (
  dynamodb: DynamoDBClient,
  tableName: string,
): Promise<TableDescription | undefined> => {
  try {
    return (await dynamodb.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
};

/** The source table: `--table` as given, or the one table of the data store in the stage. */
export const resolveSourceTable = async (
  dynamodb: DynamoDBClient,
  config: StageConfig,
  store: string,
  explicit?: string,
): Promise<TableDescription> => {
  if (explicit) {
    const table = await describeTable(dynamodb, explicit);
    if (!table) {
      throw new CliError(
        `table ${explicit} does not exist: check --table and the account and region you point at (or drop --table to use the ${store} table of stage ${config.stage})`,
      );
    }
    return table;
  }
  const prefix = sourcePrefix(config, store);
  const matches = (await listTables(dynamodb)).filter((name) => name.startsWith(prefix));
  if (matches.length !== 1) {
    throw new CliError(
      matches.length === 0
        ? `no ${store} table of stage ${config.stage} (no table named ${prefix}*): deploy the stage (or start the local runtime), or pass --table <name>`
        : `${matches.length} tables match ${prefix}* (${matches.join(', ')}): pass --table <name>`,
    );
  }
  const table = await describeTable(dynamodb, matches[0] as string);
  if (!table) throw new CliError(`table ${matches[0]} disappeared while the drill started: retry`);
  return table;
};

export const keyAttributesOf = (table: TableDescription): string[] =>
  (table.KeySchema ?? []).flatMap((key) => (key.AttributeName ? [key.AttributeName] : []));

export interface TableSnapshot {
  readonly fingerprint: Fingerprint;
  /** Hash of each item, by key. */
  readonly hashes: ReadonlyMap<string, string>;
  /** Value of the change-time attribute of each item that has one, by key. */
  readonly changedAt: ReadonlyMap<string, string>;
}

/** Scans a whole table (consistent reads) into a fingerprint with per-item hashes. */
export const snapshotTable = async (
  dynamodb: DynamoDBClient,
  tableName: string,
  keyAttributes: readonly string[],
  changedAtAttribute?: string,
): Promise<TableSnapshot> => {
  const builder = new FingerprintBuilder(keyAttributes);
  const changedAt = new Map<string, string>();
  let startKey: Item | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey, ConsistentRead: true }),
    );
    for (const item of page.Items ?? []) {
      builder.add(item);
      const at = changedAtAttribute ? item[changedAtAttribute]?.S : undefined;
      if (at) changedAt.set(itemKey(item, keyAttributes), at);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { fingerprint: builder.digest(), hashes: builder.hashes, changedAt };
};

export interface RecoveryPoint {
  readonly kind: 'backup' | 'pitr';
  /** Time of the data it holds. */
  readonly time: Date;
  /** Backup ARN, or `point-in-time`. */
  readonly id: string;
}

/** The newest AVAILABLE backup of the table, or a CliError that says how to get one. */
export const latestBackup = async (
  dynamodb: DynamoDBClient,
  tableName: string,
): Promise<RecoveryPoint> => {
  const summaries: BackupSummary[] = [];
  let start: string | undefined;
  do {
    const page = await dynamodb.send(
      new ListBackupsCommand({
        TableName: tableName,
        BackupType: 'ALL',
        ExclusiveStartBackupArn: start,
      }),
    );
    summaries.push(...(page.BackupSummaries ?? []));
    start = page.LastEvaluatedBackupArn;
  } while (start);
  const latest = summaries
    .filter(
      (backup) =>
        backup.BackupStatus === 'AVAILABLE' && backup.BackupArn && backup.BackupCreationDateTime,
    )
    .sort((a, b) => Number(b.BackupCreationDateTime) - Number(a.BackupCreationDateTime))[0];
  if (!latest?.BackupArn || !latest.BackupCreationDateTime) {
    throw new CliError(
      `no backup of table ${tableName}: take one (aws dynamodb create-backup --table-name ${tableName} --backup-name drill) or run with --source pitr`,
    );
  }
  return { kind: 'backup', time: latest.BackupCreationDateTime, id: latest.BackupArn };
};

/** The latest restorable time of the table's point-in-time recovery. */
export const latestRestorableTime = async (
  dynamodb: DynamoDBClient,
  tableName: string,
  now: Date,
): Promise<RecoveryPoint> => {
  const { ContinuousBackupsDescription: description } = await dynamodb.send(
    new DescribeContinuousBackupsCommand({ TableName: tableName }),
  );
  const pitr = description?.PointInTimeRecoveryDescription;
  if (pitr?.PointInTimeRecoveryStatus !== 'ENABLED') {
    throw new CliError(
      `point-in-time recovery is off for table ${tableName}: turn it on (the Data stack does) or run with --source backup`,
    );
  }
  // An emulator may not report it; it then restores the current items.
  return { kind: 'pitr', time: pitr.LatestRestorableDateTime ?? now, id: 'point-in-time' };
};

/** Restores into a scratch table with the source's encryption; returns when it is ACTIVE. */
export const restoreInto = async (
  dynamodb: DynamoDBClient,
  source: TableDescription,
  point: RecoveryPoint,
  scratchName: string,
  deadline: Date,
): Promise<void> => {
  const sse = source.SSEDescription;
  const sseOverride: SSESpecification | undefined =
    sse?.SSEType === 'KMS' && sse.KMSMasterKeyArn
      ? { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: sse.KMSMasterKeyArn }
      : undefined;
  if (point.kind === 'backup') {
    await dynamodb.send(
      new RestoreTableFromBackupCommand({
        BackupArn: point.id,
        TargetTableName: scratchName,
        SSESpecificationOverride: sseOverride,
      }),
    );
  } else {
    await dynamodb.send(
      new RestoreTableToPointInTimeCommand({
        SourceTableName: source.TableName,
        TargetTableName: scratchName,
        UseLatestRestorableTime: true,
        SSESpecificationOverride: sseOverride,
      }),
    );
  }
  let delayMs = 200;
  for (;;) {
    const table = await describeTable(dynamodb, scratchName);
    if (table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline.getTime()) {
      throw new CliError(
        `scratch table ${scratchName} is still ${table?.TableStatus ?? 'missing'} at the deadline: delete it with --cleanup once the restore ends`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    delayMs = Math.min(delayMs * 2, 10_000);
  }
};

export const deleteTable = async (dynamodb: DynamoDBClient, tableName: string): Promise<void> => {
  try {
    await dynamodb.send(new DeleteTableCommand({ TableName: tableName }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
};

/** Commands that change a table or its items. */
const WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
  'DeleteTableCommand',
  'UpdateTableCommand',
  'UpdateTimeToLiveCommand',
  'UpdateContinuousBackupsCommand',
  'ExecuteStatementCommand',
  'BatchExecuteStatementCommand',
  'ExecuteTransactionCommand',
  'ImportTableCommand',
]);

/** Tables a command's input names (including those inside batch and transaction requests). */
const tablesOf = (input: Record<string, unknown>): string[] => {
  const names: string[] = [];
  if (typeof input.TableName === 'string') names.push(input.TableName);
  if (input.RequestItems && typeof input.RequestItems === 'object')
    names.push(...Object.keys(input.RequestItems));
  for (const entry of (input.TransactItems as Record<string, { TableName?: string }>[]) ?? []) {
    for (const action of Object.values(entry)) if (action?.TableName) names.push(action.TableName);
  }
  return names;
};

/**
 * Makes `dynamodb` refuse, before sending, any write whose target is `sourceTable`; PartiQL
 * statements are refused outright. Returns a function that removes the guard.
 */
export const guardSourceTable = (dynamodb: DynamoDBClient, sourceTable: string): (() => void) => {
  const name = 'dr-drill-source-guard';
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      const input = args.input as Record<string, unknown>;
      if (
        WRITES.has(command) &&
        (command.includes('Statement') ||
          command.includes('Execute') ||
          tablesOf(input).includes(sourceTable))
      ) {
        throw new Error(
          `the drill never writes to the source table ${sourceTable} (refused ${command})`,
        );
      }
      return next(args);
    },
    { step: 'initialize', name },
  );
  return () => dynamodb.middlewareStack.remove(name);
};
