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
/**
 * The stateful phase picks its steps at random, so one run may miss the deepest link (cancel,
 * then read again). Missed links get up to this many more stateful-only runs, each with a fresh
 * seed; a link counts once one run followed it to a 2xx answer.
 */
const EXTRA_STATEFUL_RUNS = 2;
const STATEFUL_RUN_TIMEOUT_MS = 60_000;

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
  /** The document's links this run followed to a 2xx answer. */
  readonly followed: Set<string>;
}

interface OpenApiDocument {
  readonly paths: Record<
    string,
    Record<string, { readonly responses?: Record<string, { readonly links?: object }> }>
  >;
}

/** The parts of schemathesis' `ScenarioFinished` event the link check reads. */
interface ScenarioEvent {
  readonly ScenarioFinished?: {
    readonly recorder?: {
      readonly cases?: Record<string, { readonly transition?: { readonly id?: string } }>;
      readonly interactions?: Record<
        string,
        { readonly response?: { readonly status_code?: number } | null }
      >;
    };
  };
}

const runSchemathesis = async (reportDir: string, phases?: string): Promise<Run> => {
  const args = [
    '--config-file',
    CONFIG,
    'run',
    join('docs', 'openapi.json'),
    '--url',
    inject('apiUrl'),
    '--no-color',
    ...(phases ? ['--phases', phases] : []),
    '--report',
    'json,ndjson',
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
  const files = await readdir(reportDir);
  const file = files.find((name) => name.endsWith('.json'));
  const events = files.find((name) => name.endsWith('.ndjson'));
  if (file === undefined || events === undefined)
    throw new Error(`schemathesis wrote no report (exit ${code}):\n${output}`);
  return {
    code,
    output,
    report: JSON.parse(await readFile(join(reportDir, file), 'utf8')) as RunReport,
    followed: followedLinks(await readFile(join(reportDir, events), 'utf8')),
  };
};

/** The links the document declares, as `<method> <path> -> [<status>] <link name>`. */
const declaredLinks = async (): Promise<string[]> => {
  const document = JSON.parse(
    await readFile(join(REPO_ROOT, 'docs', 'openapi.json'), 'utf8'),
  ) as OpenApiDocument;
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).flatMap(([method, operation]) =>
      Object.entries(operation.responses ?? {}).flatMap(([status, response]) =>
        Object.keys(response.links ?? {}).map(
          (name) => `${method.toUpperCase()} ${path} -> [${status}] ${name}`,
        ),
      ),
    ),
  );
};

/**
 * The links a run followed to a 2xx answer, read from its event stream: each stateful step names
 * the transition (`POST /orders -> [201] GetOrder -> GET /orders/{orderId}`) it took.
 */
const followedLinks = (ndjson: string): Set<string> => {
  const followed = new Set<string>();
  for (const line of ndjson.split('\n')) {
    if (!line.includes('"ScenarioFinished"')) continue;
    const recorder = (JSON.parse(line) as ScenarioEvent).ScenarioFinished?.recorder;
    for (const [id, node] of Object.entries(recorder?.cases ?? {})) {
      const transition = node.transition?.id;
      const status = recorder?.interactions?.[id]?.response?.status_code ?? 0;
      if (transition && status >= 200 && status < 300) {
        followed.add(transition.split(' -> ').slice(0, 2).join(' -> '));
      }
    }
  }
  return followed;
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

  it(
    'follows every link of the document to a 2xx answer: create, then get, list and cancel',
    async () => {
      const declared = await declaredLinks();
      expect(declared.length).toBeGreaterThanOrEqual(5);
      const followed = new Set(run.followed);
      const missed = () => declared.filter((link) => !followed.has(link));
      const outputs = [run.output];
      for (let extra = 0; extra < EXTRA_STATEFUL_RUNS && missed().length > 0; extra++) {
        const dir = await mkdtemp(join(tmpdir(), 'orders-contract-stateful-'));
        try {
          const again = await runSchemathesis(dir, 'stateful');
          expect(again.report.failures, again.output).toEqual([]);
          for (const link of again.followed) followed.add(link);
          outputs.push(again.output);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
      expect(missed(), outputs.join('\n')).toEqual([]);
    },
    STATEFUL_RUN_TIMEOUT_MS * EXTRA_STATEFUL_RUNS,
  );
});
