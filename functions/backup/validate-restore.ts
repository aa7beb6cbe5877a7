/**
 * Validates a table that AWS Backup restore testing restored, and reports the verdict with
 * PutRestoreValidationResult. Triggered by EventBridge when a restore-testing job completes.
 *
 * Checks: the restored table is ACTIVE and has the source's key schema; it holds items when the
 * source does; a sample of restored items is compared, by checksum, with the same keys in the
 * source (identical, changed since the recovery point, or gone from the source). Changes since
 * the recovery point are expected and reported, not failed: the restore proves the backup is
 * readable and complete in shape, the drill (`npm run dr:drill`) proves equality end to end.
 */
import {
  BackupClient,
  DescribeRestoreJobCommand,
  PutRestoreValidationResultCommand,
} from '@aws-sdk/client-backup';
import {
  type AttributeValue,
  BatchGetItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import type { EventBridgeEvent } from 'aws-lambda';
import { FingerprintBuilder, itemHash, itemKey } from '#commons/table-fingerprint';
import { logger, tracer } from '#powertools';

/** How many restored items are compared with the source, one BatchGetItem's worth. */
export const SAMPLE_SIZE = 25;

export interface RestoreJobEventDetail {
  readonly restoreJobId: string;
  readonly status?: string;
  readonly resourceType?: string;
  readonly createdResourceArn?: string;
}

export interface ValidationResult {
  readonly status: 'SUCCESSFUL' | 'FAILED';
  readonly message: string;
}

export interface Clients {
  readonly backup: BackupClient;
  readonly dynamodb: DynamoDBClient;
}

/** `arn:aws:dynamodb:<region>:<account>:table/<name>` → `<name>`. */
export const tableNameOf = (arn: string): string => {
  const match = /:table\/([^/]+)/.exec(arn);
  if (!match?.[1]) throw new Error(`not a DynamoDB table ARN: ${arn}`);
  return match[1];
};

type Item = Record<string, AttributeValue>;

const keySchemaOf = async (dynamodb: DynamoDBClient, tableName: string) => {
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
  return {
    status: Table?.TableStatus,
    itemCount: Table?.ItemCount ?? 0,
    keys: (Table?.KeySchema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`),
    keyAttributes: (Table?.KeySchema ?? []).flatMap((k) =>
      k.AttributeName ? [k.AttributeName] : [],
    ),
  };
};

/** Counts every item of the restored table and keeps the first {@link SAMPLE_SIZE}. */
const scanRestored = async (
  dynamodb: DynamoDBClient,
  tableName: string,
  keyAttributes: string[],
) => {
  const fingerprint = new FingerprintBuilder(keyAttributes, false);
  const sample: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey, ConsistentRead: true }),
    );
    for (const item of page.Items ?? []) {
      fingerprint.add(item);
      if (sample.length < SAMPLE_SIZE) sample.push(item);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { fingerprint: fingerprint.digest(), sample };
};

/** Runs the checks on a restore job's table; does not report. */
export const validateRestoreJob = async (
  clients: Clients,
  restoreJobId: string,
): Promise<ValidationResult | undefined> => {
  const job = await clients.backup.send(
    new DescribeRestoreJobCommand({ RestoreJobId: restoreJobId }),
  );
  if (job.ResourceType !== 'DynamoDB') return undefined;
  if (!job.CreatedResourceArn || !job.SourceResourceArn) {
    return { status: 'FAILED', message: 'restore job names no restored or source table' };
  }
  const restoredName = tableNameOf(job.CreatedResourceArn);
  const sourceName = tableNameOf(job.SourceResourceArn);
  const [restored, source] = await Promise.all([
    keySchemaOf(clients.dynamodb, restoredName),
    keySchemaOf(clients.dynamodb, sourceName),
  ]);
  if (restored.status !== 'ACTIVE') {
    return { status: 'FAILED', message: `restored table ${restoredName} is ${restored.status}` };
  }
  if (restored.keys.join(',') !== source.keys.join(',')) {
    return {
      status: 'FAILED',
      message: `key schema differs: restored [${restored.keys}] vs source [${source.keys}]`,
    };
  }
  const { fingerprint, sample } = await scanRestored(
    clients.dynamodb,
    restoredName,
    restored.keyAttributes,
  );
  if (fingerprint.itemCount === 0 && source.itemCount > 0) {
    return {
      status: 'FAILED',
      message: `restored table is empty, the source holds about ${source.itemCount} items`,
    };
  }
  const counts = { identical: 0, changed: 0, goneFromSource: 0 };
  if (sample.length > 0) {
    const keys = sample.map((item) =>
      Object.fromEntries(
        restored.keyAttributes.map((name) => [name, item[name] as AttributeValue]),
      ),
    );
    const answer = await clients.dynamodb.send(
      new BatchGetItemCommand({
        RequestItems: { [sourceName]: { Keys: keys, ConsistentRead: true } },
      }),
    );
    const sourceHashes = new Map(
      (answer.Responses?.[sourceName] ?? []).map((item) => [
        itemKey(item, restored.keyAttributes),
        itemHash(item),
      ]),
    );
    for (const item of sample) {
      const sourceHash = sourceHashes.get(itemKey(item, restored.keyAttributes));
      if (sourceHash === undefined) counts.goneFromSource += 1;
      else if (sourceHash === itemHash(item)) counts.identical += 1;
      else counts.changed += 1;
    }
  }
  return {
    status: 'SUCCESSFUL',
    message:
      `${fingerprint.itemCount} items restored (source about ${source.itemCount}), checksum ${fingerprint.checksum}; ` +
      `sample of ${sample.length}: ${counts.identical} identical, ${counts.changed} changed since the recovery point, ${counts.goneFromSource} gone from the source`,
  };
};

const clients: Clients = {
  backup: tracer.captureAWSv3Client(new BackupClient({})),
  dynamodb: tracer.captureAWSv3Client(new DynamoDBClient({})),
};

/**
 * The handler over the given clients; {@link handler} is it over the module's traced clients.
 * (A third handler parameter would receive Lambda's callback, so clients are bound here.)
 */
export const createHandler =
  (injected: Clients) =>
  async (
    event: EventBridgeEvent<'Restore Job State Change', RestoreJobEventDetail>,
  ): Promise<ValidationResult | undefined> => {
    const { restoreJobId } = event.detail;
    logger.appendKeys({ restoreJobId });
    let result: ValidationResult | undefined;
    try {
      result = await validateRestoreJob(injected, restoreJobId);
    } catch (error) {
      logger.error('restore validation could not run', { error });
      result = {
        status: 'FAILED',
        message: `validation could not run: ${error instanceof Error ? error.name : 'error'}`,
      };
    }
    if (result === undefined) {
      logger.info('not a DynamoDB restore: nothing to validate');
      return undefined;
    }
    await injected.backup.send(
      new PutRestoreValidationResultCommand({
        RestoreJobId: restoreJobId,
        ValidationStatus: result.status,
        ValidationStatusMessage: result.message.slice(0, 1000),
      }),
    );
    logger.info('restore validated', { ...result });
    return result;
  };

/** EventBridge target: `Restore Job State Change` with status COMPLETED from restore testing. */
export const handler = createHandler(clients);
