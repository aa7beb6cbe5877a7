import { describe, expect, it } from 'vitest';
import { STAGE_NAMES, STAGES, type StageName } from '#config/stages';
import { type CfnResource, synthesizeStage } from '../../../cdk/synth.ts';

/**
 * Logging settings across every stack of a stage, whoever adds the resource: a new function, log
 * group or container that skips the stage's level, sampling or retention fails here.
 */
const resourcesOf = (stage: StageName) => {
  const { stacks } = synthesizeStage(stage);
  return stacks.flatMap(({ stackName, template }) =>
    Object.entries(template.Resources ?? {}).map(([logicalId, resource]) => ({
      id: `${stackName}/${logicalId}`,
      resource: resource as CfnResource & { Properties?: Record<string, unknown> },
    })),
  );
};

const ofType = (resources: ReturnType<typeof resourcesOf>, type: string) =>
  resources.filter(({ resource }) => resource.Type === type);

describe.each(STAGE_NAMES)('logging of every resource, stage %s', (stage) => {
  const config = STAGES[stage];
  const resources = resourcesOf(stage);
  const functions = ofType(resources, 'AWS::Lambda::Function');
  const logGroups = ofType(resources, 'AWS::Logs::LogGroup');
  const expectedLevel = config.logLevel ?? 'INFO';
  const expectedRate = String(config.logSampleRate ?? 0);

  it('has functions and log groups to check', () => {
    expect(functions.length).toBeGreaterThan(0);
    expect(logGroups.length).toBeGreaterThan(functions.length);
  });

  it("keeps every log group the stage's retention", () => {
    const wrong = logGroups
      .filter(({ resource }) => resource.Properties?.RetentionInDays !== config.logRetentionDays)
      .map(({ id, resource }) => `${id}: ${String(resource.Properties?.RetentionInDays)}`);
    expect(wrong).toEqual([]);
  });

  it("creates API Gateway's execution log group itself, so it has the retention too", () => {
    const names = logGroups.map(({ resource }) =>
      JSON.stringify(resource.Properties?.LogGroupName ?? null),
    );
    expect(names.filter((name) => name.includes('API-Gateway-Execution-Logs_'))).toHaveLength(1);
  });

  it('gives every Lambda function a log group of the stack (none created by Lambda, without retention)', () => {
    const groupIds = new Set(logGroups.map(({ id }) => id.split('/')[1]));
    const without = functions
      .filter(({ resource }) => {
        const group = (resource.Properties?.LoggingConfig as { LogGroup?: { Ref?: string } })
          ?.LogGroup;
        return group?.Ref === undefined || !groupIds.has(group.Ref);
      })
      .map(({ id }) => id);
    expect(without).toEqual([]);
  });

  it("sets the stage's log level and debug sampling rate on every function of the service", () => {
    // Handlers CDK provides for custom resources log with console.log, not Powertools.
    const service = functions.filter(({ id }) => !/CustomResourceProvider/.test(id));
    expect(service.length).toBeGreaterThan(0);
    const settings = service.map(({ id, resource }) => {
      const variables = (
        resource.Properties?.Environment as { Variables?: Record<string, unknown> }
      )?.Variables;
      return {
        id,
        level: variables?.POWERTOOLS_LOG_LEVEL,
        rate: variables?.POWERTOOLS_LOGGER_SAMPLE_RATE,
      };
    });
    expect(settings).toEqual(
      service.map(({ id }) => ({ id, level: expectedLevel, rate: expectedRate })),
    );
  });

  it("sets the stage's log level and debug sampling rate on the worker, and sends every container's logs to a log group", () => {
    const containers = ofType(resources, 'AWS::ECS::TaskDefinition').flatMap(({ resource }) =>
      ((resource.Properties?.ContainerDefinitions ?? []) as Array<Record<string, unknown>>).map(
        (container) => container,
      ),
    );
    expect(containers.length).toBeGreaterThan(0);
    for (const container of containers) {
      expect(container.LogConfiguration, String(container.Name)).toMatchObject({
        LogDriver: 'awslogs',
        Options: { 'awslogs-group': { Ref: expect.any(String) } },
      });
    }
    const worker = containers.find((container) => container.Name === 'worker');
    const environment = Object.fromEntries(
      ((worker?.Environment ?? []) as Array<{ Name: string; Value: unknown }>).map((entry) => [
        entry.Name,
        entry.Value,
      ]),
    );
    expect(environment).toMatchObject({
      POWERTOOLS_LOG_LEVEL: expectedLevel,
      POWERTOOLS_LOGGER_SAMPLE_RATE: expectedRate,
    });
  });
});
