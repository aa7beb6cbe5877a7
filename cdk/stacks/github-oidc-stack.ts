import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IRepository } from 'aws-cdk-lib/aws-ecr';
import {
  type IOidcProvider,
  OidcProviderNative,
  PolicyStatement,
  Role,
  WebIdentityPrincipal,
} from 'aws-cdk-lib/aws-iam';
import type { IStringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { StageConfig } from '#config/stages';
import { scratchPrefix } from '../../ops/dr/tables.ts';
import { acknowledgeNag, nagPartition } from '../constructs/nag.ts';

/** Issuer of the tokens GitHub Actions hands to a job with `id-token: write`. */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
/** Audience `aws-actions/configure-aws-credentials` asks for. */
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';
/** Qualifier of the CDK bootstrap stack (`cdk bootstrap` default). */
export const CDK_BOOTSTRAP_QUALIFIER = 'hnb659fds';

/**
 * The `sub` claim a deploy job of the stage presents. The repository's OIDC subject template
 * must include `repo`, `context` and `ref` (`ops/github/apply-ruleset.sh` sets it), so one
 * token names both the environment the job runs in and the branch it runs from.
 */
export const deploySubject = (config: StageConfig): string =>
  `repo:${config.pipeline.githubRepository}:environment:${config.pipeline.environment}:ref:refs/heads/${config.pipeline.branch}`;

/**
 * The `sub` claim of the auto-fix job: the repository, the auto-fix environment, and the branch
 * `workflow_run` workflows run from (the default branch, never the PR's branch).
 */
export const autofixSubject = (config: StageConfig): string | undefined =>
  config.pipeline.autofix &&
  `repo:${config.pipeline.githubRepository}:environment:${config.pipeline.autofix.environment}:ref:refs/heads/${config.pipeline.branch}`;

export interface GithubOidcStackProps extends StackProps {
  readonly config: StageConfig;
  /** The worker image repository the pipeline pushes and signs releases in. */
  readonly repository: IRepository;
  /** The deployments record the pipeline writes one item to per deploy. */
  readonly deploymentsTable: ITable;
  readonly deploymentsTableParameter: IStringParameter;
}

/**
 * What GitHub Actions may do in the stage's account: the GitHub OIDC identity provider (when the
 * stage owns it) and one deploy role that only a job of the configured repository, running in
 * the stage's GitHub environment from the configured branch, can assume. No long-lived keys.
 *
 * The role deploys through the CDK bootstrap roles (it may only assume those), pushes and signs
 * worker images in the stage's repository, reads the stage's stack outputs for smoke tests, and
 * records the deployment. Deploy it once with administrator credentials:
 * `npx cdk deploy -c stage=<s> Orders-<s>-GithubOidc`.
 */
export class GithubOidcStack extends Stack {
  public readonly provider: IOidcProvider;
  public readonly deployRole: Role;
  /** The auto-fix job's role, when the stage's `pipeline.autofix` is set. */
  public readonly autofixRole?: Role;
  /** The scheduled restore drill's role (`npm run dr:drill`): reads and restores, never writes data. */
  public readonly drillRole: Role;

  constructor(scope: Construct, id: string, props: GithubOidcStackProps) {
    super(scope, id, props);
    const { config } = props;
    const { account, region, partition } = this;

    this.provider = config.pipeline.ownsOidcProvider
      ? new OidcProviderNative(this, 'GithubProvider', {
          url: `https://${GITHUB_OIDC_HOST}`,
          clientIds: [GITHUB_OIDC_AUDIENCE],
        })
      : OidcProviderNative.fromOidcProviderArn(
          this,
          'GithubProvider',
          `arn:${partition}:iam::${account}:oidc-provider/${GITHUB_OIDC_HOST}`,
        );

    this.deployRole = new Role(this, 'DeployRole', {
      description: `GitHub Actions deploys ${config.appName} ${config.stage} from ${config.pipeline.githubRepository}@${config.pipeline.branch} (environment ${config.pipeline.environment})`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: new WebIdentityPrincipal(this.provider.oidcProviderArn, {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
          [`${GITHUB_OIDC_HOST}:sub`]: deploySubject(config),
        },
      }),
    });

    const bootstrapRoles = ['deploy', 'file-publishing', 'image-publishing', 'lookup'].map(
      (kind) =>
        `arn:${partition}:iam::${account}:role/cdk-${CDK_BOOTSTRAP_QUALIFIER}-${kind}-role-${account}-${region}`,
    );
    this.deployRole.addToPolicy(
      new PolicyStatement({
        sid: 'CdkBootstrapRoles',
        actions: ['sts:AssumeRole', 'sts:TagSession'],
        resources: bootstrapRoles,
      }),
    );
    this.deployRole.addToPolicy(
      new PolicyStatement({
        sid: 'WorkerImagePushAndSign',
        actions: [
          'ecr:BatchCheckLayerAvailability',
          'ecr:BatchGetImage',
          'ecr:CompleteLayerUpload',
          'ecr:DescribeImages',
          'ecr:GetDownloadUrlForLayer',
          'ecr:InitiateLayerUpload',
          'ecr:PutImage',
          'ecr:UploadLayerPart',
        ],
        resources: [props.repository.repositoryArn],
      }),
    );
    this.deployRole.addToPolicy(
      new PolicyStatement({
        sid: 'EcrLogin',
        actions: ['ecr:GetAuthorizationToken'],
        resources: ['*'],
      }),
    );
    this.deployRole.addToPolicy(
      new PolicyStatement({
        sid: 'StackOutputs',
        actions: ['cloudformation:DescribeStacks'],
        resources: [
          `arn:${partition}:cloudformation:${region}:${account}:stack/${config.appName}-${config.stage}-*/*`,
        ],
      }),
    );
    this.deployRole.addToPolicy(
      new PolicyStatement({
        sid: 'SmokeTestCredentials',
        actions: ['apigateway:GET', 'cognito-idp:DescribeUserPoolClient'],
        resources: [
          `arn:${partition}:apigateway:${region}::/apikeys/*`,
          `arn:${partition}:cognito-idp:${region}:${account}:userpool/*`,
        ],
      }),
    );
    this.deployRole.addToPolicy(
      new PolicyStatement({
        sid: 'RecordDeployment',
        actions: ['dynamodb:PutItem'],
        resources: [props.deploymentsTable.tableArn],
      }),
    );
    this.deployRole.addToPolicy(
      new PolicyStatement({
        sid: 'RecordDeploymentKey',
        actions: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt', 'kms:DescribeKey'],
        resources: props.deploymentsTable.encryptionKey
          ? [props.deploymentsTable.encryptionKey.keyArn]
          : [],
      }),
    );
    this.deployRole.addToPolicy(
      new PolicyStatement({
        sid: 'DeploymentsTableName',
        actions: ['ssm:GetParameter'],
        resources: [props.deploymentsTableParameter.parameterArn],
      }),
    );
    acknowledgeNag(
      this.deployRole,
      'AwsSolutions-IAM5',
      'ecr:GetAuthorizationToken has no resource-level permissions (it returns a registry login, not access to a repository); pushes are limited to the worker repository by the WorkerImagePushAndSign statement.',
      'Resource::*',
    );
    acknowledgeNag(
      this.deployRole,
      'AwsSolutions-IAM5',
      "cloudformation:DescribeStacks on this stage's stacks only (stack names carry the app and stage; the trailing * is CloudFormation's stack id).",
      `Resource::arn:${nagPartition(this)}:cloudformation:${region}:${account}:stack/${config.appName}-${config.stage}-*/*`,
    );

    const smokeReason =
      "Smoke and e2e tests after a deploy read the consumers' API key values (apigateway:GET) and app client secrets (cognito-idp:DescribeUserPoolClient); key and pool ids are generated by the Api stack, which this role deploys, so they are not known here. Read-only, in this account and region.";
    for (const resource of [
      `arn:${nagPartition(this)}:apigateway:${region}::/apikeys/*`,
      `arn:${nagPartition(this)}:cognito-idp:${region}:${account}:userpool/*`,
    ]) {
      acknowledgeNag(this.deployRole, 'AwsSolutions-IAM5', smokeReason, `Resource::${resource}`);
    }
    const autofix = config.pipeline.autofix;
    const autofixSub = autofixSubject(config);
    if (autofix && autofixSub) {
      this.autofixRole = new Role(this, 'AutofixRole', {
        description: `GitHub Actions auto-fix of ${config.pipeline.githubRepository} (environment ${autofix.environment}) asks Bedrock ${autofix.bedrockModelId} for patches`,
        maxSessionDuration: Duration.hours(1),
        assumedBy: new WebIdentityPrincipal(this.provider.oidcProviderArn, {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
            [`${GITHUB_OIDC_HOST}:sub`]: autofixSub,
          },
        }),
      });
      this.autofixRole.addToPolicy(
        new PolicyStatement({
          sid: 'InvokeAutofixModel',
          actions: ['bedrock:InvokeModel'],
          resources: [
            `arn:${partition}:bedrock:${region}::foundation-model/${autofix.bedrockModelId}`,
          ],
        }),
      );
      new CfnOutput(this, 'AutofixRoleArn', {
        value: this.autofixRole.roleArn,
        description: `Set as the AUTOFIX_ROLE_ARN variable of the GitHub environment '${autofix.environment}', with AUTOFIX_BEDROCK_MODEL_ID=${autofix.bedrockModelId} and AUTOFIX_BEDROCK_REGION=${region}`,
      });
    }

    this.drillRole = this.restoreDrillRole(config);

    new CfnOutput(this, 'DeployRoleArn', {
      value: this.deployRole.roleArn,
      description: `Set as the AWS_DEPLOY_ROLE_ARN variable of the GitHub environment '${config.pipeline.environment}'`,
    });
  }

  /**
   * The restore drill's role (`npm run dr:drill` in the scheduled workflow), trusted like the
   * deploy role (the drill job runs in the stage's environment, from its branch). It may read the
   * stage's tables and their backups, restore them into scratch tables (`<app>-<stage>-dr-drill-*`,
   * the only tables it may change or delete), use the account's keys through DynamoDB (the
   * restored copy is encrypted with the source's key), and publish the drill's RTO and RPO metrics. It can write no item to any source table.
   */
  private restoreDrillRole(config: StageConfig): Role {
    const { account, region, partition } = this;
    const table = (name: string) => `arn:${partition}:dynamodb:${region}:${account}:table/${name}`;
    const stageTables = table(`${config.appName}-${config.stage}-*`);
    const scratchTables = table(`${scratchPrefix(config)}*`);
    const role = new Role(this, 'DrillRole', {
      description: `GitHub Actions restore drill of ${config.appName} ${config.stage} from ${config.pipeline.githubRepository}@${config.pipeline.branch} (environment ${config.pipeline.environment})`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: new WebIdentityPrincipal(this.provider.oidcProviderArn, {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
          [`${GITHUB_OIDC_HOST}:sub`]: deploySubject(config),
        },
      }),
    });
    const statements: Array<[string, string[], string[]]> = [
      // Finding the store's table and any scratch table left by an interrupted drill.
      ['ListTables', ['dynamodb:ListTables', 'dynamodb:ListBackups'], ['*']],
      [
        'ReadSourceTables',
        ['dynamodb:DescribeTable', 'dynamodb:DescribeContinuousBackups', 'dynamodb:Scan'],
        [stageTables],
      ],
      [
        'RestoreFromStageTables',
        ['dynamodb:RestoreTableFromBackup', 'dynamodb:RestoreTableToPointInTime'],
        [stageTables, `${stageTables}/backup/*`],
      ],
      // A restore writes the items into its target: DynamoDB checks these on the scratch table.
      [
        'WriteScratchTablesOnly',
        [
          'dynamodb:BatchWriteItem',
          'dynamodb:DeleteItem',
          'dynamodb:DeleteTable',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        [scratchTables],
      ],
    ];
    for (const [sid, actions, resources] of statements)
      role.addToPolicy(new PolicyStatement({ sid, actions, resources }));
    // The restored copy is encrypted with the source table's key. This stack deploys before the
    // Data stack creates that key (it is what lets the pipeline deploy the rest), so the key is
    // not named: the grant is on this account's keys, used only through DynamoDB in this region.
    const keys = `arn:${partition}:kms:${region}:${account}:key/*`;
    role.addToPolicy(
      new PolicyStatement({
        sid: 'TableKeysThroughDynamoDb',
        actions: [
          'kms:CreateGrant',
          'kms:Decrypt',
          'kms:DescribeKey',
          'kms:Encrypt',
          'kms:GenerateDataKey',
        ],
        resources: [keys],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${region}.amazonaws.com` } },
      }),
    );
    role.addToPolicy(
      new PolicyStatement({
        sid: 'DrillMetrics',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': `${config.appName}/DR` } },
      }),
    );
    acknowledgeNag(
      role,
      'AwsSolutions-IAM5',
      'dynamodb:ListTables and ListBackups, and cloudwatch:PutMetricData (limited by condition to the drill namespace), take no resource. Every table action names the stage tables (read and restore from) or the drill scratch tables (the only ones it writes or deletes).',
      'Resource::*',
    );
    acknowledgeNag(
      role,
      'AwsSolutions-IAM5',
      "The tables' key is created by the Data stack, which deploys after this one; the grant is limited by condition to use through DynamoDB in this region (kms:ViaService).",
      `Resource::arn:${nagPartition(this)}:kms:${region}:${account}:key/*`,
    );
    for (const resource of [stageTables, `${stageTables}/backup/*`, scratchTables])
      acknowledgeNag(
        role,
        'AwsSolutions-IAM5',
        "Table names are generated by CloudFormation under the stack name, so the stage's tables are named by prefix; writes and deletes are limited to the drill's scratch-table prefix.",
        `Resource::${resource.replace(`arn:${partition}:`, `arn:${nagPartition(this)}:`)}`,
      );
    new CfnOutput(this, 'DrillRoleArn', {
      value: role.roleArn,
      description: `Set as the AWS_DRILL_ROLE_ARN variable of the GitHub environment '${config.pipeline.environment}' (the scheduled restore drill)`,
    });
    return role;
  }
}
