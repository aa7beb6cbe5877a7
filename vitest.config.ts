import { defineConfig } from 'vitest/config';

/**
 * Three suites, each runnable alone:
 * - unit: in-process, AWS SDK mocked, CDK templates synthesized in memory;
 * - integration: real SDK calls against the emulator (or any endpoint in AWS_ENDPOINT_URL);
 * - e2e: HTTP against the local runtime (or a deployed stage when API_URL is set).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          setupFiles: ['tests/fixtures/unit-setup.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          globalSetup: ['tests/integration/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          globalSetup: ['tests/e2e/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
