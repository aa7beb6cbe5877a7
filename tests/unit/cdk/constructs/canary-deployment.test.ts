import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { STAGES } from '#config/stages';
import { ROUTES } from '#routes';
import { logicalId, synthesized } from '#tests/unit/cdk/helpers';
import { fastBurnAlarmNames } from '../../../../cdk/constructs/canary-deployment.ts';
import { LIVE_ALIAS } from '../../../../cdk/constructs/orders-function.ts';

describe('CanaryDeployment', () => {
  const dev = synthesized('dev');

  it('publishes a version of every route function behind a live alias', () => {
    dev.api.resourceCountIs('AWS::Lambda::Alias', ROUTES.length);
    for (const route of ROUTES) {
      const fn = dev.built.api.functions[route.id];
      dev.api.hasResourceProperties('AWS::Lambda::Alias', {
        Name: LIVE_ALIAS,
        FunctionName: { Ref: logicalId(fn as NonNullable<typeof fn>) },
      });
    }
  });

  it('shifts 10% for 5 minutes, then the rest, and rolls back on alarms and failures', () => {
    dev.api.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', ROUTES.length);
    dev.api.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      DeploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
      AutoRollbackConfiguration: {
        Enabled: true,
        Events: Match.arrayWith(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']),
      },
      AlarmConfiguration: { Enabled: true, Alarms: Match.anyValue() },
    });
  });

  it('watches the new version errors and the route fast-burn SLO alarm', () => {
    // Act
    const groups = Object.values(dev.api.findResources('AWS::CodeDeploy::DeploymentGroup'));
    const alarmsOfCreate = groups
      .map((group) => JSON.stringify(group.Properties.AlarmConfiguration.Alarms))
      .filter((alarms) => alarms.includes('slo-create-availability'));

    // Assess
    expect(fastBurnAlarmNames(STAGES.dev, 'createOrder')).toContain(
      'Orders-dev-slo-create-availability-page-fast-short',
    );
    expect(alarmsOfCreate).toHaveLength(1);
    for (const group of groups) {
      expect(group.Properties.AlarmConfiguration.Alarms.length).toBeGreaterThanOrEqual(1);
    }
    dev.api.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Threshold: 1,
      Dimensions: Match.arrayWith([Match.objectLike({ Name: 'Resource' })]),
    });
  });

  it('points API Gateway at the alias, never at $LATEST', () => {
    const methods = Object.values(dev.api.findResources('AWS::ApiGateway::Method')).filter(
      (method) => method.Properties.Integration?.Type === 'AWS_PROXY',
    );
    const aliases = Object.keys(dev.api.findResources('AWS::Lambda::Alias'));
    expect(methods).toHaveLength(ROUTES.length);
    for (const method of methods) {
      const uri = JSON.stringify(method.Properties.Integration.Uri);
      expect(aliases.some((alias) => uri.includes(`"Ref":"${alias}"`))).toBe(true);
    }
  });
});
