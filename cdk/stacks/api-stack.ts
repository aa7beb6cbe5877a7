import {
  CfnOutput,
  type CfnResource,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import {
  AccessLogFormat,
  ApiKey,
  AuthorizationType,
  CognitoUserPoolsAuthorizer,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  type MethodDeploymentOptions,
  MethodLoggingLevel,
  Period,
  ResponseType,
  RestApi,
  UsagePlan,
} from 'aws-cdk-lib/aws-apigateway';
import { LambdaApplication } from 'aws-cdk-lib/aws-codedeploy';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  UserPool,
} from 'aws-cdk-lib/aws-cognito';
import { type ITable, Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { type IStringParameter, StringParameter } from 'aws-cdk-lib/aws-ssm';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { ENV } from '#commons/env-names';
import { limitsProblems, reservedConcurrencyProblems, type StageConfig } from '#config/stages';
import {
  CONSUMER_METADATA,
  GATEWAY_PROBLEMS,
  type OrdersScope,
  ROUTES,
  type RouteDefinition,
  type RouteId,
} from '#routes';
import { CanaryDeployment } from '../constructs/canary-deployment.ts';
import { ServiceDashboards } from '../constructs/dashboards.ts';
import { INCIDENTS_OPEN_INDEX, incidentParameterNames } from '../constructs/escalation.ts';
import { acknowledgeNag } from '../constructs/nag.ts';
import { ORDERS_SCOPES, oauthScope, RESOURCE_SERVER_IDENTIFIER } from '../constructs/oauth.ts';
import { OrdersFunction } from '../constructs/orders-function.ts';
import { Triage } from '../constructs/triage.ts';
import { dataParameterNames, faultParameterName } from './data-stack.ts';
import { workerParameterNames } from './worker-stack.ts';

/** The data resources the API's functions use. The Data stack provides them. */
export interface OrdersData {
  readonly key: IKey;
  readonly ordersTable: ITable;
  readonly idempotencyTable: ITable;
  /** SKUs and their prices; read by the routes whose `access.catalog` is set. */
  readonly catalogTable: ITable;
  /** For the dashboards: the fulfilment queue's name. */
  readonly fulfilmentQueueName: string;
  /**
   * Fault-injection settings; absent where the stage does not allow fault injection.
   * @default - no parameter, fault injection off
   */
  readonly faultParameter?: IStringParameter;
}

export interface ApiStackProps extends StackProps {
  readonly config: StageConfig;
}

/** What the list route needs to sign cursors; created once per stage by the stack. */
interface CursorSigning {
  readonly secret: Secret;
}

/**
 * The Data stack's resources as the Api stack sees them: names and ARNs read from the SSM
 * parameters the Data stack writes (resolved by CloudFormation when the Api stack deploys), never
 * CloudFormation exports, which would forbid replacing a table or key while this stack uses it.
 */
export const importOrdersData = (scope: Construct, config: StageConfig): OrdersData => {
  const names = dataParameterNames(config);
  const read = (name: string): string => StringParameter.valueForStringParameter(scope, name);
  const key = Key.fromKeyArn(scope, 'DataKey', read(names.keyArn));
  return {
    key,
    ordersTable: Table.fromTableAttributes(scope, 'OrdersTable', {
      tableName: read(names.ordersTableName),
      encryptionKey: key,
    }),
    idempotencyTable: Table.fromTableAttributes(scope, 'IdempotencyTable', {
      tableName: read(names.idempotencyTableName),
      encryptionKey: key,
    }),
    catalogTable: Table.fromTableAttributes(scope, 'CatalogTable', {
      tableName: read(names.catalogTableName),
      encryptionKey: key,
    }),
    fulfilmentQueueName: read(names.fulfilmentQueueName),
    ...(config.faultInjection.allowed && {
      faultParameter: StringParameter.fromStringParameterName(
        scope,
        'FaultParameter',
        faultParameterName(config),
      ),
    }),
  };
};

/** `createOrder` → `CreateOrder`, for construct ids and output names. */
export const pascal = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);

/** `methodOptions` key of a route, e.g. `/orders/POST`. */
export const methodOptionsKey = (route: Pick<RouteDefinition, 'path' | 'method'>): string =>
  `${route.path}/${route.method}`;

/** WAF inspects at most this much of an API Gateway request body; larger bodies are "oversize". */
const WAF_BODY_INSPECTION_LIMITS = [
  ['KB_16', 16 * 1024],
  ['KB_32', 32 * 1024],
  ['KB_48', 48 * 1024],
  ['KB_64', 64 * 1024],
] as const;

/**
 * The request edge of the service: a regional REST API with one Lambda function per route of
 * {@link ROUTES}, a Cognito user pool issuing client-credentials tokens to each consumer, one API
 * key and usage plan per consumer, and (where enabled) a WAF web ACL.
 */
export class ApiStack extends Stack {
  public readonly api: RestApi;
  public readonly userPool: UserPool;
  /** The function of each route, by route id. */
  public readonly functions: Readonly<Record<RouteId, OrdersFunction>>;
  public readonly webAcl: CfnWebACL | undefined;
  /** Incident triage: its table, chat topic, guardrail and function. */
  public readonly triage: Triage;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const [concurrencyProblem] = reservedConcurrencyProblems([config]);
    if (concurrencyProblem) throw new Error(concurrencyProblem);
    const [limitsProblem] = limitsProblems(config);
    if (limitsProblem) throw new Error(limitsProblem);
    const data = importOrdersData(this, config);

    // --- Auth: client-credentials tokens, one app client per consumer ---
    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      // No human users sign in; the policy and MFA guard against any created by hand.
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(1),
      },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { sms: false, otp: true },
      accountRecovery: AccountRecovery.NONE,
      featurePlan: FeaturePlan.ESSENTIALS,
      deletionProtection: config.retainData,
      removalPolicy,
    });
    acknowledgeNag(
      this.userPool,
      'AwsSolutions-COG8',
      'The pool only issues client-credentials (machine-to-machine) tokens; Plus-tier threat protection acts on user sign-ins, of which there are none, so it would add cost without protection.',
    );

    const resourceServer = this.userPool.addResourceServer('OrdersResourceServer', {
      identifier: RESOURCE_SERVER_IDENTIFIER,
      scopes: Object.entries(ORDERS_SCOPES).map(
        ([scopeName, scopeDescription]) => new ResourceServerScope({ scopeName, scopeDescription }),
      ),
    });
    const domain = this.userPool.addDomain('TokenDomain', {
      cognitoDomain: {
        // Globally unique per region, so derived from app, stage and account, never hard-coded.
        domainPrefix: `${config.appName}-${config.stage}-${config.env.account}`.toLowerCase(),
      },
    });
    const authorizer = new CognitoUserPoolsAuthorizer(this, 'Authorizer', {
      cognitoUserPools: [this.userPool],
    });

    // --- REST API ---
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: config.logRetentionDays,
      removalPolicy,
    });
    const methodOptions: Record<string, MethodDeploymentOptions> = {};
    for (const route of ROUTES) {
      const throttle = config.api.methodThrottles[route.id];
      if (throttle) {
        methodOptions[methodOptionsKey(route)] = {
          throttlingRateLimit: throttle.rateLimit,
          throttlingBurstLimit: throttle.burstLimit,
        };
      }
    }
    this.api = new RestApi(this, 'OrdersApi', {
      description: `${config.appName} ${config.stage} orders API`,
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      // Execution logging needs the account-level CloudWatch role: one stage per account sets it.
      cloudWatchRole: config.api.ownsAccountCloudWatchRole,
      deployOptions: {
        stageName: config.stage,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: MethodLoggingLevel.INFO,
        // Request and response bodies carry customer data: never in execution logs.
        dataTraceEnabled: false,
        throttlingRateLimit: config.api.throttle.rateLimit,
        throttlingBurstLimit: config.api.throttle.burstLimit,
        methodOptions,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            extendedRequestId: '$context.extendedRequestId',
            xrayTraceId: '$context.xrayTraceId',
            requestTime: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            httpMethod: '$context.httpMethod',
            resourcePath: '$context.resourcePath',
            path: '$context.path',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationStatus: '$context.integrationStatus',
            clientId: '$context.authorizer.claims.client_id',
            apiKeyId: '$context.identity.apiKeyId',
            wafResponseCode: '$context.wafResponseCode',
            error: '$context.error.message',
          }),
        ),
      },
      defaultCorsPreflightOptions:
        config.api.corsAllowOrigins.length > 0
          ? {
              allowOrigins: [...config.api.corsAllowOrigins],
              allowMethods: ['GET', 'POST', 'OPTIONS'],
              allowHeaders: [
                'Authorization',
                'Content-Type',
                'Idempotency-Key',
                'X-Api-Key',
                'X-Correlation-Id',
              ],
              maxAge: Duration.hours(1),
            }
          : undefined,
    });
    // API Gateway writes execution logs to a group of this name, and creates it without retention
    // unless it exists: made here, with the stage's retention, before the stage logs anything.
    const executionLogs = new LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.api.restApiId}/${config.stage}`,
      retention: config.logRetentionDays,
      removalPolicy,
    });
    this.api.deploymentStage.node.addDependency(executionLogs);
    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      acknowledgeNag(
        cloudWatchRole,
        'AwsSolutions-IAM4',
        'The account-level API Gateway CloudWatch role must create and write the execution log groups API Gateway names itself; AWS maintains AmazonAPIGatewayPushToCloudWatchLogs for exactly that role.',
        'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
      );
    }

    // API Gateway's own rejections (no token, bad key, throttled, over quota, too large, no such
    // route, timeout) answer in the same problem shape as the handlers, never `{"message": ...}`.
    for (const { type, code, statusCode } of GATEWAY_PROBLEMS) {
      this.api.addGatewayResponse(`${type}Response`, {
        type: ResponseType.of(type),
        ...(statusCode ? { statusCode: String(statusCode) } : {}),
        templates: {
          'application/json': `{"error":{"code":"${code}","message":$context.error.messageString,"details":[]}}`,
        },
        responseHeaders: { 'Cache-Control': "'no-store'" },
      });
    }

    // Bodies carry no API Gateway model on purpose: the handlers' zod schemas own the body contract
    // and its error format (one problem+json shape, locally and deployed). The validator enforces
    // required parameters before any function runs.
    const validator = this.api.addRequestValidator('RequestValidator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });

    // --- Key that signs pagination cursors: generated per stage, read only by the list route ---
    const cursorSecret = new Secret(this, 'CursorKey', {
      description: `${config.appName} ${config.stage}: HMAC key of the orders API's pagination cursors`,
      encryptionKey: data.key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });
    acknowledgeNag(
      cursorSecret,
      'AwsSolutions-SMG4',
      'The cursor HMAC key guards only pagination state that expires with the page; rotating it would turn every cursor in flight into a 400. Replace it (new secret version) when compromise is suspected; docs/security.md says how.',
    );

    // --- Incident triage (its operator routes are bound in the loop below) ---
    this.triage = new Triage(this, 'Triage', {
      config,
      key: data.key,
      ...(data.faultParameter && { faultParameter: data.faultParameter }),
    });

    // --- One function per route ---
    const functions: Partial<Record<RouteId, OrdersFunction>> = {};
    // Releases: CodeDeploy moves each function's `live` alias to its new version, canary first.
    const deployments = new LambdaApplication(this, 'FunctionDeployments');
    for (const route of ROUTES) {
      const fn = this.routeFunction(route, config, data, { secret: cursorSecret });
      if (route.access.triage) this.triage.bindRoute(fn, route.access.triage);
      functions[route.id] = fn;
      new CanaryDeployment(this, `${pascal(route.id)}Canary`, {
        fn,
        config,
        application: deployments,
      });
      const resource = this.api.root.resourceForPath(route.path);
      const pathParameters = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const method: Method = resource.addMethod(
        route.method,
        new LambdaIntegration(fn.live),
        route.auth.type === 'public'
          ? { authorizationType: AuthorizationType.NONE, apiKeyRequired: false }
          : {
              authorizationType: AuthorizationType.COGNITO,
              authorizer,
              authorizationScopes: route.auth.scopes.map(oauthScope),
              apiKeyRequired: true,
              requestValidator: validator,
              requestParameters: Object.fromEntries(
                pathParameters.map((name) => [`method.request.path.${name}`, true]),
              ),
            },
      );
      if (route.auth.type === 'public') {
        acknowledgeNag(
          method,
          'AwsSolutions-APIG4',
          `${route.method} ${route.path} is public by design (route table auth: public): uptime probes call it without credentials, and it returns no order data.`,
        );
        acknowledgeNag(
          method,
          'AwsSolutions-COG4',
          `${route.method} ${route.path} is public by design (route table auth: public); every other non-preflight method uses the Cognito authorizer.`,
        );
      }
    }
    this.functions = functions as Record<RouteId, OrdersFunction>;
    // Triage queries every function's logs and the fulfilment worker's (its log group named by
    // the Worker stack, deployed before this one).
    this.triage.watchLogGroups(
      Object.values(this.functions).map((fn) => fn.logGroup),
      [StringParameter.valueForStringParameter(this, workerParameterNames(config).logGroupName)],
    );

    // --- Consumers: OAuth client + API key + usage plan each ---
    const consumerOutputs: Array<[string, string, string]> = [];
    const bindings: Array<{ name: string; clientId: string; apiKeyId: string }> = [];
    for (const consumer of config.consumers) {
      const name = pascal(consumer.name);
      const client = this.userPool.addClient(`${name}Client`, {
        generateSecret: true,
        oAuth: {
          flows: { clientCredentials: true },
          scopes: consumer.scopes.map((scope: OrdersScope) => OAuthScope.custom(oauthScope(scope))),
        },
        accessTokenValidity: Duration.hours(1),
        enableTokenRevocation: true,
        preventUserExistenceErrors: true,
      });
      client.node.addDependency(resourceServer);

      const key = new ApiKey(this, `${name}ApiKey`, {
        description: `${config.appName} ${config.stage} ${consumer.name}: metering and throttling only, not authentication`,
        enabled: true,
      });
      const plan = new UsagePlan(this, `${name}UsagePlan`, {
        name: `${config.appName}-${config.stage}-${consumer.name}`,
        description: `Quota and throttle of ${consumer.name}`,
        throttle: {
          rateLimit: consumer.throttle.rateLimit,
          burstLimit: consumer.throttle.burstLimit,
        },
        quota: { limit: consumer.quota.limit, period: Period[consumer.quota.period] },
        apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
      });
      plan.addApiKey(key);
      consumerOutputs.push([name, client.userPoolClientId, key.keyId]);
      bindings.push({
        name: consumer.name,
        clientId: client.userPoolClientId,
        apiKeyId: key.keyId,
      });
      for (const resource of [client, key])
        (resource.node.defaultChild as CfnResource).addMetadata(CONSUMER_METADATA, consumer.name);
    }
    // API Gateway checks a token and an API key each on its own; the functions check that both
    // belong to the same consumer, and record that consumer as the owner of what it creates.
    const consumersJson = this.toJsonString(bindings);
    for (const route of ROUTES) {
      if (route.auth.type === 'oauth')
        functions[route.id]?.addEnvironment(ENV.consumers, consumersJson);
    }

    // --- WAF ---
    this.webAcl = config.api.waf.enabled
      ? this.createWebAcl(config, config.api.waf.rateLimitPer5Min)
      : undefined;
    if (!this.webAcl) {
      acknowledgeNag(
        this.api.deploymentStage,
        'AwsSolutions-APIG3',
        `WAF is disabled in the ${config.stage} stage (config.api.waf.enabled=false) to save the web ACL cost; staging and prod run the same API behind WAF.`,
      );
    }

    // --- Dashboards and saved log queries, from the definitions in dashboards/ ---
    new ServiceDashboards(this, 'Observability', {
      config,
      targets: {
        api: { name: this.api.restApiName, stage: config.stage },
        functionNames: Object.fromEntries(
          Object.entries(this.functions).map(([routeId, fn]) => [routeId, fn.functionName]),
        ) as Record<RouteId, string>,
        tableNames: {
          orders: data.ordersTable.tableName,
          idempotency: data.idempotencyTable.tableName,
          catalog: data.catalogTable.tableName,
        },
        queueNames: {
          fulfilment: data.fulfilmentQueueName,
          fulfilmentDlq: StringParameter.valueForStringParameter(
            this,
            dataParameterNames(config).fulfilmentDlqName,
          ),
        },
        pipeName: StringParameter.valueForStringParameter(
          this,
          dataParameterNames(config).outboxPipeName,
        ),
        workerService: {
          clusterName: StringParameter.valueForStringParameter(
            this,
            workerParameterNames(config).clusterName,
          ),
          serviceName: StringParameter.valueForStringParameter(
            this,
            workerParameterNames(config).serviceName,
          ),
        },
        logGroups: {
          functions: Object.values(this.functions).map((fn) => fn.logGroup.logGroupName),
          apiAccess: [accessLogs.logGroupName],
        },
      },
    });

    // --- Outputs: identifiers only, never key values or client secrets ---
    new CfnOutput(this, 'ApiUrl', {
      value: this.api.url,
      description: 'Base URL of the orders API',
    });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'TokenEndpoint', {
      value: `${domain.baseUrl()}/oauth2/token`,
      description: 'OAuth2 token endpoint (client-credentials grant)',
    });
    for (const [name, clientId, keyId] of consumerOutputs) {
      new CfnOutput(this, `${name}ClientId`, {
        value: clientId,
        description: `App client id of ${name}`,
      });
      new CfnOutput(this, `${name}ApiKeyId`, {
        value: keyId,
        description: `API key id of ${name}: aws apigateway get-api-key --api-key <id> --include-value`,
      });
    }
  }

  private routeFunction(
    route: RouteDefinition,
    config: StageConfig,
    data: OrdersData,
    cursors: CursorSigning,
  ): OrdersFunction {
    const fn = new OrdersFunction(this, `${pascal(route.id)}Function`, {
      routeId: route.id,
      entry: route.entry,
      config,
      reservedConcurrency: config.lambda.reservedConcurrency?.[route.id],
      environment: {
        [ENV.faultInjectionAllowed]: String(config.faultInjection.allowed),
        [ENV.faultCacheSeconds]: String(config.faultInjection.cacheSeconds),
        [ENV.maxBodyBytes]: String(config.api.maxBodyBytes),
        [ENV.cancelledRetentionDays]: String(config.orders.cancelledRetentionDays),
        [ENV.corsAllowOrigins]: config.api.corsAllowOrigins.join(','),
        ...(route.access.pricing
          ? {
              [ENV.pricingUrl]: config.pricing.url,
              [ENV.pricingTimeoutMs]: String(config.pricing.timeoutMs),
              [ENV.pricingMaxRetries]: String(config.pricing.maxRetries),
              [ENV.pricingBreakerFailureThreshold]: String(config.pricing.breaker.failureThreshold),
              [ENV.pricingBreakerOpenMs]: String(config.pricing.breaker.openMs),
            }
          : {}),
      },
    });
    fn.bindOrdersTable(data.ordersTable, route.access.ordersTable, data.key);
    if (route.access.ordersIndexes) fn.bindOrdersIndexes(data.ordersTable, data.key);
    if (route.access.cursorSecret) fn.bindCursorSecret(cursors.secret, data.key);
    if (route.access.idempotencyTable) {
      fn.bindIdempotencyTable(data.idempotencyTable, data.key, config.orders.idempotencyTtlSeconds);
    }
    if (route.access.catalog) fn.bindCatalogTable(data.catalogTable, data.key);
    if (data.faultParameter) fn.bindFaultParameter(data.faultParameter);
    if (route.access.incidentsTable) this.bindIncidents(fn, config, route.access.incidentsTable);
    return fn;
  }

  /** The incidents table of the Alerting stack, found through its SSM parameters. */
  private bindIncidents(fn: OrdersFunction, config: StageConfig, access: 'read' | 'write'): void {
    const names = incidentParameterNames(config);
    const tableName = StringParameter.valueForStringParameter(this, names.tableName);
    const keyArn = StringParameter.valueForStringParameter(this, names.keyArn);
    const tableArn = this.formatArn({
      service: 'dynamodb',
      resource: 'table',
      resourceName: tableName,
    });
    fn.addEnvironment(ENV.incidentsTable, tableName);
    fn.addEnvironment(
      ENV.incidentRetentionDays,
      String(config.paging.escalation.closedRetentionDays),
    );
    const actions =
      access === 'read'
        ? ['dynamodb:GetItem', 'dynamodb:Query']
        : ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];
    const resources =
      access === 'read' ? [tableArn, `${tableArn}/index/${INCIDENTS_OPEN_INDEX}`] : [tableArn];
    fn.addToRolePolicy(new PolicyStatement({ actions, resources }));
    fn.addToRolePolicy(
      new PolicyStatement({
        actions:
          access === 'read'
            ? ['kms:Decrypt', 'kms:DescribeKey']
            : ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [keyArn],
      }),
    );
  }

  private createWebAcl(config: StageConfig, rateLimitPer5Min: number): CfnWebACL {
    const { maxBodyBytes } = config.api;
    const inspection = WAF_BODY_INSPECTION_LIMITS.find(([, bytes]) => bytes >= maxBodyBytes);
    if (!inspection) {
      throw new Error(
        `config.api.maxBodyBytes=${maxBodyBytes} exceeds what WAF can inspect on API Gateway (64 KiB)`,
      );
    }
    const metricPrefix = `${config.appName}-${config.stage}`;
    const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `${metricPrefix}-${metricName}`,
    });
    const managed = (
      name: string,
      priority: number,
      ruleActionOverrides?: CfnWebACL.RuleActionOverrideProperty[],
    ) => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name, ruleActionOverrides } },
      visibilityConfig: visibility(name),
    });

    const webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      description: `${config.appName} ${config.stage} API protection`,
      defaultAction: { allow: {} },
      visibilityConfig: visibility('WebAcl'),
      // Let WAF see the whole allowed body, so the size rule can judge it exactly.
      associationConfig: {
        requestBody: { API_GATEWAY: { defaultSizeInspectionLimit: inspection[0] } },
      },
      rules: [
        // The common rule set caps bodies at 8 KB; our own size rule enforces maxBodyBytes instead.
        managed('AWSManagedRulesCommonRuleSet', 0, [
          { name: 'SizeRestrictions_BODY', actionToUse: { count: {} } },
        ]),
        managed('AWSManagedRulesKnownBadInputsRuleSet', 1),
        {
          name: 'RateLimitPerIp',
          priority: 2,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: rateLimitPer5Min, aggregateKeyType: 'IP' } },
          visibilityConfig: visibility('RateLimitPerIp'),
        },
        {
          name: 'MaxBodySize',
          priority: 3,
          action: { block: {} },
          statement: {
            sizeConstraintStatement: {
              // A body beyond the inspection limit is larger than maxBodyBytes: block it too.
              fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
              comparisonOperator: 'GT',
              size: maxBodyBytes,
              textTransformations: [{ priority: 0, type: 'NONE' }],
            },
          },
          visibilityConfig: visibility('MaxBodySize'),
        },
      ],
    });
    const association = new CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.api.deploymentStage.stageArn,
      webAclArn: webAcl.attrArn,
    });
    association.node.addDependency(this.api.deploymentStage);
    return webAcl;
  }
}
