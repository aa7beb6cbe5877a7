import * as z from 'zod/mini';
import type { StageName } from '#config/stages';
import { SLOS } from '#slos/definitions';
import { BURN_RATE_POLICY } from '#slos/spec';

/**
 * CloudWatch alarm notifications as SNS delivers them (the `Message` of the SNS record), metric
 * alarms (one metric or metric math in `Trigger.Metrics`) and composite alarms (`AlarmRule`,
 * `TriggeringChildren`).
 */

const Dimension = z.looseObject({ name: z.string(), value: z.string() });
const MetricStat = z.looseObject({
  Metric: z.looseObject({
    Namespace: z.optional(z.string()),
    MetricName: z.string(),
    Dimensions: z.optional(z.array(Dimension)),
  }),
  Period: z.optional(z.number()),
  Stat: z.optional(z.string()),
});
const Trigger = z.looseObject({
  MetricName: z.optional(z.string()),
  Namespace: z.optional(z.string()),
  Statistic: z.optional(z.nullable(z.string())),
  ExtendedStatistic: z.optional(z.nullable(z.string())),
  Dimensions: z.optional(z.array(Dimension)),
  Period: z.optional(z.number()),
  EvaluationPeriods: z.optional(z.number()),
  Threshold: z.optional(z.number()),
  ComparisonOperator: z.optional(z.string()),
  Metrics: z.optional(
    z.array(
      z.looseObject({
        Id: z.string(),
        Expression: z.optional(z.string()),
        Label: z.optional(z.string()),
        MetricStat: z.optional(MetricStat),
      }),
    ),
  ),
});
const Notification = z.looseObject({
  AlarmName: z.string().check(z.minLength(1)),
  AlarmDescription: z.optional(z.nullable(z.string())),
  AlarmArn: z.optional(z.string()),
  AWSAccountId: z.optional(z.string()),
  NewStateValue: z.string(),
  NewStateReason: z.optional(z.string()),
  StateChangeTime: z.string(),
  Trigger: z.optional(Trigger),
  AlarmRule: z.optional(z.string()),
  TriggeringChildren: z.optional(
    z.array(z.looseObject({ Arn: z.string(), State: z.optional(z.looseObject({})) })),
  ),
});

export interface AlarmMetric {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly stat: string;
  readonly periodSeconds: number;
}

export interface ParsedAlarm {
  readonly alarmName: string;
  readonly description: string;
  readonly state: string;
  readonly reason: string;
  /** ISO time of the state change: when the incident opened. */
  readonly time: string;
  readonly composite: boolean;
  /** Children named by a composite alarm (its rule and the children that triggered it). */
  readonly children: readonly string[];
  /** The metrics a metric alarm watches (math inputs included). */
  readonly metrics: readonly AlarmMetric[];
  readonly threshold?: number;
  /** Period × evaluation periods, in seconds, when the notification says. */
  readonly evaluatedSeconds?: number;
}

export class AlarmParseError extends Error {
  override readonly name = 'AlarmParseError';
}

/** `2026-11-27T13:00:00.000+0000` (CloudWatch's form) → ISO 8601 in UTC. */
const isoTime = (value: string): string => {
  const normalised = value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const time = new Date(normalised);
  if (Number.isNaN(time.getTime()))
    throw new AlarmParseError(`StateChangeTime '${value}' is not a time`);
  return time.toISOString();
};

const dims = (list: readonly { name: string; value: string }[] | undefined) =>
  Object.fromEntries((list ?? []).map(({ name, value }) => [name, value]));

/** Parses one alarm notification (the SNS message text), or throws {@link AlarmParseError}. */
export const parseAlarmNotification = (message: string): ParsedAlarm => {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    throw new AlarmParseError('The SNS message is not JSON: not a CloudWatch alarm notification');
  }
  const parsed = Notification.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AlarmParseError(
      `Not a CloudWatch alarm notification: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
    );
  }
  const n = parsed.data;
  const composite = n.AlarmRule !== undefined;
  const children = composite
    ? [
        ...new Set([
          ...[...(n.AlarmRule ?? '').matchAll(/ALARM\(\s*"?([^")]+?)"?\s*\)/g)].map(
            (m) => m[1] ?? '',
          ),
          ...(n.TriggeringChildren ?? []).map(
            (child) => child.Arn.split(':alarm:').pop() ?? child.Arn,
          ),
        ]),
      ].filter(Boolean)
    : [];
  const trigger = n.Trigger;
  const metrics: AlarmMetric[] = [];
  if (trigger?.MetricName && trigger.Namespace) {
    metrics.push({
      namespace: trigger.Namespace,
      name: trigger.MetricName,
      dimensions: dims(trigger.Dimensions),
      stat:
        trigger.ExtendedStatistic ?? (trigger.Statistic ? pascalStat(trigger.Statistic) : 'Sum'),
      periodSeconds: trigger.Period ?? 60,
    });
  }
  for (const query of trigger?.Metrics ?? []) {
    const stat = query.MetricStat;
    if (!stat?.Metric.Namespace) continue;
    metrics.push({
      namespace: stat.Metric.Namespace,
      name: stat.Metric.MetricName,
      dimensions: dims(stat.Metric.Dimensions),
      stat: stat.Stat ?? 'Sum',
      periodSeconds: stat.Period ?? trigger?.Period ?? 60,
    });
  }
  const evaluatedSeconds =
    trigger?.Period !== undefined ? trigger.Period * (trigger.EvaluationPeriods ?? 1) : undefined;
  return {
    alarmName: n.AlarmName,
    description: n.AlarmDescription ?? '',
    state: n.NewStateValue,
    reason: n.NewStateReason ?? '',
    time: isoTime(n.StateChangeTime),
    composite,
    children,
    metrics,
    ...(trigger?.Threshold !== undefined && { threshold: trigger.Threshold }),
    ...(evaluatedSeconds !== undefined && { evaluatedSeconds }),
  };
};

/** `SUM` (the notification's spelling) → `Sum` (GetMetricData's). */
const pascalStat = (stat: string): string =>
  ({
    SUM: 'Sum',
    AVERAGE: 'Average',
    MAXIMUM: 'Maximum',
    MINIMUM: 'Minimum',
    SAMPLE_COUNT: 'SampleCount',
  })[stat.toUpperCase()] ?? stat;

/** The incident id of paging: `<alarmName>#<ISO time the incident opened>`. */
export const incidentIdOf = (alarm: Pick<ParsedAlarm, 'alarmName' | 'time'>): string =>
  `${alarm.alarmName}#${alarm.time}`;

/** Splits an incident id back into its alarm name and time, or undefined when it is not one. */
export const parseIncidentId = (id: string): { alarmName: string; time: string } | undefined => {
  const at = id.lastIndexOf('#');
  if (at <= 0) return undefined;
  const time = id.slice(at + 1);
  if (Number.isNaN(Date.parse(time)) || !/^\d{4}-\d{2}-\d{2}T/.test(time)) return undefined;
  return { alarmName: id.slice(0, at), time: new Date(time).toISOString() };
};

/**
 * The alarm id (the name without the `<app>-<stage>-` prefix and a `-long`/`-short` suffix):
 * the name of its runbook, `runbooks/<alarm id>.md`.
 */
export const alarmIdOf = (alarmName: string, prefix: string): string =>
  alarmName
    .replace(new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-`), '')
    .replace(/-(long|short)$/, '');

export interface SloMetadata {
  readonly sloId: string;
  readonly displayName: string;
  readonly target: number;
  readonly userImpact: string;
  readonly window?: string;
}

/** The SLO an alarm id belongs to (`slo-<slo id>-<window id>`), with the stage's target. */
export const sloOfAlarm = (alarmId: string, stage: StageName | string): SloMetadata | undefined => {
  for (const slo of SLOS) {
    for (const window of BURN_RATE_POLICY) {
      if (alarmId !== `slo-${slo.id}-${window.id}`) continue;
      const override = (slo.stageOverrides as Record<string, { target?: number }> | undefined)?.[
        stage
      ];
      return {
        sloId: slo.id,
        displayName: slo.displayName,
        target: override?.target ?? slo.objective.target,
        userImpact: slo.userImpact,
        window: window.id,
      };
    }
  }
  return undefined;
};
