import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/**
 * esbuild settings for every Lambda bundle. The function construct passes them to
 * `NodejsFunction`, and the benchmark builds with the very same settings, so the sizes and init
 * times it reports are those of what is deployed.
 */
export const LAMBDA_NODE_TARGET = 'node22';

/**
 * ESM bundles need `require` for the few CommonJS dependencies that call it (the AWS X-Ray SDK
 * under Powertools Tracer); this banner provides it.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/**
 * Build-time constants for a stage. Where the stage does not allow fault injection, the bundle
 * is built with `FAULT_INJECTION_ALLOWED` fixed to "false": the fault-injection code and the SSM
 * client it loads are dropped from the bundle, so such a stage cannot inject faults whatever its
 * environment says, and its functions start faster. `SENTRY_ENABLED` is always fixed: "false"
 * drops the Sentry hook and SDK from the bundle (which is then the same as without the hook),
 * "true" bundles them, for stages that name a Sentry DSN secret.
 */
export const stageDefines = (
  faultInjectionAllowed: boolean,
  sentryEnabled = false,
): Record<string, string> => ({
  ...(faultInjectionAllowed
    ? {}
    : { 'process.env.FAULT_INJECTION_ALLOWED': JSON.stringify('false') }),
  'process.env.SENTRY_ENABLED': JSON.stringify(String(sentryEnabled)),
});

export const LAMBDA_BUNDLING = {
  format: 'esm',
  target: LAMBDA_NODE_TARGET,
  minify: true,
  sourceMap: true,
  /**
   * Maps point at file and line without embedding the sources: `--enable-source-maps` parses the
   * map at load, and the sources made it several times larger (about 60 ms of init per function).
   */
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  /** The nodejs22.x runtime ships AWS SDK v3, but bundling pins the version we test with. */
  externalModules: [] as string[],
} as const;

/**
 * The esbuild options `NodejsFunction` derives from {@link LAMBDA_BUNDLING} and a stage's
 * {@link stageDefines}: the benchmark and the bundling tests build with these, so what they
 * measure and check is what the CDK deploys (minus the asset hash).
 */
export const esbuildOptions = (
  entry: string,
  outfile: string,
  faultInjectionAllowed: boolean,
  sentryEnabled = false,
): BuildOptions => ({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: LAMBDA_BUNDLING.format,
  target: LAMBDA_BUNDLING.target,
  minify: LAMBDA_BUNDLING.minify,
  sourcemap: LAMBDA_BUNDLING.sourceMap,
  sourcesContent: LAMBDA_BUNDLING.sourcesContent,
  mainFields: [...LAMBDA_BUNDLING.mainFields],
  banner: { js: LAMBDA_BUNDLING.banner },
  external: [...LAMBDA_BUNDLING.externalModules],
  define: stageDefines(faultInjectionAllowed, sentryEnabled),
  logLevel: 'warning',
});

/**
 * `NodejsFunction`'s bundling for a stage: {@link LAMBDA_BUNDLING} and {@link stageDefines}, the
 * settings every function of the service (route or operations) is built with.
 */
export const nodejsBundling = (
  faultInjectionAllowed: boolean,
  sentryEnabled = false,
): BundlingOptions => ({
  format: OutputFormat.ESM,
  target: LAMBDA_BUNDLING.target,
  minify: LAMBDA_BUNDLING.minify,
  sourceMap: LAMBDA_BUNDLING.sourceMap,
  sourcesContent: LAMBDA_BUNDLING.sourcesContent,
  mainFields: [...LAMBDA_BUNDLING.mainFields],
  banner: LAMBDA_BUNDLING.banner,
  externalModules: [...LAMBDA_BUNDLING.externalModules],
  define: stageDefines(faultInjectionAllowed, sentryEnabled),
  forceDockerBundling: false,
});
