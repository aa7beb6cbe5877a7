import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { STAGES } from '#config/stages';
import { logicalId, synthesized } from '#tests/unit/cdk/helpers';
import { DATA_OUTPUTS, dataParameterNames } from '../../../../cdk/stacks/data-stack.ts';

describe('DataStack', () => {
  const dev = synthesized('dev');
  const prod = synthesized('prod');
  const keyArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataKey'), 'Arn'] };

  it('encrypts the three tables with the customer managed key and turns on point-in-time recovery', () => {
    // Prepare
    const expected = {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      BillingMode: 'PAY_PER_REQUEST',
    };

    // Act
    const tables = dev.data.findResources('AWS::DynamoDB::Table', { Properties: expected });

    // Assess
    dev.data.resourceCountIs('AWS::DynamoDB::Table', 3);
    expect(Object.keys(tables)).toHaveLength(3);
  });

  it('rotates the customer managed key', () => {
    dev.data.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('keys orders by orderId, indexes them by owner and customer and by customer, newest first, and expires them on expiresAt', () => {
    dev.data.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [
        {
          // One consumer's partition per customer: a consumer's query reads nothing else.
          IndexName: 'byOwnerCustomer',
          KeySchema: [
            { AttributeName: 'ownerCustomer', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: 'byCustomer',
          KeySchema: [
            { AttributeName: 'customerId', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'ownerCustomer', AttributeType: 'S' },
        { AttributeName: 'createdAt', AttributeType: 'S' },
        { AttributeName: 'customerId', AttributeType: 'S' },
      ]),
    });
  });

  it('keys idempotency records by id and expires them on expiration', () => {
    dev.data.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
  });

  it('lets CloudFormation name the tables and queues', () => {
    // Act
    const namedTables = dev.data.findResources('AWS::DynamoDB::Table', {
      Properties: { TableName: Match.anyValue() },
    });
    const namedQueues = dev.data.findResources('AWS::SQS::Queue', {
      Properties: { QueueName: Match.anyValue() },
    });

    // Assess
    expect(namedTables).toEqual({});
    expect(namedQueues).toEqual({});
  });

  it('protects and retains the tables and the key in prod', () => {
    // Act
    const tables = prod.data.findResources('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { DeletionProtectionEnabled: true },
    });

    // Assess
    expect(Object.keys(tables)).toHaveLength(3);
    prod.data.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
  });

  it('deletes the tables and the key with the dev stage', () => {
    // Act
    const tables = dev.data.findResources('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: { DeletionProtectionEnabled: false },
    });

    // Assess
    expect(Object.keys(tables)).toHaveLength(3);
    dev.data.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });

  it('encrypts the fulfilment queue with the key and moves poison messages to the DLQ', () => {
    dev.data.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: keyArn,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FulfilmentDlq'), 'Arn'] },
        maxReceiveCount: STAGES.dev.fulfilmentMaxReceiveCount,
      },
    });
  });

  it('encrypts the DLQ with the key and keeps its messages for 14 days', () => {
    dev.data.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: keyArn,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  it('denies non-TLS access to every queue (fulfilment, its DLQ, the outbox DLQ)', () => {
    // Act
    const policies = dev.data.findResources('AWS::SQS::QueuePolicy', {
      Properties: {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      },
    });

    // Assess
    expect(Object.keys(policies)).toHaveLength(3);
  });

  it('creates the fault-injection parameter, switched off, under a stage-scoped name in dev', () => {
    dev.data.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/Orders/dev/fault-injection',
      Type: 'String',
      Value: JSON.stringify({ enabled: false, routes: {} }),
    });
  });

  it('has no fault-injection parameter in prod', () => {
    const names = Object.values(prod.data.findResources('AWS::SSM::Parameter')).map(
      (parameter) => parameter.Properties.Name,
    );
    expect(names).not.toContain('/Orders/prod/fault-injection');
  });

  describe('catalog', () => {
    it('keys SKUs by sku, with no TTL and no index', () => {
      // Act
      const tables = dev.data.findResources('AWS::DynamoDB::Table', {
        Properties: { KeySchema: [{ AttributeName: 'sku', KeyType: 'HASH' }] },
      });

      // Assess
      const [catalog] = Object.values(tables);
      expect(Object.keys(tables)).toHaveLength(1);
      expect(catalog?.Properties.AttributeDefinitions).toEqual([
        { AttributeName: 'sku', AttributeType: 'S' },
      ]);
      expect(catalog?.Properties.TimeToLiveSpecification).toBeUndefined();
      expect(catalog?.Properties.GlobalSecondaryIndexes).toBeUndefined();
    });

    it.each([
      ['dev', 'Delete', false],
      ['prod', 'Retain', true],
    ] as const)(
      'is encrypted, recoverable and %s-retained like the other tables',
      (name, policy, protect) => {
        // Prepare
        const stage = name === 'dev' ? dev : prod;

        // Act
        const tables = stage.data.findResources('AWS::DynamoDB::Table', {
          DeletionPolicy: policy,
          Properties: {
            KeySchema: [{ AttributeName: 'sku', KeyType: 'HASH' }],
            SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn },
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: protect,
          },
        });

        // Assess
        expect(Object.keys(tables)).toHaveLength(1);
      },
    );

    it.each(['dev', 'prod'] as const)(
      'publishes the table name under /Orders/%s/catalog-table-name for catalog:seed',
      (name) => {
        const stage = name === 'dev' ? dev : prod;
        stage.data.hasResourceProperties('AWS::SSM::Parameter', {
          Name: `/Orders/${name}/catalog-table-name`,
          Type: 'String',
          Value: { Ref: Match.stringLikeRegexp('^CatalogTable') },
        });
      },
    );
  });

  it('publishes the table names and key ARN to SSM for the Api stack, and exports nothing', () => {
    // Prepare
    const names = dataParameterNames(STAGES.dev);
    const template = dev.data.toJSON();

    // Assess
    for (const [name, ref] of [
      [names.ordersTableName, { Ref: logicalId(dev.built.data.ordersTable) }],
      [names.idempotencyTableName, { Ref: logicalId(dev.built.data.idempotencyTable) }],
      [names.keyArn, { 'Fn::GetAtt': [logicalId(dev.built.data.key), 'Arn'] }],
    ] as const) {
      dev.data.hasResourceProperties('AWS::SSM::Parameter', { Name: name, Value: ref });
    }
    const exported = Object.values(template.Outputs ?? {}).filter(
      (output) => (output as { Export?: unknown }).Export !== undefined,
    );
    expect(exported).toEqual([]);
  });

  it('names its outputs so operators can read resource names from describe-stacks', () => {
    const outputs = dev.data.toJSON().Outputs ?? {};
    expect(Object.keys(outputs).sort()).toEqual(Object.values(DATA_OUTPUTS).sort());
    expect(Object.keys(prod.data.toJSON().Outputs ?? {})).not.toContain(
      DATA_OUTPUTS.faultParameterName,
    );
  });
});
