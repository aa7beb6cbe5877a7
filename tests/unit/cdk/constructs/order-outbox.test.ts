import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { STAGES } from '#config/stages';
import { logicalId, statementsOfRole, synthesized } from '#tests/unit/cdk/helpers';

describe('OrderOutbox', () => {
  const dev = synthesized('dev');
  const prod = synthesized('prod');
  const { data } = dev.built;
  const table = logicalId(data.ordersTable);
  const queue = logicalId(data.fulfilmentQueue);
  const dlq = logicalId(data.outbox.deadLetterQueue);
  const role = logicalId(data.outbox.role);
  const key = logicalId(data.key);

  it('streams new and old images of every orders table change', () => {
    dev.data.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  it('pipes the stream to the fulfilment queue from the oldest record, with its own DLQ', () => {
    dev.data.resourceCountIs('AWS::Pipes::Pipe', 1);
    dev.data.hasResourceProperties('AWS::Pipes::Pipe', {
      Source: { 'Fn::GetAtt': [table, 'StreamArn'] },
      Target: { 'Fn::GetAtt': [queue, 'Arn'] },
      RoleArn: { 'Fn::GetAtt': [role, 'Arn'] },
      SourceParameters: {
        DynamoDBStreamParameters: {
          StartingPosition: 'TRIM_HORIZON',
          MaximumRetryAttempts: Match.anyValue(),
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
        },
      },
      LogConfiguration: Match.objectLike({ Level: 'ERROR' }),
    });
  });

  it('lets only inserts that record OrderCreated and cancels from PENDING or PROCESSING through', () => {
    // Act
    const pipe = Object.values(dev.data.findResources('AWS::Pipes::Pipe'))[0];
    const patterns = pipe?.Properties.SourceParameters.FilterCriteria.Filters.map(
      (filter: { Pattern: string }) => JSON.parse(filter.Pattern),
    );

    // Assess
    expect(patterns).toEqual([
      { eventName: ['INSERT'], dynamodb: { NewImage: { lastEvent: { S: ['OrderCreated'] } } } },
      {
        eventName: ['MODIFY'],
        dynamodb: {
          NewImage: { lastEvent: { S: ['OrderCancelled'] } },
          OldImage: { status: { S: ['PENDING', 'PROCESSING'] } },
        },
      },
    ]);
  });

  it('shapes each message as the versioned OrderEvent contract', () => {
    // Act
    const pipe = Object.values(dev.data.findResources('AWS::Pipes::Pipe'))[0];
    const template: string = pipe?.Properties.TargetParameters.InputTemplate;

    // Assess: valid JSON once the placeholders are filled, with every field of the contract.
    const filled = JSON.parse(template.replaceAll(/<[^>]+>/g, 'x'));
    expect(Object.keys(filled).sort()).toEqual(
      [
        'schemaVersion',
        'type',
        'eventId',
        'orderId',
        'occurredAt',
        'correlationId',
        'traceHeader',
      ].sort(),
    );
    expect(filled.schemaVersion).toBe(1);
    expect(template).toContain('"eventId":"<$.eventID>"');
  });

  it('is assumed only by EventBridge Pipes of this account', () => {
    dev.data.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'pipes.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': STAGES.dev.env.account } },
          }),
        ],
      },
    });
  });

  it('may read this stream, send to the two queues and use the key, nothing more', () => {
    // Act
    const statements = statementsOfRole(dev.data, role);
    const byAction = (prefix: string) =>
      statements.filter((s) => [s.Action].flat().some((a) => a.startsWith(prefix)));

    // Assess
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    expect(JSON.stringify(statements.map((s) => s.Resource))).not.toMatch(/"\*"/);
    expect(byAction('dynamodb:')).toEqual([
      expect.objectContaining({
        Action: [
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
        ],
        Resource: { 'Fn::GetAtt': [table, 'StreamArn'] },
      }),
    ]);
    expect(byAction('sqs:')).toEqual([
      expect.objectContaining({
        Action: 'sqs:SendMessage',
        Resource: [{ 'Fn::GetAtt': [queue, 'Arn'] }, { 'Fn::GetAtt': [dlq, 'Arn'] }],
      }),
    ]);
    expect(byAction('kms:')).toEqual([
      expect.objectContaining({
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: { 'Fn::GetAtt': [key, 'Arn'] },
      }),
    ]);
  });

  it('encrypts its DLQ with the data key, keeps records 14 days, and retains it in prod', () => {
    dev.data.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    const prodDlq = logicalId(prod.built.data.outbox.deadLetterQueue);
    expect(prod.data.toJSON().Resources[prodDlq].DeletionPolicy).toBe('Retain');
  });
});
