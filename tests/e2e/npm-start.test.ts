/**
 * `npm start` as a person, a process manager or a CI job runs it: a separate process tree
 * (npm, the runtime, moto), called over HTTP, then stopped by a signal to the npm process alone.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '#local/paths';
import type { RouteId } from '#routes';
import { orderRequest, uniqueCustomer } from './http.ts';

const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;

interface NpmStart {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly token: string;
  readonly emulatorEndpoint: string;
  /** Everything the process tree printed so far, stdout and stderr. */
  output(): string;
  exited: Promise<number | null>;
}

const started: NpmStart[] = [];

/** This run's own settings stay out of the child: it resolves its environment itself. */
const childEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(AWS_|POWERTOOLS_|LOG_LEVEL$|VITEST|NODE_OPTIONS$)/.test(name)) env[name] = value;
  }
  return { ...env, PORT: '0', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
};

const startNpm = async (args: readonly string[]): Promise<NpmStart> => {
  const child = spawn('npm', ['start', ...(args.length > 0 ? ['--', ...args] : [])], {
    cwd: REPO_ROOT,
    env: childEnv(),
    // Its own process group, so that cleanup can reach every process it started.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const pid = child.pid as number;
  const entry = { child, pid, output: () => output, exited };
  started.push(entry as NpmStart);

  const field = (pattern: RegExp): string | undefined => pattern.exec(output)?.[1];
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let ended = false;
  void exited.then(() => {
    ended = true;
  });
  while (Date.now() < deadline && !ended) {
    const apiUrl = field(/^\s*API:\s+(http:\/\/127\.0\.0\.1:\d+)/m);
    const apiKey = field(/^\s*API key:\s+(\S+)/m);
    const token = field(/^\s*token:\s+(\S+)/m);
    const emulatorEndpoint = field(/^\s*emulator:\s+(http:\/\/127\.0\.0\.1:\d+)/m);
    if (apiUrl && apiKey && token && emulatorEndpoint) {
      const ready = { ...entry, apiUrl, apiKey, token, emulatorEndpoint };
      started[started.length - 1] = ready;
      return ready;
    }
    await delay(100);
  }
  throw new Error(
    `npm start ${ended ? 'exited' : `was not ready within ${READY_TIMEOUT_MS} ms`}:\n${output}`,
  );
};

interface Process {
  readonly pid: number;
  readonly ppid: number;
  readonly zombie: boolean;
}

const processTable = async (): Promise<Process[]> => {
  const { stdout } = await promisify(execFile)('ps', ['-A', '-o', 'pid=,ppid=,stat=']);
  return stdout
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .map(([pid, ppid, stat]) => ({
      pid: Number(pid),
      ppid: Number(ppid),
      zombie: (stat ?? '').startsWith('Z'),
    }));
};

/** Every live process below `root`, root excluded. */
const descendants = async (root: number): Promise<number[]> => {
  const table = await processTable();
  const found: number[] = [];
  const visit = (parent: number): void => {
    for (const entry of table.filter((p) => p.ppid === parent && !p.zombie)) {
      found.push(entry.pid);
      visit(entry.pid);
    }
  };
  visit(root);
  return found;
};

/** Of `pids`, those still running (a zombie has stopped: it only waits to be reaped). */
const stillRunning = async (pids: readonly number[]): Promise<number[]> => {
  const live = new Set((await processTable()).filter((p) => !p.zombie).map((p) => p.pid));
  return pids.filter((pid) => live.has(pid));
};

const isPortFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

const portOf = (url: string): number => Number(new URL(url).port);

/**
 * Sends `signal` to the npm process only, then waits (with deadlines) for it to exit and for
 * every process it had started to be gone.
 */
const signalAndWait = async (
  npm: NpmStart,
  signal: NodeJS.Signals,
): Promise<{ code: number | null; left: number[] }> => {
  const tree = await descendants(npm.pid);
  expect(tree.length, 'npm start runs the runtime and moto below it').toBeGreaterThanOrEqual(2);
  process.kill(npm.pid, signal);
  const code = await Promise.race([npm.exited, delay(STOP_TIMEOUT_MS).then(() => 'timeout')]);
  if (code === 'timeout')
    throw new Error(`npm did not exit within ${STOP_TIMEOUT_MS} ms of ${signal}`);
  const deadline = Date.now() + 5_000;
  let left = await stillRunning(tree);
  while (left.length > 0 && Date.now() < deadline) {
    await delay(100);
    left = await stillRunning(tree);
  }
  return { code: code as number | null, left };
};

const local = inject('e2eTarget') === 'local';

afterAll(() => {
  // Whatever a failed test left running, npm gone or not: the process groups started here.
  for (const { pid } of started) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe.runIf(local)('npm start -- --verbose', () => {
  let npm: NpmStart;

  beforeAll(async () => {
    npm = await startNpm(['--verbose']);
  });

  it('answers every route, and shows the handlers logs', async () => {
    const send = (path: string, init: RequestInit = {}, auth = true) =>
      fetch(`${npm.apiUrl}${path}`, {
        ...init,
        headers: {
          ...(auth && { 'x-api-key': npm.apiKey, authorization: `Bearer ${npm.token}` }),
          'content-type': 'application/json',
          ...(init.headers as Record<string, string>),
        },
        signal: AbortSignal.timeout(25_000),
      });
    const customerId = uniqueCustomer('verbose');

    const created = await send('/orders', {
      method: 'POST',
      body: JSON.stringify(orderRequest(customerId)),
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const { orderId } = (await created.json()) as { orderId: string };
    // Typed by route id: a new route fails to compile until it is called here.
    const calls: Record<Exclude<RouteId, 'createOrder'>, () => Promise<Response>> = {
      health: () => send('/health', {}, false),
      getOrder: () => send(`/orders/${orderId}`),
      listOrders: () => send(`/orders?customerId=${customerId}&limit=10`),
      cancelOrder: () => send(`/orders/${orderId}/cancel`, { method: 'POST', body: '{}' }),
      // The operator routes refuse an orders consumer's token (no incidents.operate scope).
      listIncidents: () => send('/incidents'),
      getIncident: () => send(`/incidents/${encodeURIComponent('a#2026-01-01T00:00:00.000Z')}`),
      acknowledgeIncident: () =>
        send(`/incidents/${encodeURIComponent('a#2026-01-01T00:00:00.000Z')}/ack`, {
          method: 'POST',
          body: '{}',
        }),
      resolveIncident: () =>
        send(`/incidents/${encodeURIComponent('a#2026-01-01T00:00:00.000Z')}/resolve`, {
          method: 'POST',
          body: '{}',
        }),
      // The incident routes need the operator's token: with the storefront's, API Gateway's 403.
      listTriagedIncidents: () => send('/triage/incidents'),
      getTriagedIncident: () => send('/triage/incidents/a%23b'),
      reviewHypothesis: () =>
        send('/triage/incidents/a%23b/hypotheses/h-1/review', { method: 'POST', body: '{}' }),
      startTriage: () => send('/triage/incidents/a%23b/runs', { method: 'POST' }),
    };
    // npm start runs the fulfilment worker: by the time cancel arrives the order may already be
    // FULFILLED, and 409 INVALID_STATE is then the right answer. Any other status is a failure.
    const accepted: Partial<Record<RouteId, readonly number[]>> = {
      cancelOrder: [200, 409],
      listIncidents: [403],
      getIncident: [403],
      acknowledgeIncident: [403],
      resolveIncident: [403],
      listTriagedIncidents: [403],
      getTriagedIncident: [403],
      reviewHypothesis: [403],
      startTriage: [403],
    };
    for (const [route, request] of Object.entries(calls)) {
      const response = await request();
      expect(accepted[route as RouteId] ?? [200], `${route}: ${await response.text()}`).toContain(
        response.status,
      );
    }

    const output = npm.output();
    expect(output).not.toMatch(/Maximum call stack|RangeError/);
    expect(output).toMatch(/"level":"(DEBUG|INFO)"/);
  });

  it('stops everything (API, emulator, every child process) on SIGTERM to the npm process', async () => {
    const { code, left } = await signalAndWait(npm, 'SIGTERM');

    expect(code, npm.output()).toBe(0);
    expect(left, 'processes npm start left running').toEqual([]);
    expect(await isPortFree(portOf(npm.apiUrl))).toBe(true);
    expect(await isPortFree(portOf(npm.emulatorEndpoint))).toBe(true);
  });
});

describe.runIf(local)('npm start', () => {
  let npm: NpmStart;

  beforeAll(async () => {
    npm = await startNpm([]);
  });

  it('stops everything (API, emulator, every child process) on SIGINT to the npm process', async () => {
    const { code, left } = await signalAndWait(npm, 'SIGINT');

    expect(code, npm.output()).toBe(0);
    expect(left, 'processes npm start left running').toEqual([]);
    expect(await isPortFree(portOf(npm.apiUrl))).toBe(true);
    expect(await isPortFree(portOf(npm.emulatorEndpoint))).toBe(true);
  });
});
