/**
 * `npm run preflight -- --stage <s> [--account <id>]`: run before `cdk deploy`. Fails (exit 1)
 * while the stage config still holds the project's stand-in values, printing one line per value
 * that says where to set the real one; passes when none is left. `--account` checks the account
 * you will pass to `cdk deploy -c account=<id>`.
 */
import { describePlaceholder, findPlaceholders } from '#config/placeholders';
import { getStageConfig, STAGE_NAMES, type StageConfig } from '#config/stages';
import { CliError, createProgress, parseCliArgs, requireOption, runCli } from './cli.ts';

export const USAGE = `npm run preflight -- --stage <${STAGE_NAMES.join('|')}> [--account <12-digit id>]`;

export const main = async (
  args: readonly string[] = process.argv.slice(2),
  print: (line: string) => void = (line) => console.error(line),
): Promise<number> => {
  const { values } = parseCliArgs(
    USAGE,
    { stage: { type: 'string' }, account: { type: 'string' } },
    args,
  );
  const stage = requireOption(values.stage, 'stage', USAGE);
  if (!(STAGE_NAMES as readonly string[]).includes(stage)) {
    throw new CliError(`Unknown stage '${stage}'. Usage: ${USAGE}`, 2);
  }
  const account = values.account as string | undefined;
  if (account !== undefined && !/^\d{12}$/.test(account)) {
    throw new CliError(`--account must be a 12-digit AWS account id, got '${account}'`, 2);
  }
  const config: StageConfig = getStageConfig(stage, { account });
  const progress = createProgress((text) => process.stderr.write(text));
  const placeholders = await progress.step(
    `stage ${config.stage}: look for placeholder values`,
    async () => findPlaceholders(config),
  );
  if (placeholders.length > 0) {
    for (const placeholder of placeholders) print(describePlaceholder(config, placeholder));
    print(
      `preflight: FAILED, ${placeholders.length} placeholder value(s) in stage ${config.stage}; replace them, then run npm run preflight -- --stage ${config.stage} again`,
    );
    return 1;
  }
  console.log(
    `preflight: stage ${config.stage} (account ${config.env.account}, ${config.env.region}) is ready to deploy`,
  );
  return 0;
};

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCli('preflight', () => main());
}
