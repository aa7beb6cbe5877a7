import { Annotations, Aspects, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { describePlaceholder, findPlaceholders } from '#config/placeholders';
import type { StageConfig } from '#config/stages';
import { ExplicitLogGroups } from './constructs/log-groups.ts';
import { addSafetyAlarms } from './constructs/safety-alarms.ts';
import { addSloDashboard } from './constructs/slo-alarms.ts';
import { AlertingStack } from './stacks/alerting-stack.ts';
import { ApiStack } from './stacks/api-stack.ts';
import {
  BACKUP_TAG_KEY,
  BackupCopyVaultStack,
  BackupStack,
  backupTagValue,
} from './stacks/backup-stack.ts';
import { DataStack } from './stacks/data-stack.ts';
import { DeploymentsStack } from './stacks/deployments-stack.ts';
import { GithubOidcStack } from './stacks/github-oidc-stack.ts';
import { RegistryStack } from './stacks/registry-stack.ts';
import { WorkerStack } from './stacks/worker-stack.ts';

/** The stacks of one stage of the orders service. */
export interface OrdersService {
  readonly data: DataStack;
  readonly api: ApiStack;
  readonly backup: BackupStack;
  /** Present when the stage copies its backups to another region. */
  readonly backupCopy: BackupCopyVaultStack | undefined;
  readonly registry: RegistryStack;
  readonly worker: WorkerStack;
  readonly alerting: AlertingStack;
  /** The deployments record the pipeline writes and the DORA report reads. */
  readonly deployments: DeploymentsStack;
  /** The GitHub OIDC provider and the stage's deploy role. */
  readonly githubOidc: GithubOidcStack;
}

/**
 * Adds one stage of the orders service to `scope`: an App (one stage per synth) or a `cdk.Stage`
 * (a pipeline wraps each stage in one). Stack names carry the stage, so stages never collide.
 */
export const createOrdersService = (scope: Construct, config: StageConfig): OrdersService => {
  const prefix = `${config.appName}-${config.stage}`;
  const data = new DataStack(scope, `${prefix}-Data`, {
    stackName: `${prefix}-Data`,
    env: config.env,
    description: `${config.appName} ${config.stage}: tables, queue, key and parameters`,
    terminationProtection: config.retainData,
    config,
  });
  const api = new ApiStack(scope, `${prefix}-Api`, {
    stackName: `${prefix}-Api`,
    env: config.env,
    description: `${config.appName} ${config.stage}: REST API, functions, auth and WAF`,
    config,
  });
  // Deploy order only: the Api stack reads the Data stack's SSM parameters, not its exports.
  api.addStackDependency(data);
  const alerting = new AlertingStack(scope, `${prefix}-Alerting`, {
    stackName: `${prefix}-Alerting`,
    env: config.env,
    description: `${config.appName} ${config.stage}: SLO alarms and alert topics`,
    config,
    apiName: api.api.restApiName,
  });
  // Triage runs on every page: the Api stack, beside the triage function, subscribes it to the
  // page topic whose ARN the Alerting stack publishes in SSM (so Api deploys after Alerting).
  api.triage.subscribePageTopic();
  // Deploy order too: the operator routes read the incidents table's SSM parameters.
  api.addStackDependency(alerting);
  // Every table of the Data stack, present and future, is in the backup plan and restore tests.
  Tags.of(data).add(BACKUP_TAG_KEY, backupTagValue(config), {
    includeResourceTypes: ['AWS::DynamoDB::Table'],
  });
  const backupCopy = config.dr.crossRegionCopy
    ? new BackupCopyVaultStack(scope, `${prefix}-BackupCopy`, {
        stackName: `${prefix}-BackupCopy`,
        env: { account: config.env.account, region: config.dr.crossRegionCopy.region },
        description: `${config.appName} ${config.stage}: vault for cross-region copies of the backups`,
        terminationProtection: config.retainData,
        config,
      })
    : undefined;
  const backup = new BackupStack(scope, `${prefix}-Backup`, {
    stackName: `${prefix}-Backup`,
    env: config.env,
    description: `${config.appName} ${config.stage}: backup vault, plans, restore testing and alerts`,
    terminationProtection: config.retainData,
    config,
    ticketTopic: alerting.topics.ticket,
  });
  backup.addStackDependency(data);
  if (backupCopy) backup.addStackDependency(backupCopy);
  const registry = new RegistryStack(scope, `${prefix}-Registry`, {
    stackName: `${prefix}-Registry`,
    env: config.env,
    description: `${config.appName} ${config.stage}: fulfilment worker image repository and scan findings`,
    config,
    findingsTopic: alerting.topics.ticket,
  });
  const worker = new WorkerStack(scope, `${prefix}-Worker`, {
    stackName: `${prefix}-Worker`,
    env: config.env,
    description: `${config.appName} ${config.stage}: fulfilment worker on ECS Fargate`,
    config,
    repository: registry.repository,
  });
  worker.addStackDependency(data);
  worker.addStackDependency(registry);
  // CI/CD: the deployments record, and the role GitHub Actions deploys the stage with.
  const deployments = new DeploymentsStack(scope, `${prefix}-Deployments`, {
    stackName: `${prefix}-Deployments`,
    env: config.env,
    description: `${config.appName} ${config.stage}: deployments record (DORA metrics, triage evidence)`,
    terminationProtection: config.retainData,
    config,
  });
  const githubOidc = new GithubOidcStack(scope, `${prefix}-GithubOidc`, {
    stackName: `${prefix}-GithubOidc`,
    env: config.env,
    description: `${config.appName} ${config.stage}: GitHub Actions OIDC provider and deploy role`,
    config,
    repository: registry.repository,
    deploymentsTable: deployments.table,
    deploymentsTableParameter: deployments.tableNameParameter,
  });
  // Deploy order only: the Api stack's dashboards read the Worker stack's SSM parameters.
  api.addStackDependency(worker);
  for (const stack of [
    data,
    api,
    alerting,
    registry,
    worker,
    backup,
    ...(backupCopy ? [backupCopy] : []),
    deployments,
    githubOidc,
  ]) {
    Tags.of(stack).add('app', config.appName);
    Tags.of(stack).add('stage', config.stage);
    Aspects.of(stack).add(new ExplicitLogGroups(config));
  }
  // Stand-in values synthesize (offline synth of every stage must work) but must not deploy:
  // warn here, and `npm run preflight` fails on the same list.
  for (const placeholder of findPlaceholders(config)) {
    Annotations.of(api).addWarningV2(
      // CDK parses `[...]` in a warning's id as its acknowledgement marker: index with dots.
      `orders:placeholder:${placeholder.path.replace(/\[(\d+)\]/g, '.$1')}`,
      describePlaceholder(config, placeholder),
    );
  }
  const service = {
    data,
    api,
    alerting,
    registry,
    worker,
    backup,
    backupCopy,
    deployments,
    githubOidc,
  };
  addSafetyAlarms(service, config);
  addSloDashboard(api, { config, apiName: api.api.restApiName });
  return service;
};
