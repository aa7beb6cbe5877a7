/**
 * `npm run load:search -- [--start <arrivals/s>] [--step-seconds <s>] [--max <arrivals/s>]
 * [--p99 <ms>] [--save]`: the local runtime's sustainable throughput on the mixed scenario
 * (`load/flows.yml`): the highest request rate it holds with p99 ≤ 100 ms and no errors.
 *
 * Starts the local runtime once, then runs steps of constant arrivals: doubling from `--start`
 * until a step fails, then bisecting between the last passing and the first failing rate. Each
 * step records a CPU profile of the runtime's process and the CPU seconds of the emulator and the
 * load generator, so the report says which one saturated. `--save` writes the outcome to
 * `bench/baselines/load-throughput-local.json`.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '#local/paths';
import { CliError, createProgress, parseCliArgs, runCli } from './cli.ts';
import { describeMachine, ensureArtilleryInstalled, runArtillery } from './load-artillery.ts';
import { localCredentials, startQuietRuntime } from './load-local.ts';
import { type CpuProfile, profileShares } from './load-profile.ts';
import type { LoadRunResult } from './load-results.ts';

export const USAGE =
  'npm run load:search -- [--start <arrivals/s>] [--step-seconds <s>] [--max <arrivals/s>] [--p99 <ms>] [--save]';

export interface SearchStep {
  readonly arrivalRate: number;
  readonly passed: boolean;
  readonly requestRate: number;
  readonly p95: number;
  readonly p99: number;
  readonly errors: number;
  readonly cpu: Readonly<Record<string, number>>;
  readonly wallSeconds: number;
  readonly loadAverage: readonly number[];
  /** Self time of the runtime's process by owner (top entries), from the step's profile. */
  readonly profileOwners: readonly { name: string; percent: number }[];
}

/** A step passes when its p99 is within the limit and nothing failed. */
export const stepPasses = (result: LoadRunResult, p99LimitMs: number): boolean =>
  result.errors === 0 && result.vusers.failed === 0 && result.latencyMs.p99 <= p99LimitMs;

/**
 * The next arrival rate to try: double until the first failure, then bisect. Undefined when the
 * bracket is down to one arrival per second or the rate would pass `max`.
 */
export const nextRate = (
  steps: readonly Pick<SearchStep, 'arrivalRate' | 'passed'>[],
  start: number,
  max: number,
): number | undefined => {
  if (steps.length === 0) return start;
  const passed = steps.filter((step) => step.passed).map((step) => step.arrivalRate);
  const failed = steps.filter((step) => !step.passed).map((step) => step.arrivalRate);
  const best = passed.length > 0 ? Math.max(...passed) : 0;
  const worst = failed.length > 0 ? Math.min(...failed) : undefined;
  if (worst === undefined) {
    const doubled = best * 2;
    return doubled <= max ? doubled : undefined;
  }
  if (worst - best <= 1) return undefined;
  return Math.floor((best + worst) / 2);
};

const positive = (value: unknown, name: string, fallback: number): number => {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new CliError(`--${name} must be a positive number, got '${String(value)}'`, 2);
  return parsed;
};

export const main = async (args: readonly string[] = process.argv.slice(2)): Promise<number> => {
  const { values } = parseCliArgs(
    USAGE,
    {
      start: { type: 'string' },
      'step-seconds': { type: 'string' },
      max: { type: 'string' },
      p99: { type: 'string' },
      save: { type: 'boolean' },
    },
    args,
  );
  const start = Math.round(positive(values.start, 'start', 2));
  const stepSeconds = positive(values['step-seconds'], 'step-seconds', 30);
  const max = positive(values.max, 'max', 200);
  const p99Limit = positive(values.p99, 'p99', 100);
  ensureArtilleryInstalled();
  const machine = await describeMachine();
  const progress = createProgress();
  const runtime = await progress.step('start the local runtime (emulator, stacks, stubs)', () =>
    startQuietRuntime(false),
  );
  const steps: SearchStep[] = [];
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  try {
    // A first short run warms the handlers (module init, connections) out of the measurement.
    await progress.step('warm up (10 s at 2 arrivals/s)', () =>
      runArtillery({
        scenario: 'smoke',
        environment: 'search',
        target: runtime.apiUrl,
        env: localCredentials(runtime),
        overrides: { environments: { search: { phases: [{ duration: 10, arrivalRate: 2 }] } } },
        log: () => undefined,
      }),
    );
    for (
      let rate = nextRate(steps, start, max);
      rate !== undefined;
      rate = nextRate(steps, start, max)
    ) {
      const arrivalRate = rate;
      await session.post('Profiler.start');
      const outcome = await progress.step(
        `step: ${arrivalRate} arrivals/s for ${stepSeconds} s`,
        () =>
          runArtillery({
            scenario: 'steady',
            environment: 'search',
            target: runtime.apiUrl,
            env: localCredentials(runtime),
            overrides: {
              environments: {
                search: { phases: [{ duration: stepSeconds, arrivalRate }] },
              },
            },
            log: () => undefined,
          }),
      );
      const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
      await writeFile(join(outcome.dir, 'runtime.cpuprofile'), JSON.stringify(profile));
      const { result } = outcome;
      const step: SearchStep = {
        arrivalRate,
        passed: stepPasses(result, p99Limit),
        requestRate: result.requestRate,
        p95: result.latencyMs.p95,
        p99: result.latencyMs.p99,
        errors: result.errors,
        cpu: result.cpu?.processes ?? {},
        wallSeconds: result.cpu?.wallSeconds ?? 0,
        loadAverage: result.environmentInfo.loadAverage.before,
        profileOwners: profileShares(profile)
          .owners.slice(0, 8)
          .map(({ name, percent }) => ({ name, percent })),
      };
      steps.push(step);
      console.error(
        `    ${step.passed ? 'held' : 'FAILED'}: ${step.requestRate} requests/s, p95 ${step.p95} ms, p99 ${step.p99} ms, ${step.errors} errors; CPU s ${Object.entries(
          step.cpu,
        )
          .map(([name, seconds]) => `${name} ${seconds}`)
          .join(', ')}; load ${step.loadAverage.join('/')}; ${relative(REPO_ROOT, outcome.dir)}`,
      );
    }
  } finally {
    session.disconnect();
    await progress.step('stop the local runtime', () => runtime.stop());
  }

  const held = steps.filter((step) => step.passed).sort((a, b) => b.requestRate - a.requestRate);
  const best = held[0];
  const firstFailure = steps
    .filter((step) => !step.passed)
    .sort((a, b) => a.arrivalRate - b.arrivalRate)[0];
  console.log('\nstep  arrivals/s  requests/s  p95 ms  p99 ms  errors  result');
  for (const step of [...steps].sort((a, b) => a.arrivalRate - b.arrivalRate)) {
    console.log(
      `      ${String(step.arrivalRate).padStart(10)}  ${String(step.requestRate).padStart(10)}  ${String(step.p95).padStart(6)}  ${String(step.p99).padStart(6)}  ${String(step.errors).padStart(6)}  ${step.passed ? 'held' : 'failed'}`,
    );
  }
  console.log(
    best
      ? `sustainable: ${best.requestRate} requests/s (${best.arrivalRate} arrivals/s) with p99 ${best.p99} ms ≤ ${p99Limit} ms and no errors; load average at start ${machine.loadAverage.before.join('/')}`
      : `no step held p99 ≤ ${p99Limit} ms without errors, down to ${start} arrivals/s: lower --start`,
  );
  if (firstFailure) {
    console.log(
      `at saturation (${firstFailure.arrivalRate} arrivals/s) the runtime's process spent its CPU in: ${firstFailure.profileOwners
        .map((owner) => `${owner.name} ${owner.percent} %`)
        .join(', ')}`,
    );
  }
  if (values.save) {
    const file = join(REPO_ROOT, 'bench', 'baselines', 'load-throughput-local.json');
    await writeFile(
      file,
      `${JSON.stringify(
        {
          schema: 1,
          measuredAt: new Date().toISOString(),
          criterion: { p99Ms: p99Limit, errors: 0, stepSeconds },
          sustainable: best
            ? { requestRate: best.requestRate, arrivalRate: best.arrivalRate, p99: best.p99 }
            : null,
          steps,
          environmentInfo: machine,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`saved: ${relative(REPO_ROOT, file)}`);
  }
  console.log(`done in ${(progress.elapsedMs() / 1000).toFixed(1)} s`);
  return best ? 0 : 1;
};

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCli('load:search', () => main());
}
