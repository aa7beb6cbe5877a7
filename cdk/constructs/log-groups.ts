import { CfnResource, type IAspect, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import type { StageConfig } from '#config/stages';

/**
 * Gives every Lambda function that has no log group of its own (the handlers CDK creates for
 * custom resources, such as the VPC's default security group restriction) a log group of the
 * stack with the stage's retention. Without one, Lambda creates `/aws/lambda/<name>` on first
 * use, kept forever and outside the stack.
 */
export class ExplicitLogGroups implements IAspect {
  constructor(private readonly config: Pick<StageConfig, 'logRetentionDays' | 'retainData'>) {}

  visit(node: IConstruct): void {
    if (node instanceof CfnFunction) {
      if (node.loggingConfig === undefined) node.loggingConfig = { logGroup: this.groupFor(node) };
      return;
    }
    // Custom resource providers are plain CfnResources of the Lambda type.
    if (node instanceof CfnResource && node.cfnResourceType === 'AWS::Lambda::Function') {
      const properties = (node as unknown as { _cfnProperties?: Record<string, unknown> })
        ._cfnProperties;
      if (properties?.LoggingConfig === undefined)
        node.addPropertyOverride('LoggingConfig.LogGroup', this.groupFor(node));
    }
  }

  private groupFor(fn: CfnResource): string {
    const group = new LogGroup(Stack.of(fn), `${fn.node.id}LogGroup`, {
      retention: this.config.logRetentionDays,
      removalPolicy: this.config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    return group.logGroupName;
  }
}
