import { spawn } from 'node:child_process';
import { pairedRatio, type Summary, summarize } from './stats.ts';

const RESULT_MARKER = '@@bench-init@@';

/**
 * Runs in a fresh `node` process, with no loader: counts any socket, DNS or fetch use while the
 * bundle loads (there must be none: init may not call out), times the dynamic `import()` of the
 * bundle and prints one marked JSON line. Plain JavaScript, so no TypeScript loader runs in the
 * process being measured.
 */
const PROBE = `
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import { pathToFileURL } from 'node:url';
const calls = [];
const spy = (owner, key, label) => {
  const original = owner[key];
  owner[key] = function (...args) { calls.push(label); return original.apply(this, args); };
};
spy(net.Socket.prototype, 'connect', 'tcp');
spy(dgram.Socket.prototype, 'send', 'udp');
spy(dns, 'lookup', 'dns');
spy(dns.promises, 'lookup', 'dns');
spy(globalThis, 'fetch', 'fetch');
const url = pathToFileURL(process.argv[1]).href;
const cpuStart = process.cpuUsage();
const start = process.hrtime.bigint();
const module = await import(url);
const end = process.hrtime.bigint();
const cpu = process.cpuUsage(cpuStart);
// Catch calls that init merely started: let timers and pending I/O callbacks run once.
await new Promise((resolve) => setTimeout(resolve, 20));
const result = {
  initMs: Number(end - start) / 1e6,
  cpuMs: (cpu.user + cpu.system) / 1e3,
  exportsHandler: typeof module.handler === 'function',
  heapUsedBytes: process.memoryUsage().heapUsed,
  networkCalls: calls,
};
process.stdout.write('\\n${RESULT_MARKER}' + JSON.stringify(result) + '\\n');
process.exit(0);
`;

interface ProbeResult {
  readonly initMs: number;
  /** CPU time of the whole process (every thread) during the import. */
  readonly cpuMs: number;
  readonly exportsHandler: boolean;
  readonly heapUsedBytes: number;
  readonly networkCalls: readonly string[];
}

const probeOnce = (file: string, env: NodeJS.ProcessEnv, nodeOptions: readonly string[]) =>
  new Promise<ProbeResult>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...nodeOptions, '--input-type=module', '-e', PROBE, file],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 30_000,
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.split('\n').find((candidate) => candidate.startsWith(RESULT_MARKER));
      if (code !== 0 || line === undefined) {
        reject(new Error(`init probe for ${file} exited with ${code}:\n${stderr || stdout}`));
        return;
      }
      resolve(JSON.parse(line.slice(RESULT_MARKER.length)) as ProbeResult);
    });
  });

export interface InitTarget {
  readonly id: string;
  readonly file: string;
  readonly env: Record<string, string>;
}

export interface InitResult {
  readonly id: string;
  /** Milliseconds spent in `import()` of the bundle, one sample per fresh process. */
  readonly initMs: Summary;
  /**
   * CPU milliseconds the process used meanwhile (all threads, so V8's background compilation
   * too): less sensitive than wall time to other work on a shared machine.
   */
  readonly cpuMs: Summary;
  /** The wall-clock samples in run order, so a caller can pair runs of two targets. */
  readonly samplesMs: readonly number[];
  /** The CPU samples in run order, likewise. */
  readonly cpuSamplesMs: readonly number[];
  readonly heapUsedMiB: number;
  /** Sockets, DNS look-ups or fetches started while loading; must be empty. */
  readonly networkCalls: readonly string[];
}

/**
 * Loads each bundle in `runs` fresh node processes. Runs are interleaved (every target once,
 * then again, in reverse order every other time), so a burst of machine noise is shared rather
 * than landing on one target, and targets listed next to each other (a route and its twin) run
 * one right after the other in every run, alternately first: their n-th samples can be paired.
 */
export const measureInit = async (
  targets: readonly InitTarget[],
  runs: number,
  nodeOptions: readonly string[] = [],
): Promise<InitResult[]> => {
  const samples = new Map<string, ProbeResult[]>(targets.map(({ id }) => [id, []]));
  for (let run = 0; run < runs; run += 1) {
    for (const target of run % 2 === 0 ? targets : [...targets].reverse()) {
      const result = await probeOnce(
        target.file,
        { PATH: process.env.PATH, ...target.env },
        nodeOptions,
      );
      if (!result.exportsHandler)
        throw new Error(`${target.file} does not export a handler function`);
      samples.get(target.id)?.push(result);
    }
  }
  return targets.map(({ id }) => {
    const results = samples.get(id) ?? [];
    const heap = results.reduce((sum, r) => sum + r.heapUsedBytes, 0) / Math.max(1, results.length);
    return {
      id,
      initMs: summarize(results.map((r) => r.initMs)),
      cpuMs: summarize(results.map((r) => r.cpuMs)),
      samplesMs: results.map((r) => r.initMs),
      cpuSamplesMs: results.map((r) => r.cpuMs),
      heapUsedMiB: heap / 1024 / 1024,
      networkCalls: [...new Set(results.flatMap((r) => r.networkCalls))],
    };
  });
};

/**
 * Init of `route` relative to `reference` (its twin, or its earlier version), wall clock or CPU:
 * the median over runs of the ratio of their samples in the same run, taken one right after the
 * other (see {@link measureInit}).
 */
export const initRatio = (
  route: InitResult,
  reference: InitResult,
  clock: 'wall' | 'cpu' = 'wall',
): number =>
  clock === 'wall'
    ? pairedRatio(route.samplesMs, reference.samplesMs)
    : pairedRatio(route.cpuSamplesMs, reference.cpuSamplesMs);
