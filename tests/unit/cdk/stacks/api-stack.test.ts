import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '#commons/env-names';
import { STAGE_NAMES, STAGES, type StageConfig } from '#config/stages';
import { ROUTES } from '#routes';
import { actionsOfRole, logicalId, statementsOfRole, synthesized } from '#tests/unit/cdk/helpers';
import { incidentParameterNames } from '../../../../cdk/constructs/escalation.ts';
import { deploymentsTableParameterName } from '../../../../cdk/constructs/triage.ts';
import { createOrdersService } from '../../../../cdk/service.ts';
import { alertTopicParameterName } from '../../../../cdk/stacks/alerting-stack.ts';
import { dataParameterNames } from '../../../../cdk/stacks/data-stack.ts';
import { workerParameterNames } from '../../../../cdk/stacks/worker-stack.ts';

describe('ApiStack', () => {
  const dev = synthesized('dev');
  const staging = synthesized('staging');
  const prod = synthesized('prod');
  const roleOf = (stage: typeof dev, routeId: (typeof ROUTES)[number]['id']): string => {
    const role = stage.built.api.functions[routeId].role;
    if (!role) throw new Error(`${routeId} has no role`);
    return logicalId(role);
  };

  describe('functions', () => {
    it('creates one function per route, tagged with its route id and entry for the local runtime', () => {
      for (const route of ROUTES) {
        dev.api.hasResource('AWS::Lambda::Function', {
          Metadata: Match.objectLike({ 'orders:routeId': route.id, 'orders:entry': route.entry }),
        });
      }
      // Plus the triage function, which serves no route.
      dev.api.resourceCountIs('AWS::Lambda::Function', ROUTES.length + 1);
    });

    it('runs every function on nodejs22.x, arm64, with active X-Ray tracing', () => {
      // Act
      const matching = dev.api.findResources('AWS::Lambda::Function', {
        Properties: {
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
        },
      });

      // Assess: the route functions and the triage function.
      expect(Object.keys(matching)).toHaveLength(ROUTES.length + 1);
    });

    it('takes memory and timeout from the stage config', () => {
      prod.api.hasResourceProperties('AWS::Lambda::Function', {
        MemorySize: STAGES.prod.lambda.memoryMb,
        Timeout: STAGES.prod.lambda.timeoutSeconds,
      });
    });

    it('merges route settings into the default environment instead of replacing it', () => {
      dev.api.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: 'orders',
            POWERTOOLS_METRICS_NAMESPACE: 'Orders',
            POWERTOOLS_LOG_LEVEL: 'DEBUG',
            NODE_OPTIONS: '--enable-source-maps',
            [ENV.stage]: 'dev',
            [ENV.ordersTable]: Match.anyValue(),
            [ENV.idempotencyTable]: Match.anyValue(),
            [ENV.idempotencyTtlSeconds]: '3600',
            [ENV.pricingUrl]: STAGES.dev.pricing.url,
            [ENV.pricingTimeoutMs]: String(STAGES.dev.pricing.timeoutMs),
            [ENV.pricingMaxRetries]: String(STAGES.dev.pricing.maxRetries),
            [ENV.faultParameterName]: Match.anyValue(),
            [ENV.faultInjectionAllowed]: 'true',
            [ENV.maxBodyBytes]: String(STAGES.dev.api.maxBodyBytes),
            [ENV.corsAllowOrigins]: STAGES.dev.api.corsAllowOrigins.join(','),
          }),
        },
      });
    });

    it.each(STAGE_NAMES)(
      'gives createOrder the catalog table and the pricing breaker thresholds of %s',
      (name) => {
        // Prepare
        const stage = synthesized(name);
        const { breaker } = STAGES[name].pricing;

        // Act
        const fn = stage.api.toJSON().Resources[logicalId(stage.built.api.functions.createOrder)];

        // Assess
        expect(fn.Properties.Environment.Variables).toMatchObject({
          // Read from the Data stack's SSM parameter at deploy time, not imported.
          [ENV.catalogTable]: {
            Ref: expect.stringMatching(/^SsmParameterValue.*catalogtablename/),
          },
          [ENV.pricingBreakerFailureThreshold]: String(breaker.failureThreshold),
          [ENV.pricingBreakerOpenMs]: String(breaker.openMs),
        });
      },
    );

    it('gives the catalog and breaker settings to createOrder only', () => {
      for (const route of ROUTES.filter((r) => r.id !== 'createOrder')) {
        const fn = dev.api.toJSON().Resources[logicalId(dev.built.api.functions[route.id])];
        const names = Object.keys(fn.Properties.Environment.Variables);
        expect(names).not.toContain(ENV.catalogTable);
        expect(names).not.toContain(ENV.pricingBreakerOpenMs);
      }
    });

    it('tells prod functions that fault injection is off and gives them no parameter name', () => {
      // Act
      const withParameter = prod.api.findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: { [ENV.faultParameterName]: Match.anyValue() } } },
      });
      const switchedOff = prod.api.findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: { [ENV.faultInjectionAllowed]: 'false' } } },
      });

      // Assess
      expect(withParameter).toEqual({});
      expect(Object.keys(switchedOff)).toHaveLength(ROUTES.length);
    });

    it.each([
      ['dev', dev, STAGES.dev.logRetentionDays],
      ['prod', prod, STAGES.prod.logRetentionDays],
    ] as const)(
      'keeps %s function and access logs for the stage retention',
      (_stage, stage, days) => {
        // Act
        const groups = stage.api.findResources('AWS::Logs::LogGroup', {
          Properties: { RetentionInDays: days },
        });

        // Assess: one per function (routes and triage) plus the access and execution logs, and no
        // LogRetention custom resource.
        expect(Object.keys(groups)).toHaveLength(ROUTES.length + 3);
        expect(stage.api.findResources('Custom::LogRetention')).toEqual({});
      },
    );

    it('retains prod log groups and deletes dev ones', () => {
      prod.api.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
      dev.api.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
    });
  });

  describe('least privilege', () => {
    it('lets getOrder read an order and nothing else on the table', () => {
      // Act
      const actions = actionsOfRole(dev.api, roleOf(dev, 'getOrder'));

      // Assess
      expect(actions).toContain('dynamodb:GetItem');
      expect(actions).not.toContain('dynamodb:PutItem');
      expect(actions).not.toContain('dynamodb:UpdateItem');
      expect(actions).not.toContain('dynamodb:DeleteItem');
      expect(actions).not.toContain('sqs:SendMessage');
      expect(actions).not.toContain('kms:Encrypt');
    });

    it('lets listOrders query the two list indexes only, not the table', () => {
      // Act
      const statements = statementsOfRole(dev.api, roleOf(dev, 'listOrders'));
      const dynamo = statements.filter((s) =>
        [s.Action].flat().some((a) => a.startsWith('dynamodb:')),
      );

      // Assess
      expect(dynamo).toHaveLength(1);
      expect(dynamo[0]?.Action).toBe('dynamodb:Query');
      const resources = [dynamo[0]?.Resource].flat().map((r) => JSON.stringify(r));
      expect(resources).toHaveLength(2);
      expect(resources.find((r) => r.includes('/index/byOwnerCustomer'))).toBeDefined();
      expect(resources.find((r) => r.includes('/index/byCustomer'))).toBeDefined();
    });

    it('lets only listOrders read the cursor key, and only that secret', () => {
      // Act
      const secretId = logicalId(dev.built.api.node.findChild('CursorKey'));
      const reads = statementsOfRole(dev.api, roleOf(dev, 'listOrders')).filter((s) =>
        [s.Action].flat().some((a) => a.startsWith('secretsmanager:')),
      );

      // Assess
      expect(reads).toEqual([
        expect.objectContaining({
          Action: 'secretsmanager:GetSecretValue',
          Resource: { Ref: secretId },
        }),
      ]);
      for (const route of ROUTES.filter((r) => r.id !== 'listOrders')) {
        expect(
          actionsOfRole(dev.api, roleOf(dev, route.id)).some((a) =>
            a.startsWith('secretsmanager:'),
          ),
        ).toBe(false);
      }
    });

    it('generates the cursor key per stage, encrypted with the data key', () => {
      dev.api.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
        KmsKeyId: Match.anyValue(),
      });
      expect(JSON.stringify(dev.api.findResources('AWS::SecretsManager::Secret'))).not.toContain(
        '"SecretString"',
      );
    });

    it('lets createOrder put orders and use idempotency records, and nothing else', () => {
      // Act
      const actions = actionsOfRole(dev.api, roleOf(dev, 'createOrder'));

      // Assess
      expect(actions).toEqual(
        expect.arrayContaining([
          'dynamodb:PutItem',
          'dynamodb:GetItem',
          'dynamodb:UpdateItem',
          'kms:GenerateDataKey',
          'ssm:GetParameter',
        ]),
      );
      expect(actions).not.toContain('dynamodb:Query');
    });

    it('lets createOrder read an order, so a retry can answer with the order it committed', () => {
      // Act
      const onOrdersTable = statementsOfRole(dev.api, roleOf(dev, 'createOrder')).filter(
        (s) =>
          /orderstablename/.test(JSON.stringify(s.Resource)) &&
          !/index/.test(JSON.stringify(s.Resource)),
      );

      // Assess
      expect(onOrdersTable.flatMap((s) => [s.Action].flat())).toContain('dynamodb:GetItem');
      expect(JSON.stringify(onOrdersTable)).not.toMatch(/Idempotency/);
    });

    it('lets createOrder read the catalog with BatchGetItem on the catalog table, and nothing more', () => {
      // Act
      const statements = statementsOfRole(dev.api, roleOf(dev, 'createOrder')).filter((s) =>
        /catalogtablename/.test(JSON.stringify(s.Resource)),
      );

      // Assess
      expect(statements).toHaveLength(1);
      expect(statements[0]?.Action).toBe('dynamodb:BatchGetItem');
    });

    it('lets no other route read the catalog', () => {
      for (const route of ROUTES.filter((r) => r.id !== 'createOrder')) {
        expect(actionsOfRole(dev.api, roleOf(dev, route.id))).not.toContain(
          'dynamodb:BatchGetItem',
        );
      }
    });

    it('lets no function send to a queue: the outbox pipe does, from the table stream', () => {
      for (const route of ROUTES) {
        const actions = actionsOfRole(dev.api, roleOf(dev, route.id));
        expect(actions.filter((action) => action.startsWith('sqs:'))).toEqual([]);
      }
      dev.api.resourcePropertiesCountIs(
        'AWS::Lambda::Function',
        { Environment: { Variables: { [ENV.fulfilmentQueueUrl]: Match.anyValue() } } },
        0,
      );
    });

    it('lets health describe the orders table, with no item access and no use of the key', () => {
      // Act
      const statements = statementsOfRole(dev.api, roleOf(dev, 'health'));
      const actions = statements.flatMap((s) => [s.Action].flat());

      // Assess
      expect(actions.filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:DescribeTable']);
      expect(actions.filter((a) => a.startsWith('kms:'))).toEqual([]);
    });

    it.each(STAGE_NAMES)(
      'grants no wildcard action and no wildcard resource except X-Ray in %s',
      (name) => {
        // Prepare
        const stage = synthesized(name);

        // Act
        const statements = ROUTES.flatMap((route) =>
          statementsOfRole(stage.api, roleOf(stage, route.id)),
        );
        const wildcardActions = statements
          .flatMap((s) => [s.Action].flat())
          .filter((a) => a.includes('*'));
        const wildcardResources = statements.filter((s) =>
          JSON.stringify(s.Resource).includes('*'),
        );

        // Assess
        expect(wildcardActions).toEqual([]);
        for (const statement of wildcardResources) {
          expect([statement.Action].flat().every((a) => a.startsWith('xray:'))).toBe(true);
        }
      },
    );

    it('lets dev functions read the fault parameter, and prod functions no SSM at all', () => {
      expect(actionsOfRole(dev.api, roleOf(dev, 'getOrder'))).toContain('ssm:GetParameter');
      for (const route of ROUTES) {
        expect(
          actionsOfRole(prod.api, roleOf(prod, route.id)).some((a) => a.startsWith('ssm:')),
        ).toBe(false);
      }
    });

    it('attaches no AWS managed policy to function roles', () => {
      for (const route of ROUTES) {
        const role = dev.api.toJSON().Resources[roleOf(dev, route.id)];
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    });
  });

  describe('deploy-time traps', () => {
    it('imports nothing from the Data stack: it reads names and the key ARN from SSM', () => {
      // Act
      const imports = JSON.stringify(dev.api.toJSON()).match(/Fn::ImportValue/g) ?? [];
      const parameters = dev.api.toJSON().Parameters ?? {};
      const ssmDefaults = Object.values(parameters)
        .filter((p) => (p as { Type: string }).Type === 'AWS::SSM::Parameter::Value<String>')
        .map((p) => (p as { Default: string }).Default)
        // CDK's own bootstrap-version check reads SSM the same way.
        .filter((name) => !name.startsWith('/cdk-bootstrap/'));

      // Assess
      expect(imports).toEqual([]);
      const names = dataParameterNames(STAGES.dev);
      expect(ssmDefaults.sort()).toEqual(
        [
          names.ordersTableName,
          names.idempotencyTableName,
          names.catalogTableName,
          names.fulfilmentQueueName,
          names.keyArn,
          // The dashboards' DLQ depth and outbox pipe widgets.
          names.fulfilmentDlqName,
          names.outboxPipeName,
          // The operator routes find the Alerting stack's incidents table the same way.
          incidentParameterNames(STAGES.dev).tableName,
          incidentParameterNames(STAGES.dev).keyArn,
          // The triage function's deployments record (not a Data stack value).
          deploymentsTableParameterName(STAGES.dev),
          // The safety alarms' topics (the page topic also for the triage subscription).
          alertTopicParameterName(STAGES.dev, 'page'),
          alertTopicParameterName(STAGES.dev, 'ticket'),
          // The worker's CPU, memory and running tasks, from the Worker stack.
          workerParameterNames(STAGES.dev).clusterName,
          workerParameterNames(STAGES.dev).serviceName,
          // The worker's log group, which triage queries.
          workerParameterNames(STAGES.dev).logGroupName,
        ].sort(),
      );
    });

    // A whole stage of its own: its synthesis alone can take over a minute on a loaded machine.
    it('manages the account-wide API Gateway CloudWatch role only where the stage owns it', () => {
      // Prepare
      const notOwner: StageConfig = {
        ...STAGES.staging,
        api: { ...STAGES.staging.api, ownsAccountCloudWatchRole: false },
      };
      const app = new App({
        context: { 'aws:cdk:bundling-stacks': [] },
        builtinCloudFormationValidation: false,
      });

      // Act
      const { api } = createOrdersService(app, notOwner);

      // Assess
      dev.api.resourceCountIs('AWS::ApiGateway::Account', 1);
      Template.fromStack(api).resourceCountIs('AWS::ApiGateway::Account', 0);
    }, 180_000);

    it.each(STAGE_NAMES)('reserves concurrency per function from the %s config', (name) => {
      // Prepare
      const stage = synthesized(name);
      const reserved = STAGES[name].lambda.reservedConcurrency ?? {};

      // Assess
      for (const route of ROUTES) {
        const fn = stage.api.toJSON().Resources[logicalId(stage.built.api.functions[route.id])];
        expect(fn.Properties.ReservedConcurrentExecutions).toBe(reserved[route.id]);
      }
      expect(reserved.health).toBeLessThan(reserved.createOrder ?? 0);
    });

    it('refuses to synthesize reservations that leave too little unreserved concurrency', () => {
      // Prepare
      const greedy: StageConfig = {
        ...STAGES.dev,
        lambda: { ...STAGES.dev.lambda, reservedConcurrency: { createOrder: 950 } },
      };
      const app = new App({
        context: { 'aws:cdk:bundling-stacks': [] },
        builtinCloudFormationValidation: false,
      });

      // Act / Assess
      expect(() => createOrdersService(app, greedy)).toThrow(/reserve 950 .* quota of 1000/);
    });
  });

  describe('REST API', () => {
    it('answers an unknown route with 404 ROUTE_NOT_FOUND instead of 403', () => {
      prod.api.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: 'MISSING_AUTHENTICATION_TOKEN',
        StatusCode: '404',
      });
    });

    it.each([
      ['UNAUTHORIZED', 'UNAUTHORIZED'],
      ['ACCESS_DENIED', 'FORBIDDEN'],
      ['INVALID_API_KEY', 'FORBIDDEN'],
      ['THROTTLED', 'THROTTLED'],
      ['QUOTA_EXCEEDED', 'QUOTA_EXCEEDED'],
      ['REQUEST_TOO_LARGE', 'PAYLOAD_TOO_LARGE'],
      ['MISSING_AUTHENTICATION_TOKEN', 'ROUTE_NOT_FOUND'],
      ['DEFAULT_5XX', 'INTERNAL'],
      ['INTEGRATION_TIMEOUT', 'GATEWAY_TIMEOUT'],
    ])("answers API Gateway's own %s rejection with the problem body (%s)", (type, code) => {
      prod.api.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseTemplates: {
          'application/json': `{"error":{"code":"${code}","message":$context.error.messageString,"details":[]}}`,
        },
      });
    });

    it('traces, logs and meters the stage, without data tracing', () => {
      dev.api.hasResourceProperties('AWS::ApiGateway::Stage', {
        StageName: 'dev',
        TracingEnabled: true,
        AccessLogSetting: {
          // The log group's ARN without the `:*` suffix (feature flag logGroupDestinationArnWithoutWildcard).
          DestinationArn: {
            'Fn::Join': [
              '',
              [
                Match.stringLikeRegexp(':log-group:$'),
                { Ref: Match.stringLikeRegexp('^AccessLogs') },
              ],
            ],
          },
          Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
        },
        MethodSettings: Match.arrayWith([
          Match.objectLike({
            HttpMethod: '*',
            ResourcePath: '/*',
            LoggingLevel: 'INFO',
            DataTraceEnabled: false,
            MetricsEnabled: true,
          }),
        ]),
      });
    });

    it.each(STAGE_NAMES)(
      'throttles the %s stage and POST /orders from the stage config',
      (name) => {
        // Prepare
        const config = STAGES[name];
        const createOrder = config.api.methodThrottles.createOrder;

        // Assess
        synthesized(name).api.hasResourceProperties('AWS::ApiGateway::Stage', {
          MethodSettings: Match.arrayWith([
            Match.objectLike({
              HttpMethod: '*',
              ResourcePath: '/*',
              ThrottlingRateLimit: config.api.throttle.rateLimit,
              ThrottlingBurstLimit: config.api.throttle.burstLimit,
            }),
            Match.objectLike({
              HttpMethod: 'POST',
              ResourcePath: '/~1orders',
              ThrottlingRateLimit: createOrder?.rateLimit,
              ThrottlingBurstLimit: createOrder?.burstLimit,
            }),
          ]),
        });
      },
    );

    it('leaves GET /health public: no authorizer and no API key', () => {
      // Prepare
      // API Gateway invokes the released version: the function's `live` alias.
      const healthFunction = logicalId(dev.built.api.functions.health.live);

      // Act
      const publicMethods = Object.values(
        dev.api.findResources('AWS::ApiGateway::Method', {
          Properties: { AuthorizationType: 'NONE' },
        }),
      ).filter((method) => method.Properties.HttpMethod !== 'OPTIONS');

      // Assess
      expect(publicMethods).toHaveLength(1);
      expect(publicMethods[0]?.Properties.HttpMethod).toBe('GET');
      expect(publicMethods[0]?.Properties.ApiKeyRequired).toBe(false);
      expect(JSON.stringify(publicMethods[0]?.Properties.Integration)).toContain(healthFunction);
    });

    it('requires a Cognito token with the route scopes and an API key on every other method', () => {
      for (const route of ROUTES.filter((r) => r.auth.type === 'oauth')) {
        // Prepare
        const fn = logicalId(dev.built.api.functions[route.id].live);
        const scopes =
          route.auth.type === 'oauth' ? route.auth.scopes.map((s) => `orders/${s}`) : [];

        // Act
        const methods = Object.values(
          dev.api.findResources('AWS::ApiGateway::Method', {
            Properties: { HttpMethod: route.method },
          }),
        ).filter((method) => JSON.stringify(method.Properties.Integration).includes(fn));

        // Assess
        expect(methods).toHaveLength(1);
        expect(methods[0]?.Properties).toMatchObject({
          AuthorizationType: 'COGNITO_USER_POOLS',
          ApiKeyRequired: true,
          AuthorizationScopes: scopes,
          Integration: { Type: 'AWS_PROXY' },
        });
      }
    });

    it('validates request bodies and parameters', () => {
      dev.api.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
        ValidateRequestBody: true,
        ValidateRequestParameters: true,
      });
      dev.api.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'GET',
        RequestParameters: { 'method.request.path.orderId': true },
        RequestValidatorId: Match.anyValue(),
      });
    });

    it('answers CORS preflight for the configured origin', () => {
      dev.api.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'OPTIONS',
        Integration: {
          IntegrationResponses: [
            Match.objectLike({
              ResponseParameters: Match.objectLike({
                'method.response.header.Access-Control-Allow-Origin': `'${STAGES.dev.api.corsAllowOrigins[0]}'`,
              }),
            }),
          ],
        },
      });
    });
  });

  describe('consumers', () => {
    it.each(STAGE_NAMES)(
      'gives each %s consumer a usage plan with its quota and throttle, bound to the stage',
      (name) => {
        // Prepare
        const { consumers } = STAGES[name];
        const template = synthesized(name).api;

        // Assess
        template.resourceCountIs('AWS::ApiGateway::UsagePlan', consumers.length);
        template.resourceCountIs('AWS::ApiGateway::ApiKey', consumers.length);
        template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', consumers.length);
        for (const consumer of consumers) {
          template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
            Quota: { Limit: consumer.quota.limit, Period: consumer.quota.period },
            Throttle: {
              RateLimit: consumer.throttle.rateLimit,
              BurstLimit: consumer.throttle.burstLimit,
            },
            ApiStages: [Match.objectLike({ Stage: Match.anyValue() })],
          });
        }
      },
    );

    it('gives each consumer a client-credentials app client with exactly its scopes', () => {
      for (const consumer of STAGES.dev.consumers) {
        dev.api.hasResourceProperties('AWS::Cognito::UserPoolClient', {
          GenerateSecret: true,
          AllowedOAuthFlows: ['client_credentials'],
          AllowedOAuthFlowsUserPoolClient: true,
          AllowedOAuthScopes: consumer.scopes.map((scope) => `orders/${scope}`),
        });
      }
    });

    it('declares the orders resource server with the read, write and read-all scopes', () => {
      dev.api.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
        Identifier: 'orders',
        Scopes: Match.arrayWith([
          Match.objectLike({ ScopeName: 'orders.read' }),
          Match.objectLike({ ScopeName: 'orders.write' }),
          Match.objectLike({ ScopeName: 'orders.read.all' }),
        ]),
      });
    });

    it('tells every authenticated function which client and API key make up each consumer', () => {
      // Act
      const clients = dev.api.findResources('AWS::Cognito::UserPoolClient');
      const keys = dev.api.findResources('AWS::ApiGateway::ApiKey');
      const idOf = (resources: typeof clients, name: string) =>
        Object.entries(resources).find(([, r]) => r.Metadata?.['orders:consumer'] === name)?.[0];

      // Assess
      for (const route of ROUTES) {
        const fn = dev.built.api.functions[route.id];
        const variables = dev.api.findResources('AWS::Lambda::Function')[logicalId(fn)]?.Properties
          ?.Environment?.Variables as Record<string, unknown>;
        const binding = JSON.stringify(variables[ENV.consumers] ?? null);
        if (route.auth.type === 'public') {
          expect(variables[ENV.consumers]).toBeUndefined();
          continue;
        }
        for (const consumer of STAGES.dev.consumers) {
          expect(binding).toContain(`\\"name\\":\\"${consumer.name}\\"`);
          expect(binding).toContain(`"Ref":"${idOf(clients, consumer.name)}"`);
          expect(binding).toContain(`"Ref":"${idOf(keys, consumer.name)}"`);
        }
      }
    });

    it('closes self sign-up and enforces a strong password policy', () => {
      dev.api.hasResourceProperties('AWS::Cognito::UserPool', {
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        Policies: {
          PasswordPolicy: Match.objectLike({
            MinimumLength: 14,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          }),
        },
        MfaConfiguration: 'ON',
      });
    });

    it('protects the prod user pool from deletion, not the dev one', () => {
      prod.api.hasResource('AWS::Cognito::UserPool', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({ DeletionProtection: 'ACTIVE' }),
      });
      dev.api.hasResource('AWS::Cognito::UserPool', {
        DeletionPolicy: 'Delete',
        Properties: Match.objectLike({ DeletionProtection: 'INACTIVE' }),
      });
    });

    it('derives the token domain prefix from app, stage and account', () => {
      dev.api.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
        Domain: `orders-dev-${STAGES.dev.env.account}`,
      });
    });

    it('outputs the API URL, user pool, token endpoint, and per consumer the client id and key id', () => {
      // Prepare
      const outputs = dev.api.toJSON().Outputs as Record<string, { Value: unknown }>;
      const expected = [
        'ApiUrl',
        'UserPoolId',
        'TokenEndpoint',
        ...STAGES.dev.consumers.flatMap((c) => {
          const name = c.name.charAt(0).toUpperCase() + c.name.slice(1);
          return [`${name}ClientId`, `${name}ApiKeyId`];
        }),
      ];

      // Assess
      expect(Object.keys(outputs)).toEqual(expect.arrayContaining(expected));
      expect(JSON.stringify(outputs)).not.toMatch(/ClientSecret|APIKeyValue|\.Value"/);
    });
  });

  describe('WAF', () => {
    it.each([
      ['staging', staging, 2000],
      ['prod', prod, 5000],
    ] as const)(
      'protects the %s stage with managed rules, a rate limit and a body size limit',
      (_name, stage, limit) => {
        stage.api.hasResourceProperties('AWS::WAFv2::WebACL', {
          Scope: 'REGIONAL',
          DefaultAction: { Allow: {} },
          Rules: Match.arrayWith([
            Match.objectLike({
              Statement: {
                ManagedRuleGroupStatement: Match.objectLike({
                  VendorName: 'AWS',
                  Name: 'AWSManagedRulesCommonRuleSet',
                }),
              },
            }),
            Match.objectLike({
              Statement: {
                ManagedRuleGroupStatement: Match.objectLike({
                  VendorName: 'AWS',
                  Name: 'AWSManagedRulesKnownBadInputsRuleSet',
                }),
              },
            }),
            Match.objectLike({
              Action: { Block: {} },
              Statement: { RateBasedStatement: { Limit: limit, AggregateKeyType: 'IP' } },
            }),
            Match.objectLike({
              Action: { Block: {} },
              Statement: {
                SizeConstraintStatement: Match.objectLike({
                  ComparisonOperator: 'GT',
                  Size: STAGES.prod.api.maxBodyBytes,
                  FieldToMatch: { Body: { OversizeHandling: 'MATCH' } },
                }),
              },
            }),
          ]),
        });
        stage.api.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
          ResourceArn: Match.anyValue(),
          WebACLArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebAcl'), 'Arn'] },
        });
      },
    );

    it('has no web ACL in dev', () => {
      dev.api.resourceCountIs('AWS::WAFv2::WebACL', 0);
      dev.api.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
    });
  });
});
