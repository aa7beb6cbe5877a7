/**
 * Starts moto server (the offline AWS emulator) on a free port of 127.0.0.1 and stops it.
 *
 * moto runs through `local/moto-launcher.py`, which ties its life to this Node process: the
 * kernel kills it when its parent dies (even by SIGKILL), so no test run or Ctrl-C leaves an
 * orphan behind. `stop()` sends SIGTERM, then SIGKILL after a deadline.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { MOTO_SERVER, REPO_ROOT, VENV_PYTHON } from './paths.ts';

export interface Emulator {
  /** `http://127.0.0.1:<port>`: use it as AWS_ENDPOINT_URL. */
  readonly endpoint: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface StartEmulatorOptions {
  /** How long moto may take to answer its first request. @default 20000 */
  readonly readyTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL. @default 3000 */
  readonly stopTimeoutMs?: number;
}

const LAUNCHER = join(REPO_ROOT, 'local', 'moto-launcher.py');

/** Asks the OS for a free TCP port on 127.0.0.1. */
export const findFreePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));

const waitUntilReady = async (
  endpoint: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  let exitedEarly = false;
  child.once('exit', () => {
    exitedEarly = true;
  });
  while (Date.now() < deadline) {
    if (exitedEarly) {
      throw new Error(
        `moto server exited before it was ready: ${output().trim().split('\n').slice(-3).join(' | ')}`,
      );
    }
    try {
      // Any HTTP answer means the server is listening; moto's own API is the cheapest one.
      const response = await fetch(`${endpoint}/moto-api/data.json`, {
        signal: AbortSignal.timeout(1000),
      });
      await response.arrayBuffer();
      return;
    } catch {
      await delay(50);
    }
  }
  throw new Error(`moto server did not answer on ${endpoint} within ${timeoutMs} ms`);
};

/** Starts moto server on a free port and resolves once it answers HTTP requests. */
export const startEmulator = async (options: StartEmulatorOptions = {}): Promise<Emulator> => {
  if (!existsSync(MOTO_SERVER)) {
    throw new Error(
      'The emulator is not installed (.venv/bin/moto_server missing): run npm run emulator:install',
    );
  }
  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 3_000;

  // Another process may grab the free port between the probe and moto's bind: retry then.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await findFreePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const child = spawn(VENV_PYTHON, [LAUNCHER, '-H', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
    let output = '';
    const keepTail = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    // moto logs every request on stderr: keep only a tail for error messages.
    child.stdout?.on('data', keepTail);
    child.stderr?.on('data', keepTail);
    // Belt and braces with the launcher's parent-death signal, for a normal exit of Node.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);

    try {
      await waitUntilReady(endpoint, child, () => output, readyTimeoutMs);
    } catch (error) {
      lastError = error;
      child.kill('SIGKILL');
      await exited(child);
      process.removeListener('exit', killOnExit);
      continue;
    }

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timedOut = await Promise.race([
            exited(child).then(() => false),
            delay(stopTimeoutMs).then(() => true),
          ]);
          if (timedOut) {
            child.kill('SIGKILL');
            await exited(child);
          }
        }
        process.removeListener('exit', killOnExit);
        child.stdout?.destroy();
        child.stderr?.destroy();
      })();
      return stopping;
    };
    return { endpoint, pid: child.pid ?? -1, stop };
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
};
