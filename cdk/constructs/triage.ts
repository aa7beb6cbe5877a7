import { posix } from 'node:path';
import { ArnFormat, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnGuardrail, CfnGuardrailVersion } from 'aws-cdk-lib/aws-bedrock';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { CfnFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '#commons/metric-catalog';
import type { StageConfig } from '#config/stages';
import type { TriageAccess } from '#routes';
import { TRIAGE_ENV } from '../../functions/triage/env-names.ts';
import { alertTopicParameterName } from '../stacks/alerting-stack.ts';
import { OPS_FUNCTION_ENTRIES } from './bundling.ts';
import { acknowledgeNag, nagPartition } from './nag.ts';
import { OpsFunction } from './ops-function.ts';

/** Template metadata on the triage function: its handler file, for the local runtime. */
export const TRIAGE_ENTRY_METADATA = 'orders:triageEntry';
const ENTRY = OPS_FUNCTION_ENTRIES.triage;

/** The index that lists incidents newest first. */
export const TRIAGE_BY_OPENED_INDEX = 'byOpened';

/** SSM parameter the pipeline's deployments stack writes its table name to. */
export const deploymentsTableParameterName = (config: StageConfig): string =>
  `/${config.appName}/${config.stage}/deployments/table-name`;

/** SSM parameter holding the page topic's ARN: written by the Alerting stack, read by the Api stack. */
/** The page topic's ARN, published in SSM by the Alerting stack. */
export const pageTopicParameterName = (config: StageConfig): string =>
  alertTopicParameterName(config, 'page');

/** GitHub "blob" page URLs → the raw file URLs the triage function can read Markdown from. */
const rawUrl = (base: string): string =>
  base.replace('://github.com/', '://raw.githubusercontent.com/').replace('/blob/', '/');

const TABLE_KEY_WRITE = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'];
const TABLE_KEY_READ = ['kms:Decrypt', 'kms:DescribeKey'];

/** Guardrail PII entities: what the deterministic redactor covers, and names and addresses it cannot. */
const GUARDRAIL_PII = [
  'EMAIL',
  'PHONE',
  'NAME',
  'ADDRESS',
  'IP_ADDRESS',
  'CREDIT_DEBIT_CARD_NUMBER',
  'INTERNATIONAL_BANK_ACCOUNT_NUMBER',
  'US_SOCIAL_SECURITY_NUMBER',
  'UK_NATIONAL_INSURANCE_NUMBER',
  'AWS_ACCESS_KEY',
  'AWS_SECRET_KEY',
  'PASSWORD',
] as const;

export interface TriageProps {
  readonly config: StageConfig;
  /** The Data stack's key: encrypts the triage table, its dead-letter queue and the chat topic. */
  readonly key: IKey;
  /**
   * Fault-injection parameter the config source reads.
   * @default - none (fault injection not allowed in the stage)
   */
  readonly faultParameter?: { readonly parameterName: string; readonly parameterArn: string };
}

/**
 * AI-assisted incident triage: the incident table (TTL), the chat topic, a Bedrock Guardrail
 * with sensitive-information filters and a prompt-attack filter, and the triage function with
 * exactly the reads its context sources need. Operator routes get their access through
 * {@link bindRoute}; the function subscribes to the page topic through {@link subscribe}.
 */
export class Triage extends Construct {
  public readonly table: Table;
  public readonly chatTopic: Topic;
  public readonly function: OpsFunction;
  public readonly guardrail: CfnGuardrail;
  private readonly config: StageConfig;
  private readonly key: IKey;
  private readonly settingsJson: string;

  constructor(scope: Construct, id: string, props: TriageProps) {
    super(scope, id);
    const { config, key } = props;
    this.config = config;
    this.key = key;
    const stack = Stack.of(this);
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const prefix = `${config.appName}-${config.stage}`;
    const triage = config.triage;

    this.table = new Table(this, 'IncidentsTable', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      deletionProtection: config.retainData,
      removalPolicy,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TRIAGE_BY_OPENED_INDEX,
      partitionKey: { name: 'gsi1pk', type: AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: AttributeType.STRING },
    });

    this.chatTopic = new Topic(this, 'ChatTopic', {
      displayName: `${prefix} incident triage`,
      masterKey: key,
      enforceSSL: true,
    });

    this.guardrail = new CfnGuardrail(this, 'Guardrail', {
      name: Names.uniqueResourceName(this, { maxLength: 50, separator: '-' }),
      description: `${prefix}: incident triage; incident data is untrusted and may carry PII`,
      blockedInputMessaging: 'The incident data was blocked by the triage guardrail.',
      blockedOutputsMessaging: 'The triage answer was blocked by the guardrail.',
      sensitiveInformationPolicyConfig: {
        piiEntitiesConfig: GUARDRAIL_PII.map((type) => ({
          type,
          action: triage.guardrailPiiAction,
        })),
      },
      // Log lines that address the model are an attack on the prompt: filter them on input.
      contentPolicyConfig: {
        filtersConfig: [{ type: 'PROMPT_ATTACK', inputStrength: 'HIGH', outputStrength: 'NONE' }],
      },
    });
    const version = new CfnGuardrailVersion(this, 'GuardrailVersion', {
      guardrailIdentifier: this.guardrail.attrGuardrailId,
      description: 'Pinned by the triage function',
    });

    const runbookBaseUrl = config.alerting.runbookBaseUrl;
    const region = config.env.region;
    const console = `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}`;
    this.settingsJson = JSON.stringify({
      stage: config.stage,
      prefix,
      windowMinutes: triage.windowMinutes,
      bundleMaxBytes: triage.bundleMaxBytes,
      timeouts: { default: triage.sourceTimeoutMs },
      logsTimeoutMs: triage.logsTimeoutMs,
      retentionDays: triage.retentionDays,
      comprehend: triage.comprehend,
      services: triage.deployments.services,
      runbookRawBaseUrl: rawUrl(runbookBaseUrl),
      ...(triage.model && { model: triage.model }),
      links: {
        dashboard: `${console}#dashboards:name=${prefix}-service-overview`,
        runbookBaseUrl,
        logQuery: `${console}#logsV2:logs-insights`,
      },
    });

    const slowest = Math.max(triage.sourceTimeoutMs, triage.logsTimeoutMs);
    this.function = new OpsFunction(this, 'Function', {
      entry: ENTRY,
      config,
      description: `${prefix} incident triage`,
      timeout: Duration.seconds(Math.ceil((slowest + (triage.model?.deadlineMs ?? 0)) / 1000) + 15),
    });
    (this.function.node.defaultChild as CfnFunction).addMetadata(
      TRIAGE_ENTRY_METADATA,
      posix.normalize(ENTRY),
    );
    // Metrics go to the service's namespace with its service dimension, like the routes'.
    this.function.addEnvironment('POWERTOOLS_SERVICE_NAME', METRICS_SERVICE);
    this.function.addEnvironment('POWERTOOLS_METRICS_NAMESPACE', METRICS_NAMESPACE);
    this.function.addEnvironment(
      TRIAGE_ENV.guardrail,
      `${this.guardrail.attrGuardrailId}|${version.attrVersion}`,
    );
    this.function.addEnvironment(TRIAGE_ENV.chatTopicArn, this.chatTopic.topicArn);
    this.bindTable(this.function, 'write');

    const allow = (actions: string[], resources: string[]) =>
      Grant.addToPrincipal({ grantee: this.function, actions, resourceArns: resources });
    allow(['sns:Publish'], [this.chatTopic.topicArn]);
    allow(['kms:GenerateDataKey', 'kms:Decrypt'], [key.keyArn]);
    if (triage.model) {
      allow(
        ['bedrock:InvokeModel'],
        [`arn:${stack.partition}:bedrock:${region}::foundation-model/${triage.model.modelId}`],
      );
      allow(['bedrock:ApplyGuardrail'], [this.guardrail.attrGuardrailArn]);
    }
    // These read APIs have no resource-level permissions: "*" is the only resource they take.
    const global = [
      'cloudwatch:GetMetricData',
      'xray:GetTraceSummaries',
      'logs:GetQueryResults',
      ...(triage.comprehend ? ['comprehend:DetectPiiEntities'] : []),
    ];
    allow(global, ['*']);
    // Operator-started runs read the named alarm back: only this stage's alarms.
    allow(
      ['cloudwatch:DescribeAlarms'],
      [
        stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: `${prefix}-*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    );
    if (props.faultParameter) {
      this.function.addEnvironment('FAULT_INJECTION_PARAMETER', props.faultParameter.parameterName);
      allow(['ssm:GetParameter'], [props.faultParameter.parameterArn]);
    }
    if (triage.deployments.enabled) {
      const name = deploymentsTableParameterName(config);
      this.function.addEnvironment(TRIAGE_ENV.deploymentsParameter, name);
      allow(
        ['ssm:GetParameter'],
        [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.slice(1) })],
      );
      // Resolved when the stack deploys: the deployments stack must exist first.
      const table = StringParameter.valueForStringParameter(this, name);
      allow(
        ['dynamodb:Query'],
        [stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: table })],
      );
    }

    const deadLetters = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeNag(
      deadLetters,
      'AwsSolutions-SQS3',
      'This queue is the dead-letter destination of the triage function (failed invocations and poison notifications, with their error); it has no consumer that could fail in turn.',
    );
    // The destination granted by hand: SqsDestination's grant adds kms:GenerateDataKey* and
    // kms:ReEncrypt* wildcards; sending needs only the key actions granted above.
    allow(['sqs:SendMessage'], [deadLetters.queueArn]);
    this.function.configureAsyncInvoke({
      onFailure: { bind: () => ({ destination: deadLetters.queueArn }) },
      retryAttempts: 1,
      maxEventAge: Duration.hours(1),
    });
    acknowledgeNag(
      this.function.role ?? this.function,
      'AwsSolutions-IAM5',
      'CloudWatch GetMetricData, X-Ray GetTraceSummaries, Logs GetQueryResults (and Comprehend DetectPiiEntities) have no resource-level permissions, and X-Ray tracing needs PutTraceSegments on "*": only these read-only actions get "*". Every data resource (tables, topic, key, log groups, model, guardrail, parameters) is named.',
      'Resource::*',
    );
    acknowledgeNag(
      this.function.role ?? this.function,
      'AwsSolutions-IAM5',
      `Operator-started triage reads back the alarm it is given with DescribeAlarms, limited to the stage's own alarms (named ${prefix}-*); alarm names are not known when this stack deploys.`,
      `Resource::arn:${nagPartition(stack)}:cloudwatch:${config.env.region}:${config.env.account}:alarm:${prefix}-*`,
    );
  }

  /**
   * Lets the triage function run Logs Insights queries over these log groups, and only these:
   * groups of this stack, and groups of other stacks by name (resolved at deploy time). A group
   * known by name only is granted by its log-group ARN without the `:*` suffix, which names that
   * one group; an imported `ILogGroup`'s ARN would end in a wildcard.
   */
  watchLogGroups(logGroups: readonly ILogGroup[], namedGroups: readonly string[] = []): void {
    const stack = Stack.of(this);
    this.function.addEnvironment(
      TRIAGE_ENV.logGroups,
      stack.toJsonString([...logGroups.map((group) => group.logGroupName), ...namedGroups]),
    );
    Grant.addToPrincipal({
      grantee: this.function,
      actions: ['logs:StartQuery'],
      resourceArns: [
        ...logGroups.map((group) => group.logGroupArn),
        ...namedGroups.map((name) =>
          stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: name,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
      ],
    });
  }

  /**
   * Subscribes the triage function to the page topic (when the stage enables triage), the topic's
   * ARN read from SSM when this stack deploys (the Alerting stack publishes it: `alertTopicParameterName`).
   */
  subscribePageTopic(): void {
    if (!this.config.triage.enabled) return;
    const arn = StringParameter.valueForStringParameter(this, pageTopicParameterName(this.config));
    Topic.fromTopicArn(this, 'PageTopic', arn).addSubscription(
      new LambdaSubscription(this.function),
    );
  }

  /** Gives an operator route's function what its access needs, and the variables to find it. */
  bindRoute(
    fn: IGrantable & IFunction & { addEnvironment(k: string, v: string): unknown },
    access: TriageAccess,
  ): void {
    if (access === 'start') {
      fn.addEnvironment(TRIAGE_ENV.functionName, this.function.functionName);
      Grant.addToPrincipal({
        grantee: fn,
        actions: ['lambda:InvokeFunction'],
        resourceArns: [this.function.functionArn],
      });
      return;
    }
    this.bindTable(fn, access === 'review' ? 'write' : 'read');
  }

  private bindTable(
    fn: IGrantable & { addEnvironment(k: string, v: string): unknown },
    mode: 'read' | 'write',
  ): void {
    fn.addEnvironment(TRIAGE_ENV.table, this.table.tableName);
    fn.addEnvironment(TRIAGE_ENV.byOpenedIndex, TRIAGE_BY_OPENED_INDEX);
    fn.addEnvironment(TRIAGE_ENV.settings, this.settingsJson);
    const reads = ['dynamodb:GetItem', 'dynamodb:Query'];
    Grant.addToPrincipal({
      grantee: fn,
      actions: mode === 'write' ? [...reads, 'dynamodb:PutItem', 'dynamodb:UpdateItem'] : reads,
      resourceArns: [this.table.tableArn, `${this.table.tableArn}/index/${TRIAGE_BY_OPENED_INDEX}`],
    });
    Grant.addToPrincipal({
      grantee: fn,
      actions: mode === 'write' ? TABLE_KEY_WRITE : TABLE_KEY_READ,
      resourceArns: [this.key.keyArn],
    });
  }
}
