import { App, Stack, Stage } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { getStageConfig, STAGE_NAMES, STAGES } from '#config/stages';
import { synthesized } from '#tests/unit/cdk/helpers';
import { createOrdersService } from '../../../cdk/service.ts';

describe('createOrdersService', () => {
  it.each(STAGE_NAMES)(
    'names the %s stacks after the app and stage, in the stage account',
    (name) => {
      // Act
      const { data, api } = synthesized(name).built;

      // Assess
      expect(data.stackName).toBe(`Orders-${name}-Data`);
      expect(api.stackName).toBe(`Orders-${name}-Api`);
      expect(api.account).toBe(STAGES[name].env.account);
      expect(api.region).toBe(STAGES[name].env.region);
      expect(api.dependencies).toContain(data);
    },
  );

  it('tags every resource with the app and stage', () => {
    synthesized('staging').data.hasResourceProperties('AWS::DynamoDB::Table', {
      Tags: [
        { Key: 'app', Value: 'Orders' },
        { Key: 'stage', Value: 'staging' },
      ],
    });
  });

  it('uses the account passed with -c account= instead of the placeholder', () => {
    // Prepare
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });

    // Act
    const { api } = createOrdersService(app, getStageConfig('dev', { account: '123456789012' }));

    // Assess
    expect(api.account).toBe('123456789012');
  });

  it('builds inside a cdk.Stage, as a pipeline will wrap it', () => {
    // Prepare
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stage = new Stage(app, 'Prod', { env: STAGES.prod.env });

    // Act
    const { data, api, alerting } = createOrdersService(stage, STAGES.prod);
    const assembly = stage.synth();

    // Assess
    expect(Stack.of(api).node.scope).toBe(stage);
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual(
      [alerting.stackName, api.stackName, data.stackName].sort(),
    );
  });

  describe.each(STAGE_NAMES)('cdk-nag AwsSolutions in %s', (name) => {
    const { built } = synthesized(name);
    const violations = [built.data, built.api, built.alerting].flatMap((stack) =>
      new AwsSolutionsChecks(built.app).validateScope(stack).violations.map((v) => ({
        rule: v.ruleName,
        severity: v.severity,
        resources: v.violatingResources.map((r) => r.constructPath),
      })),
    );

    it('leaves no unacknowledged error', () => {
      expect(violations.filter((v) => v.severity === 'error')).toEqual([]);
    });

    it('leaves no unacknowledged warning', () => {
      expect(violations.filter((v) => v.severity !== 'error')).toEqual([]);
    });
  });
});
