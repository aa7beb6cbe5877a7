/**
 * Replays a scenario through a stage's alarms, minute by minute, with the alarm engine: when each
 * alarm fires, whether it notified (or its actions suppressor held it), how much of the SLO's
 * 30-day budget was gone by then, and when it reset after recovery.
 */
import type { StageName } from '#config/stages';
import { MetricAlarm, parseAlarmRule, type Transition } from '../engine/alarms.ts';
import type { SloId } from '../spec.ts';
import { buildScenario, type Scenario, type ScenarioId, scenarioBudget } from './scenarios.ts';
import { alarmSetOf, type TemplateAlarms } from './template-alarms.ts';
import { MINUTE_MS, World, type WorldMinute } from './world.ts';

/** Minutes evaluated before an incident. */
const EVALUATED_HISTORY = 1440 + 60;

export type Severity = 'page' | 'ticket' | 'info' | 'none';

export interface AlarmOutcome {
  readonly alarm: string;
  readonly kind: 'metric' | 'composite';
  /** From the topic its ALARM action publishes to. */
  readonly severity: Severity;
  /** Minute of the first ALARM, relative to the incident's start (or the run's). */
  readonly firedAt: number | undefined;
  /** Minute its ALARM notification went out; undefined when suppressed or never. */
  readonly notifiedAt: number | undefined;
  /** How many times it went into ALARM. */
  readonly alarms: number;
  /** Share of the 30-day budget spent by the incident when it fired. */
  readonly budgetSpentAtFire: number | undefined;
  /** Minutes after recovery (the incident's end) it left ALARM for good. */
  readonly resetAfter: number | undefined;
  /** The longest a reset may take after recovery, from its definition (see {@link resetBounds}). */
  readonly resetBound: number;
}

export interface BurnSeries {
  readonly alarm: string;
  readonly threshold: number;
  /** `[minute relative to the incident's start, value]`, downsampled. */
  readonly points: readonly (readonly [number, number])[];
}

export interface SimulationResult {
  readonly scenario: Omit<Scenario, 'minutes'>;
  readonly stage: StageName;
  readonly outcomes: readonly AlarmOutcome[];
  readonly burn: readonly BurnSeries[];
  readonly minutesSimulated: number;
  readonly elapsedMs: number;
}

/** An SLO's bad and valid events in one minute of the world. */
export const sloEvents = (slo: SloId, minute: WorldMinute): { bad: number; valid: number } => {
  const { routes, worker } = minute;
  switch (slo) {
    case 'create-availability':
      return { bad: routes.createOrder.errors, valid: routes.createOrder.requests };
    case 'read-availability':
      return {
        bad: routes.getOrder.errors + routes.listOrders.errors,
        valid: routes.getOrder.requests + routes.listOrders.requests,
      };
    case 'create-latency':
      return { bad: routes.createOrder.slow, valid: routes.createOrder.requests };
    case 'fulfilment-success':
      return { bad: worker.failed, valid: worker.processed };
    case 'fulfilment-freshness':
      return { bad: worker.late, valid: worker.processed - worker.failed };
  }
};

const severityOf = (actions: readonly string[]): Severity => {
  const names = actions.join(' ');
  if (/PageTopic/.test(names)) return 'page';
  if (/TicketTopic/.test(names)) return 'ticket';
  if (/InfoTopic/.test(names)) return 'info';
  return 'none';
};

type Rule = ReturnType<typeof parseAlarmRule>;

/**
 * The longest each alarm may stay in ALARM once its data is clean, in minutes. A metric alarm:
 * its period times its evaluation periods (the window the bad data must leave). A composite:
 * `AND` resets with the first of its operands, `OR` with the last, `NOT` is unbounded.
 */
export const resetBounds = (alarms: TemplateAlarms): Map<string, number> => {
  const bounds = new Map<string, number>();
  for (const { name, properties } of alarms.metricAlarms) {
    const period =
      properties.Period ??
      properties.Metrics?.find((query) => query.MetricStat)?.MetricStat?.Period ??
      60;
    bounds.set(name, (period / 60) * properties.EvaluationPeriods);
  }
  const byName = new Map(alarms.compositeAlarms.map((alarm) => [alarm.name, alarm]));
  const boundOf = (name: string): number => {
    const known = bounds.get(name);
    if (known !== undefined) return known;
    const composite = byName.get(name);
    if (composite === undefined) return Number.POSITIVE_INFINITY;
    const visit = (node: Rule): number => {
      switch (node.kind) {
        case 'state':
          return boundOf(node.alarm);
        case 'const':
          return 0;
        case 'not':
          return Number.POSITIVE_INFINITY;
        case 'and':
          return Math.min(visit(node.left), visit(node.right));
        case 'or':
          return Math.max(visit(node.left), visit(node.right));
      }
    };
    const bound = visit(parseAlarmRule(composite.properties.AlarmRule));
    bounds.set(name, bound);
    return bound;
  };
  for (const { name } of alarms.compositeAlarms) boundOf(name);
  return bounds;
};

/** Runs one scenario of `stage` through `alarms` (read from the stage's synthesized template). */
export const simulate = (
  alarms: TemplateAlarms,
  scenarioId: ScenarioId,
  stage: StageName,
): SimulationResult => {
  const started = performance.now();
  const scenario = buildScenario(scenarioId, stage);
  const world = new World(scenario.minutes);
  const set = alarmSetOf(alarms);
  const bounds = resetBounds(alarms);
  const origin = scenario.incident?.start ?? 0;
  const recovery = scenario.incident?.end ?? 0;
  const total = scenario.minutes.length;

  // Budget spent by the incident, cumulative by minute.
  const budget = scenarioBudget(scenario, stage);
  const first = scenario.minutes[0];
  const monthlyValid = first === undefined ? 0 : sloEvents(scenario.slo, first).valid * 43_200;
  const spent = new Float64Array(total + 1);
  for (let minute = 0; minute < total; minute++) {
    const inIncident = minute >= origin && minute < recovery;
    const bad = inIncident
      ? sloEvents(scenario.slo, scenario.minutes[minute] as WorldMinute).bad
      : 0;
    spent[minute + 1] = (spent[minute] ?? 0) + (budget > 0 ? bad / (budget * monthlyValid) : 0);
  }

  // The burn rate of the scenario's SLO in each window, for the chart.
  const charted = alarms.metricAlarms
    .filter(({ name }) => name.includes(`-slo-${scenario.slo}-`))
    .map(({ name, properties }) => ({
      name,
      alarm: new MetricAlarm(properties),
      points: [] as [number, number][],
    }));
  const from = Math.max(1, origin - 6 * 60);
  const to = Math.min(total, Math.max(recovery + 12 * 60, origin + 12 * 60));
  const stride = Math.max(1, Math.ceil((to - from) / 1500));

  const fired = new Map<
    string,
    { at: number; notifiedAt: number | undefined; count: number; resetAt: number | undefined }
  >();
  const alarmTransitions = new Map<string, Transition[]>();
  // Alarms hold no state older than a day (the longest M-of-N window is the missed-backup
  // alarm's 24 hours), so a scenario with an incident starts evaluating a day before it: its
  // history is the steady scenario's, which that scenario evaluates minute by minute.
  const firstMinute = scenario.incident ? Math.max(1, origin - EVALUATED_HISTORY) : 1;
  for (let minute = firstMinute; minute <= total; minute++) {
    const now = minute * MINUTE_MS;
    for (const transition of set.step(world, now)) {
      const entry = fired.get(transition.alarm);
      if (transition.to === 'ALARM') {
        alarmTransitions.set(transition.alarm, [
          ...(alarmTransitions.get(transition.alarm) ?? []),
          transition,
        ]);
        if (entry === undefined) {
          fired.set(transition.alarm, {
            at: minute,
            notifiedAt: undefined,
            count: 1,
            resetAt: undefined,
          });
        } else {
          entry.count += 1;
          entry.resetAt = undefined;
        }
      } else if (transition.from === 'ALARM' && entry !== undefined) {
        entry.resetAt = minute;
      }
    }
    if (minute >= from && minute <= to && (minute - from) % stride === 0) {
      for (const series of charted) {
        const value = series.alarm.datapoints(world, now)[0];
        if (value !== undefined) series.points.push([minute - origin, value]);
      }
    }
  }
  // The engine fills in `actionsAt` of an ALARM transition when its actions ran, which an
  // actions suppressor's wait period may delay past the step that returned it.
  const notified = new Map<string, number>();
  for (const [alarm, transitions] of alarmTransitions) {
    const ran = transitions.find((transition) => transition.actionsAt !== undefined)?.actionsAt;
    if (ran !== undefined) notified.set(alarm, ran / MINUTE_MS - origin);
  }
  const severities = new Map<string, Severity>();
  for (const alarm of [...alarms.metricAlarms, ...alarms.compositeAlarms]) {
    severities.set(alarm.name, severityOf(alarm.alarmActions));
  }

  const outcomes: AlarmOutcome[] = [];
  for (const alarm of [...alarms.compositeAlarms, ...alarms.metricAlarms]) {
    const entry = fired.get(alarm.name);
    const kind = 'AlarmRule' in alarm.properties ? 'composite' : 'metric';
    outcomes.push({
      alarm: alarm.name,
      kind,
      severity: severities.get(alarm.name) ?? 'none',
      firedAt: entry ? entry.at - origin : undefined,
      notifiedAt: notified.get(alarm.name),
      alarms: entry?.count ?? 0,
      budgetSpentAtFire: entry ? (spent[Math.min(entry.at, total)] ?? 0) : undefined,
      resetAfter: entry?.resetAt === undefined ? undefined : entry.resetAt - recovery,
      resetBound: bounds.get(alarm.name) ?? Number.POSITIVE_INFINITY,
    });
  }
  const { minutes: _minutes, ...described } = scenario;
  return {
    scenario: described,
    stage,
    outcomes,
    burn: charted.map(({ name, alarm, points }) => ({
      alarm: name,
      threshold: alarm.properties.Threshold,
      points,
    })),
    minutesSimulated: total,
    elapsedMs: performance.now() - started,
  };
};
