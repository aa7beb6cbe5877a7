import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { STAGES } from '#config/stages';
import type { ROUTES } from '#routes';
import { logicalId, type Statement, statementsOfRole, synthesized } from '#tests/unit/cdk/helpers';
import { workerParameterNames } from '../../../../cdk/stacks/worker-stack.ts';
import { TRIAGE_ENV } from '../../../../functions/triage/env-names.ts';

/**
 * The triage construct in the Api stack as each stage synthesizes it: the guardrail, the table,
 * and the function's and operator routes' permissions, which must be exactly what their sources
 * and routes need.
 */
const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
const resourcesOf = (statement: Statement): unknown[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];

describe('incident triage (Api stack)', () => {
  const prod = synthesized('prod');
  const { triage } = prod.built.api;
  const roleOf = (fn: { role?: unknown }) => {
    if (!fn.role) throw new Error('function without a role');
    return logicalId(fn.role as Parameters<typeof logicalId>[0]);
  };
  const functionStatements = statementsOfRole(prod.api, roleOf(triage.function));
  const grantedOn = (action: string) =>
    functionStatements
      .filter((statement) => statement.Effect === 'Allow' && actionsOf(statement).includes(action))
      .flatMap(resourcesOf);

  it('defines a guardrail that filters the PII the redactor covers, and prompt attacks', () => {
    prod.api.hasResourceProperties('AWS::Bedrock::Guardrail', {
      SensitiveInformationPolicyConfig: {
        PiiEntitiesConfig: Match.arrayWith(
          [
            'EMAIL',
            'PHONE',
            'IP_ADDRESS',
            'CREDIT_DEBIT_CARD_NUMBER',
            'INTERNATIONAL_BANK_ACCOUNT_NUMBER',
            'US_SOCIAL_SECURITY_NUMBER',
            'UK_NATIONAL_INSURANCE_NUMBER',
            'AWS_ACCESS_KEY',
            'AWS_SECRET_KEY',
            'PASSWORD',
          ].map((type) =>
            Match.objectLike({ Type: type, Action: STAGES.prod.triage.guardrailPiiAction }),
          ),
        ),
      },
      ContentPolicyConfig: {
        FiltersConfig: [Match.objectLike({ Type: 'PROMPT_ATTACK', InputStrength: 'HIGH' })],
      },
    });
  });

  it('keeps incidents in an encrypted table that expires them and can be restored', () => {
    prod.api.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byOpened' })],
    });
  });

  it('queries the logs of every function and of the worker, and of nothing else', () => {
    const stack = Stack.of(triage);
    // The CloudFormation parameter that reads the Worker stack's SSM parameter at deploy time.
    const [workerLogGroupParameter] =
      Object.entries(
        (prod.api.toJSON().Parameters ?? {}) as Record<string, { Default?: string }>,
      ).find(
        ([, parameter]) => parameter.Default === workerParameterNames(STAGES.prod).logGroupName,
      ) ?? [];
    expect(workerLogGroupParameter).toBeDefined();
    const functionGroups = Object.values(prod.built.api.functions).map((fn) =>
      stack.resolve(fn.logGroup.logGroupArn),
    );
    const resources = grantedOn('logs:StartQuery');

    expect(resources).toEqual(expect.arrayContaining(functionGroups));
    // One more: the worker's group, named by the SSM parameter the Worker stack publishes.
    expect(resources).toHaveLength(functionGroups.length + 1);
    expect(JSON.stringify(resources)).toContain(`{"Ref":"${workerLogGroupParameter}"}`);
    expect(resources).not.toContain('*');
    const environment = prod.api.findResources('AWS::Lambda::Function', {
      Properties: {
        Environment: { Variables: Match.objectLike({ TRIAGE_LOG_GROUPS: Match.anyValue() }) },
      },
    });
    expect(Object.keys(environment)).toHaveLength(1);
    expect(JSON.stringify(environment)).toContain(`{"Ref":"${workerLogGroupParameter}"}`);
  });

  it('gives "*" only to the read APIs that take no resource', () => {
    const wildcard = functionStatements
      .filter((statement) => resourcesOf(statement).includes('*'))
      .flatMap(actionsOf);

    expect(wildcard.sort()).toEqual(
      [
        'cloudwatch:GetMetricData',
        'logs:GetQueryResults',
        'xray:GetTraceSummaries',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
        ...(STAGES.prod.triage.comprehend ? ['comprehend:DetectPiiEntities'] : []),
      ].sort(),
    );
  });

  it('may invoke only the configured model, through its own guardrail', () => {
    const model = STAGES.prod.triage.model;
    if (!model) throw new Error('prod triage names a model');
    expect(JSON.stringify(grantedOn('bedrock:InvokeModel'))).toMatch(
      new RegExp(`:foundation-model/${model.modelId.replace(/\./g, '\\.')}"`),
    );
    expect(grantedOn('bedrock:InvokeModel')).toHaveLength(1);
    expect(grantedOn('bedrock:ApplyGuardrail')).toEqual([
      { 'Fn::GetAtt': [Stack.of(triage).getLogicalId(triage.guardrail), 'GuardrailArn'] },
    ]);
  });

  it('subscribes to the page topic whose ARN the Alerting stack publishes', () => {
    prod.api.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Endpoint: { 'Fn::GetAtt': [logicalId(triage.function), 'Arn'] },
      TopicArn: { Ref: Match.stringLikeRegexp('PageTopicArn|alertingpagetopicarn') },
    });
  });

  it('gives each operator route only what it does: read, review, or start a run', () => {
    const routeStatements = (id: (typeof ROUTES)[number]['id']) =>
      statementsOfRole(prod.api, roleOf(prod.built.api.functions[id]));
    const tableArn = { 'Fn::GetAtt': [logicalId(triage.table), 'Arn'] };
    const onTable = (id: (typeof ROUTES)[number]['id']) =>
      routeStatements(id)
        .filter((statement) =>
          resourcesOf(statement).some((r) => JSON.stringify(r) === JSON.stringify(tableArn)),
        )
        .flatMap(actionsOf)
        .sort();

    expect(onTable('listTriagedIncidents')).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(onTable('getTriagedIncident')).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(onTable('reviewHypothesis')).toEqual(
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'].sort(),
    );
    expect(onTable('startTriage')).toEqual([]);
    const invoke = routeStatements('startTriage').filter((statement) =>
      actionsOf(statement).includes('lambda:InvokeFunction'),
    );
    expect(invoke.flatMap(resourcesOf)).toEqual([
      { 'Fn::GetAtt': [logicalId(triage.function), 'Arn'] },
    ]);
    const startEnv = prod.api.findResources('AWS::Lambda::Function', {
      Metadata: Match.objectLike({ 'orders:routeId': 'startTriage' }),
    });
    expect(JSON.stringify(startEnv)).toContain(TRIAGE_ENV.functionName);
  });
});
