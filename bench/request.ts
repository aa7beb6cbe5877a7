import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CallCounts } from './mocks.ts';
import { summarize } from './stats.ts';

/** Latency of one handler over the timed iterations, in milliseconds per request. */
export interface RequestStats {
  readonly target: string;
  readonly samples: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Relative margin of error of the mean, in percent (95% confidence). */
  readonly rmePercent: number;
  /** Timed requests that did not answer 2xx (must be 0). */
  readonly failures: number;
  /** Status of the checked request made before timing. */
  readonly status: number;
  /** Mocked SDK calls and fetches one request makes. */
  readonly callsPerRequest: CallCounts;
}

export interface WorkerMessage {
  readonly stats: readonly RequestStats[];
  /** Paired mode: the median over the interleaved pairs of (first target − second target), ms. */
  readonly pairedDifferenceP50Ms?: number;
}

const workerFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'request-worker.ts');

/**
 * Runs the request worker on the given targets in one fresh process (see `request-worker.ts`).
 * The child's stdout, where the handlers write their logs and metrics, is discarded; stderr is
 * kept for errors.
 */
const runWorker = (
  targets: readonly string[],
  env: Record<string, string>,
  iterations: number,
  warmupIterations: number,
  mode: '' | 'paired',
) =>
  new Promise<WorkerMessage>((resolve, reject) => {
    const args = [targets.join(','), String(iterations), String(warmupIterations)];
    const child = fork(workerFile, mode ? [...args, mode] : args, {
      env: { PATH: process.env.PATH, ...env },
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8000);
    });
    let message: WorkerMessage | { error: string } | undefined;
    child.on('message', (received) => {
      message = received as WorkerMessage | { error: string };
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (message === undefined) {
        reject(
          new Error(`request worker for ${targets.join(',')} exited with ${code}:\n${stderr}`),
        );
      } else if ('error' in message) {
        reject(
          new Error(`request worker for ${targets.join(',')} failed: ${message.error}\n${stderr}`),
        );
      } else {
        resolve(message);
      }
    });
  });

/** Times the given targets one after the other (tinybench) in one fresh process. */
export const measureRequests = async (
  targets: readonly string[],
  env: Record<string, string>,
  iterations: number,
  warmupIterations: number,
): Promise<readonly RequestStats[]> =>
  (await runWorker(targets, env, iterations, warmupIterations, '')).stats;

/**
 * Times two targets in one fresh process, their requests interleaved: the statistics of each and
 * the median of the pairs' differences (first − second).
 */
export const measurePair = async (
  pair: readonly [string, string],
  env: Record<string, string>,
  iterations: number,
  warmupIterations: number,
): Promise<{ first: RequestStats; second: RequestStats; differenceP50Ms: number }> => {
  const message = await runWorker(pair, env, iterations, warmupIterations, 'paired');
  const [first, second] = message.stats;
  if (!first || !second || message.pairedDifferenceP50Ms === undefined)
    throw new Error(`paired run of ${pair.join(' and ')} returned no pair`);
  return { first, second, differenceP50Ms: message.pairedDifferenceP50Ms };
};

/**
 * One handler's rounds (fresh processes, same settings) as one figure: samples and failures
 * added, the mean weighted by samples, p50 and p99 the median of the rounds' (a round that met a
 * burst of load on the machine moves a median least).
 */
export const mergeRounds = (rounds: readonly RequestStats[]): RequestStats => {
  const [first] = rounds;
  if (!first) throw new Error('no rounds to merge');
  const samples = rounds.reduce((sum, round) => sum + round.samples, 0);
  return {
    ...first,
    samples,
    meanMs: rounds.reduce((sum, round) => sum + round.meanMs * round.samples, 0) / samples,
    p50Ms: summarize(rounds.map((round) => round.p50Ms)).p50,
    p99Ms: summarize(rounds.map((round) => round.p99Ms)).p50,
    rmePercent: Math.max(...rounds.map((round) => round.rmePercent)),
    failures: rounds.reduce((sum, round) => sum + round.failures, 0),
  };
};
