import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { STAGES, type StageConfig } from '#config/stages';
import { escalationProblems } from '../../../../cdk/constructs/escalation.ts';
import { AlertingStack } from '../../../../cdk/stacks/alerting-stack.ts';

/** The Alerting stack of a stage on its own: no other stack, no bundling. */
const alerting = (config: StageConfig) => {
  const app = new App({
    context: { 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  const stack = new AlertingStack(app, `Orders-${config.stage}-Alerting`, {
    env: config.env,
    config,
    apiName: 'OrdersApi',
  });
  return { stack, template: Template.fromStack(stack) };
};

describe('paging: subscriptions and escalation (Alerting stack)', () => {
  let prod: ReturnType<typeof alerting>;
  let dev: ReturnType<typeof alerting>;
  beforeAll(() => {
    prod = alerting(STAGES.prod);
    dev = alerting(STAGES.dev);
  }, 120_000);

  it('subscribes each severity topic to the email and HTTPS endpoints of the stage config', () => {
    const { stack, template } = prod;
    const page = stack.resolve(stack.topics.page.topicArn);
    const info = stack.resolve(stack.topics.info.topicArn);
    const { page: pageSubs, info: infoSubs } = STAGES.prod.paging.subscriptions;

    for (const email of pageSubs.email ?? [])
      template.hasResourceProperties('AWS::SNS::Subscription', {
        TopicArn: page,
        Protocol: 'email',
        Endpoint: email,
      });
    for (const url of pageSubs.https ?? [])
      template.hasResourceProperties('AWS::SNS::Subscription', {
        TopicArn: page,
        Protocol: 'https',
        Endpoint: url,
      });
    for (const url of infoSubs.https ?? [])
      template.hasResourceProperties('AWS::SNS::Subscription', {
        TopicArn: info,
        Protocol: 'https',
        Endpoint: url,
      });
  });

  it('adds no HTTPS subscription where the stage lists none (dev)', () => {
    expect(
      dev.template.findResources('AWS::SNS::Subscription', { Properties: { Protocol: 'https' } }),
    ).toEqual({});
  });

  it('gives every escalation tier a KMS-encrypted topic with its own subscribers (SMS in prod)', () => {
    const { stack, template } = prod;
    const tiers = STAGES.prod.paging.escalation.tiers;

    expect(stack.escalation.tierTopics).toHaveLength(tiers.length);
    stack.escalation.tierTopics.forEach((topic, index) => {
      const arn = stack.resolve(topic.topicArn);
      for (const number of tiers[index]?.subscriptions.sms ?? [])
        template.hasResourceProperties('AWS::SNS::Subscription', {
          TopicArn: arn,
          Protocol: 'sms',
          Endpoint: number,
        });
    });
    for (const topic of Object.values(template.findResources('AWS::SNS::Topic')))
      expect(topic.Properties.KmsMasterKeyId).toBeDefined();
  });

  it('keeps incidents in a KMS-encrypted table with point-in-time recovery, a TTL and the open index', () => {
    prod.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'open' })],
      DeletionProtectionEnabled: true,
    });
  });

  it('subscribes the on-alarm function to the page topic, and no other topic', () => {
    const { stack, template } = prod;
    const lambdaSubscriptions = Object.values(
      template.findResources('AWS::SNS::Subscription', { Properties: { Protocol: 'lambda' } }),
    );

    expect(lambdaSubscriptions.map((subscription) => subscription.Properties.TopicArn)).toEqual([
      stack.resolve(stack.topics.page.topicArn),
    ]);
  });

  it('waits between tiers as long as the escalation policy says, in a traced, logged state machine', () => {
    const { stack, template } = alerting(STAGES.staging);
    const definition = JSON.stringify(
      stack.resolve(stack.escalation.stateMachine.node.defaultChild && template.toJSON()),
    );
    const [primary, secondary, manager] = STAGES.staging.paging.escalation.tiers;

    expect(definition).toContain(
      `\\"Seconds\\":${((secondary?.afterMinutes ?? 0) - (primary?.afterMinutes ?? 0)) * 60}`,
    );
    expect(definition).toContain(
      `\\"Seconds\\":${((manager?.afterMinutes ?? 0) - (secondary?.afterMinutes ?? 0)) * 60}`,
    );
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
    });
  });

  it('grants no wildcard action, and the functions no wildcard resource beyond X-Ray', () => {
    for (const policy of Object.values(prod.template.findResources('AWS::IAM::Policy'))) {
      for (const statement of policy.Properties.PolicyDocument.Statement as {
        Action: string | string[];
      }[]) {
        const actions = [statement.Action].flat();
        expect(
          actions.filter((action) => action.endsWith('*')),
          JSON.stringify(statement),
        ).toEqual([]);
      }
    }
  });

  it('refuses an escalation policy whose tiers are not in order', () => {
    const tier = (name: string, afterMinutes: number) => ({
      name,
      afterMinutes,
      subscriptions: {},
    });

    expect(escalationProblems([tier('primary', 0), tier('secondary', 15)])).toEqual([]);
    expect(escalationProblems([tier('primary', 5)])).toEqual([
      'paging.escalation.tiers[0] (primary) must have afterMinutes 0',
    ]);
    expect(escalationProblems([tier('primary', 0), tier('secondary', 0)])[0]).toMatch(
      /must come after primary/,
    );
    expect(escalationProblems([])).toHaveLength(1);
  });
});
