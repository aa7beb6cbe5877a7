/**
 * `npm run dr:drill -- --stage <s> [--source pitr|backup] [--store orders] [--table <name>]
 *   [--rto-minutes <n>] [--reports-dir reports] [--allow-prod] [--cleanup]`
 *
 * Restores a table of the stage into a scratch table, from its latest backup or its latest
 * point-in-time recovery, proves the restored items equal the source's (every difference must
 * be a change made after the recovery point), measures the real RTO (restore + verify) and RPO
 * (age of the restored data), puts them as metrics, writes JSON, Markdown and HTML reports under
 * `reports/`, and deletes the scratch table. It never writes to the source table: its DynamoDB
 * client refuses to. Against AWS with your credentials; against an emulator when
 * AWS_ENDPOINT_URL is set (e.g. the endpoint `npm start` prints).
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { getStageConfig, recoveryTargets, STAGE_NAMES, type StageConfig } from '#config/stages';
import { CliError, createProgress, parseCliArgs, requireOption, runCli } from '#ops/cli';
import { type DiffSummary, type DrillReport, type TimelineStep, writeReports } from './report.ts';
import {
  deleteTable,
  guardSourceTable,
  keyAttributesOf,
  latestBackup,
  latestRestorableTime,
  listTables,
  type RecoveryPoint,
  resolveSourceTable,
  restoreInto,
  scratchPrefix,
  snapshotTable,
  type TableSnapshot,
} from './tables.ts';

export const USAGE =
  'npm run dr:drill -- --stage <dev|staging|prod> [--source pitr|backup] [--store orders] [--table <name>] [--rto-minutes <n>] [--reports-dir reports] [--allow-prod] [--cleanup]';

export interface DrillOptions {
  readonly stage: string;
  /** @default 'backup' */
  readonly source?: 'pitr' | 'backup';
  /** Data store whose table is drilled (its targets come from `dr.dataStores`). @default 'orders' */
  readonly store?: string;
  /** Physical table name, instead of finding the store's table in the stage. */
  readonly table?: string;
  /** RTO target in minutes, instead of the store's. */
  readonly rtoMinutes?: number;
  /** @default 'reports' */
  readonly reportsDir?: string;
  /** Required to drill prod. */
  readonly allowProd?: boolean;
  /** Only delete scratch tables left by an interrupted drill. */
  readonly cleanup?: boolean;
}

export interface DrillDeps {
  readonly dynamodb: DynamoDBClient;
  readonly cloudwatch: CloudWatchClient;
  /** Progress and summary lines. @default stderr / stdout */
  readonly progressOut?: (text: string) => void;
  readonly out?: (line: string) => void;
}

export interface DrillOutcome {
  readonly exitCode: number;
  readonly report?: DrillReport;
  readonly paths?: { readonly json: string; readonly markdown: string; readonly html: string };
  /** Scratch tables deleted by `--cleanup`. */
  readonly cleaned?: readonly string[];
}

const stageOf = (name: string): StageConfig => {
  if (!(STAGE_NAMES as readonly string[]).includes(name)) {
    throw new CliError(`unknown stage '${name}': pass --stage <${STAGE_NAMES.join('|')}>`, 2);
  }
  return getStageConfig(name);
};

/** Compares the restored table (the recovery point) with the source. */
export const diffSnapshots = (
  restored: TableSnapshot,
  source: TableSnapshot,
  pointTime: Date,
): DiffSummary => {
  const counts = {
    identical: 0,
    deletedSince: 0,
    createdSince: 0,
    changedSince: 0,
    unexplained: 0,
  };
  const examples: { key: string; difference: string }[] = [];
  const unexplained = (key: string, difference: string) => {
    counts.unexplained += 1;
    if (examples.length < 10) examples.push({ key, difference });
  };
  const changedAfter = (key: string) => {
    const at = source.changedAt.get(key);
    return at !== undefined && Date.parse(at) > pointTime.getTime();
  };
  for (const [key, hash] of restored.hashes) {
    const sourceHash = source.hashes.get(key);
    if (sourceHash === undefined) {
      counts.deletedSince += 1;
      unexplained(key, 'in the recovery point, missing from the source (deleted since)');
    } else if (sourceHash === hash) counts.identical += 1;
    else if (changedAfter(key)) counts.changedSince += 1;
    else
      unexplained(
        key,
        'differs from the source, which does not say it changed after the recovery point',
      );
  }
  for (const key of source.hashes.keys()) {
    if (restored.hashes.has(key)) continue;
    if (changedAfter(key)) counts.createdSince += 1;
    else unexplained(key, 'in the source, missing from the recovery point');
  }
  return { ...counts, examples };
};

/** Runs a drill (or a cleanup); throws CliError for what the operator must fix. */
export const runDrill = async (options: DrillOptions, deps: DrillDeps): Promise<DrillOutcome> => {
  const out = deps.out ?? ((line: string) => console.log(line));
  const config = stageOf(options.stage);
  if (config.stage === 'prod' && !options.allowProd) {
    throw new CliError(
      'refusing to drill prod without --allow-prod: the drill reads the whole table and restores a copy (costs and load); add --allow-prod when that is intended',
      2,
    );
  }
  const store = options.store ?? 'orders';
  const sourceKind = options.source ?? 'backup';
  const { dynamodb } = deps;

  const leftovers = (await listTables(dynamodb)).filter((name) =>
    name.startsWith(scratchPrefix(config)),
  );
  if (options.cleanup) {
    for (const name of leftovers) await deleteTable(dynamodb, name);
    out(leftovers.length > 0 ? `deleted ${leftovers.join(', ')}` : 'no scratch table to delete');
    return { exitCode: 0, cleaned: leftovers };
  }
  if (leftovers.length > 0) {
    throw new CliError(
      `scratch table ${leftovers.join(', ')} is left from an interrupted drill: delete it with npm run dr:drill -- --stage ${config.stage}${config.stage === 'prod' ? ' --allow-prod' : ''} --cleanup, then run the drill again`,
    );
  }

  const targets = recoveryTargets(config, store);
  const rtoSeconds = (options.rtoMinutes ?? targets.rtoMinutes) * 60;
  const rpoSeconds =
    sourceKind === 'pitr' ? targets.pitrRpoMinutes * 60 : targets.backupRpoHours * 3600;
  const progress = createProgress(deps.progressOut);
  const timeline: TimelineStep[] = [];
  const step = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
    const startMs = progress.elapsedMs();
    try {
      return await progress.step(label, work);
    } finally {
      timeline.push({ label, startMs, endMs: progress.elapsedMs() });
    }
  };

  const startedAt = new Date();
  const source = await step('find the source table', () =>
    resolveSourceTable(dynamodb, config, store, options.table),
  );
  const sourceName = source.TableName as string;
  const keys = keyAttributesOf(source);
  const unguard = guardSourceTable(dynamodb, sourceName);
  const scratchName = `${scratchPrefix(config)}${store}-${startedAt.getTime()}`;
  try {
    const sourceSnapshot = await step(`fingerprint ${sourceName}`, () =>
      snapshotTable(dynamodb, sourceName, keys, targets.changedAtAttribute),
    );
    const point: RecoveryPoint = await step(
      `find the ${sourceKind === 'pitr' ? 'latest restorable time' : 'latest backup'}`,
      () =>
        sourceKind === 'pitr'
          ? latestRestorableTime(dynamodb, sourceName, startedAt)
          : latestBackup(dynamodb, sourceName),
    );
    const restoreStart = progress.elapsedMs();
    let restored: TableSnapshot;
    try {
      await step(`restore into ${scratchName}`, () =>
        restoreInto(
          dynamodb,
          source,
          point,
          scratchName,
          new Date(Date.now() + Math.max(rtoSeconds * 2, 1800) * 1000),
        ),
      );
      restored = await step('fingerprint restored table', () =>
        snapshotTable(dynamodb, scratchName, keys, targets.changedAtAttribute),
      );
    } finally {
      // Before anything else can fail: no scratch table outlives a drill that got this far.
      await step('delete the scratch table', () => deleteTable(dynamodb, scratchName));
    }
    const diff = await step('verify', async () =>
      diffSnapshots(restored, sourceSnapshot, point.time),
    );
    // RTO: restore, fingerprint of the restored table and verification; not the scratch cleanup.
    const restoreSteps = timeline.filter(
      (s) => s.label !== 'delete the scratch table' && s.startMs >= restoreStart,
    );
    const measuredRto = restoreSteps.reduce((sum, s) => sum + (s.endMs - s.startMs), 0) / 1000;
    const measuredRpo = Math.max(0, (startedAt.getTime() - point.time.getTime()) / 1000);
    const verified = diff.unexplained === 0;
    const report: DrillReport = {
      stage: config.stage,
      dataStore: store,
      source: sourceKind,
      sourceTable: sourceName,
      scratchTable: scratchName,
      recoveryPoint: { id: point.id, time: point.time.toISOString() },
      startedAt: startedAt.toISOString(),
      sourceFingerprint: sourceSnapshot.fingerprint,
      restoredFingerprint: restored.fingerprint,
      diff,
      verified,
      rtoSeconds: measuredRto,
      rpoSeconds: measuredRpo,
      targets: { rtoSeconds, rpoSeconds },
      rtoMet: measuredRto <= rtoSeconds,
      rpoMet: measuredRpo <= rpoSeconds,
      passed: verified && measuredRto <= rtoSeconds && measuredRpo <= rpoSeconds,
      timeline,
      ...(process.env.AWS_ENDPOINT_URL && { endpoint: process.env.AWS_ENDPOINT_URL }),
    };
    await step('put metrics', () => putMetrics(deps.cloudwatch, config, report));
    const paths = await step('write reports', () =>
      writeReports(options.reportsDir ?? 'reports', report),
    );
    out(summaryOf(report, paths.markdown));
    return { exitCode: report.passed ? 0 : 1, report, paths };
  } finally {
    unguard();
  }
};

const putMetrics = async (
  cloudwatch: CloudWatchClient,
  config: StageConfig,
  report: DrillReport,
) => {
  const dimensions = [
    { Name: 'Stage', Value: report.stage },
    { Name: 'DataStore', Value: report.dataStore },
    { Name: 'Source', Value: report.source },
  ];
  await cloudwatch.send(
    new PutMetricDataCommand({
      Namespace: `${config.appName}/DR`,
      MetricData: [
        {
          MetricName: 'DrillRtoSeconds',
          Value: report.rtoSeconds,
          Unit: 'Seconds',
          Dimensions: dimensions,
        },
        {
          MetricName: 'DrillRpoSeconds',
          Value: report.rpoSeconds,
          Unit: 'Seconds',
          Dimensions: dimensions,
        },
        {
          MetricName: 'DrillPassed',
          Value: report.passed ? 1 : 0,
          Unit: 'Count',
          Dimensions: dimensions,
        },
        {
          MetricName: 'DrillUnexplainedDifferences',
          Value: report.diff.unexplained,
          Unit: 'Count',
          Dimensions: dimensions,
        },
      ],
    }),
  );
};

const summaryOf = (r: DrillReport, markdownPath: string): string => {
  const s = (v: number) => `${v.toFixed(v < 10 ? 2 : 0)} s`;
  const lines = [
    `DR drill ${r.stage}/${r.dataStore} from ${r.source}: ${r.passed ? 'PASSED' : 'FAILED'}`,
    `  RTO ${s(r.rtoSeconds)} (target ${s(r.targets.rtoSeconds)}, ${r.rtoMet ? 'met' : 'MISSED'}), RPO ${s(r.rpoSeconds)} (target ${s(r.targets.rpoSeconds)}, ${r.rpoMet ? 'met' : 'MISSED'})`,
    `  source ${r.sourceFingerprint.itemCount} items, restored ${r.restoredFingerprint.itemCount}; identical ${r.diff.identical}, deleted since ${r.diff.deletedSince}, created since ${r.diff.createdSince}, changed since ${r.diff.changedSince}, unexplained ${r.diff.unexplained}`,
    ...r.diff.examples.map((e) => `    ${e.key}: ${e.difference}`),
    `  report: ${markdownPath} (and .json, .html)`,
  ];
  return lines.join('\n');
};

/** SDK clients for the stage: its region in AWS; the emulator's region and dummy keys offline. */
export const clientsFor = (stage: string): Pick<DrillDeps, 'dynamodb' | 'cloudwatch'> => {
  const emulator = process.env.AWS_ENDPOINT_URL;
  const region =
    process.env.AWS_REGION ??
    (emulator
      ? 'us-east-1'
      : (STAGE_NAMES as readonly string[]).includes(stage)
        ? getStageConfig(stage).env.region
        : undefined);
  const credentials =
    emulator && !process.env.AWS_ACCESS_KEY_ID
      ? { accessKeyId: 'local', secretAccessKey: 'local' }
      : undefined;
  const config = {
    region,
    ...(credentials && { credentials }),
    ...(emulator && { maxAttempts: 1 }),
  };
  return { dynamodb: new DynamoDBClient(config), cloudwatch: new CloudWatchClient(config) };
};

export const parseDrillArgs = (args: readonly string[]): DrillOptions => {
  const { values } = parseCliArgs(
    USAGE,
    {
      stage: { type: 'string' },
      source: { type: 'string', default: 'backup' },
      store: { type: 'string', default: 'orders' },
      table: { type: 'string' },
      'rto-minutes': { type: 'string' },
      'reports-dir': { type: 'string', default: 'reports' },
      'allow-prod': { type: 'boolean', default: false },
      cleanup: { type: 'boolean', default: false },
    },
    args,
  );
  const source = values.source;
  if (source !== 'pitr' && source !== 'backup') {
    throw new CliError(
      `--source must be pitr or backup, got '${String(source)}'. Usage: ${USAGE}`,
      2,
    );
  }
  const rtoRaw = values['rto-minutes'];
  const rtoMinutes = rtoRaw === undefined ? undefined : Number(rtoRaw);
  if (rtoMinutes !== undefined && !(rtoMinutes > 0)) {
    throw new CliError(`--rto-minutes must be a positive number, got '${String(rtoRaw)}'`, 2);
  }
  return {
    stage: requireOption(values.stage, 'stage', USAGE),
    source,
    store: String(values.store),
    ...(typeof values.table === 'string' && { table: values.table }),
    ...(rtoMinutes !== undefined && { rtoMinutes }),
    reportsDir: String(values['reports-dir']),
    allowProd: values['allow-prod'] === true,
    cleanup: values.cleanup === true,
  };
};

if (import.meta.url === `file://${process.argv[1]}`) {
  // The drill runs on the operator's Node; the SDK's notice about Node 20 is not about the drill.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  await runCli('dr:drill', async () => {
    const options = parseDrillArgs(process.argv.slice(2));
    const outcome = await runDrill(options, clientsFor(options.stage));
    return outcome.exitCode;
  });
}
