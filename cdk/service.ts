import { Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { StageConfig } from '#config/stages';
import { AlertingStack } from './stacks/alerting-stack.ts';
import { ApiStack } from './stacks/api-stack.ts';
import { DataStack } from './stacks/data-stack.ts';

/** The stacks of one stage of the orders service. */
export interface OrdersService {
  readonly data: DataStack;
  readonly api: ApiStack;
  readonly alerting: AlertingStack;
}

/**
 * Adds one stage of the orders service to `scope`: an App (one stage per synth) or a `cdk.Stage`
 * (a pipeline wraps each stage in one). Stack names carry the stage, so stages never collide.
 */
export const createOrdersService = (scope: Construct, config: StageConfig): OrdersService => {
  const prefix = `${config.appName}-${config.stage}`;
  const data = new DataStack(scope, `${prefix}-Data`, {
    stackName: `${prefix}-Data`,
    env: config.env,
    description: `${config.appName} ${config.stage}: tables, queue, key and parameters`,
    terminationProtection: config.retainData,
    config,
  });
  const api = new ApiStack(scope, `${prefix}-Api`, {
    stackName: `${prefix}-Api`,
    env: config.env,
    description: `${config.appName} ${config.stage}: REST API, functions, auth and WAF`,
    config,
    data,
  });
  api.addStackDependency(data);
  const alerting = new AlertingStack(scope, `${prefix}-Alerting`, {
    stackName: `${prefix}-Alerting`,
    env: config.env,
    description: `${config.appName} ${config.stage}: SLO alarms and alert topics`,
    config,
    apiName: api.api.restApiName,
  });
  for (const stack of [data, api, alerting]) {
    Tags.of(stack).add('app', config.appName);
    Tags.of(stack).add('stage', config.stage);
  }
  return { data, api, alerting };
};
