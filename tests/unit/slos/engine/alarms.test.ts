import { describe, expect, it } from 'vitest';
import { AlarmSet, CompositeAlarm, MetricAlarm, parseAlarmRule } from '#slos/engine/alarms';
import { SeriesStore, uniform } from '#slos/engine/series';

const MINUTE = 60_000;
const errors = { namespace: 'App', name: 'Errors', dimensions: { route: 'create' } };
const requests = { namespace: 'App', name: 'Requests', dimensions: { route: 'create' } };

/** Requests and errors per minute for `minutes` minutes from 0. */
const traffic = (
  perMinute: (minute: number) => { requests: number; errors: number },
  minutes: number,
) => {
  const store = new SeriesStore();
  for (let minute = 0; minute < minutes; minute++) {
    const { requests: r, errors: e } = perMinute(minute);
    store.put(requests, minute * MINUTE, uniform(r, 1));
    store.put(errors, minute * MINUTE, uniform(e, 1));
  }
  return store;
};

const ratioAlarm = (name: string, periodSeconds: number, threshold: number, extra = {}) =>
  new MetricAlarm({
    AlarmName: name,
    ComparisonOperator: 'GreaterThanThreshold',
    Threshold: threshold,
    EvaluationPeriods: 1,
    TreatMissingData: 'notBreaching',
    Metrics: [
      {
        Id: 'e',
        ReturnData: false,
        MetricStat: {
          Metric: {
            Namespace: 'App',
            MetricName: 'Errors',
            Dimensions: [{ Name: 'route', Value: 'create' }],
          },
          Period: periodSeconds,
          Stat: 'Sum',
        },
      },
      {
        Id: 'r',
        ReturnData: false,
        MetricStat: {
          Metric: {
            Namespace: 'App',
            MetricName: 'Requests',
            Dimensions: [{ Name: 'route', Value: 'create' }],
          },
          Period: periodSeconds,
          Stat: 'Sum',
        },
      },
      { Id: 'ratio', Expression: 'FILL(e, 0) / r', ReturnData: true },
    ],
    ...extra,
  });

describe('metric alarms', () => {
  it('evaluate a sliding window ending at the evaluation time', () => {
    const store = traffic((minute) => ({ requests: 100, errors: minute >= 10 ? 50 : 0 }), 30);
    const alarm = ratioAlarm('five-minute', 300, 0.2);

    expect(alarm.evaluate(store, 10 * MINUTE, 'OK')).toBe('OK');
    expect(alarm.evaluate(store, 11 * MINUTE, 'OK')).toBe('OK'); // 50 of 500
    expect(alarm.evaluate(store, 12 * MINUTE, 'OK')).toBe('OK'); // 100 of 500: not above 0.2
    expect(alarm.evaluate(store, 13 * MINUTE, 'OK')).toBe('ALARM'); // 150 of 500
  });

  it('needs DatapointsToAlarm of EvaluationPeriods to breach', () => {
    const store = traffic((minute) => ({ requests: 10, errors: minute % 2 === 0 ? 5 : 0 }), 10);
    const twoOfThree = ratioAlarm('m-of-n', 60, 0.1, {
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
    });
    const threeOfThree = ratioAlarm('n-of-n', 60, 0.1, { EvaluationPeriods: 3 });

    expect(twoOfThree.evaluate(store, 9 * MINUTE, 'OK')).toBe('ALARM');
    expect(threeOfThree.evaluate(store, 9 * MINUTE, 'OK')).toBe('OK');
  });

  it('treats missing data as configured', () => {
    const empty = new SeriesStore();
    const simple = (TreatMissingData: 'missing' | 'breaching' | 'notBreaching' | 'ignore') =>
      new MetricAlarm({
        AlarmName: TreatMissingData,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        EvaluationPeriods: 2,
        TreatMissingData,
        Namespace: 'App',
        MetricName: 'Errors',
        Statistic: 'Sum',
        Period: 60,
      });
    expect(simple('missing').evaluate(empty, 5 * MINUTE, 'OK')).toBe('INSUFFICIENT_DATA');
    expect(simple('breaching').evaluate(empty, 5 * MINUTE, 'OK')).toBe('ALARM');
    expect(simple('notBreaching').evaluate(empty, 5 * MINUTE, 'ALARM')).toBe('OK');
    expect(simple('ignore').evaluate(empty, 5 * MINUTE, 'ALARM')).toBe('ALARM');
  });
});

describe('composite alarms', () => {
  it('parse and evaluate rules with AND, OR, NOT and quoted names', () => {
    const rule = parseAlarmRule('ALARM("long window") AND (ALARM(short) OR NOT OK("other"))');
    const composite = new CompositeAlarm({
      AlarmName: 'page',
      AlarmRule: 'ALARM("long window") AND ALARM(short)',
    });

    expect(rule).toBeDefined();
    expect(composite.children).toEqual(['long window', 'short']);
    expect(composite.evaluate((name) => (name === 'short' ? 'ALARM' : 'ALARM'))).toBe('ALARM');
    expect(composite.evaluate((name) => (name === 'short' ? 'OK' : 'ALARM'))).toBe('OK');
  });

  it('page when long and short windows both burn, and reset when the short window recovers', () => {
    // 20 minutes at 50% errors from minute 30, then clean.
    const store = traffic(
      (minute) => ({ requests: 100, errors: minute >= 30 && minute < 50 ? 50 : 0 }),
      120,
    );
    const set = new AlarmSet(
      [ratioAlarm('long', 3600, 0.0144), ratioAlarm('short', 300, 0.0144)],
      [new CompositeAlarm({ AlarmName: 'page', AlarmRule: 'ALARM(long) AND ALARM(short)' })],
    );
    const pages: { to: string; at: number }[] = [];
    for (let minute = 1; minute <= 120; minute++) {
      for (const transition of set.step(store, minute * MINUTE)) {
        if (transition.alarm === 'page' && transition.from !== 'INSUFFICIENT_DATA')
          pages.push({ to: transition.to, at: minute });
      }
    }
    expect(pages).toEqual([
      { to: 'ALARM', at: 31 },
      { to: 'OK', at: 55 },
    ]);
  });

  it('suppress a slower page while a faster one is in ALARM, so one incident pages once', () => {
    const store = traffic((minute) => ({ requests: 100, errors: minute >= 10 ? 100 : 0 }), 60);
    const set = new AlarmSet(
      [ratioAlarm('fast', 300, 0.5), ratioAlarm('slow', 600, 0.5)],
      [
        new CompositeAlarm({ AlarmName: 'page-fast', AlarmRule: 'ALARM(fast)' }),
        new CompositeAlarm({
          AlarmName: 'page-slow',
          AlarmRule: 'ALARM(slow)',
          ActionsSuppressor: 'page-fast',
          ActionsSuppressorWaitPeriod: 120,
          ActionsSuppressorExtensionPeriod: 300,
        }),
      ],
    );
    const notified: string[] = [];
    for (let minute = 1; minute <= 60; minute++) {
      for (const transition of set.step(store, minute * MINUTE)) {
        if (
          transition.to === 'ALARM' &&
          transition.alarm.startsWith('page') &&
          transition.actionsAt !== undefined
        )
          notified.push(transition.alarm);
      }
    }
    expect(set.state('page-slow')).toBe('ALARM');
    expect(notified).toEqual(['page-fast']);
  });

  it('refuses rules that name unknown alarms', () => {
    expect(
      () => new AlarmSet([], [new CompositeAlarm({ AlarmName: 'x', AlarmRule: 'ALARM(nope)' })]),
    ).toThrow('unknown alarm nope');
  });
});
