/**
 * Where the integration tests run, chosen by TEST_TARGET:
 *
 * - `emulator` (default when AWS_ENDPOINT_URL is unset): starts moto, provisions the dev stage
 *   from its synthesized template, plays its EventBridge Pipes (the orders outbox), and exports
 *   the endpoint, dummy credentials, the functions' environment (table names, ...) and the Data
 *   stack's outputs (the fulfilment queue URL) to the test workers. Stops all of it after.
 * - `endpoint` (default when AWS_ENDPOINT_URL is set): an emulator you run (LocalStack at
 *   http://localhost:4566, or a moto of your own) that already holds the resources; their
 *   names come from your environment (see {@link RESOURCE_ENV}).
 * - `aws`: a deployed stage in real AWS, with your usual credentials; AWS_ENDPOINT_URL must be
 *   unset and the resource names set from the stack outputs.
 *
 * In every mode the functions' non-resource settings (MAX_BODY_BYTES, ...) default to the
 * template's values, and the synthesized templates are provided to the tests (`inject('stacks')`).
 */
import type { TestProject } from 'vitest/node';
import { ENV } from '#commons/env-names';
import { STAGES, type StageName } from '#config/stages';
import { startEmulator } from '#local/emulator';
import { ensureEmulatorInstalled } from '#local/emulator-install';
import { LOCAL_CREDENTIALS, provisionStage, synthesizeLocalStage } from '#local/provision';
import { listApiRoutes, type StackTemplate, TemplateResolver } from '#local/template';
import { DATA_OUTPUTS } from '../../cdk/stacks/data-stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The stage's synthesized templates, for tests that compare the target with them. */
    stacks: StackTemplate[];
    /** `emulator`, `endpoint` or `aws`. */
    testTarget: TestTarget;
  }
}

type TestTarget = 'emulator' | 'endpoint' | 'aws';

/** Resource names a test needs from a target this setup did not provision. */
export const RESOURCE_ENV = [
  ENV.ordersTable,
  ENV.ordersByCustomerIndex,
  ENV.idempotencyTable,
  ENV.catalogTable,
  ENV.fulfilmentQueueUrl,
  ENV.faultParameterName,
] as const;

/**
 * Variables the tests need that no function's environment holds, and the Data stack output each
 * comes from (`aws cloudformation describe-stacks --stack-name Orders-<stage>-Data`).
 */
export const OUTPUT_ENV = { [ENV.fulfilmentQueueUrl]: DATA_OUTPUTS.fulfilmentQueueUrl } as const;

/** Resolves {@link OUTPUT_ENV} against the local copies of the stacks' outputs. */
const localOutputEnv = (resolver: TemplateResolver): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const [name, outputId] of Object.entries(OUTPUT_ENV)) {
    const stack = resolver.stacks.find(({ template }) => template.Outputs?.[outputId]);
    if (!stack) throw new Error(`No synthesized stack has an output named ${outputId}`);
    env[name] = String(
      resolver.resolve(stack.stackName, stack.template.Outputs?.[outputId]?.Value),
    );
  }
  return env;
};

/** Template variables that make no sense for tests running in-process. */
const NOT_EXPORTED = new Set([
  'NODE_OPTIONS',
  'POWERTOOLS_LOG_LEVEL',
  'POWERTOOLS_LOGGER_SAMPLE_RATE',
]);

const targetOf = (): TestTarget => {
  const raw = process.env.TEST_TARGET ?? (process.env.AWS_ENDPOINT_URL ? 'endpoint' : 'emulator');
  if (raw !== 'emulator' && raw !== 'endpoint' && raw !== 'aws') {
    throw new Error(`TEST_TARGET must be emulator, endpoint or aws, got '${raw}'`);
  }
  return raw;
};

/** Sets unset variables only: what the person running the tests exported wins. */
const setDefaults = (values: Record<string, string>): void => {
  for (const [name, value] of Object.entries(values)) process.env[name] ??= value;
};

const literalFunctionEnv = (stacks: readonly StackTemplate[]): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const route of listApiRoutes(stacks)) {
    for (const [name, value] of Object.entries(route.function?.environment ?? {})) {
      if (typeof value === 'string' && !NOT_EXPORTED.has(name)) env[name] ??= value;
    }
  }
  return env;
};

/**
 * When setup fails, vitest reports "No test files found" before the error: print the error
 * first, so that the reason is the first thing a reader sees.
 */
export default async function setup(
  project: TestProject,
): Promise<(() => Promise<void>) | undefined> {
  try {
    return await prepareTarget(project);
  } catch (error) {
    process.stderr.write(
      `\nIntegration tests not run: ${error instanceof Error ? error.message : String(error)}\n\n`,
    );
    throw error;
  }
}

const prepareTarget = async (project: TestProject): Promise<(() => Promise<void>) | undefined> => {
  const target = targetOf();
  const stage = (process.env.STAGE_UNDER_TEST ?? 'dev') as StageName;
  project.provide('testTarget', target);
  // Quiet handlers unless asked otherwise; tests assert on results, not on logs.
  setDefaults({
    POWERTOOLS_LOG_LEVEL: process.env.LOG_LEVEL ?? 'WARN',
    // The stage's debug sampling would print DEBUG lines from any test.
    POWERTOOLS_LOGGER_SAMPLE_RATE: process.env.POWERTOOLS_LOGGER_SAMPLE_RATE ?? '0',
    POWERTOOLS_TRACE_ENABLED: 'false',
    // EMF lines would flood the reporter; POWERTOOLS_METRICS_DISABLED=false shows them.
    POWERTOOLS_METRICS_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });

  if (target === 'emulator') {
    await ensureEmulatorInstalled({ log: (line) => console.log(`[integration] ${line}`) });
    const [started, synthesized] = await Promise.allSettled([
      startEmulator(),
      synthesizeLocalStage(stage),
    ]);
    if (started.status === 'rejected') throw started.reason;
    const emulator = started.value;
    try {
      if (synthesized.status === 'rejected') throw synthesized.reason;
      const stacks = synthesized.value;
      const provisioned = await provisionStage(emulator.endpoint, stage, { stacks });
      const resolver = new TemplateResolver(stacks, {
        endpoint: emulator.endpoint,
        region: provisioned.region,
      });
      // Workers are started after global setup and inherit process.env.
      Object.assign(process.env, {
        ...localOutputEnv(resolver),
        AWS_ENDPOINT_URL: emulator.endpoint,
        AWS_REGION: provisioned.region,
        AWS_DEFAULT_REGION: provisioned.region,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        ...Object.fromEntries(
          Object.entries(provisioned.functionEnv).filter(([name]) => !NOT_EXPORTED.has(name)),
        ),
      });
      project.provide('stacks', stacks);
    } catch (error) {
      await emulator.stop();
      throw error;
    }
    return async () => {
      await emulator.stop();
    };
  }

  if (target === 'aws' && process.env.AWS_ENDPOINT_URL) {
    throw new Error(
      'TEST_TARGET=aws runs against real AWS: unset AWS_ENDPOINT_URL (or use TEST_TARGET=endpoint)',
    );
  }
  if (target === 'endpoint' && !process.env.AWS_ENDPOINT_URL) {
    throw new Error(
      'TEST_TARGET=endpoint needs AWS_ENDPOINT_URL, e.g. AWS_ENDPOINT_URL=http://localhost:4566 for LocalStack',
    );
  }
  const missing: string[] = RESOURCE_ENV.filter((name) => !process.env[name]);
  // Against an emulator the SDK has no profile to find a region or credentials in.
  const noProfile = target === 'endpoint' && !process.env.AWS_PROFILE;
  if (noProfile && !process.env.AWS_REGION) missing.push('AWS_REGION');
  if (noProfile && !process.env.AWS_ACCESS_KEY_ID)
    missing.push('AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY');
  if (missing.length > 0) {
    throw new Error(
      `TEST_TARGET=${target} needs ${missing.join(', ')}: resource names from the Orders-${stage}-Data stack's outputs${noProfile ? ', any region and dummy credentials for an emulator' : ''} (docs/testing.md has the full command)`,
    );
  }
  const stacks = await synthesizeLocalStage(stage);
  setDefaults(literalFunctionEnv(stacks));
  // Handlers run in-process: any consistent client and key ids stand for the stage's consumers.
  setDefaults({
    [ENV.consumers]: JSON.stringify(
      STAGES[stage].consumers.map(({ name }) => ({
        name,
        clientId: `${name}-client`,
        apiKeyId: `${name}-key`,
      })),
    ),
  });
  project.provide('stacks', stacks);
  return undefined;
};
