/**
 * `npm run dora`: the four DORA metrics of a stage over a period, from the deployments record
 * and the incident records:
 *
 * - deployment frequency: successful deploys per day (and per week);
 * - lead time for changes: commit to running in the stage, median over the commits shipped;
 * - change failure rate: failed and rolled-back deploys over all deploys;
 * - time to restore (MTTR): incident opened to resolved, median.
 *
 *   npm run dora -- --from 2026-11-01 --to 2026-11-30 --deployments tests/fixtures/dora/deployments.json \
 *     --incidents tests/fixtures/dora/incidents.json [--stage prod] [--json]
 *   npm run dora -- --from ... --to ... --stage prod   # deployments and incidents from the stage's tables
 *
 * Without `--incidents`, and with `--stage`, incidents come from the stage's paging incidents
 * table (`dora-incidents.ts`); a JSON export stays an option.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { getStageConfig } from '#config/stages';
import { CliError, createProgress, parseCliArgs, requireOption, runCli } from './cli.ts';
import { changeCommittedAt, type DeploymentEvent } from './deployments.ts';
import { readIncidents } from './dora-incidents.ts';
import { DORA_NAMESPACE, doraMetricData } from './dora-widget.ts';

/** An incident record: the paging incident (`<alarmName>#<ISO opened>`) and when it ended. */
export interface IncidentRecord {
  readonly id: string;
  readonly stage?: string;
  readonly openedAt: string;
  /** Absent while the incident is open. */
  readonly resolvedAt?: string;
}

export type DoraLevel = 'elite' | 'high' | 'medium' | 'low';

export interface DoraReport {
  readonly from: string;
  readonly to: string;
  readonly days: number;
  readonly deployments: {
    readonly total: number;
    readonly succeeded: number;
    readonly failed: number;
  };
  readonly deploymentsPerDay: number;
  /** Median hours from commit to deployed, over every commit of a successful deploy. */
  readonly leadTimeHours: number | undefined;
  readonly changeFailureRate: number | undefined;
  /** Median hours from incident opened to resolved. */
  readonly mttrHours: number | undefined;
  readonly incidents: { readonly total: number; readonly open: number };
  readonly levels: {
    readonly deploymentFrequency: DoraLevel;
    readonly leadTime: DoraLevel | undefined;
    readonly changeFailureRate: DoraLevel | undefined;
    readonly mttr: DoraLevel | undefined;
  };
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const median = (values: readonly number[]): number | undefined => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/** The performance level of each metric, by the thresholds of the DORA reports. */
export const levels = (report: Omit<DoraReport, 'levels'>): DoraReport['levels'] => ({
  deploymentFrequency:
    report.deploymentsPerDay >= 1
      ? 'elite'
      : report.deploymentsPerDay >= 1 / 7
        ? 'high'
        : report.deploymentsPerDay >= 1 / 30
          ? 'medium'
          : 'low',
  leadTime:
    report.leadTimeHours === undefined
      ? undefined
      : report.leadTimeHours < 24
        ? 'elite'
        : report.leadTimeHours < 24 * 7
          ? 'high'
          : report.leadTimeHours < 24 * 30
            ? 'medium'
            : 'low',
  changeFailureRate:
    report.changeFailureRate === undefined
      ? undefined
      : report.changeFailureRate <= 0.05
        ? 'elite'
        : report.changeFailureRate <= 0.1
          ? 'high'
          : report.changeFailureRate <= 0.15
            ? 'medium'
            : 'low',
  mttr:
    report.mttrHours === undefined
      ? undefined
      : report.mttrHours < 1
        ? 'elite'
        : report.mttrHours < 24
          ? 'high'
          : report.mttrHours < 24 * 7
            ? 'medium'
            : 'low',
});

/** The DORA metrics of the events deployed, and the incidents opened, in `[from, to)`. */
export const computeDora = (
  events: readonly DeploymentEvent[],
  incidents: readonly IncidentRecord[],
  from: Date,
  to: Date,
  stage?: string,
): DoraReport => {
  if (!(from < to)) throw new CliError('--from must be before --to', 2);
  const inWindow = (iso: string) => {
    const time = Date.parse(iso);
    return time >= from.getTime() && time < to.getTime();
  };
  const deploys = events.filter(
    (event) => inWindow(event.deployedAt) && (stage === undefined || event.stage === stage),
  );
  const succeeded = deploys.filter((event) => event.status === 'succeeded');
  const failed = deploys.length - succeeded.length;
  const days = (to.getTime() - from.getTime()) / DAY;
  const leadTimes = succeeded.flatMap((event) =>
    (event.changes ?? []).flatMap((change) => {
      const committed = changeCommittedAt(change);
      return committed ? [(Date.parse(event.deployedAt) - committed.getTime()) / HOUR] : [];
    }),
  );
  const windowIncidents = incidents.filter(
    (incident) =>
      inWindow(incident.openedAt) &&
      (stage === undefined || incident.stage === undefined || incident.stage === stage),
  );
  const restored = windowIncidents.flatMap((incident) =>
    incident.resolvedAt
      ? [(Date.parse(incident.resolvedAt) - Date.parse(incident.openedAt)) / HOUR]
      : [],
  );
  const report = {
    from: from.toISOString(),
    to: to.toISOString(),
    days,
    deployments: { total: deploys.length, succeeded: succeeded.length, failed },
    deploymentsPerDay: succeeded.length / days,
    leadTimeHours: median(leadTimes),
    changeFailureRate: deploys.length === 0 ? undefined : failed / deploys.length,
    mttrHours: median(restored),
    incidents: { total: windowIncidents.length, open: windowIncidents.length - restored.length },
  };
  return { ...report, levels: levels(report) };
};

const hours = (value: number | undefined) =>
  value === undefined
    ? 'n/a'
    : value < 1
      ? `${(value * 60).toFixed(0)} min`
      : `${value.toFixed(1)} h`;

/** The report as a table, one metric a row. */
export const formatDora = (report: DoraReport): string => {
  const rows: [string, string, string][] = [
    [
      'deployment frequency',
      `${report.deploymentsPerDay.toFixed(2)}/day (${report.deployments.succeeded} successful in ${report.days.toFixed(0)} days)`,
      report.levels.deploymentFrequency,
    ],
    [
      'lead time for changes',
      `${hours(report.leadTimeHours)} (median)`,
      report.levels.leadTime ?? 'n/a',
    ],
    [
      'change failure rate',
      report.changeFailureRate === undefined
        ? 'n/a (no deploys)'
        : `${(report.changeFailureRate * 100).toFixed(1)}% (${report.deployments.failed} of ${report.deployments.total})`,
      report.levels.changeFailureRate ?? 'n/a',
    ],
    [
      'time to restore',
      `${hours(report.mttrHours)} (median of ${report.incidents.total - report.incidents.open} resolved, ${report.incidents.open} open)`,
      report.levels.mttr ?? 'n/a',
    ],
  ];
  const width = Math.max(...rows.map((row) => row[1].length));
  return [
    `DORA metrics ${report.from} .. ${report.to}`,
    ...rows.map(([name, value, level]) => `${name.padEnd(22)} ${value.padEnd(width)}  ${level}`),
  ].join('\n');
};

const readJsonArray = <T>(path: string, what: string): T[] => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(
      `Cannot read ${what} from ${path}: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  if (!Array.isArray(parsed)) throw new CliError(`${path} must hold a JSON array of ${what}`);
  return parsed as T[];
};

const parseDate = (value: string, name: string): Date => {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new CliError(`Invalid --${name} '${value}': pass an ISO date, e.g. 2026-11-01`, 2);
  return date;
};

const USAGE =
  'npm run dora -- --from <ISO date> --to <ISO date> [--stage <s>] [--deployments <file.json>] [--incidents <file.json>] [--service orders] [--json] [--publish]';

/** Deployment events of a stage from its deployments table, in the window. */
const queryDeployments = async (stage: string, service: string, from: Date, to: Date) => {
  const config = getStageConfig(stage);
  const name = `/${config.appName}/${config.stage}/deployments/table-name`;
  const table = (await new SSMClient({}).send(new GetParameterCommand({ Name: name }))).Parameter
    ?.Value;
  if (!table)
    throw new CliError(`SSM parameter ${name} is empty: deploy Orders-${stage}-Deployments first`);
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const items: DeploymentEvent[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': `${service}#${stage}`,
          ':from': from.toISOString(),
          ':to': `${to.toISOString()}~`,
        },
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...((page.Items ?? []) as DeploymentEvent[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
};

const main = async (): Promise<number> => {
  const { values } = parseCliArgs(USAGE, {
    from: { type: 'string' },
    to: { type: 'string' },
    stage: { type: 'string' },
    deployments: { type: 'string' },
    incidents: { type: 'string' },
    service: { type: 'string', default: 'orders' },
    json: { type: 'boolean', default: false },
    publish: { type: 'boolean', default: false },
  });
  const from = parseDate(requireOption(values.from, 'from', USAGE), 'from');
  const to = parseDate(requireOption(values.to, 'to', USAGE), 'to');
  const progress = createProgress();
  let events: DeploymentEvent[];
  if (values.deployments) {
    const file = values.deployments;
    events = await progress.step(`deployment events from ${file}`, async () =>
      readJsonArray<DeploymentEvent>(file, 'deployment events'),
    );
  } else {
    const stage = requireOption(values.stage, 'stage', `${USAGE} (--stage or --deployments)`);
    events = await progress.step(`deployment events of ${stage} from its table`, () =>
      queryDeployments(stage, values.service ?? 'orders', from, to),
    );
  }
  const incidentsFile = values.incidents;
  const incidentStage = values.stage;
  const incidents = incidentsFile
    ? await progress.step(`incident records from ${incidentsFile}`, async () =>
        readJsonArray<IncidentRecord>(incidentsFile, 'incident records'),
      )
    : incidentStage
      ? await progress.step(`incident records of ${incidentStage} from its incidents table`, () =>
          readIncidents(
            {
              ssm: new SSMClient({}),
              documents: DynamoDBDocumentClient.from(new DynamoDBClient({})),
            },
            getStageConfig(incidentStage),
            from,
            to,
          ),
        )
      : [];
  const report = computeDora(events, incidents, from, to, values.stage);
  console.log(values.json ? JSON.stringify(report, null, 2) : formatDora(report));
  if (values.publish) {
    const stage = requireOption(values.stage, 'stage', `${USAGE} (--publish needs --stage)`);
    await progress.step(`publish to CloudWatch ${DORA_NAMESPACE} (the DORA widget reads it)`, () =>
      new CloudWatchClient({}).send(
        new PutMetricDataCommand({
          Namespace: DORA_NAMESPACE,
          MetricData: doraMetricData(report, stage),
        }),
      ),
    );
  }
  if (!incidentsFile && !incidentStage)
    console.error('No --incidents file and no --stage: time to restore is n/a.');
  return 0;
};

if (process.argv[1] === fileURLToPath(import.meta.url)) await runCli('dora', main);
