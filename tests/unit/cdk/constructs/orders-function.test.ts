import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { STAGES } from '#config/stages';
import { actionsOfRole, logicalId } from '#tests/unit/cdk/helpers';
import { OrdersFunction } from '../../../../cdk/constructs/orders-function.ts';

describe('OrdersFunction', () => {
  // Prepare: one function in a bare stack, bundling skipped.
  const app = new App({
    context: { 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  const stack = new Stack(app, 'Test', { env: STAGES.prod.env });
  const key = new Key(stack, 'Key');
  const table = new Table(stack, 'Table', {
    partitionKey: { name: 'pk', type: AttributeType.STRING },
  });
  const fn = new OrdersFunction(stack, 'Fn', {
    routeId: 'health',
    entry: 'functions/health/health.ts',
    config: STAGES.prod,
    environment: { EXTRA: 'yes' },
  });
  fn.bindOrdersTable(table, ['dynamodb:GetItem'], key);
  const template = Template.fromStack(stack);
  const role = fn.role;

  it('keeps the default environment when the caller adds variables', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          EXTRA: 'yes',
          POWERTOOLS_SERVICE_NAME: 'orders',
          POWERTOOLS_METRICS_NAMESPACE: 'Orders',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
          STAGE: 'prod',
          ORDERS_TABLE_NAME: { Ref: Match.stringLikeRegexp('^Table') },
        },
      },
    });
  });

  it('writes to its own log group, kept for the stage retention', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^FnLogGroup') } },
    });
    template.hasResource('AWS::Logs::LogGroup', {
      DeletionPolicy: 'Retain',
      Properties: { RetentionInDays: STAGES.prod.logRetentionDays },
    });
  });

  it('grants exactly the bound table actions on the table ARN, and key use for reads only', () => {
    // Act
    const actions = actionsOfRole(template, logicalId(role ?? fn));

    // Assess
    expect(actions.filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:GetItem']);
    expect(actions.filter((a) => a.startsWith('kms:')).sort()).toEqual([
      'kms:Decrypt',
      'kms:DescribeKey',
    ]);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: 'dynamodb:GetItem',
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [logicalId(table), 'Arn'] },
          },
        ]),
      },
    });
  });

  it('records its route id and entry as template metadata', () => {
    template.hasResource('AWS::Lambda::Function', {
      Metadata: Match.objectLike({
        'orders:routeId': 'health',
        'orders:entry': 'functions/health/health.ts',
      }),
    });
  });

  it('runs on nodejs22.x and arm64', () => {
    expect(fn.runtime.name).toBe('nodejs22.x');
    expect(fn.architecture.name).toBe('arm64');
  });
});
