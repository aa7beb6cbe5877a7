/**
 * CloudWatch alarm evaluation, reproduced: metric alarms (a single metric, or metric math over
 * several), evaluated every minute over a sliding window of `EvaluationPeriods` periods, with
 * "M of N" (`DatapointsToAlarm`) and each `TreatMissingData` mode; and composite alarms, whose
 * rule is evaluated over the states of the alarms it names, with an actions suppressor.
 *
 * The definitions are CloudFormation properties (`AWS::CloudWatch::Alarm`,
 * `AWS::CloudWatch::CompositeAlarm`) with intrinsics already resolved, so the simulator and the
 * local runtime evaluate exactly what `cdk deploy` would create.
 *
 * Simplification, documented in docs/slos.md: with `missing` (the default), CloudWatch may look
 * further back than N periods for data; here only the N periods count, and an alarm with no data
 * in any of them goes to INSUFFICIENT_DATA.
 */
import {
  evaluateMetricMath,
  type MetricMathTree,
  parseMetricMath,
  type Value,
} from './metric-math.ts';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface MetricId {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** Where metric values come from: a statistic of one metric over `[from, to)` (epoch ms). */
export interface MetricSource {
  statistic(metric: MetricId, stat: string, from: number, to: number): Value;
}

interface CfnDimension {
  readonly Name: string;
  readonly Value: string;
}

interface CfnMetricStat {
  readonly Metric: {
    readonly Namespace: string;
    readonly MetricName: string;
    readonly Dimensions?: readonly CfnDimension[];
  };
  readonly Period: number;
  readonly Stat: string;
}

/** `AWS::CloudWatch::Alarm` properties, intrinsics resolved. */
export interface MetricAlarmProperties {
  readonly AlarmName?: string;
  readonly AlarmDescription?: string;
  readonly ComparisonOperator:
    | 'GreaterThanThreshold'
    | 'GreaterThanOrEqualToThreshold'
    | 'LessThanThreshold'
    | 'LessThanOrEqualToThreshold';
  readonly Threshold: number;
  readonly EvaluationPeriods: number;
  readonly DatapointsToAlarm?: number;
  readonly TreatMissingData?: 'missing' | 'notBreaching' | 'breaching' | 'ignore';
  readonly Namespace?: string;
  readonly MetricName?: string;
  readonly Dimensions?: readonly CfnDimension[];
  readonly Statistic?: string;
  readonly ExtendedStatistic?: string;
  readonly Period?: number;
  readonly Metrics?: readonly {
    readonly Id: string;
    readonly Expression?: string;
    readonly MetricStat?: CfnMetricStat;
    readonly Period?: number;
    readonly ReturnData?: boolean;
    readonly Label?: string;
  }[];
}

/** `AWS::CloudWatch::CompositeAlarm` properties, intrinsics resolved. */
export interface CompositeAlarmProperties {
  readonly AlarmName: string;
  readonly AlarmRule: string;
  readonly AlarmDescription?: string;
  readonly ActionsSuppressor?: string;
  /** Seconds the suppressor may take to go into ALARM after this alarm does. */
  readonly ActionsSuppressorWaitPeriod?: number;
  /** Seconds actions stay suppressed after the suppressor leaves ALARM. */
  readonly ActionsSuppressorExtensionPeriod?: number;
}

const dimensionsOf = (dimensions: readonly CfnDimension[] | undefined) =>
  Object.fromEntries((dimensions ?? []).map(({ Name, Value }) => [Name, Value]));

/** A metric alarm ready to evaluate: one function from time to its latest data points. */
export class MetricAlarm {
  readonly name: string;
  readonly periodMs: number;
  private readonly datapointAt: (source: MetricSource, end: number) => Value;

  constructor(readonly properties: MetricAlarmProperties) {
    this.name = properties.AlarmName ?? 'unnamed alarm';
    if (properties.Metrics !== undefined) {
      const queries = properties.Metrics;
      const returned = queries.filter((query) => query.ReturnData !== false);
      if (returned.length !== 1 || returned[0] === undefined) {
        throw new Error(`${this.name}: exactly one metric query must return data`);
      }
      const trees = new Map<string, MetricMathTree>();
      for (const query of queries) {
        if (query.Expression !== undefined) trees.set(query.Id, parseMetricMath(query.Expression));
      }
      const period = queries.find((query) => query.MetricStat)?.MetricStat?.Period;
      this.periodMs = (returned[0].Period ?? period ?? 60) * 1000;
      const byId = new Map(queries.map((query) => [query.Id, query]));
      const target = returned[0].Id;
      // One lookup function and cache, reused by every evaluation: the simulator evaluates
      // each alarm every minute of several simulated days.
      const cache = new Map<string, Value>();
      let current: { source: MetricSource; end: number } = {
        source: { statistic: () => undefined },
        end: 0,
      };
      const valueOfId = (id: string): Value => {
        if (cache.has(id)) return cache.get(id);
        const query = byId.get(id);
        if (query === undefined)
          throw new Error(`${this.name}: metric math names unknown id '${id}'`);
        let value: Value;
        if (query.MetricStat !== undefined) {
          const stat = query.MetricStat;
          value = current.source.statistic(
            metricIds.get(id) as MetricId,
            stat.Stat,
            current.end - stat.Period * 1000,
            current.end,
          );
        } else {
          const tree = trees.get(id);
          if (tree === undefined) throw new Error(`${this.name}: query '${id}' has no metric`);
          value = evaluateMetricMath(tree, valueOfId);
        }
        cache.set(id, value);
        return value;
      };
      const metricIds = new Map<string, MetricId>();
      for (const query of queries) {
        if (query.MetricStat === undefined) continue;
        const { Metric: metric } = query.MetricStat;
        metricIds.set(query.Id, {
          namespace: metric.Namespace,
          name: metric.MetricName,
          dimensions: dimensionsOf(metric.Dimensions),
        });
      }
      this.datapointAt = (source, end) => {
        cache.clear();
        current = { source, end };
        return valueOfId(target);
      };
    } else {
      const stat = properties.ExtendedStatistic ?? properties.Statistic;
      if (!properties.Namespace || !properties.MetricName || !stat || !properties.Period) {
        throw new Error(
          `${this.name}: needs Metrics, or Namespace, MetricName, a statistic and Period`,
        );
      }
      const metric = {
        namespace: properties.Namespace,
        name: properties.MetricName,
        dimensions: dimensionsOf(properties.Dimensions),
      };
      this.periodMs = properties.Period * 1000;
      this.datapointAt = (source, end) => source.statistic(metric, stat, end - this.periodMs, end);
    }
  }

  /** The last `EvaluationPeriods` data points before `now`, newest first. */
  datapoints(source: MetricSource, now: number): Value[] {
    return Array.from({ length: this.properties.EvaluationPeriods }, (_, index) =>
      this.datapointAt(source, now - index * this.periodMs),
    );
  }

  breaches(value: number): boolean {
    const threshold = this.properties.Threshold;
    switch (this.properties.ComparisonOperator) {
      case 'GreaterThanThreshold':
        return value > threshold;
      case 'GreaterThanOrEqualToThreshold':
        return value >= threshold;
      case 'LessThanThreshold':
        return value < threshold;
      case 'LessThanOrEqualToThreshold':
        return value <= threshold;
    }
  }

  /** The state after an evaluation at `now`, given the state before it. */
  evaluate(source: MetricSource, now: number, previous: AlarmState): AlarmState {
    const points = this.datapoints(source, now);
    const needed = this.properties.DatapointsToAlarm ?? this.properties.EvaluationPeriods;
    const treat = this.properties.TreatMissingData ?? 'missing';
    const present = points.filter((point): point is number => point !== undefined);
    const missing = points.length - present.length;
    let breaching = present.filter((point) => this.breaches(point)).length;
    let counted = present.length;
    if (treat === 'breaching') {
      breaching += missing;
      counted += missing;
    } else if (treat === 'notBreaching') {
      counted += missing;
    }
    if (breaching >= needed) return 'ALARM';
    if (counted === 0) return treat === 'ignore' ? previous : 'INSUFFICIENT_DATA';
    if (treat === 'ignore' && counted < needed) return previous;
    return 'OK';
  }
}

type RuleNode =
  | { kind: 'state'; state: AlarmState; alarm: string }
  | { kind: 'const'; value: boolean }
  | { kind: 'not'; operand: RuleNode }
  | { kind: 'and' | 'or'; left: RuleNode; right: RuleNode };

/** Parses a composite alarm rule: `ALARM("a") AND (OK(b) OR NOT INSUFFICIENT_DATA("c"))`. */
export const parseAlarmRule = (rule: string): RuleNode => {
  const tokens =
    rule.match(
      /ALARM|OK|INSUFFICIENT_DATA|AND|OR|NOT|TRUE|FALSE|\(|\)|"(?:[^"\\]|\\.)*"|[^\s()"]+/g,
    ) ?? [];
  let position = 0;
  const take = () => {
    const token = tokens[position];
    if (token === undefined) throw new Error(`Alarm rule ends early: ${rule}`);
    position += 1;
    return token;
  };
  const primary = (): RuleNode => {
    const token = take();
    if (token === '(') {
      const inner = or();
      if (take() !== ')') throw new Error(`Missing ) in alarm rule: ${rule}`);
      return inner;
    }
    if (token === 'NOT') return { kind: 'not', operand: primary() };
    if (token === 'TRUE' || token === 'FALSE') return { kind: 'const', value: token === 'TRUE' };
    if (token === 'ALARM' || token === 'OK' || token === 'INSUFFICIENT_DATA') {
      if (take() !== '(') throw new Error(`Expected ( after ${token} in: ${rule}`);
      const raw = take();
      if (take() !== ')') throw new Error(`Expected ) after the alarm name in: ${rule}`);
      const alarm = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
      return { kind: 'state', state: token, alarm };
    }
    throw new Error(`Unexpected '${token}' in alarm rule: ${rule}`);
  };
  const and = (): RuleNode => {
    let left = primary();
    while (tokens[position] === 'AND') {
      position += 1;
      left = { kind: 'and', left, right: primary() };
    }
    return left;
  };
  const or = (): RuleNode => {
    let left = and();
    while (tokens[position] === 'OR') {
      position += 1;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  const tree = or();
  if (position !== tokens.length)
    throw new Error(`Unexpected '${tokens[position]}' in alarm rule: ${rule}`);
  return tree;
};

const evaluateRule = (node: RuleNode, stateOf: (alarm: string) => AlarmState): boolean => {
  switch (node.kind) {
    case 'state':
      return stateOf(node.alarm) === node.state;
    case 'const':
      return node.value;
    case 'not':
      return !evaluateRule(node.operand, stateOf);
    case 'and':
      return evaluateRule(node.left, stateOf) && evaluateRule(node.right, stateOf);
    case 'or':
      return evaluateRule(node.left, stateOf) || evaluateRule(node.right, stateOf);
  }
};

/** The alarm names a rule refers to. */
const ruleAlarms = (node: RuleNode): string[] => {
  switch (node.kind) {
    case 'state':
      return [node.alarm];
    case 'const':
      return [];
    case 'not':
      return ruleAlarms(node.operand);
    case 'and':
    case 'or':
      return [...ruleAlarms(node.left), ...ruleAlarms(node.right)];
  }
};

export class CompositeAlarm {
  readonly name: string;
  readonly children: readonly string[];
  private readonly rule: RuleNode;

  constructor(readonly properties: CompositeAlarmProperties) {
    this.name = properties.AlarmName;
    this.rule = parseAlarmRule(properties.AlarmRule);
    this.children = [...new Set(ruleAlarms(this.rule))];
  }

  evaluate(stateOf: (alarm: string) => AlarmState): AlarmState {
    return evaluateRule(this.rule, stateOf) ? 'ALARM' : 'OK';
  }
}

/**
 * A state change. `actionsAt` is when its actions (the SNS notification) ran: the same minute,
 * later when an actions suppressor's wait period delayed them, or undefined when they were
 * suppressed.
 */
export interface Transition {
  readonly alarm: string;
  readonly at: number;
  readonly from: AlarmState;
  readonly to: AlarmState;
  actionsAt: number | undefined;
}

/**
 * Every alarm of a stage, evaluated together minute by minute. Composite alarms are evaluated
 * after the alarms they name (in dependency order), in the same minute, as CloudWatch does.
 */
export class AlarmSet {
  private readonly states = new Map<string, AlarmState>();
  /** When each alarm last left ALARM, for suppressors' extension periods. */
  private readonly leftAlarmAt = new Map<string, number>();
  /** Composite ALARM transitions whose actions wait for their suppressor's wait period. */
  private pending: { transition: Transition; alarm: CompositeAlarm }[] = [];
  private readonly order: CompositeAlarm[];

  constructor(
    readonly metricAlarms: readonly MetricAlarm[],
    readonly compositeAlarms: readonly CompositeAlarm[],
  ) {
    for (const alarm of [...metricAlarms, ...compositeAlarms]) {
      if (this.states.has(alarm.name)) throw new Error(`Two alarms are named ${alarm.name}`);
      this.states.set(alarm.name, 'INSUFFICIENT_DATA');
    }
    const names = new Set(this.states.keys());
    for (const composite of compositeAlarms) {
      for (const child of [
        ...composite.children,
        composite.properties.ActionsSuppressor ?? [],
      ].flat()) {
        if (!names.has(child)) throw new Error(`${composite.name} names unknown alarm ${child}`);
      }
    }
    // Topological order: a composite after every composite it names.
    const byName = new Map(compositeAlarms.map((alarm) => [alarm.name, alarm]));
    const ordered: CompositeAlarm[] = [];
    const visiting = new Set<string>();
    const visit = (alarm: CompositeAlarm) => {
      if (ordered.includes(alarm)) return;
      if (visiting.has(alarm.name))
        throw new Error(`Composite alarms form a cycle at ${alarm.name}`);
      visiting.add(alarm.name);
      for (const child of [...alarm.children, alarm.properties.ActionsSuppressor ?? []].flat()) {
        const nested = byName.get(child);
        if (nested) visit(nested);
      }
      visiting.delete(alarm.name);
      ordered.push(alarm);
    };
    compositeAlarms.forEach(visit);
    this.order = ordered;
  }

  state(name: string): AlarmState {
    const state = this.states.get(name);
    if (state === undefined) throw new Error(`No alarm named ${name}`);
    return state;
  }

  /** Whether the suppressor holds `alarm`'s actions now (in ALARM, or within its extension). */
  private held(alarm: CompositeAlarm, now: number): boolean {
    const suppressor = alarm.properties.ActionsSuppressor;
    if (suppressor === undefined) return false;
    if (this.state(suppressor) === 'ALARM') return true;
    const extension = (alarm.properties.ActionsSuppressorExtensionPeriod ?? 0) * 1000;
    const left = this.leftAlarmAt.get(suppressor);
    return left !== undefined && now - left < extension;
  }

  /** Evaluates every alarm at `now` (a minute boundary); returns the state changes. */
  step(source: MetricSource, now: number): Transition[] {
    const transitions: Transition[] = [];
    const record = (name: string, next: AlarmState): Transition | undefined => {
      const previous = this.state(name);
      if (previous === next) return undefined;
      this.states.set(name, next);
      if (previous === 'ALARM') this.leftAlarmAt.set(name, now);
      const transition: Transition = {
        alarm: name,
        at: now,
        from: previous,
        to: next,
        actionsAt: now,
      };
      transitions.push(transition);
      return transition;
    };
    for (const alarm of this.metricAlarms) {
      record(alarm.name, alarm.evaluate(source, now, this.state(alarm.name)));
    }
    for (const alarm of this.order) {
      const transition = record(
        alarm.name,
        alarm.evaluate((name) => this.state(name)),
      );
      if (transition === undefined || alarm.properties.ActionsSuppressor === undefined) continue;
      if (this.held(alarm, now)) transition.actionsAt = undefined;
      else if (
        transition.to === 'ALARM' &&
        (alarm.properties.ActionsSuppressorWaitPeriod ?? 0) > 0
      ) {
        transition.actionsAt = undefined;
        this.pending.push({ transition, alarm });
      }
    }
    // Delayed actions: dropped if the suppressor alarmed or the alarm recovered, run when the wait ends.
    this.pending = this.pending.filter(({ transition, alarm }) => {
      if (this.held(alarm, now) || this.state(alarm.name) !== 'ALARM') return false;
      const wait = (alarm.properties.ActionsSuppressorWaitPeriod ?? 0) * 1000;
      if (now - transition.at < wait) return true;
      transition.actionsAt = now;
      return false;
    });
    return transitions;
  }
}
