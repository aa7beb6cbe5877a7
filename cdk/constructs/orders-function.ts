import { join, posix } from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  Alias,
  Architecture,
  type CfnFunction,
  Function as LambdaFunction,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IStringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { ENV, SENTRY_DSN_SECRET_ENV } from '#commons/env-names';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '#commons/metric-catalog';
import type { StageConfig } from '#config/stages';
import { FUNCTION_METADATA, type OrdersTableAction, type RouteId } from '#routes';
import { lambdaCode, REPO_ROOT } from './bundling.ts';
import { loggingEnvironment } from './logging.ts';
import { acknowledgeNag } from './nag.ts';

export { REPO_ROOT };

/**
 * Name of the per-customer index of the orders table (also `ORDERS_BY_CUSTOMER_INDEX`): every
 * consumer's orders of a customer, read only by holders of `orders.read.all`.
 */
export const ORDERS_BY_CUSTOMER_INDEX = 'byCustomer';

/** The alias API Gateway invokes and CodeDeploy shifts from one published version to the next. */
export const LIVE_ALIAS = 'live';

/**
 * Name of the per-owner-and-customer index (also `ORDERS_BY_OWNER_INDEX`): its partition key is
 * `<consumer>#<customerId>`, so a consumer's query can only ever return its own orders.
 */
export const ORDERS_BY_OWNER_INDEX = 'byOwnerCustomer';

/**
 * What DynamoDB needs from the caller to use a table encrypted with a customer managed key: the
 * split of CDK's grantReadData / grantWriteData, listed one by one so no `kms:GenerateDataKey*`
 * wildcard reaches IAM.
 */
const TABLE_KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];
const TABLE_KEY_WRITE_ACTIONS = [...TABLE_KEY_READ_ACTIONS, 'kms:Encrypt', 'kms:GenerateDataKey'];
const TABLE_READ_ACTIONS: readonly string[] = ['dynamodb:GetItem', 'dynamodb:Query'];
/** Control-plane actions: they read no item, so they need no use of the table's key. */
const TABLE_METADATA_ACTIONS: readonly string[] = ['dynamodb:DescribeTable'];

const IDEMPOTENCY_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
];

export interface OrdersFunctionProps {
  /** Route the function serves; recorded as `orders:routeId` metadata. */
  readonly routeId: RouteId;
  /** Handler file relative to the repository root, exporting `handler`. */
  readonly entry: string;
  /** Stage settings: memory, timeout, log retention, removal policy, log level. */
  readonly config: StageConfig;
  /**
   * Extra environment variables, merged over the defaults (never replacing them wholesale).
   * @default - the defaults only
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Concurrent executions reserved for (and at most allowed to) this function.
   * @default - none: the function shares the account's unreserved concurrency
   */
  readonly reservedConcurrency?: number;
  /**
   * Function description.
   * @default - `<appName> <stage> <routeId>`
   */
  readonly description?: string;
}

/**
 * The one Lambda function shape of the service: Node.js 22 on arm64, X-Ray active tracing, an
 * explicit log group (no LogRetention custom resource), ESM bundles built by the local esbuild,
 * and a role that starts empty so every permission comes from a `bind*` helper.
 *
 * Grants are written as explicit statements instead of `table.grant()` / `queue.grantSendMessages()`:
 * those append `<table>/index/*` and `kms:GenerateDataKey*` wildcards, which would give each
 * route more than its row of the route table says.
 */
export class OrdersFunction extends LambdaFunction {
  public readonly routeId: RouteId;
  /** The released version: API Gateway invokes this alias, never `$LATEST`. */
  public readonly live: Alias;

  constructor(scope: Construct, id: string, props: OrdersFunctionProps) {
    const { config } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: config.logRetentionDays,
      removalPolicy,
    });
    // No managed policy (AWSLambdaBasicExecutionRole allows writing to any log group).
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${config.appName}-${config.stage} ${props.routeId}`,
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      code: lambdaCode(
        join(REPO_ROOT, props.entry),
        config.faultInjection.allowed,
        config.observability?.sentryDsnSecretName !== undefined,
      ),
      handler: 'index.handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      tracing: Tracing.ACTIVE,
      memorySize: config.lambda.memoryMb,
      timeout: Duration.seconds(config.lambda.timeoutSeconds),
      ...(props.reservedConcurrency !== undefined && {
        reservedConcurrentExecutions: props.reservedConcurrency,
      }),
      description: props.description ?? `${config.appName} ${config.stage} ${props.routeId}`,
      role,
      logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: METRICS_SERVICE,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...loggingEnvironment(config),
        NODE_OPTIONS: '--enable-source-maps',
        [ENV.stage]: config.stage,
        ...props.environment,
      },
    });
    this.routeId = props.routeId;
    const sentryDsnSecretName = config.observability?.sentryDsnSecretName;
    if (sentryDsnSecretName !== undefined) this.bindSentryDsnSecret(sentryDsnSecretName);

    // --- Releases, limits and scaling: the `live` alias ---
    // Each deploy publishes a version (the code or configuration changed) and CodeDeploy moves the
    // `live` alias to it, canary first (cdk/constructs/canary-deployment.ts). Provisioned
    // concurrency, where the stage gives the route some, lives on the same alias (never on
    // $LATEST), scaled by target tracking on its utilisation.
    const provisioned = config.lambda.provisionedConcurrency?.[props.routeId];
    this.live = new Alias(this, 'LiveAlias', {
      aliasName: LIVE_ALIAS,
      version: this.currentVersion,
      ...(provisioned && {
        provisionedConcurrentExecutions: provisioned.min,
        description: `Provisioned ${provisioned.min}–${provisioned.max}, tracking ${provisioned.targetUtilization * 100} % utilisation`,
      }),
    });
    if (provisioned) {
      this.live
        .addAutoScaling({ minCapacity: provisioned.min, maxCapacity: provisioned.max })
        .scaleOnUtilization({ utilizationTarget: provisioned.targetUtilization });
    }
    // --- end of releases, limits and scaling ---

    const cfn = this.node.defaultChild as CfnFunction;
    cfn.addMetadata(FUNCTION_METADATA.routeId, props.routeId);
    cfn.addMetadata(FUNCTION_METADATA.entry, posix.normalize(props.entry));

    acknowledgeNag(
      this,
      'AwsSolutions-L1',
      'Pinned to nodejs22.x on purpose: bundles target node22 (LAMBDA_NODE_TARGET) and the tests and benchmarks run on it; nodejs22.x is a supported runtime, and moving to nodejs24.x is a deliberate, tested change.',
    );
    acknowledgeNag(
      role,
      'AwsSolutions-IAM5',
      'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions, so they are granted on "*". No data resource gets a wildcard.',
      'Resource::*',
    );
  }

  /**
   * Grants exactly `actions` on the orders table (not its indexes) plus, when they touch items,
   * use of its key, and sets `ORDERS_TABLE_NAME`.
   */
  public bindOrdersTable(table: ITable, actions: readonly OrdersTableAction[], key: IKey): void {
    this.addEnvironment(ENV.ordersTable, table.tableName);
    if (actions.length > 0) {
      this.allow(actions, [table.tableArn]);
    }
    const itemActions = actions.filter((action) => !TABLE_METADATA_ACTIONS.includes(action));
    if (itemActions.length === 0) return;
    const writes = itemActions.some((action) => !TABLE_READ_ACTIONS.includes(action));
    this.allow(writes ? TABLE_KEY_WRITE_ACTIONS : TABLE_KEY_READ_ACTIONS, [key.keyArn]);
  }

  /**
   * Grants `dynamodb:Query` on the two list indexes only (per owner and customer, per customer),
   * and sets their names.
   */
  public bindOrdersIndexes(table: ITable, key: IKey): void {
    this.addEnvironment(ENV.ordersByOwnerIndex, ORDERS_BY_OWNER_INDEX);
    this.addEnvironment(ENV.ordersByCustomerIndex, ORDERS_BY_CUSTOMER_INDEX);
    this.allow(
      ['dynamodb:Query'],
      [ORDERS_BY_OWNER_INDEX, ORDERS_BY_CUSTOMER_INDEX].map(
        (index) => `${table.tableArn}/index/${index}`,
      ),
    );
    this.allow(TABLE_KEY_READ_ACTIONS, [key.keyArn]);
  }

  /**
   * Grants `secretsmanager:GetSecretValue` on the cursor-signing secret only (plus decrypting
   * with its key), and sets its ARN.
   */
  public bindCursorSecret(secret: ISecret, key: IKey): void {
    this.addEnvironment(ENV.cursorSecretArn, secret.secretArn);
    this.allow(['secretsmanager:GetSecretValue'], [secret.secretArn]);
    this.allow(TABLE_KEY_READ_ACTIONS, [key.keyArn]);
  }

  /** Grants the item actions Powertools idempotency uses, and sets the table name and TTL. */
  public bindIdempotencyTable(table: ITable, key: IKey, ttlSeconds: number): void {
    this.addEnvironment(ENV.idempotencyTable, table.tableName);
    this.addEnvironment(ENV.idempotencyTtlSeconds, String(ttlSeconds));
    this.allow(IDEMPOTENCY_TABLE_ACTIONS, [table.tableArn]);
    this.allow(TABLE_KEY_WRITE_ACTIONS, [key.keyArn]);
  }

  /**
   * Grants `dynamodb:BatchGetItem` on the catalog table only (and decrypting with its key), and
   * sets `CATALOG_TABLE_NAME`.
   */
  public bindCatalogTable(table: ITable, key: IKey): void {
    this.addEnvironment(ENV.catalogTable, table.tableName);
    this.allow(['dynamodb:BatchGetItem'], [table.tableArn]);
    this.allow(TABLE_KEY_READ_ACTIONS, [key.keyArn]);
  }

  /** Grants `ssm:GetParameter` on the fault-injection parameter only, and sets its name. */
  public bindFaultParameter(parameter: IStringParameter): void {
    this.addEnvironment(ENV.faultParameterName, parameter.parameterName);
    this.allow(['ssm:GetParameter'], [parameter.parameterArn]);
  }

  /**
   * Grants `secretsmanager:GetSecretValue` on the stage's Sentry DSN secret only, and sets its
   * name; the function reads the DSN once, at init.
   */
  private bindSentryDsnSecret(secretName: string): void {
    this.addEnvironment(SENTRY_DSN_SECRET_ENV, secretName);
    // `<name>-??????`: the ARN of a secret ends in six random characters.
    const secretArn = Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${secretName}-??????`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.allow(['secretsmanager:GetSecretValue'], [secretArn]);
  }

  private allow(actions: readonly string[], resourceArns: string[]): void {
    Grant.addToPrincipal({ grantee: this, actions: [...actions], resourceArns });
  }
}
