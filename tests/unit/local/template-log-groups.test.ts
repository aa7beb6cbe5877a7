import { describe, expect, it } from 'vitest';
import { extractDataResources, type LogGroupSpec, TemplateResolver } from '#local/template';
import { synthesizeStage } from '../../../cdk/synth.ts';

describe('log groups read from the template', () => {
  it('lists every log group of every stack under the name the functions and the worker use', () => {
    // Prepare
    const { stacks } = synthesizeStage('dev', { bundle: false });
    const resolver = new TemplateResolver(stacks, {
      endpoint: 'http://127.0.0.1:1',
      region: 'eu-west-1',
    });
    const inTemplates = stacks.flatMap(({ stackName, template }) =>
      Object.entries(template.Resources ?? {})
        .filter(([, resource]) => resource.Type === 'AWS::Logs::LogGroup')
        .map(([logicalId, resource]) => ({
          stackName,
          logicalId,
          retention: resource.Properties?.RetentionInDays,
        })),
    );

    // Act
    const groups = extractDataResources(resolver).filter(
      (spec): spec is LogGroupSpec => spec.kind === 'logGroup',
    );

    // Assess: one per template resource, named as its Ref resolves, with its retention.
    expect(groups).toHaveLength(inTemplates.length);
    for (const expected of inTemplates) {
      const group = groups.find(
        (candidate) =>
          candidate.stackName === expected.stackName && candidate.logicalId === expected.logicalId,
      );
      expect(group, `${expected.stackName}.${expected.logicalId}`).toBeDefined();
      expect(group?.logGroupName).toBe(
        resolver.resolve(expected.stackName, { Ref: expected.logicalId }),
      );
      expect(group?.retentionInDays).toBe(expected.retention);
    }
    // The worker's group is among them: triage queries it before the worker has logged anything.
    expect(groups.some((group) => group.stackName.endsWith('-Worker'))).toBe(true);
  });
});
