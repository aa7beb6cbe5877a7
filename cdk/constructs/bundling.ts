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

export const LAMBDA_BUNDLING = {
  format: 'esm',
  target: LAMBDA_NODE_TARGET,
  minify: true,
  sourceMap: true,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  /** The nodejs22.x runtime ships AWS SDK v3, but bundling pins the version we test with. */
  externalModules: [] as string[],
} as const;
