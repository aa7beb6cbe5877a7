import { App, Stack, Stage } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
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
      const { data, api, worker } = synthesized(name).built;

      // Assess
      expect(data.stackName).toBe(`Orders-${name}-Data`);
      expect(api.stackName).toBe(`Orders-${name}-Api`);
      expect(api.account).toBe(STAGES[name].env.account);
      expect(api.region).toBe(STAGES[name].env.region);
      expect(api.dependencies).toContain(data);
      // The service overview reads the worker's cluster and service names from its parameters.
      expect(api.dependencies).toContain(worker);
    },
  );

  it('tags every resource with the app and stage', () => {
    synthesized('staging').data.hasResourceProperties('AWS::DynamoDB::Table', {
      Tags: Match.arrayWith([
        { Key: 'app', Value: 'Orders' },
        { Key: 'stage', Value: 'staging' },
      ]),
    });
  });

  it('puts every table of the Data stack in the backup plan by tag, and nothing else', () => {
    // Act
    const { data } = synthesized('dev');
    const tables = data.findResources('AWS::DynamoDB::Table');
    const resources = data.toJSON().Resources as Record<
      string,
      { Type: string; Properties?: { Tags?: unknown } }
    >;
    const taggedOthers = Object.values(resources).filter((resource) => {
      const tags = resource.Properties?.Tags;
      // Some types (SSM parameters) take tags as a map, others as a list.
      const keys = Array.isArray(tags)
        ? tags.map((tag: { Key: string }) => tag.Key)
        : Object.keys(tags ?? {});
      return resource.Type !== 'AWS::DynamoDB::Table' && keys.includes('backup-plan');
    });

    // Assess
    expect(Object.keys(tables).length).toBeGreaterThanOrEqual(2);
    for (const table of Object.values(tables)) {
      expect(table.Properties.Tags).toContainEqual({ Key: 'backup-plan', Value: 'Orders-dev' });
    }
    expect(taggedOthers).toEqual([]);
  });

  it('uses the account passed with -c account= instead of the placeholder', () => {
    // Prepare
    const app = new App({
      context: { 'aws:cdk:bundling-stacks': [] },
      builtinCloudFormationValidation: false,
    });

    // Act
    const { api } = createOrdersService(app, getStageConfig('dev', { account: '123456789012' }));

    // Assess
    expect(api.account).toBe('123456789012');
  });

  it('builds inside a cdk.Stage, as a pipeline will wrap it', () => {
    // Prepare
    const app = new App({
      context: { 'aws:cdk:bundling-stacks': [] },
      builtinCloudFormationValidation: false,
    });
    const stage = new Stage(app, 'Prod', { env: STAGES.prod.env });

    // Act
    const { data, api, alerting, registry, worker } = createOrdersService(stage, STAGES.prod);
    const assembly = stage.synth();

    // Assess
    expect(Stack.of(api).node.scope).toBe(stage);
    expect(assembly.stacks.map((s) => s.stackName)).toEqual(
      expect.arrayContaining([
        alerting.stackName,
        api.stackName,
        data.stackName,
        registry.stackName,
        worker.stackName,
      ]),
    );
  });

  describe.each(STAGE_NAMES)('cdk-nag AwsSolutions in %s', (name) => {
    const { built } = synthesized(name);
    const stacks = [
      built.data,
      built.api,
      built.alerting,
      built.registry,
      built.worker,
      built.backup,
      ...(built.backupCopy ? [built.backupCopy] : []),
    ];
    const violations = stacks.flatMap((stack) =>
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
