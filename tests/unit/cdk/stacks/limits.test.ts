import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { STAGE_NAMES, STAGES, type StageConfig } from '#config/stages';
import { ROUTES } from '#routes';
import { createOrdersService } from '../../../../cdk/service.ts';
import { DataStack } from '../../../../cdk/stacks/data-stack.ts';
import { logicalId, synthesized } from '../helpers.ts';

const prod = synthesized('prod');

const withConfig = (config: StageConfig) => {
  const app = new App({
    context: { 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  const service = createOrdersService(app, config);
  return { service, data: Template.fromStack(service.data), api: Template.fromStack(service.api) };
};

describe('limits and scaling from the stage config', () => {
  describe('provisioned concurrency', () => {
    it.each(Object.entries(STAGES.prod.lambda.provisionedConcurrency ?? {}))(
      'puts %s on a live alias with its minimum provisioned',
      (route, provisioned) => {
        // Prepare
        const fn = prod.built.api.functions[route as keyof typeof prod.built.api.functions];

        // Assess
        prod.api.hasResourceProperties('AWS::Lambda::Alias', {
          Name: 'live',
          FunctionName: { Ref: logicalId(fn) },
          ProvisionedConcurrencyConfig: {
            ProvisionedConcurrentExecutions: provisioned?.min,
          },
        });
      },
    );

    it.each(Object.entries(STAGES.prod.lambda.provisionedConcurrency ?? {}))(
      'scales %s between min and max by target tracking on utilisation',
      (route, provisioned) => {
        // Prepare
        const alias = prod.built.api.functions[route as keyof typeof prod.built.api.functions].live;
        expect(alias).toBeDefined();
        const aliasId = logicalId(alias as NonNullable<typeof alias>);
        const targets = prod.api.findResources('AWS::ApplicationAutoScaling::ScalableTarget', {
          Properties: {
            ScalableDimension: 'lambda:function:ProvisionedConcurrency',
            MinCapacity: provisioned?.min,
            MaxCapacity: provisioned?.max,
          },
        });
        const targetId = Object.entries(targets).find(([, target]) =>
          JSON.stringify(target.Properties.ResourceId).includes(aliasId),
        )?.[0];

        // Assess
        expect(targetId).toBeDefined();
        prod.api.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
          PolicyType: 'TargetTrackingScaling',
          ScalingTargetId: { Ref: targetId },
          TargetTrackingScalingPolicyConfiguration: Match.objectLike({
            TargetValue: provisioned?.targetUtilization,
            PredefinedMetricSpecification: {
              PredefinedMetricType: 'LambdaProvisionedConcurrencyUtilization',
            },
          }),
        });
      },
    );

    it('sends API Gateway to the live alias of provisioned routes, and to the function elsewhere', () => {
      for (const route of ROUTES) {
        // Prepare
        const fn = prod.built.api.functions[route.id];
        const methods = Object.values(
          prod.api.findResources('AWS::ApiGateway::Method', {
            Properties: { HttpMethod: route.method },
          }),
        ).map((method) => JSON.stringify(method.Properties.Integration));

        // Assess
        const target = fn.live ? logicalId(fn.live) : logicalId(fn);
        expect(methods.filter((integration) => integration.includes(target))).toHaveLength(1);
      }
    });

    it.each(STAGE_NAMES.filter((name) => !STAGES[name].lambda.provisionedConcurrency))(
      'provisions nothing in %s',
      (name) => {
        // Every route has its `live` alias (releases); none carries provisioned concurrency.
        synthesized(name).api.resourcePropertiesCountIs(
          'AWS::Lambda::Alias',
          { ProvisionedConcurrencyConfig: Match.anyValue() },
          0,
        );
      },
    );

    it('refuses provisioned concurrency above the route reservation', () => {
      // Prepare
      const config: StageConfig = {
        ...STAGES.prod,
        lambda: {
          ...STAGES.prod.lambda,
          provisionedConcurrency: { createOrder: { min: 10, max: 500, targetUtilization: 0.7 } },
        },
      };

      // Act / Assess
      expect(() => withConfig(config)).toThrow(/provisionedConcurrency\.createOrder\.max \(500\)/);
    });
  });

  describe('API Gateway', () => {
    it.each(STAGE_NAMES)('throttles each configured method of %s', (name) => {
      // Prepare
      const config = STAGES[name];
      const expected = ROUTES.filter((route) => config.api.methodThrottles[route.id]).map((route) =>
        Match.objectLike({
          HttpMethod: route.method,
          ResourcePath: `/${route.path.replaceAll('/', '~1')}`,
          ThrottlingRateLimit: config.api.methodThrottles[route.id]?.rateLimit,
          ThrottlingBurstLimit: config.api.methodThrottles[route.id]?.burstLimit,
        }),
      );

      // Assess
      expect(expected.length).toBeGreaterThan(0);
      synthesized(name).api.hasResourceProperties('AWS::ApiGateway::Stage', {
        MethodSettings: Match.arrayWith(expected),
      });
    });

    it.each(STAGE_NAMES)('gives each consumer of %s its usage-plan throttle and quota', (name) => {
      for (const consumer of STAGES[name].consumers) {
        synthesized(name).api.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
          UsagePlanName: `Orders-${name}-${consumer.name}`,
          Throttle: {
            RateLimit: consumer.throttle.rateLimit,
            BurstLimit: consumer.throttle.burstLimit,
          },
          Quota: { Limit: consumer.quota.limit, Period: consumer.quota.period },
        });
      }
    });

    it('refuses a method throttle the reserved concurrency cannot hold', () => {
      // Prepare
      const config: StageConfig = {
        ...STAGES.dev,
        api: {
          ...STAGES.dev.api,
          methodThrottles: { createOrder: { rateLimit: 45, burstLimit: 90 } },
        },
      };

      // Act / Assess
      expect(() => withConfig(config)).toThrow(/createOrder may receive 45 requests\/s/);
    });
  });

  describe('DynamoDB', () => {
    it.each(STAGE_NAMES)('bills %s tables as configured, with their ceilings', (name) => {
      // Prepare
      const { dynamodb } = STAGES[name];
      const tables = Object.values(synthesized(name).data.findResources('AWS::DynamoDB::Table'));

      // Assess
      expect(tables).toHaveLength(3);
      for (const capacity of [dynamodb.orders, dynamodb.idempotency, dynamodb.catalog]) {
        expect(capacity.mode).toBe('onDemand');
        if (capacity.mode !== 'onDemand') continue;
        expect(
          tables.some(
            (table) =>
              table.Properties.BillingMode === 'PAY_PER_REQUEST' &&
              table.Properties.OnDemandThroughput?.MaxReadRequestUnits ===
                capacity.maxReadRequestUnits &&
              table.Properties.OnDemandThroughput?.MaxWriteRequestUnits ===
                capacity.maxWriteRequestUnits,
          ),
        ).toBe(true);
      }
    });

    it('caps the orders table indexes like the table', () => {
      // Prepare
      const { orders } = STAGES.prod.dynamodb;
      if (orders.mode !== 'onDemand') throw new Error('prod orders is expected on demand');

      // Assess
      prod.data.hasResourceProperties('AWS::DynamoDB::Table', {
        GlobalSecondaryIndexes: Match.arrayWith([
          Match.objectLike({
            OnDemandThroughput: {
              MaxReadRequestUnits: orders.maxReadRequestUnits,
              MaxWriteRequestUnits: orders.maxWriteRequestUnits,
            },
          }),
        ]),
      });
    });

    it('provisions a table with target-tracking autoscaling when the stage says so', () => {
      // Prepare
      const config: StageConfig = {
        ...STAGES.staging,
        dynamodb: {
          ...STAGES.staging.dynamodb,
          catalog: {
            mode: 'provisioned',
            read: { min: 5, max: 50 },
            write: { min: 1, max: 10 },
            targetUtilizationPercent: 70,
          },
        },
      };

      // Act
      const app = new App({
        context: { 'aws:cdk:bundling-stacks': [] },
        builtinCloudFormationValidation: false,
      });
      const data = Template.fromStack(new DataStack(app, 'Data', { config, env: config.env }));

      // Assess
      data.hasResourceProperties('AWS::DynamoDB::Table', {
        BillingMode: Match.absent(),
        ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 1 },
      });
      data.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
        ScalableDimension: 'dynamodb:table:ReadCapacityUnits',
        MinCapacity: 5,
        MaxCapacity: 50,
      });
      data.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
        TargetTrackingScalingPolicyConfiguration: Match.objectLike({
          TargetValue: 70,
          PredefinedMetricSpecification: {
            PredefinedMetricType: 'DynamoDBReadCapacityUtilization',
          },
        }),
      });
    });
  });
});
