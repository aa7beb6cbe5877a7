import { defineConfig } from 'vitest/config';

/**
 * Three suites, each runnable alone:
 * - unit: in-process, AWS SDK mocked, CDK templates synthesized in memory;
 * - integration: real SDK calls against the emulator (or any endpoint in AWS_ENDPOINT_URL);
 * - e2e: HTTP against the local runtime (or a deployed stage when API_URL is set).
 *
 * `npm test` runs e2e in a vitest process of its own: the local runtime it starts sets the AWS
 * endpoint and table names in its process for the handlers it serves, and test workers inherit
 * the process environment, so integration workers would otherwise talk to the e2e emulator.
 */
/** Lambda runs Node 22; the SDK's warning that Node 20 support ends does not apply to the functions. */
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

/**
 * Coverage floors of unit + integration (the PR workflow fails below them); raise, never lower.
 * Measured 2026-11-27: lines 71.6%, statements 70.2%, functions 68.0%, branches 60.7%; the floors
 * sit about three points under, so a change that drops coverage noticeably fails.
 */
const COVERAGE_THRESHOLDS = { lines: 68, statements: 67, functions: 65, branches: 57 };

export default defineConfig({
  test: {
    // `npm run test:coverage` (the PR workflow's coverage gate): below these, the run fails.
    coverage: {
      provider: 'v8',
      include: [
        'functions/**',
        'local/**',
        'ops/**',
        'cdk/**',
        'slos/**',
        'dashboards/**',
        'pipelines/**',
        'containers/worker/src/**',
      ],
      reporter: ['text-summary', 'lcov', 'json-summary'],
      thresholds: COVERAGE_THRESHOLDS,
    },
    projects: [
      {
        test: {
          name: 'unit',
          env,
          include: ['tests/unit/**/*.test.ts'],
          setupFiles: ['tests/fixtures/unit-setup.ts', 'tests/fixtures/handler-output.ts'],
          // One worker for every file, dependencies (aws-cdk-lib, the AWS SDK) imported once: a
          // third of the time per file was imports. Each file still gets fresh project modules
          // (unit-setup.ts) and its own environment.
          isolate: false,
          // Synthesizing a stage in memory takes seconds on an idle machine but over a minute on a
          // busy shared one; a timeout here guards against hangs, it is not a performance check.
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          env,
          include: ['tests/integration/**/*.test.ts'],
          globalSetup: ['tests/integration/global-setup.ts'],
          // One file at a time: the files share the stage's tables, stream and fulfilment queue
          // (the outbox test reads every message the pipe sends), so overlapping files race.
          fileParallelism: false,
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
