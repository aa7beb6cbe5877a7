import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import {
  EmailSubscription,
  LambdaSubscription,
  SmsSubscription,
  UrlSubscription,
} from 'aws-cdk-lib/aws-sns-subscriptions';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import {
  Choice,
  Condition,
  DefinitionBody,
  type IChainable,
  JsonPath,
  LogLevel,
  StateMachine,
  Succeed,
  TaskInput,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ENV } from '#commons/env-names';
import type { EscalationTier, PagingSubscriptions, StageConfig } from '#config/stages';
import { INCIDENT_FUNCTION_METADATA } from '../../functions/incidents/notifications.ts';
import { OPS_FUNCTION_ENTRIES } from './bundling.ts';
import { acknowledgeNag } from './nag.ts';
import { OpsFunction } from './ops-function.ts';

export { INCIDENT_FUNCTION_METADATA };

/** The sparse index of open incidents (see `functions/incidents/repository.ts`). */
export const INCIDENTS_OPEN_INDEX = 'open';

/** Names of the SSM parameters through which the Api stack finds the incidents table. */
export const incidentParameterNames = (config: StageConfig) => {
  const prefix = `/${config.appName}/${config.stage}/incidents`;
  return { tableName: `${prefix}/table-name`, keyArn: `${prefix}/key-arn` } as const;
};

/** Adds a topic's email, SMS and HTTPS subscriptions from the stage config. */
export const subscribe = (topic: ITopic, subscriptions: PagingSubscriptions): void => {
  for (const address of subscriptions.email ?? [])
    topic.addSubscription(new EmailSubscription(address));
  for (const number of subscriptions.sms ?? []) topic.addSubscription(new SmsSubscription(number));
  for (const url of subscriptions.https ?? []) topic.addSubscription(new UrlSubscription(url));
};

/** What is wrong with an escalation policy: the first tier at 0 minutes, each later one later. */
export const escalationProblems = (tiers: readonly EscalationTier[]): string[] => {
  const problems: string[] = [];
  if (tiers.length === 0)
    problems.push('paging.escalation.tiers is empty: give at least a primary');
  if (tiers[0] && tiers[0].afterMinutes !== 0)
    problems.push(`paging.escalation.tiers[0] (${tiers[0].name}) must have afterMinutes 0`);
  tiers.forEach((tier, index) => {
    const before = tiers[index - 1];
    if (before && tier.afterMinutes <= before.afterMinutes)
      problems.push(
        `paging.escalation.tiers[${index}] (${tier.name}) must come after ${before.name}: afterMinutes ${tier.afterMinutes} <= ${before.afterMinutes}`,
      );
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(tier.name))
      problems.push(
        `paging.escalation.tiers[${index}].name '${tier.name}' must be lower-case letters, digits and -`,
      );
  });
  return problems;
};

export interface EscalationProps {
  readonly config: StageConfig;
  /** Alarms that page publish here; its ALARM and OK notifications drive the incidents. */
  readonly pageTopic: ITopic;
  /** Where a closed incident is announced. */
  readonly infoTopic: ITopic;
  /** The key of the alert topics (publishing to the info topic needs it). */
  readonly topicsKey: IKey;
}

const TABLE_KEY_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'];
const TOPIC_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'];

/**
 * Paging escalation built on AWS services: an incidents table (KMS, point-in-time recovery, TTL),
 * a function subscribed to the page topic that opens an incident on ALARM (once per alarm while
 * it is open) and closes it on OK, and a Step Functions state machine that pages each escalation
 * tier in turn, waiting between them, until the incident is acknowledged, resolved or closed.
 * Each tier has a topic of its own, subscribed from the stage config.
 */
export class Escalation extends Construct {
  public readonly table: Table;
  public readonly key: Key;
  public readonly stateMachine: StateMachine;
  /** One topic per escalation tier, in tier order. */
  public readonly tierTopics: readonly Topic[];
  public readonly onAlarm: OpsFunction;
  public readonly escalate: OpsFunction;

  constructor(scope: Construct, id: string, props: EscalationProps) {
    super(scope, id);
    const { config } = props;
    const { tiers, closedRetentionDays } = config.paging.escalation;
    const [problem] = escalationProblems(tiers);
    if (problem) throw new Error(`${problem} (cdk/config/stages.ts, stage ${config.stage})`);
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.key = new Key(this, 'IncidentsKey', {
      description: `${config.appName} ${config.stage}: paging incidents`,
      enableKeyRotation: true,
      removalPolicy,
    });
    this.table = new Table(this, 'IncidentsTable', {
      partitionKey: { name: 'id', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      deletionProtection: config.retainData,
      removalPolicy,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: INCIDENTS_OPEN_INDEX,
      partitionKey: { name: 'openKey', type: AttributeType.STRING },
      sortKey: { name: 'openedAt', type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
    const names = incidentParameterNames(config);
    new StringParameter(this, 'TableNameParameter', {
      parameterName: names.tableName,
      stringValue: this.table.tableName,
      description: 'Name of the paging incidents table (read by the operator routes)',
    });
    new StringParameter(this, 'KeyArnParameter', {
      parameterName: names.keyArn,
      stringValue: this.key.keyArn,
      description: 'ARN of the key of the paging incidents table',
    });

    this.tierTopics = tiers.map((tier) => {
      const topic = new Topic(this, `${pascal(tier.name)}Topic`, {
        displayName: `${config.appName} ${config.stage} page ${tier.name}`,
        masterKey: props.topicsKey,
        enforceSSL: true,
      });
      subscribe(topic, tier.subscriptions);
      return topic;
    });

    const incidentEnv = {
      [ENV.incidentsTable]: this.table.tableName,
      [ENV.incidentRetentionDays]: String(closedRetentionDays),
    };
    this.escalate = this.function('EscalateFunction', OPS_FUNCTION_ENTRIES.escalate, config, {
      ...incidentEnv,
      [ENV.escalationTiers]: JSON.stringify(
        tiers.map((tier, index) => ({
          name: tier.name,
          afterMinutes: tier.afterMinutes,
          topicArn: this.tierTopics[index]?.topicArn,
        })),
      ),
    });
    this.allow(this.escalate, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], [this.table.tableArn]);
    this.allow(this.escalate, TABLE_KEY_ACTIONS, [this.key.keyArn]);
    this.allow(
      this.escalate,
      ['sns:Publish'],
      this.tierTopics.map((topic) => topic.topicArn),
    );
    this.allow(this.escalate, TOPIC_KEY_ACTIONS, [props.topicsKey.keyArn]);

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      comment: `Pages ${tiers.map((tier) => `${tier.name} at ${tier.afterMinutes} min`).join(', ')} while the incident is unacknowledged`,
      definitionBody: DefinitionBody.fromChainable(this.definition(tiers)),
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'StateMachineLogs', {
          retention: config.logRetentionDays,
          removalPolicy,
        }),
        level: LogLevel.ALL,
        includeExecutionData: false,
      },
      // Longer than the last wait, with room for retries.
      timeout: Duration.minutes((tiers.at(-1)?.afterMinutes ?? 0) + 30),
    });

    this.onAlarm = this.function('OnAlarmFunction', OPS_FUNCTION_ENTRIES.onAlarm, config, {
      ...incidentEnv,
      [ENV.escalationStateMachineArn]: this.stateMachine.stateMachineArn,
      [ENV.infoTopicArn]: props.infoTopic.topicArn,
    });
    this.allow(
      this.onAlarm,
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      [this.table.tableArn],
    );
    this.allow(this.onAlarm, TABLE_KEY_ACTIONS, [this.key.keyArn]);
    this.allow(this.onAlarm, ['states:StartExecution'], [this.stateMachine.stateMachineArn]);
    this.allow(this.onAlarm, ['sns:Publish'], [props.infoTopic.topicArn]);
    this.allow(this.onAlarm, TOPIC_KEY_ACTIONS, [props.topicsKey.keyArn]);
    props.pageTopic.addSubscription(new LambdaSubscription(this.onAlarm));

    const escalateId = Stack.of(this).getLogicalId(this.escalate.node.defaultChild as CfnFunction);
    acknowledgeNag(
      this.stateMachine,
      'AwsSolutions-IAM5',
      'Step Functions logging to CloudWatch Logs needs the log-delivery actions on "*": they have no resource-level permissions. No data resource gets a wildcard.',
      'Resource::*',
    );
    acknowledgeNag(
      this.stateMachine,
      'AwsSolutions-IAM5',
      'The state machine invokes the escalation function and its versions (`<arn>:*`), as CDK grants lambda:InvokeFunction; it can invoke nothing else.',
      `Resource::<${escalateId}.Arn>:*`,
    );
  }

  /** Page tier 0; then, per later tier, wait its delay and page it unless escalation stopped. */
  private definition(tiers: readonly EscalationTier[]): IChainable {
    const done = new Succeed(this, 'Stopped');
    const page = (index: number) =>
      new LambdaInvoke(this, `Page${pascal(tiers[index]?.name ?? String(index))}`, {
        lambdaFunction: this.escalate,
        payload: TaskInput.fromObject({
          incidentId: JsonPath.stringAt('$.incidentId'),
          tier: index,
        }),
        payloadResponseOnly: true,
        resultPath: '$.result',
      });
    const steps = tiers.map((_, index) => page(index));
    for (let index = 0; index < steps.length; index += 1) {
      const next = tiers[index + 1];
      const current = tiers[index];
      const step = steps[index];
      const following = steps[index + 1];
      if (!step || !current) continue;
      if (!next || !following) {
        step.next(done);
        continue;
      }
      const wait = new Wait(this, `WaitFor${pascal(next.name)}`, {
        time: WaitTime.duration(Duration.minutes(next.afterMinutes - current.afterMinutes)),
      });
      step.next(
        new Choice(this, `StillUnacknowledgedAfter${pascal(current.name)}`)
          .when(Condition.booleanEquals('$.result.continue', true), wait.next(following))
          .otherwise(done),
      );
    }
    const first = steps[0];
    if (!first) throw new Error('paging.escalation.tiers is empty');
    return first;
  }

  private function(
    id: string,
    entry: string,
    config: StageConfig,
    environment: Record<string, string>,
  ): OpsFunction {
    const fn = new OpsFunction(this, id, {
      entry,
      config,
      description: `${config.appName} ${config.stage} paging: ${entry}`,
      timeout: Duration.seconds(30),
    });
    for (const [name, value] of Object.entries(environment)) fn.addEnvironment(name, value);
    (fn.node.defaultChild as CfnFunction).addMetadata(INCIDENT_FUNCTION_METADATA, entry);
    return fn;
  }

  private allow(grantee: IGrantable, actions: string[], resourceArns: string[]): void {
    Grant.addToPrincipal({ grantee, actions, resourceArns });
  }
}

const pascal = (name: string): string =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
