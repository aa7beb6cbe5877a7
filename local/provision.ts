/**
 * Creates a stage's data plane in the emulator, exactly as the synthesized templates define it:
 * DynamoDB tables (keys, GSIs, LSIs, billing mode, TTL, streams, point-in-time recovery), SQS queues (attributes,
 * redrive to the local DLQ), SNS topics and subscriptions, SSM parameters, Secrets Manager
 * secrets (`secrets-manager.ts`). There is no second list of resources: add a table to the CDK
 * stack and it exists locally on the next start.
 *
 * Encryption settings (KMS keys, SSE) are skipped: the emulator cannot make them meaningful.
 * Idempotent: a resource that already exists is reused as it is.
 */

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import type { StageName } from '#config/stages';
import { LOCAL_STATE_DIR, REPO_ROOT } from './paths.ts';
import { ensureSecrets, readSecrets } from './secrets-manager.ts';
import {
  type ApiRoute,
  type DataResourceSpec,
  extractDataResources,
  type LogGroupSpec,
  listApiRoutes,
  listNotEmulated,
  type ParameterSpec,
  type QueueSpec,
  resolveFunctionEnvironments,
  type StackTemplate,
  type SubscriptionSpec,
  type TableSpec,
  TemplateResolver,
  type TopicSpec,
} from './template.ts';

/** Dummy credentials: the emulator accepts any. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'us-east-1';

export interface ProvisionOptions {
  /** Templates to provision; synthesized from the CDK app (without bundling) when absent. */
  readonly stacks?: readonly StackTemplate[];
  /** @default 'us-east-1' */
  readonly region?: string;
}

export interface ProvisionedStage {
  /** Union of every route function's environment, resolved to local names and URLs. */
  readonly functionEnv: Record<string, string>;
  /** Each route's own resolved environment, by route id. */
  readonly functionEnvByRoute: Record<string, Record<string, string>>;
  /** API methods from the template, CORS preflight (MOCK) methods included. */
  readonly routes: readonly ApiRoute[];
  /** What was created or reused in the emulator, in creation order. */
  readonly resources: readonly DataResourceSpec[];
  /** Resource types of the templates that exist only in AWS (KMS, WAF, Cognito, IAM...). */
  readonly notEmulated: readonly string[];
  readonly stacks: readonly StackTemplate[];
  readonly region: string;
}

const SYNTH_CACHE_DIR = join(LOCAL_STATE_DIR, 'synth-cache');

/** Hash of everything synthesis reads: the CDK app, the function sources it references, the deps. */
const synthInputsHash = async (stage: StageName): Promise<string> => {
  const hash = createHash('sha256').update(`${stage}\n`);
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules' && entry.name !== 'cdk.out')
        await walk(path);
      else if (entry.isFile() && /\.(ts|json)$/.test(entry.name)) files.push(path);
    }
  };
  // The CDK app's sources and every folder it imports from (SLO definitions, the worker's build,
  // the DR drill's table naming).
  for (const dir of ['cdk', 'functions', 'dashboards', 'slos', 'containers', 'ops']) {
    if (existsSync(join(REPO_ROOT, dir))) await walk(join(REPO_ROOT, dir));
  }
  files.push(
    ...['cdk.json', 'package.json', 'package-lock.json', 'tsconfig.json'].map((name) =>
      join(REPO_ROOT, name),
    ),
  );
  for (const file of files.sort()) {
    if (!existsSync(file)) continue;
    hash.update(`${relative(REPO_ROOT, file)}\n`).update(await readFile(file));
  }
  return hash.digest('hex').slice(0, 32);
};

/**
 * Synthesizes a stage in memory, without bundling, through the CDK app's own entry.
 *
 * Synthesis takes seconds, so the templates are cached in `.local/synth-cache`, keyed on a hash
 * of every file under `cdk/` and `functions/` plus cdk.json, package.json, package-lock.json and
 * tsconfig.json: any change there synthesizes again. `LOCAL_SYNTH_CACHE=off` disables the cache.
 */
export const synthesizeLocalStage = async (
  stage: StageName,
  options: { readonly cache?: boolean } = {},
): Promise<StackTemplate[]> => {
  const useCache = options.cache ?? process.env.LOCAL_SYNTH_CACHE !== 'off';
  const cacheFile = useCache
    ? join(SYNTH_CACHE_DIR, `${stage}-${await synthInputsHash(stage)}.json`)
    : undefined;
  if (cacheFile && existsSync(cacheFile)) {
    return JSON.parse(await readFile(cacheFile, 'utf8')) as StackTemplate[];
  }
  const { synthesizeStage } = await import('../cdk/synth.ts');
  const stacks = synthesizeStage(stage, { bundle: false }).stacks.map((stack) => ({
    stackName: stack.stackName,
    template: stack.template as StackTemplate['template'],
  }));
  if (cacheFile) {
    await mkdir(SYNTH_CACHE_DIR, { recursive: true });
    // Old entries of this stage are stale by construction.
    for (const name of await readdir(SYNTH_CACHE_DIR)) {
      if (name.startsWith(`${stage}-`)) await rm(join(SYNTH_CACHE_DIR, name), { force: true });
    }
    const partial = `${cacheFile}.${process.pid}.tmp`;
    await writeFile(partial, JSON.stringify(stacks));
    await rename(partial, cacheFile);
  }
  return stacks;
};

/** SDK clients for the emulator; one attempt only, so a gap in the emulator fails fast. */
export const emulatorClientConfig = (endpoint: string, region = LOCAL_REGION) => ({
  endpoint,
  region,
  credentials: LOCAL_CREDENTIALS,
  maxAttempts: 1,
});

const ensureTable = async (dynamodb: DynamoDBClient, spec: TableSpec): Promise<void> => {
  try {
    await dynamodb.send(new DescribeTableCommand({ TableName: spec.tableName }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    await dynamodb.send(
      new CreateTableCommand({
        TableName: spec.tableName,
        KeySchema: [...spec.keySchema],
        AttributeDefinitions: [...spec.attributeDefinitions],
        BillingMode: spec.billingMode,
        ...(spec.provisionedThroughput && { ProvisionedThroughput: spec.provisionedThroughput }),
        ...(spec.globalSecondaryIndexes.length > 0 && {
          GlobalSecondaryIndexes: [...spec.globalSecondaryIndexes],
        }),
        ...(spec.localSecondaryIndexes.length > 0 && {
          LocalSecondaryIndexes: [...spec.localSecondaryIndexes],
        }),
        ...(spec.streamViewType && {
          StreamSpecification: { StreamEnabled: true, StreamViewType: spec.streamViewType },
        }),
      }),
    );
  }
  if (spec.pointInTimeRecovery) {
    // Idempotent; the DR drill's point-in-time restores need it, as in AWS.
    await dynamodb.send(
      new UpdateContinuousBackupsCommand({
        TableName: spec.tableName,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
  }
  if (spec.timeToLive?.enabled) {
    const current = await dynamodb.send(
      new DescribeTimeToLiveCommand({ TableName: spec.tableName }),
    );
    if (current.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
      await dynamodb.send(
        new UpdateTimeToLiveCommand({
          TableName: spec.tableName,
          TimeToLiveSpecification: { AttributeName: spec.timeToLive.attributeName, Enabled: true },
        }),
      );
    }
  }
};

const ensureQueue = async (sqs: SQSClient, spec: QueueSpec): Promise<void> => {
  let queueUrl: string | undefined;
  try {
    queueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: spec.queueName }))).QueueUrl;
  } catch (error) {
    if (!(error instanceof QueueDoesNotExist)) throw error;
    queueUrl = (
      await sqs.send(
        new CreateQueueCommand({ QueueName: spec.queueName, Attributes: { ...spec.attributes } }),
      )
    ).QueueUrl;
  }
  if (queueUrl !== spec.queueUrl) {
    // The functions' environment was resolved with the predicted URL: they must agree.
    throw new Error(
      `Queue ${spec.queueName}: the emulator answered URL ${queueUrl}, expected ${spec.queueUrl}`,
    );
  }
};

const ensureTopic = async (sns: SNSClient, spec: TopicSpec): Promise<void> => {
  const { TopicArn } = await sns.send(
    new CreateTopicCommand({ Name: spec.topicName, Attributes: { ...spec.attributes } }),
  );
  if (TopicArn !== spec.arn)
    throw new Error(`Topic ${spec.topicName}: emulator ARN ${TopicArn}, expected ${spec.arn}`);
};

const ensureSubscription = async (sns: SNSClient, spec: SubscriptionSpec): Promise<void> => {
  // Subscribe is idempotent for an identical topic, protocol and endpoint.
  await sns.send(
    new SubscribeCommand({
      TopicArn: spec.topicArn,
      Protocol: spec.protocol,
      Endpoint: spec.endpoint,
      Attributes: { ...spec.attributes },
      ReturnSubscriptionArn: true,
    }),
  );
};

const ensureParameter = async (ssm: SSMClient, spec: ParameterSpec): Promise<void> => {
  try {
    // Reused as it is: a test or a person may have changed it (fault injection) on purpose.
    await ssm.send(new GetParameterCommand({ Name: spec.name }));
  } catch (error) {
    if (!(error instanceof ParameterNotFound)) throw error;
    await ssm.send(
      new PutParameterCommand({
        Name: spec.name,
        Value: spec.value,
        Type: spec.type,
        ...(spec.description && { Description: spec.description }),
      }),
    );
  }
};

/**
 * The template's log groups, as CloudFormation creates them: a query over a group nothing has
 * written to yet (the worker before its first message) finds no lines rather than failing.
 */
const ensureLogGroups = async (
  logs: CloudWatchLogsClient,
  specs: readonly LogGroupSpec[],
): Promise<void> => {
  const existing = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await logs.send(new DescribeLogGroupsCommand({ nextToken }));
    for (const group of page.logGroups ?? []) existing.add(group.logGroupName ?? '');
    nextToken = page.nextToken;
  } while (nextToken);
  for (const spec of specs) {
    if (existing.has(spec.logGroupName)) continue;
    await logs.send(new CreateLogGroupCommand({ logGroupName: spec.logGroupName }));
    if (spec.retentionInDays !== undefined)
      await logs.send(
        new PutRetentionPolicyCommand({
          logGroupName: spec.logGroupName,
          retentionInDays: spec.retentionInDays,
        }),
      );
  }
};

/**
 * Synthesizes `stage` (or takes `options.stacks`), creates its data plane in the emulator at
 * `endpoint`, and resolves every route function's environment to the local resources.
 */
export const provisionStage = async (
  endpoint: string,
  stage: StageName = 'dev',
  options: ProvisionOptions = {},
): Promise<ProvisionedStage> => {
  const region = options.region ?? LOCAL_REGION;
  const stacks = options.stacks ?? (await synthesizeLocalStage(stage));
  const resolver = new TemplateResolver(stacks, { endpoint, region });
  const resources = extractDataResources(resolver);
  const routes = listApiRoutes(stacks, { includeCorsPreflight: true });
  // Resolve before creating anything, so a template the runtime cannot read fails fast.
  const { union, byRoute } = resolveFunctionEnvironments(resolver, routes);

  const config = emulatorClientConfig(endpoint, region);
  const dynamodb = new DynamoDBClient(config);
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);
  const ssm = new SSMClient(config);
  const logs = new CloudWatchLogsClient(config);
  try {
    // Tables and parameters reference nothing that is created here: create them concurrently.
    // Queues, topics and subscriptions go one by one, in template-reference order (a DLQ before
    // its queue, a queue before the subscription that targets it).
    const ordered = resources.filter(
      (spec) => spec.kind === 'queue' || spec.kind === 'topic' || spec.kind === 'subscription',
    );
    await Promise.all([
      ensureLogGroups(
        logs,
        resources.filter((spec) => spec.kind === 'logGroup'),
      ),
      ...resources
        .filter((spec) => spec.kind === 'table')
        .map((spec) => ensureTable(dynamodb, spec)),
      ...resources
        .filter((spec) => spec.kind === 'parameter')
        .map((spec) => ensureParameter(ssm, spec)),
      ensureSecrets(readSecrets(resolver), config),
      (async () => {
        for (const spec of ordered) {
          if (spec.kind === 'queue') await ensureQueue(sqs, spec);
          else if (spec.kind === 'topic') await ensureTopic(sns, spec);
          else if (spec.kind === 'subscription') await ensureSubscription(sns, spec);
        }
      })(),
    ]);
  } finally {
    for (const client of [dynamodb, sqs, sns, ssm, logs]) client.destroy();
  }
  return {
    functionEnv: union,
    functionEnvByRoute: byRoute,
    routes,
    resources,
    notEmulated: listNotEmulated(stacks),
    stacks,
    region,
  };
};
