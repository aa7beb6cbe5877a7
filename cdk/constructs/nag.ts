import { type Stack, Token, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges one cdk-nag finding on `scope` and its children (cdk-nag v3 reads CDK's
 * `Validations` acknowledgments). `finding` narrows a granular rule to one finding, the v2
 * `appliesTo`: `acknowledgeNag(role, 'AwsSolutions-IAM5', 'why', 'Resource::*')`.
 * Every acknowledgment must say why, in terms a reviewer can check.
 */
export const acknowledgeNag = (
  scope: IConstruct,
  rule: `AwsSolutions-${string}`,
  reason: string,
  finding?: string,
): void => {
  Validations.of(scope).acknowledge({ id: finding ? `${rule}[${finding}]` : rule, reason });
};

/**
 * How cdk-nag writes a stack's partition in the `Resource::` findings an acknowledgment names:
 * literal (`aws`) when the stack's environment is known, `<AWS::Partition>` when it is a token.
 */
export const nagPartition = (stack: Stack): string =>
  Token.isUnresolved(stack.partition) ? '<AWS::Partition>' : stack.partition;
