/**
 * `npm run catalog:seed -- --stage <s> --file <catalog.json> [--table <name>] [--region <r>]`
 *
 * Loads a catalog into a stage's catalog table: validates the file first (nothing is written
 * when any item is wrong), finds the table through the stage's SSM parameter (set by the Data
 * stack), then writes the SKUs in batches with progress and ends with a summary. With
 * AWS_ENDPOINT_URL set it talks to that endpoint (the emulator) instead of AWS.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getStageConfig, STAGE_NAMES, type StageConfig } from '#config/stages';
import { catalogTableParameterName } from '../cdk/stacks/data-stack.ts';
import { CatalogFileError, loadCatalogFile, writeCatalog } from './catalog.ts';
import { CliError, createProgress, parseCliArgs, requireOption, runCli } from './cli.ts';

export const USAGE = `npm run catalog:seed -- --stage <${STAGE_NAMES.join('|')}> --file <catalog.json> [--table <name>] [--region <region>]`;

/** Region to talk to: `--region`, else the emulator's (AWS_REGION) when one is set, else the stage's. */
export const regionFor = (
  config: StageConfig,
  flag: string | undefined,
  environment: NodeJS.ProcessEnv = process.env,
): string => {
  if (flag) return flag;
  if (environment.AWS_ENDPOINT_URL) return environment.AWS_REGION ?? 'us-east-1';
  return config.env.region;
};

const failureHint = (error: unknown): string | undefined => {
  const name = error instanceof Error ? error.name : '';
  if (name === 'CredentialsProviderError')
    return 'no AWS credentials: configure a profile (AWS_PROFILE) or set AWS_ENDPOINT_URL for the emulator';
  if (name === 'ResourceNotFoundException')
    return 'the catalog table does not exist: deploy the stage first, or check --table';
  if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException')
    return 'these credentials may not write the catalog table: use the deploying role of the stage';
  return undefined;
};

export const main = async (args: readonly string[] = process.argv.slice(2)): Promise<number> => {
  const { values } = parseCliArgs(
    USAGE,
    {
      stage: { type: 'string' },
      file: { type: 'string' },
      table: { type: 'string' },
      region: { type: 'string' },
    },
    args,
  );
  const stage = requireOption(values.stage, 'stage', USAGE);
  const file = requireOption(values.file, 'file', USAGE);
  if (!(STAGE_NAMES as readonly string[]).includes(stage)) {
    throw new CliError(`Unknown stage '${stage}'. Usage: ${USAGE}`, 2);
  }
  const config: StageConfig = getStageConfig(stage);
  const region = regionFor(config, values.region as string | undefined);
  const target = process.env.AWS_ENDPOINT_URL ?? `AWS ${region}`;
  const progress = createProgress();

  const items = await progress.step(`validate ${file}`, async () => {
    try {
      return await loadCatalogFile(file);
    } catch (error) {
      if (error instanceof CatalogFileError) throw new CliError(error.message);
      throw error;
    }
  });

  // The emulator takes any credentials: spare its users from configuring some.
  const credentials =
    process.env.AWS_ENDPOINT_URL && !process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE
      ? { accessKeyId: 'local', secretAccessKey: 'local' }
      : undefined;
  const ssm = new SSMClient({ region, ...(credentials && { credentials }) });
  const dynamodb = new DynamoDBClient({ region, ...(credentials && { credentials }) });
  const documents = DynamoDBDocumentClient.from(dynamodb);
  try {
    const parameterName = catalogTableParameterName(config);
    const tableName =
      (values.table as string | undefined) ??
      (await progress.step(`find the catalog table (${parameterName}, ${target})`, async () => {
        try {
          const { Parameter } = await ssm.send(new GetParameterCommand({ Name: parameterName }));
          if (!Parameter?.Value) throw new ParameterNotFound({ message: 'empty', $metadata: {} });
          return Parameter.Value;
        } catch (error) {
          if (error instanceof ParameterNotFound) {
            throw new CliError(
              `${parameterName} does not exist in ${target}: deploy the stage first (npx cdk deploy -c stage=${config.stage} --all), or pass --table <name>`,
            );
          }
          const hint = failureHint(error);
          if (hint) throw new CliError(`cannot read ${parameterName}: ${hint}`);
          throw error;
        }
      }));

    let batch = 0;
    const written = await progress.step(`write ${items.length} SKUs to ${tableName}`, async () => {
      try {
        return await writeCatalog(documents, tableName, items, {
          onBatch: (done, total) => {
            batch += 1;
            process.stderr.write(`batch ${batch}: ${done}/${total} `);
          },
        });
      } catch (error) {
        const hint = failureHint(error);
        if (hint) throw new CliError(`cannot write to ${tableName}: ${hint}`);
        throw error;
      }
    });
    const active = items.filter((item) => item.active).length;
    console.log(
      `Loaded ${written} SKUs (${active} active, ${written - active} inactive) into ${tableName} for stage ${config.stage} (${target}) in ${(progress.elapsedMs() / 1000).toFixed(2)} s`,
    );
    return 0;
  } finally {
    ssm.destroy();
    dynamodb.destroy();
  }
};

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCli('catalog:seed', () => main());
}
