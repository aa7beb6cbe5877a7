import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import type { StageName } from '#config/stages';
import { buildStage } from '../../../cdk/synth.ts';

export interface SynthesizedStage {
  readonly built: ReturnType<typeof buildStage>;
  readonly data: Template;
  readonly api: Template;
}

const cache = new Map<StageName, SynthesizedStage>();

/** One stage built once per test file, bundling skipped (seconds, not minutes). */
export const synthesized = (stage: StageName): SynthesizedStage => {
  let entry = cache.get(stage);
  if (!entry) {
    const built = buildStage(stage);
    entry = { built, data: Template.fromStack(built.data), api: Template.fromStack(built.api) };
    cache.set(stage, entry);
  }
  return entry;
};

/** Logical id of an L2 construct's CloudFormation resource. */
export const logicalId = (construct: IConstruct): string =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/** Every statement of the IAM policies attached to a role. */
export const statementsOfRole = (template: Template, roleLogicalId: string): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) =>
      (policy.Properties.Roles as Array<{ Ref?: string }>).some(
        (role) => role.Ref === roleLogicalId,
      ),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);

/** All actions allowed by a role's policies. */
export const actionsOfRole = (template: Template, roleLogicalId: string): string[] =>
  statementsOfRole(template, roleLogicalId)
    .filter((statement) => statement.Effect === 'Allow')
    .flatMap((statement) =>
      Array.isArray(statement.Action) ? statement.Action : [statement.Action],
    );
