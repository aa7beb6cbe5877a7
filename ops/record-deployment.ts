/**
 * `npm run record:deployment`: writes one deployment event to the stage's deployments record
 * (table name from SSM `/<appName>/<stage>/deployments/table-name`), with the commits shipped
 * since `--changes-from`. The deploy workflow runs it after every deploy, failed ones included.
 *
 *   npm run record:deployment -- --stage dev --version 1.4.0-3f2b415 --commit <sha> \
 *     --status succeeded [--changes-from <rev>] [--service orders] [--deployed-at <ISO>] [--table <name>]
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { getStageConfig } from '#config/stages';
import { CliError, createProgress, parseCliArgs, requireOption, runCli } from './cli.ts';
import {
  DEPLOYMENT_STATUSES,
  type DeploymentEvent,
  type DeploymentStatus,
  deploymentEvent,
  formatChange,
} from './deployments.ts';

const USAGE =
  'npm run record:deployment -- --stage <dev|staging|prod> --version <semver-sha> --commit <sha> --status <succeeded|failed|rolled-back> [--changes-from <rev>] [--service orders] [--deployed-at <ISO>] [--table <name>]';

/** Commits in `from..to`, newest first, as `changes` entries (git must be on PATH). */
export const changesBetween = (from: string, to: string, cwd = process.cwd()): string[] =>
  execFileSync('git', ['log', '--format=%h%x09%cI%x09%s', `${from}..${to}`], {
    cwd,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [sha = '', committedAt = '', ...subject] = line.split('\t');
      return formatChange(sha, new Date(committedAt).toISOString(), subject.join('\t'));
    });

export const parseRecordArgs = (args: readonly string[]) => {
  const { values } = parseCliArgs(
    USAGE,
    {
      stage: { type: 'string' },
      version: { type: 'string' },
      commit: { type: 'string' },
      status: { type: 'string' },
      'changes-from': { type: 'string' },
      service: { type: 'string', default: 'orders' },
      'deployed-at': { type: 'string' },
      table: { type: 'string' },
    },
    args,
  );
  const config = getStageConfig(requireOption(values.stage, 'stage', USAGE));
  const status = requireOption(values.status, 'status', USAGE);
  if (!(DEPLOYMENT_STATUSES as readonly string[]).includes(status))
    throw new CliError(
      `Unknown status '${status}': pass --status <${DEPLOYMENT_STATUSES.join('|')}>`,
      2,
    );
  const commit = requireOption(values.commit, 'commit', USAGE);
  if (!/^[0-9a-f]{7,40}$/.test(commit))
    throw new CliError(`Invalid commit '${commit}': pass the git SHA that was deployed`, 2);
  const deployedAt = values['deployed-at'] ?? new Date().toISOString();
  if (Number.isNaN(Date.parse(deployedAt)))
    throw new CliError(`Invalid --deployed-at '${deployedAt}': pass an ISO 8601 time`, 2);
  return {
    config,
    version: requireOption(values.version, 'version', USAGE),
    commit,
    status: status as DeploymentStatus,
    service: values.service ?? 'orders',
    deployedAt: new Date(deployedAt).toISOString(),
    changesFrom: values['changes-from'],
    table: values.table,
  };
};

/** Writes the event; resolves the item written. */
export const recordDeployment = async (
  event: DeploymentEvent,
  tableName: string,
  client: DynamoDBDocumentClient,
): Promise<DeploymentEvent> => {
  await client.send(new PutCommand({ TableName: tableName, Item: event }));
  return event;
};

const main = async (): Promise<number> => {
  const args = parseRecordArgs(process.argv.slice(2));
  const progress = createProgress();
  const changes = args.changesFrom
    ? await progress.step(`commits since ${args.changesFrom}`, async () =>
        changesBetween(args.changesFrom as string, args.commit),
      )
    : [];
  const tableName =
    args.table ??
    (await progress.step('deployments table name from SSM', async () => {
      const name = `/${args.config.appName}/${args.config.stage}/deployments/table-name`;
      const result = await new SSMClient({}).send(new GetParameterCommand({ Name: name }));
      const value = result.Parameter?.Value;
      if (!value)
        throw new CliError(
          `SSM parameter ${name} is empty: deploy Orders-${args.config.stage}-Deployments first`,
        );
      return value;
    }));
  const event = deploymentEvent({
    service: args.service,
    stage: args.config.stage,
    version: args.version,
    commit: args.commit,
    deployedAt: args.deployedAt,
    status: args.status,
    changes,
  });
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  await progress.step(`record ${event.pk} ${event.sk}`, () =>
    recordDeployment(event, tableName, client),
  );
  console.log(
    `Recorded ${args.status} deploy of ${args.service} ${args.version} (${args.commit.slice(0, 7)}) to ${args.config.stage}: ${changes.length} commits, ${(progress.elapsedMs() / 1000).toFixed(1)} s`,
  );
  return 0;
};

if (process.argv[1] === fileURLToPath(import.meta.url)) await runCli('record:deployment', main);
