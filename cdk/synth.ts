import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { getStageConfig, type StageName } from '#config/stages';
import { REPO_ROOT } from './constructs/orders-function.ts';
import { createOrdersService, type OrdersService } from './service.ts';

/** The parts of a CloudFormation template the local runtime and the tests read. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly DependsOn?: string | readonly string[];
  readonly Condition?: string;
}

export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
  readonly Outputs?: Record<
    string,
    {
      readonly Value: unknown;
      readonly Description?: string;
      readonly Export?: { readonly Name: unknown };
    }
  >;
  readonly Parameters?: Record<string, { readonly Type?: string; readonly Default?: unknown }>;
  readonly [key: string]: unknown;
}

/** One synthesized stack. */
export interface StackTemplate {
  readonly stackName: string;
  readonly template: CfnTemplate;
}

/**
 * Context every App of this project starts with: the `context` of `cdk.json` (the feature flags,
 * which the CLI passes to the app entry too), so `cdk synth` and the in-memory synthesis of
 * tests and the local runtime produce the same templates.
 */
export const APP_CONTEXT: Readonly<Record<string, unknown>> =
  (
    JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
      readonly context?: Record<string, unknown>;
    }
  ).context ?? {};

export interface BuildOptions {
  /**
   * Run esbuild for every function. Off, assets are not bundled: synthesis takes seconds.
   * @default false
   */
  readonly bundle?: boolean;
  /**
   * Apply cdk-nag AwsSolutionsChecks, as the app entry does.
   * @default false
   */
  readonly nag?: boolean;
  /**
   * Run CDK's built-in CloudFormation template validation (a WASM engine: ~5 s per synth).
   * `cdk synth` always runs it; tests and the local runtime usually do not need to.
   * @default false
   */
  readonly validate?: boolean;
}

/** Builds one stage in an in-memory App, for tests and the local runtime. */
export const buildStage = (
  stage: StageName,
  options: BuildOptions = {},
): OrdersService & { readonly app: App } => {
  const app = new App({
    builtinCloudFormationValidation: options.validate ?? false,
    // An empty list makes every stack skip asset bundling (the functions' esbuild runs).
    context: options.bundle
      ? { ...APP_CONTEXT }
      : { ...APP_CONTEXT, 'aws:cdk:bundling-stacks': [] },
  });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, ...createOrdersService(app, getStageConfig(stage)) };
};

/** Synthesizes one stage in memory and returns each stack's template as JSON. */
export const synthesizeStage = (
  stage: StageName,
  options?: { readonly bundle?: boolean },
): { stacks: StackTemplate[] } => {
  const { app } = buildStage(stage, { bundle: options?.bundle ?? false });
  const assembly = app.synth();
  return {
    stacks: assembly.stacks.map((stack) => ({
      stackName: stack.stackName,
      template: stack.template as CfnTemplate,
    })),
  };
};
