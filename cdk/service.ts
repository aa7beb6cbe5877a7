import { Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { StageConfig } from '#config/stages';
import { ApiStack } from './stacks/api-stack.ts';
import { DataStack } from './stacks/data-stack.ts';
import { RegistryStack } from './stacks/registry-stack.ts';
import { WorkerStack } from './stacks/worker-stack.ts';

/** The stacks of one stage of the orders service. */
export interface OrdersService {
  readonly data: DataStack;
  readonly api: ApiStack;
  readonly registry: RegistryStack;
  readonly worker: WorkerStack;
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
  const registry = new RegistryStack(scope, `${prefix}-Registry`, {
    stackName: `${prefix}-Registry`,
    env: config.env,
    description: `${config.appName} ${config.stage}: fulfilment worker image repository and scan findings`,
    config,
  });
  const worker = new WorkerStack(scope, `${prefix}-Worker`, {
    stackName: `${prefix}-Worker`,
    env: config.env,
    description: `${config.appName} ${config.stage}: fulfilment worker on ECS Fargate`,
    config,
    data,
    repository: registry.repository,
  });
  worker.addStackDependency(data);
  worker.addStackDependency(registry);
  for (const stack of [data, api, registry, worker]) {
    Tags.of(stack).add('app', config.appName);
    Tags.of(stack).add('stage', config.stage);
  }
  return { data, api, registry, worker };
};
