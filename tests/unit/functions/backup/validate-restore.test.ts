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
  type TableStatus,
} from '@aws-sdk/client-dynamodb';
import type { EventBridgeEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createHandler,
  type RestoreJobEventDetail,
  tableNameOf,
} from '../../../../functions/backup/validate-restore.ts';

const backup = mockClient(BackupClient);
const dynamodb = mockClient(DynamoDBClient);
const handler = createHandler({ backup: new BackupClient({}), dynamodb: new DynamoDBClient({}) });

const ARN = 'arn:aws:dynamodb:eu-west-1:111111111111:table/';
const event = {
  detail: { restoreJobId: 'job-1', status: 'COMPLETED' },
} as EventBridgeEvent<'Restore Job State Change', RestoreJobEventDetail>;

const order = (id: string, status = 'PENDING'): Record<string, AttributeValue> => ({
  orderId: { S: id },
  status: { S: status },
});

const table = (itemCount: number, status: TableStatus = 'ACTIVE', key = 'orderId') => ({
  Table: {
    TableStatus: status,
    ItemCount: itemCount,
    KeySchema: [{ AttributeName: key, KeyType: 'HASH' as const }],
  },
});

const givenRestore = (restored: ReturnType<typeof table>, source: ReturnType<typeof table>) => {
  backup.on(DescribeRestoreJobCommand).resolves({
    ResourceType: 'DynamoDB',
    CreatedResourceArn: `${ARN}restored`,
    SourceResourceArn: `${ARN}source`,
  });
  dynamodb.on(DescribeTableCommand, { TableName: 'restored' }).resolves(restored);
  dynamodb.on(DescribeTableCommand, { TableName: 'source' }).resolves(source);
};

describe('validate-restore', () => {
  afterEach(() => {
    backup.reset();
    dynamodb.reset();
  });

  it('reports SUCCESSFUL with counts and the sample comparison', async () => {
    // Prepare
    givenRestore(table(3), table(3));
    dynamodb.on(ScanCommand).resolves({ Items: [order('a'), order('b'), order('c')] });
    dynamodb.on(BatchGetItemCommand).resolves({
      Responses: { source: [order('a'), order('b', 'CANCELLED')] },
    });

    // Act
    const result = await handler(event);

    // Assess
    expect(result?.status).toBe('SUCCESSFUL');
    expect(result?.message).toMatch(
      /^3 items restored.*1 identical, 1 changed.*1 gone from the source$/,
    );
    expect(backup).toHaveReceivedCommandWith(PutRestoreValidationResultCommand, {
      RestoreJobId: 'job-1',
      ValidationStatus: 'SUCCESSFUL',
    });
  });

  it('fails an empty restore of a table that holds items', async () => {
    // Prepare
    givenRestore(table(0), table(120));
    dynamodb.on(ScanCommand).resolves({ Items: [] });

    // Act
    const result = await handler(event);

    // Assess
    expect(result).toEqual({
      status: 'FAILED',
      message: 'restored table is empty, the source holds about 120 items',
    });
    expect(backup).toHaveReceivedCommandWith(PutRestoreValidationResultCommand, {
      ValidationStatus: 'FAILED',
    });
  });

  it('fails a restore whose key schema differs from the source', async () => {
    // Prepare
    givenRestore(table(1, 'ACTIVE', 'id'), table(1));

    // Act
    const result = await handler(event);

    // Assess
    expect(result?.status).toBe('FAILED');
    expect(result?.message).toContain('key schema differs');
    expect(dynamodb).not.toHaveReceivedCommand(ScanCommand);
  });

  it('reports FAILED, without internals, when the checks cannot run', async () => {
    // Prepare
    backup
      .on(DescribeRestoreJobCommand)
      .rejects(Object.assign(new Error('secret detail'), { name: 'AccessDeniedException' }));

    // Act
    const result = await handler(event);

    // Assess
    expect(result).toEqual({
      status: 'FAILED',
      message: 'validation could not run: AccessDeniedException',
    });
    expect(backup).toHaveReceivedCommandWith(PutRestoreValidationResultCommand, {
      ValidationStatus: 'FAILED',
    });
  });

  it('ignores restores of other resource types', async () => {
    // Prepare
    backup.on(DescribeRestoreJobCommand).resolves({ ResourceType: 'EBS' });

    // Act
    const result = await handler(event);

    // Assess
    expect(result).toBeUndefined();
    expect(backup).not.toHaveReceivedCommand(PutRestoreValidationResultCommand);
  });

  it('reads the table name from a table ARN and refuses anything else', () => {
    expect(tableNameOf(`${ARN}Orders-dev-Data-OrdersTable-1`)).toBe(
      'Orders-dev-Data-OrdersTable-1',
    );
    expect(() => tableNameOf('arn:aws:s3:::bucket')).toThrow('not a DynamoDB table ARN');
  });
});
