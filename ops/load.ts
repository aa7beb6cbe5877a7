/**
 * `npm run load -- --target <api url> <smoke|steady|spike|soak> [--stage dev|staging|prod]`:
 * runs a scenario against a deployed stage with the phases and `ensure` checks of that stage
 * (default: dev), then prints a summary. The consumer's credentials come from the environment:
 *
 * - `LOAD_API_KEY`: the consumer's API key (`aws apigateway get-api-key --include-value`);
 * - `LOAD_TOKEN_URL`, `LOAD_CLIENT_ID`, `LOAD_CLIENT_SECRET`: the stage's token endpoint and the
 *   consumer's app client (stack outputs `TokenEndpoint`, `<Consumer>ClientId`); the token is
 *   fetched with the client-credentials grant and renewed before it expires;
 *   or `LOAD_TOKEN` (a token you fetched; it must outlive the run).
 *
 * Orders need a catalog: seed the stage first (`npm run catalog:seed`). Exits non-zero when an
 * `ensure` check failed.
 */
import { STAGE_NAMES } from '#config/stages';
import { CliError, createProgress, parseCliArgs, requireOption, runCli } from './cli.ts';
import {
  ensureArtilleryInstalled,
  formatSummary,
  parseScenario,
  runArtillery,
  SCENARIOS,
} from './load-artillery.ts';

export const USAGE = `LOAD_API_KEY=... LOAD_TOKEN_URL=... LOAD_CLIENT_ID=... LOAD_CLIENT_SECRET=... npm run load -- --target <api url> <${SCENARIOS.join('|')}> [--stage <${STAGE_NAMES.join('|')}>]`;

/** The credentials the processor reads, or a {@link CliError} naming what is missing. */
export const deployedCredentials = (env: NodeJS.ProcessEnv): Record<string, string> => {
  const missing: string[] = [];
  const pick = (names: readonly string[]): Record<string, string> => {
    const found: Record<string, string> = {};
    for (const name of names) {
      const value = env[name];
      if (value) found[name] = value;
      else missing.push(name);
    }
    return found;
  };
  const credentials = env.LOAD_TOKEN
    ? { ...pick(['LOAD_API_KEY']), LOAD_TOKEN: env.LOAD_TOKEN }
    : pick(['LOAD_API_KEY', 'LOAD_TOKEN_URL', 'LOAD_CLIENT_ID', 'LOAD_CLIENT_SECRET']);
  if (missing.length > 0) {
    throw new CliError(
      `set ${missing.join(', ')} (the consumer's API key and client credentials, docs/load-testing.md says where to find them). Usage: ${USAGE}`,
      2,
    );
  }
  return credentials;
};

export const main = async (
  args: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> => {
  const { values, positionals } = parseCliArgs(
    USAGE,
    { target: { type: 'string' }, stage: { type: 'string' } },
    args,
  );
  const target = requireOption(values.target, 'target', USAGE).replace(/\/+$/, '');
  if (!/^https?:\/\//.test(target))
    throw new CliError(`--target must be the API's URL (https://...), got '${target}'`, 2);
  const scenario = parseScenario(positionals[0], USAGE);
  const stage = (values.stage as string | undefined) ?? 'dev';
  if (!(STAGE_NAMES as readonly string[]).includes(stage)) {
    throw new CliError(`unknown stage '${stage}'. Usage: ${USAGE}`, 2);
  }
  const credentials = deployedCredentials(env);
  ensureArtilleryInstalled();
  const progress = createProgress();
  const outcome = await progress.step(`run ${scenario} (${stage}) against ${target}`, () =>
    runArtillery({
      scenario,
      environment: stage,
      target,
      env: credentials,
      // Only the load generator runs here: the API's CPU is the stage's Lambda functions.
      watch: async () => ({}),
    }),
  );
  console.log(`\n${formatSummary(outcome)}`);
  console.log(`done in ${(progress.elapsedMs() / 1000).toFixed(1)} s`);
  return outcome.exitCode === 0 ? 0 : 1;
};

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCli('load', () => main());
}
