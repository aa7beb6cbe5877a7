import { defineConfig } from 'vitest/config';

/**
 * Three suites, each runnable alone:
 * - unit: in-process, AWS SDK mocked, CDK templates synthesized in memory;
 * - integration: real SDK calls against the emulator (or any endpoint in AWS_ENDPOINT_URL);
 * - e2e: HTTP against the local runtime (or a deployed stage when API_URL is set).
 */
/** Lambda runs Node 22; the SDK's warning that Node 20 support ends does not apply to the functions. */
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

// Where the integration tests run is decided here, once, from the caller's environment: the e2e
// setup starts the local runtime in this same process, and it sets AWS_ENDPOINT_URL for its
// handlers, which must not turn the integration run into an `endpoint` run.
process.env.TEST_TARGET ??= process.env.AWS_ENDPOINT_URL ? 'endpoint' : 'emulator';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          env,
          include: ['tests/unit/**/*.test.ts'],
          setupFiles: ['tests/fixtures/unit-setup.ts', 'tests/fixtures/handler-output.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          env,
          include: ['tests/integration/**/*.test.ts'],
          globalSetup: ['tests/integration/global-setup.ts'],
          setupFiles: ['tests/fixtures/handler-output.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          env,
          include: ['tests/e2e/**/*.test.ts'],
          globalSetup: ['tests/e2e/global-setup.ts'],
          // One file at a time: the local runtime serves every route from one process with shared
          // Powertools singletons, so overlapping files would mix the metric dimensions and log
          // keys that the dashboard test reads (docs/local-runtime.md, known limits).
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
