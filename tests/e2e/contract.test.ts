import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT, VENV_DIR } from '#local/paths';

/**
 * The contract test: schemathesis generates valid and invalid requests from docs/openapi.json,
 * sends them to the local runtime and checks every answer against the document (status listed,
 * problem code listed, body and headers as described), then walks the document's links
 * (create → get → cancel, create → list). Configuration and the cases the API is right to
 * reject, each with its reason: tests/contract/.
 *
 * Local only: it creates hundreds of orders under generated customer ids.
 */
const local = inject('e2eTarget') === 'local';
const SCHEMATHESIS = join(VENV_DIR, 'bin', 'schemathesis');
const CONFIG = join('tests', 'contract', 'schemathesis.toml');
const RUN_TIMEOUT_MS = 150_000;

interface RunReport {
  readonly exit_code: number;
  readonly seed: number;
  readonly phases: Record<string, { readonly status: string }>;
  readonly failures: readonly unknown[];
  readonly errors: readonly unknown[];
  readonly test_cases: { readonly generated: number };
}

interface Run {
  readonly code: number | null;
  readonly output: string;
  readonly report: RunReport;
}

const runSchemathesis = async (reportDir: string): Promise<Run> => {
  const args = [
    '--config-file',
    CONFIG,
    'run',
    join('docs', 'openapi.json'),
    '--url',
    inject('apiUrl'),
    '--no-color',
    '--report',
    'json',
    '--report-dir',
    reportDir,
    // CONTRACT_SEED=<seed printed by a failed run> replays that run's cases.
    ...(process.env.CONTRACT_SEED ? ['--seed', process.env.CONTRACT_SEED] : []),
    // The run calls as an orders consumer: the operator routes (incidents, triage) answer it 403
    // at the gateway. Their bodies are checked by the same compiled validators the document is
    // generated from (tests/unit/functions/openapi), and their flows by paging and triage e2e.
    '--exclude-path-regex',
    '^/(incidents|triage)',
  ];
  const { code, output } = await new Promise<{ code: number | null; output: string }>(
    (resolve, reject) => {
      const child = spawn(SCHEMATHESIS, args, {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          ORDERS_TOKEN: inject('token'),
          ORDERS_API_KEY: inject('apiKey'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      child.on('error', reject);
      child.on('close', (exitCode) => resolve({ code: exitCode, output: text }));
    },
  );
  const file = (await readdir(reportDir)).find((name) => name.endsWith('.json'));
  if (file === undefined)
    throw new Error(`schemathesis wrote no report (exit ${code}):\n${output}`);
  return {
    code,
    output,
    report: JSON.parse(await readFile(join(reportDir, file), 'utf8')) as RunReport,
  };
};

describe.runIf(local)('the API against its OpenAPI document (schemathesis)', () => {
  let reportDir: string;
  let run: Run;

  beforeAll(async () => {
    if (!existsSync(SCHEMATHESIS)) {
      throw new Error(
        `${SCHEMATHESIS} is missing: run npm run emulator:install (it installs local/requirements.txt)`,
      );
    }
    reportDir = await mkdtemp(join(tmpdir(), 'orders-contract-'));
    run = await runSchemathesis(reportDir);
  }, RUN_TIMEOUT_MS);

  afterAll(async () => {
    if (reportDir) await rm(reportDir, { recursive: true, force: true });
  });

  it('finds no answer the document does not describe, in any phase', () => {
    expect(run.report.failures, run.output).toEqual([]);
    expect(run.report.errors, run.output).toEqual([]);
    expect(run.code, run.output).toBe(0);
  });

  it('runs the coverage, fuzzing and stateful phases on generated cases', () => {
    for (const phase of ['coverage', 'fuzzing', 'stateful']) {
      expect(run.report.phases[phase]?.status, `${phase}\n${run.output}`).toBe('success');
    }
    expect(run.report.test_cases.generated).toBeGreaterThan(200);
  });

  it('follows every link of the document: create, then get, list and cancel', () => {
    const links = /API Links:\s+(\d+) covered \/ (\d+) selected \/ (\d+) total/.exec(run.output);

    expect(links, run.output).not.toBeNull();
    const [, covered, , total] = links ?? [];
    expect(Number(total)).toBeGreaterThanOrEqual(5);
    expect(Number(covered), run.output).toBe(Number(total));
  });
});
