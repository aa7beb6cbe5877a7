import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#local/paths';

/** Runs the integration project as a user would, output and errors interleaved as on a terminal. */
const runIntegration = (env: Record<string, string>) => {
  const vitest = join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  const result = spawnSync(
    'sh',
    ['-c', `"${process.execPath}" "${vitest}" run --project integration 2>&1`],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...env },
      timeout: 60_000,
    },
  );
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips terminal colours
  const lines = result.stdout.replace(/\u001b\[[0-9;]*m/g, '').split('\n');
  return { status: result.status, lines: lines.map((line) => line.trim()).filter(Boolean) };
};

describe('integration global setup', () => {
  it('shows why it cannot run first, naming every missing variable in one line', () => {
    const { status, lines } = runIntegration({
      TEST_TARGET: 'endpoint',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    });

    expect(status).not.toBe(0);
    const afterBanner = lines.slice(lines.findIndex((line) => line.startsWith('RUN')) + 1);
    expect(afterBanner[0]).toMatch(/^Integration tests not run: TEST_TARGET=endpoint needs /);
    for (const name of [
      'ORDERS_TABLE_NAME',
      'ORDERS_BY_CUSTOMER_INDEX',
      'IDEMPOTENCY_TABLE_NAME',
      'FULFILMENT_QUEUE_URL',
      'FAULT_INJECTION_PARAMETER',
      'AWS_REGION',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
    ])
      expect(afterBanner[0]).toContain(name);
  });
});
