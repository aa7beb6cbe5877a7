/**
 * CloudWatch alarms, played locally: the emulator stores alarms but never evaluates them, and
 * has no composite alarms. This module reads every `AWS::CloudWatch::Alarm` and
 * `AWS::CloudWatch::CompositeAlarm` of the synthesized templates, evaluates them on a schedule
 * with the SLO alarm engine (`slos/engine`) over the emulator's metrics (GetMetricStatistics;
 * percentiles and percentile ranks from the raw values `cloudwatch.ts` keeps, as the emulator
 * computes none), and on each state change whose actions run publishes the notification
 * CloudWatch would send, in CloudWatch's JSON, to the alarm's SNS actions in the emulator.
 *
 * `timeScale` (`LOCAL_ALARM_TIME_SCALE`) compresses time, locally only: every period, and the
 * composite alarms' suppressor wait and extension periods, are divided by it, so with 60 an
 * hour-long window lasts a minute. The notifications still carry the template's own periods.
 */
import {
  CloudWatchClient,
  GetMetricStatisticsCommand,
  type Statistic,
} from '@aws-sdk/client-cloudwatch';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  AlarmSet,
  type AlarmState,
  CompositeAlarm,
  type CompositeAlarmProperties,
  MetricAlarm,
  type MetricAlarmProperties,
  type MetricId,
  type MetricSource,
  type Transition,
} from '../slos/engine/alarms.ts';
import { alarmsOf } from '../slos/simulator/template-alarms.ts';
import type { LocalCloudWatch } from './cloudwatch.ts';
import { emulatorClientConfig } from './provision.ts';
import type { TemplateResolver } from './template.ts';

/** What an alarm does on each state, as the template says: SNS topic ARNs. */
export interface AlarmActions {
  readonly ALARM: readonly string[];
  readonly OK: readonly string[];
  readonly INSUFFICIENT_DATA: readonly string[];
}

export type TemplateAlarm =
  | {
      readonly kind: 'metric';
      readonly name: string;
      readonly arn: string;
      readonly properties: MetricAlarmProperties;
      readonly actions: AlarmActions;
      readonly actionsEnabled: boolean;
    }
  | {
      readonly kind: 'composite';
      readonly name: string;
      readonly arn: string;
      /** Rule and suppressor name alarms by name, as the engine reads them. */
      readonly properties: CompositeAlarmProperties;
      /** The rule as the template writes it (with ARNs): what notifications carry. */
      readonly alarmRule: string;
      readonly actions: AlarmActions;
      readonly actionsEnabled: boolean;
    };

/**
 * Namespaces no local component publishes: the local worker is a process, not an ECS task, and
 * no backup runs locally. An alarm on them would only ever see missing data, so it is left out
 * (and `skipped` says so) rather than evaluated on data that cannot exist.
 */
const NOT_PUBLISHED_LOCALLY = new Set(['AWS/ECS', 'ECS/ContainerInsights', 'AWS/Backup']);

/** Every metric namespace a metric alarm names (a single metric, or math inputs). */
const namespacesOf = (props: MetricAlarmProperties): string[] => {
  const found = new Set<string>();
  if (typeof props.Namespace === 'string') found.add(props.Namespace);
  for (const query of props.Metrics ?? []) {
    const namespace = query.MetricStat?.Metric?.Namespace;
    if (typeof namespace === 'string') found.add(namespace);
  }
  return [...found];
};

/** A canary's alarm: Lambda's metrics of one version (dimension `Resource` = `<name>:<version>`). */
const perVersion = (props: MetricAlarmProperties): boolean =>
  props.Namespace === 'AWS/Lambda' &&
  (props.Dimensions ?? []).some((dimension) => dimension.Name === 'Resource');

/**
 * The alarms of the templates as the simulator reads them (`slos/simulator/template-alarms.ts`:
 * intrinsics resolved to local names, composite rules and suppressors naming their alarms by
 * name), less those on metrics no local component publishes, whose names and reasons go to
 * `skipped`; a composite alarm over a left-out alarm is left out too.
 */
export const readTemplateAlarms = (
  resolver: TemplateResolver,
  skipped: (alarm: string, reason: string) => void = () => {},
): TemplateAlarm[] => {
  const { metricAlarms, compositeAlarms } = alarmsOf(resolver);
  const actionsOf = (alarm: {
    alarmActions: readonly string[];
    okActions: readonly string[];
    insufficientDataActions: readonly string[];
  }): AlarmActions => ({
    ALARM: alarm.alarmActions,
    OK: alarm.okActions,
    INSUFFICIENT_DATA: alarm.insufficientDataActions,
  });
  const left = new Set<string>();
  const metric = metricAlarms.flatMap((alarm): TemplateAlarm[] => {
    const unpublished = namespacesOf(alarm.properties).filter((namespace) =>
      NOT_PUBLISHED_LOCALLY.has(namespace),
    );
    if (unpublished.length > 0) {
      left.add(alarm.name);
      skipped(alarm.name, `no local component publishes ${unpublished.join(', ')} metrics`);
      return [];
    }
    if (perVersion(alarm.properties)) {
      left.add(alarm.name);
      skipped(
        alarm.name,
        'it watches one published Lambda version; locally each function runs from source',
      );
      return [];
    }
    return [
      {
        kind: 'metric',
        name: alarm.name,
        arn: alarm.arn,
        properties: alarm.properties,
        actions: actionsOf(alarm),
        actionsEnabled: alarm.actionsEnabled,
      },
    ];
  });
  const composite = compositeAlarms.flatMap((alarm): TemplateAlarm[] => {
    const missing = [...left].filter((name) => alarm.properties.AlarmRule.includes(`"${name}"`));
    if (missing.length > 0) {
      skipped(alarm.name, `its rule names alarms left out locally: ${missing.join(', ')}`);
      return [];
    }
    return [
      {
        kind: 'composite',
        name: alarm.name,
        arn: alarm.arn,
        properties: alarm.properties,
        alarmRule: alarm.alarmRuleAsWritten,
        actions: actionsOf(alarm),
        actionsEnabled: alarm.actionsEnabled,
      },
    ];
  });
  return [...metric, ...composite];
};

const scaled = (seconds: number | undefined, scale: number): number | undefined =>
  seconds === undefined ? undefined : Math.max(1, Math.round(seconds / scale));

/** An alarm's properties with every period divided by `scale` (local time compression). */
export const compressMetricAlarm = (
  properties: MetricAlarmProperties,
  scale: number,
): MetricAlarmProperties =>
  scale === 1
    ? properties
    : {
        ...properties,
        ...(properties.Period !== undefined && { Period: scaled(properties.Period, scale) }),
        ...(properties.Metrics && {
          Metrics: properties.Metrics.map((query) => ({
            ...query,
            ...(query.Period !== undefined && { Period: scaled(query.Period, scale) }),
            ...(query.MetricStat && {
              MetricStat: {
                ...query.MetricStat,
                Period: scaled(query.MetricStat.Period, scale) ?? query.MetricStat.Period,
              },
            }),
          })),
        }),
      };

const compressComposite = (
  properties: CompositeAlarmProperties,
  scale: number,
): CompositeAlarmProperties => ({
  ...properties,
  ...(properties.ActionsSuppressorWaitPeriod !== undefined && {
    ActionsSuppressorWaitPeriod: properties.ActionsSuppressorWaitPeriod / scale,
  }),
  ...(properties.ActionsSuppressorExtensionPeriod !== undefined && {
    ActionsSuppressorExtensionPeriod: properties.ActionsSuppressorExtensionPeriod / scale,
  }),
});

const REGION_NAMES: Readonly<Record<string, string>> = {
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-2': 'US West (Oregon)',
  'eu-west-1': 'EU (Ireland)',
  'eu-central-1': 'EU (Frankfurt)',
};

/** CloudWatch's time format in notifications: `2026-11-27T13:06:12.345+0000`. */
export const notificationTime = (at: number): string =>
  new Date(at).toISOString().replace('Z', '+0000');

/** `27/11/26 13:05:00`, as datapoints appear in a state reason. */
const reasonTime = (at: number): string => {
  const iso = new Date(at).toISOString();
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(2, 4)} ${iso.slice(11, 19)}`;
};

const COMPARISONS: Record<MetricAlarmProperties['ComparisonOperator'], string> = {
  GreaterThanThreshold: 'greater than',
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

const dimensionsJson = (dimensions: readonly { Name: string; Value: string }[] | undefined) =>
  (dimensions ?? []).map((dimension) => ({ value: dimension.Value, name: dimension.Name }));

/** The `Trigger` of a metric alarm's notification: its metric or metric-math definition. */
const triggerOf = (properties: MetricAlarmProperties) => {
  const common = {
    Period:
      properties.Period ??
      properties.Metrics?.find((query) => query.MetricStat)?.MetricStat?.Period ??
      60,
    EvaluationPeriods: properties.EvaluationPeriods,
    DatapointsToAlarm: properties.DatapointsToAlarm ?? properties.EvaluationPeriods,
    ComparisonOperator: properties.ComparisonOperator,
    Threshold: properties.Threshold,
    TreatMissingData: properties.TreatMissingData ?? 'missing',
    EvaluateLowSampleCountPercentile: '',
  };
  if (properties.Metrics) {
    return {
      Metrics: properties.Metrics.map((query) => ({
        Id: query.Id,
        ...(query.Expression !== undefined && { Expression: query.Expression }),
        ...(query.Label !== undefined && { Label: query.Label }),
        ...(query.MetricStat && {
          MetricStat: {
            Metric: {
              Dimensions: dimensionsJson(query.MetricStat.Metric.Dimensions),
              MetricName: query.MetricStat.Metric.MetricName,
              Namespace: query.MetricStat.Metric.Namespace,
            },
            Period: query.MetricStat.Period,
            Stat: query.MetricStat.Stat,
          },
        }),
        ReturnData: query.ReturnData !== false,
      })),
      ...common,
    };
  }
  return {
    MetricName: properties.MetricName,
    Namespace: properties.Namespace,
    StatisticType: properties.ExtendedStatistic ? 'ExtendedStatistic' : 'Statistic',
    Statistic: properties.ExtendedStatistic ?? properties.Statistic?.toUpperCase(),
    Unit: null,
    Dimensions: dimensionsJson(properties.Dimensions),
    ...common,
  };
};

export interface NotificationInput {
  readonly alarm: TemplateAlarm;
  readonly transition: Pick<Transition, 'from' | 'to' | 'at'>;
  readonly accountId: string;
  readonly region: string;
  /** The metric alarm's latest data points, newest first (the state reason quotes them). */
  readonly datapoints?: readonly (number | undefined)[];
  /** A composite's children and their states (for `TriggeringChildren`). */
  readonly children?: readonly {
    readonly arn: string;
    readonly state: AlarmState;
    readonly at: number;
  }[];
}

/** The SNS subject and message CloudWatch publishes for an alarm's state change. */
export const alarmNotification = (
  input: NotificationInput,
): { subject: string; message: string } => {
  const { alarm, transition } = input;
  const regionName = REGION_NAMES[input.region] ?? input.region;
  let reason: string;
  let specific: Record<string, unknown>;
  if (alarm.kind === 'metric') {
    const properties = alarm.properties;
    const points = input.datapoints ?? [];
    const shown = points
      .map((point, index) =>
        point === undefined
          ? undefined
          : `${Number(point.toFixed(6))} (${reasonTime(transition.at - index * (properties.Period ?? 60) * 1000)})`,
      )
      .filter((point) => point !== undefined);
    const needed = properties.DatapointsToAlarm ?? properties.EvaluationPeriods;
    const comparison = COMPARISONS[properties.ComparisonOperator];
    reason =
      transition.to === 'INSUFFICIENT_DATA'
        ? `Insufficient Data: ${properties.EvaluationPeriods} datapoint${properties.EvaluationPeriods === 1 ? ' was' : 's were'} unknown.`
        : `Threshold Crossed: ${shown.length} out of the last ${properties.EvaluationPeriods} datapoints [${shown.join(', ')}] ${transition.to === 'ALARM' ? 'was' : 'was not'} ${comparison} the threshold (${properties.Threshold}) (minimum ${needed} datapoint${needed === 1 ? '' : 's'} for ${transition.from} -> ${transition.to} transition).`;
    specific = { Trigger: triggerOf(properties) };
  } else {
    const changed =
      input.children?.find((child) => child.state === transition.to) ?? input.children?.[0];
    reason = changed
      ? `${changed.arn} transitioned to ${changed.state} at ${new Date(changed.at).toUTCString()}`
      : `The alarm rule evaluated to ${transition.to}`;
    specific = {
      AlarmRule: alarm.alarmRule,
      TriggeringChildren: (input.children ?? [])
        .filter((child) => child.state === transition.to || transition.to === 'OK')
        .map((child) => ({
          Arn: child.arn,
          State: { Value: child.state, Timestamp: notificationTime(child.at) },
        })),
    };
  }
  const message = {
    AlarmName: alarm.name,
    AlarmDescription: alarm.properties.AlarmDescription ?? null,
    AWSAccountId: input.accountId,
    AlarmConfigurationUpdatedTimestamp: notificationTime(transition.at),
    NewStateValue: transition.to,
    NewStateReason: reason,
    StateChangeTime: notificationTime(transition.at),
    Region: regionName,
    AlarmArn: alarm.arn,
    OldStateValue: transition.from,
    OKActions: [...alarm.actions.OK],
    AlarmActions: [...alarm.actions.ALARM],
    InsufficientDataActions: [...alarm.actions.INSUFFICIENT_DATA],
    ...specific,
  };
  return {
    subject: `${transition.to}: "${alarm.name}" in ${regionName}`.slice(0, 100),
    message: JSON.stringify(message),
  };
};

/** A statistic over raw values, as CloudWatch computes it (percentile, percentile rank, ...). */
export const statisticOf = (values: readonly number[], stat: string): number | undefined => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  switch (stat) {
    case 'Sum':
      return sum;
    case 'SampleCount':
      return sorted.length;
    case 'Average':
      return sum / sorted.length;
    case 'Minimum':
      return sorted[0];
    case 'Maximum':
      return sorted.at(-1);
  }
  const percentile = /^p(\d+(?:\.\d+)?)$/.exec(stat);
  if (percentile) {
    const rank = Math.ceil((Number(percentile[1]) / 100) * sorted.length);
    return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
  }
  const rank = /^PR\((\d+(?:\.\d+)?)?:(\d+(?:\.\d+)?)?\)$/.exec(stat);
  if (rank) {
    const low = rank[1] === undefined ? Number.NEGATIVE_INFINITY : Number(rank[1]);
    const high = rank[2] === undefined ? Number.POSITIVE_INFINITY : Number(rank[2]);
    return (100 * sorted.filter((value) => value > low && value <= high).length) / sorted.length;
  }
  throw new Error(`Statistic ${stat} is not evaluated locally`);
};

const EMULATOR_STATISTICS = new Set(['Sum', 'SampleCount', 'Average', 'Minimum', 'Maximum']);

interface Query {
  readonly metric: MetricId;
  readonly stat: string;
  readonly from: number;
  readonly to: number;
}

const queryKey = (query: Query): string =>
  JSON.stringify([
    query.metric.namespace,
    query.metric.name,
    Object.entries(query.metric.dimensions).sort(),
    query.stat,
    query.from,
    query.to,
  ]);

export interface LocalAlarmsOptions {
  readonly resolver: TemplateResolver;
  readonly endpoint: string;
  readonly region: string;
  /** Raw values for percentile statistics. */
  readonly cloudwatch: Pick<LocalCloudWatch, 'values' | 'flush'>;
  /** Local time compression (see the module comment). @default LOCAL_ALARM_TIME_SCALE or 1 */
  readonly timeScale?: number;
  /** How often every alarm is evaluated. @default a (compressed) minute */
  readonly intervalMs?: number;
  readonly log?: (line: string) => void;
}

export interface PublishedNotification {
  readonly alarm: string;
  readonly state: AlarmState;
  readonly topicArn: string;
  readonly at: number;
}

export interface LocalAlarms {
  readonly timeScale: number;
  readonly intervalMs: number;
  readonly alarms: readonly TemplateAlarm[];
  /** Current state of an alarm. */
  state(name: string): AlarmState;
  /** Evaluates every alarm now and publishes what changed (the schedule calls it). */
  evaluate(now?: number): Promise<Transition[]>;
  readonly published: readonly PublishedNotification[];
  stop(): Promise<void>;
}

/** Starts evaluating the templates' alarms on a schedule; see the module comment. */
export const startLocalAlarms = (options: LocalAlarmsOptions): LocalAlarms => {
  const timeScale = options.timeScale ?? Number(process.env.LOCAL_ALARM_TIME_SCALE ?? 1);
  if (!Number.isFinite(timeScale) || timeScale < 1)
    throw new Error(
      `LOCAL_ALARM_TIME_SCALE must be a number of at least 1, got '${process.env.LOCAL_ALARM_TIME_SCALE}'`,
    );
  const intervalMs = options.intervalMs ?? Math.max(250, Math.round(60_000 / timeScale));
  const log = options.log ?? ((line: string) => console.error(line));
  const alarms = readTemplateAlarms(options.resolver, (alarm, reason) =>
    log(`local alarms: ${alarm} is not evaluated locally: ${reason}`),
  );
  const byName = new Map(alarms.map((alarm) => [alarm.name, alarm]));
  const metricAlarms = alarms.flatMap((alarm) =>
    alarm.kind === 'metric'
      ? [new MetricAlarm(compressMetricAlarm(alarm.properties, timeScale))]
      : [],
  );
  const composites = alarms.flatMap((alarm) =>
    alarm.kind === 'composite'
      ? [new CompositeAlarm(compressComposite(alarm.properties, timeScale))]
      : [],
  );
  const set = new AlarmSet(metricAlarms, composites);
  const changedAt = new Map<string, number>();
  const config = emulatorClientConfig(options.endpoint, options.region);
  const cloudwatch = new CloudWatchClient(config);
  const sns = new SNSClient(config);
  const published: PublishedNotification[] = [];
  /** Transitions whose actions wait (a suppressor's wait period) or are not yet published. */
  let unpublished: { transition: Transition; datapoints?: (number | undefined)[] }[] = [];

  const fetch = async (query: Query): Promise<number | undefined> => {
    if (!EMULATOR_STATISTICS.has(query.stat))
      return statisticOf(options.cloudwatch.values(query.metric, query.from, query.to), query.stat);
    const period = Math.max(1, Math.round((query.to - query.from) / 1000));
    const { Datapoints } = await cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: query.metric.namespace,
        MetricName: query.metric.name,
        Dimensions: Object.entries(query.metric.dimensions).map(([Name, Value]) => ({
          Name,
          Value,
        })),
        StartTime: new Date(query.from),
        EndTime: new Date(query.to),
        Period: period,
        Statistics: ['Sum', 'SampleCount', 'Minimum', 'Maximum'] as Statistic[],
      }),
    );
    const points = Datapoints ?? [];
    if (points.length === 0) return undefined;
    const sum = points.reduce((total, point) => total + (point.Sum ?? 0), 0);
    const count = points.reduce((total, point) => total + (point.SampleCount ?? 0), 0);
    switch (query.stat) {
      case 'Sum':
        return sum;
      case 'SampleCount':
        return count;
      case 'Average':
        return count === 0 ? undefined : sum / count;
      case 'Minimum':
        return Math.min(...points.map((point) => point.Minimum ?? Number.POSITIVE_INFINITY));
      default:
        return Math.max(...points.map((point) => point.Maximum ?? Number.NEGATIVE_INFINITY));
    }
  };

  const publish = async (transition: Transition, datapoints?: (number | undefined)[]) => {
    const alarm = byName.get(transition.alarm);
    if (alarm === undefined || !alarm.actionsEnabled) return;
    const topics = alarm.actions[transition.to];
    if (topics.length === 0) return;
    const children =
      alarm.kind === 'composite'
        ? composites
            .find((composite) => composite.name === alarm.name)
            ?.children.map((child) => ({
              arn: byName.get(child)?.arn ?? child,
              state: set.state(child),
              at: changedAt.get(child) ?? transition.at,
            }))
        : undefined;
    const { subject, message } = alarmNotification({
      alarm,
      transition: { ...transition, at: transition.actionsAt ?? transition.at },
      accountId: options.resolver.accountId,
      region: options.region,
      ...(datapoints && { datapoints }),
      ...(children && { children }),
    });
    for (const topicArn of topics) {
      await sns.send(
        new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: message }),
      );
      published.push({ alarm: alarm.name, state: transition.to, topicArn, at: Date.now() });
      log(
        `local alarms: ${alarm.name} ${transition.from} -> ${transition.to}, notified ${topicArn}`,
      );
    }
  };

  let evaluating: Promise<Transition[]> = Promise.resolve([]);
  const evaluate = (now = Date.now()): Promise<Transition[]> => {
    evaluating = evaluating.then(async () => {
      const wanted = new Map<string, Query>();
      const recorder: MetricSource = {
        statistic: (metric, stat, from, to) => {
          const query = { metric, stat, from, to };
          wanted.set(queryKey(query), query);
          return undefined;
        },
      };
      for (const alarm of metricAlarms) alarm.datapoints(recorder, now);
      const values = new Map<string, number | undefined>();
      await Promise.all(
        [...wanted].map(async ([key, query]) => values.set(key, await fetch(query))),
      );
      const source: MetricSource = {
        statistic: (metric, stat, from, to) => values.get(queryKey({ metric, stat, from, to })),
      };
      const transitions = set.step(source, now);
      for (const transition of transitions) {
        changedAt.set(transition.alarm, transition.at);
        const metric = metricAlarms.find((alarm) => alarm.name === transition.alarm);
        unpublished.push({
          transition,
          ...(metric && { datapoints: metric.datapoints(source, now) }),
        });
      }
      const due = unpublished.filter(({ transition }) => transition.actionsAt !== undefined);
      // A suppressed transition never notifies; a held one waits at most its wait period.
      const horizon = now - (60 * 60 * 1000) / timeScale;
      unpublished = unpublished.filter(
        ({ transition }) => transition.actionsAt === undefined && transition.at > horizon,
      );
      for (const { transition, datapoints } of due) await publish(transition, datapoints);
      return transitions;
    });
    const result = evaluating;
    evaluating = evaluating.catch(() => []);
    return result;
  };

  const timer = setInterval(() => {
    void evaluate().catch((error: unknown) =>
      log(`local alarms: evaluation failed: ${String(error)}`),
    );
  }, intervalMs);
  timer.unref();

  return {
    timeScale,
    intervalMs,
    alarms,
    state: (name) => set.state(name),
    evaluate,
    published,
    stop: async () => {
      clearInterval(timer);
      await evaluating.catch(() => undefined);
      cloudwatch.destroy();
      sns.destroy();
    },
  };
};
