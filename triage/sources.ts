import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import {
  type CloudWatchLogsClient,
  GetQueryResultsCommand,
  StartQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { GetTraceSummariesCommand, type XRayClient } from '@aws-sdk/client-xray';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { normaliseMessage } from '#commons/fingerprint';
import { alarmIdOf, sloOfAlarm } from './alarm.ts';
import type { DeploymentData, MetricData } from './bundle.ts';
import type { Found, Gatherer } from './gather.ts';

/**
 * The context sources as AWS calls. Each returns what it found, most telling first, and throws
 * only when the call fails (the bundle records that and goes on).
 */

/** The alarm and, for an SLO alarm, its SLO (no call: both are in the notification and in code). */
export const alarmSource =
  (prefix: string, stage: string): Gatherer =>
  async ({ alarm }) => {
    const found: Found[] = [
      {
        summary:
          `${alarm.composite ? 'Composite alarm' : 'Alarm'} ${alarm.alarmName} went ${alarm.state} at ${alarm.time}: ${alarm.reason}`.slice(
            0,
            400,
          ),
        data: {
          kind: 'alarm',
          alarmName: alarm.alarmName,
          state: alarm.state,
          reason: alarm.reason,
          composite: alarm.composite,
          ...(alarm.metrics[0] && {
            metric: { namespace: alarm.metrics[0].namespace, name: alarm.metrics[0].name },
          }),
          ...(alarm.threshold !== undefined && { threshold: alarm.threshold }),
        },
      },
    ];
    const slo = sloOfAlarm(alarmIdOf(alarm.alarmName, prefix), stage);
    if (slo) {
      found.push({
        summary: `SLO ${slo.displayName}: target ${(slo.target * 100).toFixed(2)}% (${slo.window ?? ''}). ${slo.userImpact}`,
        data: { kind: 'slo', sloId: slo.sloId, target: slo.target, userImpact: slo.userImpact },
      });
    }
    return found;
  };

/** A metric the metrics source reads around the window. */
export interface WatchedMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly stat: string;
}

/** GetMetricData over the baseline span and the window, one minute per point. */
export const metricsSource =
  (cloudwatch: Pick<CloudWatchClient, 'send'>, watched: readonly WatchedMetric[]): Gatherer =>
  async ({ alarm, window, signal }) => {
    const all: WatchedMetric[] = [
      ...alarm.metrics.map((m) => ({
        namespace: m.namespace,
        metricName: m.name,
        dimensions: m.dimensions,
        stat: m.stat,
      })),
      ...watched,
    ].slice(0, 100);
    const queries: MetricDataQuery[] = all.map((metric, index) => ({
      Id: `m${index}`,
      MetricStat: {
        Metric: {
          Namespace: metric.namespace,
          MetricName: metric.metricName,
          Dimensions: Object.entries(metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
        },
        Period: 60,
        Stat: metric.stat,
      },
      ReturnData: true,
    }));
    if (queries.length === 0) return [];
    const result = await cloudwatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: window.baselineStart,
        EndTime: window.end,
        ScanBy: 'TimestampAscending',
      }),
      { abortSignal: signal },
    );
    const found: Found[] = [];
    for (const series of result.MetricDataResults ?? []) {
      const metric = all[Number(series.Id?.slice(1))];
      if (!metric) continue;
      const points = (series.Timestamps ?? [])
        .map((t, i) => ({ t: new Date(t).toISOString(), v: series.Values?.[i] ?? 0 }))
        .sort((a, b) => a.t.localeCompare(b.t));
      if (points.length === 0 || points.every((p) => p.v === 0)) continue;
      const data: MetricData = { kind: 'metric', ...metric, points };
      const peak = Math.max(...points.map((p) => p.v));
      const where = Object.values(metric.dimensions).filter(Boolean).join('/');
      found.push({
        summary: `${metric.namespace} ${metric.metricName} (${where}) ${metric.stat} peaked at ${peak}`,
        data,
      });
    }
    return found;
  };

/** Logs Insights: errors by fingerprint over the window and the span before it. */
export const FINGERPRINT_QUERY = [
  'fields @timestamp, errorFingerprint, error.message, message',
  '| filter level = "ERROR"',
  '| stats count(*) as errors, latest(error.message) as example by errorFingerprint',
  '| sort errors desc',
  '| limit 20',
].join('\n');

/** The raw lines, newest first, for engines that cannot run `stats` (the emulator). */
export const RAW_ERRORS_QUERY = 'fields @timestamp, @message | sort @timestamp desc | limit 1000';

interface LogRow {
  readonly [field: string]: string | undefined;
}

const runQuery = async (
  logs: Pick<CloudWatchLogsClient, 'send'>,
  logGroups: readonly string[],
  query: string,
  from: Date,
  to: Date,
  signal: AbortSignal,
  pollMs: number,
): Promise<LogRow[]> => {
  const { queryId } = await logs.send(
    new StartQueryCommand({
      logGroupNames: [...logGroups],
      queryString: query,
      startTime: Math.floor(from.getTime() / 1000),
      endTime: Math.ceil(to.getTime() / 1000),
      limit: 1000,
    }),
    { abortSignal: signal },
  );
  for (;;) {
    const result = await logs.send(new GetQueryResultsCommand({ queryId }), {
      abortSignal: signal,
    });
    if (
      result.status === 'Complete' ||
      result.status === 'Failed' ||
      result.status === 'Cancelled'
    ) {
      if (result.status !== 'Complete') throw new Error(`Logs Insights query ${result.status}`);
      return (result.results ?? []).map((row) =>
        Object.fromEntries(row.map((cell) => [cell.field ?? '', cell.value])),
      );
    }
    // The source's timeout aborts `signal`, which ends this loop through the SDK call.
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
};

interface Aggregate {
  fingerprint: string;
  count: number;
  example: string;
}

/** Raw JSON log lines → errors grouped by fingerprint (or by normalised message without one). */
export const aggregateErrorLines = (rows: readonly LogRow[]): Aggregate[] => {
  const groups = new Map<string, Aggregate>();
  for (const row of rows) {
    const raw = row['@message'] ?? '';
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      if (!/\bERROR\b/.test(raw)) continue;
      line = { level: 'ERROR', message: raw };
    }
    if (String(line.level ?? '').toUpperCase() !== 'ERROR') continue;
    const error = (line.error ?? {}) as Record<string, unknown>;
    const message = String(error.message ?? line.message ?? '');
    const fingerprint = String(
      line.errorFingerprint ?? `msg:${normaliseMessage(message).slice(0, 60)}`,
    );
    const group = groups.get(fingerprint) ?? { fingerprint, count: 0, example: message };
    group.count += 1;
    groups.set(fingerprint, group);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
};

export const logsSource =
  (
    logs: Pick<CloudWatchLogsClient, 'send'>,
    logGroups: readonly string[],
    options: { pollMs?: number; top?: number } = {},
  ): Gatherer =>
  async ({ window, signal }) => {
    if (logGroups.length === 0) return [];
    const pollMs = options.pollMs ?? 500;
    const byFingerprint = async (from: Date, to: Date): Promise<Aggregate[]> => {
      const rows = await runQuery(logs, logGroups, FINGERPRINT_QUERY, from, to, signal, pollMs);
      // An engine without `stats` (the emulator) ignores it: read the raw lines and group them here.
      if (rows.length === 0 || rows.every((row) => row.errors === undefined)) {
        const raw = await runQuery(logs, logGroups, RAW_ERRORS_QUERY, from, to, signal, pollMs);
        return aggregateErrorLines(raw);
      }
      return rows.map((row) => ({
        fingerprint: row.errorFingerprint ?? 'none',
        count: Number(row.errors ?? 0),
        example: row.example ?? '',
      }));
    };
    const [now, then] = await Promise.all([
      byFingerprint(window.start, window.end),
      byFingerprint(window.baselineStart, window.start),
    ]);
    return now.slice(0, options.top ?? 10).map((group) => {
      const countBefore = then.find((other) => other.fingerprint === group.fingerprint)?.count ?? 0;
      return {
        summary: `${group.count} errors (${countBefore} before) with fingerprint ${group.fingerprint}: ${group.example}`,
        data: {
          kind: 'fingerprint',
          fingerprint: group.fingerprint,
          count: group.count,
          countBefore,
          example: group.example,
        },
      } satisfies Found;
    });
  };

/** The pipeline's deployments record: deployments of each service since the baseline span. */
export const deploymentsSource =
  (
    documents: Pick<DynamoDBDocumentClient, 'send'>,
    tableName: () => Promise<string | undefined>,
    services: readonly string[],
    stage: string,
  ): Gatherer =>
  async ({ window, signal }) => {
    const table = await tableName();
    if (table === undefined) return [];
    const since = new Date(window.baselineStart.getTime() - 2 * 3600_000).toISOString();
    const pages = await Promise.all(
      services.map((service) =>
        documents.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: {
              ':pk': `${service}#${stage}`,
              ':from': since,
              ':to': `${window.end.toISOString()}~`,
            },
            ScanIndexForward: false,
            Limit: 10,
          }),
          { abortSignal: signal },
        ),
      ),
    );
    return pages
      .flatMap((page) => page.Items ?? [])
      .map((item) => {
        const data: DeploymentData = {
          kind: 'deployment',
          service: String(item.service),
          version: String(item.version),
          commit: String(item.commit),
          deployedAt: String(item.deployedAt),
          status: item.status as DeploymentData['status'],
          changes: Array.isArray(item.changes) ? item.changes.map(String).slice(0, 10) : [],
        };
        return {
          summary: `${data.service} ${data.version} (${data.commit.slice(0, 7)}) deployed at ${data.deployedAt}: ${data.status}`,
          data,
        };
      });
  };

/** Configuration that changes behaviour at run time: the fault-injection parameter. */
export const configSource =
  (ssm: Pick<SSMClient, 'send'>, faultParameterName: string | undefined): Gatherer =>
  async ({ signal }) => {
    if (faultParameterName === undefined) return [];
    let parameter: { Value?: string; LastModifiedDate?: Date } | undefined;
    try {
      parameter = (
        await ssm.send(new GetParameterCommand({ Name: faultParameterName }), {
          abortSignal: signal,
        })
      ).Parameter;
    } catch (error) {
      if ((error as Error).name === 'ParameterNotFound') return [];
      throw error;
    }
    let settings: { enabled?: unknown; routes?: unknown } = {};
    try {
      settings = JSON.parse(parameter?.Value ?? '{}') as typeof settings;
    } catch {
      // A malformed parameter injects nothing (the handlers ignore it too).
    }
    const enabled = settings.enabled === true;
    const routes = Object.keys((settings.routes ?? {}) as object);
    const changedAt = parameter?.LastModifiedDate
      ? new Date(parameter.LastModifiedDate).toISOString()
      : undefined;
    return [
      {
        summary: enabled
          ? `Fault injection is ON for ${routes.join(', ') || 'no route'}${changedAt ? ` (changed ${changedAt})` : ''}`
          : 'Fault injection is off',
        data: {
          kind: 'config',
          name: 'fault-injection',
          detail: JSON.stringify(settings).slice(0, 300),
          active: enabled && routes.length > 0,
          ...(changedAt && { changedAt }),
        },
      },
    ];
  };

/** X-Ray fault traces in the window, grouped by the service their fault is rooted at. */
export const tracesSource =
  (xray: Pick<XRayClient, 'send'>): Gatherer =>
  async ({ window, signal }) => {
    const result = await xray.send(
      new GetTraceSummariesCommand({
        StartTime: window.start,
        EndTime: window.end,
        FilterExpression: 'fault = true',
        Sampling: true,
      }),
      { abortSignal: signal },
    );
    const roots = new Map<string, number>();
    for (const summary of result.TraceSummaries ?? []) {
      for (const cause of summary.FaultRootCauses ?? []) {
        const service = cause.Services?.find((s) => s.Inferred) ?? cause.Services?.at(-1);
        const name = service?.Name;
        if (name) roots.set(name, (roots.get(name) ?? 0) + 1);
      }
    }
    return [...roots]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([root, faults]) => ({
        summary: `${faults} fault traces rooted at ${root}`,
        data: { kind: 'trace', root, faults },
      }));
  };

/** Splits a Markdown runbook into its `##` sections. */
export const runbookSections = (markdown: string) =>
  markdown
    .split(/^##\s+/m)
    .slice(1)
    .map((chunk) => {
      const [heading = '', ...rest] = chunk.split('\n');
      return { heading: heading.trim(), text: rest.join('\n').trim() };
    })
    .filter((section) => section.heading !== '');

/** The alarm's runbook, `<alarm id>.md`, from a directory or a base URL; absent is not an error. */
export const runbookSource =
  (prefix: string, location: { dir: string } | { baseUrl: string }): Gatherer =>
  async ({ alarm, signal }) => {
    const alarmId = alarmIdOf(alarm.alarmName, prefix);
    let markdown: string | undefined;
    if ('dir' in location) {
      markdown = await readFile(join(location.dir, `${alarmId}.md`), 'utf8').catch(() => undefined);
    } else {
      const response = await fetch(`${location.baseUrl.replace(/\/+$/, '')}/${alarmId}.md`, {
        signal,
      });
      markdown = response.ok ? await response.text() : undefined;
    }
    if (markdown === undefined) return [];
    const sections = runbookSections(markdown).slice(0, 12);
    return [
      {
        summary: `Runbook ${alarmId}.md: ${sections.map((s) => s.heading).join('; ')}`,
        data: { kind: 'runbook', alarmId, sections },
      },
    ];
  };
