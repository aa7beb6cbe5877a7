/**
 * `npm run load:local -- <smoke|steady|spike|soak> [--save-baseline] [--profile] [--worker]`:
 * starts the local runtime (emulator included), gets the storefront consumer's credentials, runs
 * the scenario's `local` environment with Artillery, stops everything and prints a summary.
 *
 * - `--save-baseline` stores the result as `bench/baselines/load-<scenario>-local.json`, the
 *   baseline `npm run load:compare` checks later runs against.
 * - `--profile` records a CPU profile of the local runtime's process (handlers, HTTP layer, SDK)
 *   while the scenario runs, saves it as `runtime.cpuprofile` (Chrome DevTools opens it) and
 *   prints its heaviest frames.
 * - `--worker` also runs the fulfilment worker, as `npm start` does (off by default: on AWS it
 *   runs on Fargate, not beside the API, and here it would take CPU from what is measured).
 *
 * Exits non-zero when an `ensure` check of the scenario failed.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join, relative } from 'node:path';
import { ensureEmulatorInstalled } from '#local/emulator-install';
import { REPO_ROOT } from '#local/paths';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime';
import { CliError, createProgress, parseCliArgs, runCli } from './cli.ts';
import {
  type ArtilleryRunOutcome,
  ensureArtilleryInstalled,
  formatSummary,
  parseScenario,
  runArtillery,
  SCENARIOS,
} from './load-artillery.ts';
import { type CpuProfile, summariseProfile } from './load-profile.ts';
import { baselinePath } from './load-results.ts';

export const USAGE = `npm run load:local -- <${SCENARIOS.join('|')}> [--save-baseline] [--profile] [--worker]`;

/** What a load run needs from a started local runtime: the first consumer's credentials. */
export const localCredentials = (runtime: LocalRuntime): Record<string, string> => {
  const consumer = runtime.consumers[0];
  if (!consumer)
    throw new CliError('the local runtime has no consumer: check cdk/config/stages.ts');
  return {
    LOAD_TOKEN_URL: runtime.tokenUrl,
    LOAD_CLIENT_ID: consumer.clientId,
    LOAD_CLIENT_SECRET: consumer.clientSecret,
    LOAD_API_KEY: consumer.apiKey,
  };
};

/** Starts the local runtime quietly, as the e2e tests do. */
export const startQuietRuntime = async (worker: boolean): Promise<LocalRuntime> => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  await ensureEmulatorInstalled({ log: () => undefined });
  return startLocalRuntime({
    worker,
    handlerLogLevel: process.env.LOG_LEVEL ?? 'ERROR',
    log: () => undefined,
    // CloudWatch's alarm evaluation is not on the API's path in AWS; locally it would share the
    // emulator with the API (a burst of metric queries every minute) and measure itself.
    alarms: false,
  });
};

export const main = async (args: readonly string[] = process.argv.slice(2)): Promise<number> => {
  const { values, positionals } = parseCliArgs(
    USAGE,
    {
      'save-baseline': { type: 'boolean' },
      profile: { type: 'boolean' },
      worker: { type: 'boolean' },
    },
    args,
  );
  const scenario = parseScenario(positionals[0], USAGE);
  ensureArtilleryInstalled();
  const progress = createProgress();
  const runtime = await progress.step('start the local runtime (emulator, stacks, stubs)', () =>
    startQuietRuntime(values.worker === true),
  );
  let outcome: ArtilleryRunOutcome;
  let profile: CpuProfile | undefined;
  try {
    const session = values.profile ? new Session() : undefined;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    outcome = await progress.step(`run ${scenario} (local) against ${runtime.apiUrl}`, () =>
      runArtillery({
        scenario,
        environment: 'local',
        target: runtime.apiUrl,
        env: localCredentials(runtime),
        log: (text) => process.stderr.write(text),
      }),
    );
    if (session) {
      profile = ((await session.post('Profiler.stop')) as { profile: CpuProfile }).profile;
      session.disconnect();
    }
  } finally {
    await progress.step('stop the local runtime', () => runtime.stop());
  }

  console.log(`\n${formatSummary(outcome)}`);
  if (profile) {
    const file = join(outcome.dir, 'runtime.cpuprofile');
    await writeFile(file, JSON.stringify(profile));
    console.log(
      `\nCPU profile of the local runtime: ${relative(REPO_ROOT, file)}\n${summariseProfile(profile).join('\n')}`,
    );
  }
  if (values['save-baseline']) {
    if (outcome.exitCode !== 0) {
      throw new CliError(
        'not saving a baseline from a run that failed its checks: fix the cause and run again',
      );
    }
    const file = baselinePath(scenario, 'local');
    await writeFile(file, `${JSON.stringify(outcome.result, null, 2)}\n`);
    console.log(`baseline saved: ${relative(REPO_ROOT, file)}`);
  }
  console.log(`done in ${(progress.elapsedMs() / 1000).toFixed(1)} s`);
  return outcome.exitCode === 0 ? 0 : 1;
};

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCli('load:local', () => main());
}
