import { describe, expect, it } from 'vitest';
import { synthesizeStage } from '../../../../cdk/synth.ts';
import { SeriesStore, uniform } from '../../../../slos/engine/series.ts';
import { alarmSetOf, readAlarms } from '../../../../slos/simulator/template-alarms.ts';

const MINUTE = 60_000;
const dev = synthesizeStage('dev');
const alarms = readAlarms(dev);

describe('readAlarms', () => {
  it('reads every alarm of the stage with its name, stack and resolved actions', () => {
    const fast = alarms.compositeAlarms.find(
      (alarm) => alarm.name === 'Orders-dev-slo-create-availability-page-fast',
    );
    expect(fast?.stackName).toBe('Orders-dev-Alerting');
    expect(fast?.alarmActions).toEqual([
      expect.stringMatching(/^arn:aws:sns:us-east-1:123456789012:Orders-dev-Alerting-PageTopic/),
    ]);
    expect(fast?.properties.AlarmRule).toBe(
      '(ALARM("Orders-dev-slo-create-availability-page-fast-long") AND ALARM("Orders-dev-slo-create-availability-page-fast-short"))',
    );
    const long = alarms.metricAlarms.find(
      (alarm) => alarm.name === 'Orders-dev-slo-create-availability-page-fast-long',
    );
    const stat = long?.properties.Metrics?.find((query) => query.MetricStat)?.MetricStat;
    expect(stat?.Metric.Dimensions).toContainEqual({ Name: 'Stage', Value: 'dev' });
    expect(stat?.Period).toBe(3600);
  });

  it('names the actions suppressor by alarm name, not ARN', () => {
    const slow = alarms.compositeAlarms.find(
      (alarm) => alarm.name === 'Orders-dev-slo-create-availability-page-slow',
    );
    expect(slow?.properties.ActionsSuppressor).toBe('Orders-dev-slo-create-availability-page-fast');
  });

  it('reads a single template too', () => {
    const alerting = dev.stacks.find((stack) => stack.stackName === 'Orders-dev-Alerting');
    const single = readAlarms(alerting?.template ?? {});
    expect(single.compositeAlarms.length).toBeGreaterThan(0);
    expect(single.metricAlarms.every((alarm) => alarm.stackName === 'Template')).toBe(true);
  });

  it('gives an alarm set the engine evaluates: an outage of create puts its fast page in ALARM', () => {
    const set = alarmSetOf(alarms);
    const long = alarms.metricAlarms.find(
      (alarm) => alarm.name === 'Orders-dev-slo-create-availability-page-fast-long',
    );
    const queries = long?.properties.Metrics ?? [];
    const metricOf = (id: string) => {
      const metric = queries.find((query) => query.Id === id)?.MetricStat?.Metric;
      if (metric === undefined) throw new Error(`no ${id}`);
      return {
        namespace: metric.Namespace,
        name: metric.MetricName,
        dimensions: Object.fromEntries(
          (metric.Dimensions ?? []).map(({ Name, Value }) => [Name, Value]),
        ),
      };
    };
    const store = new SeriesStore();
    for (let minute = 0; minute < 10; minute++) {
      store.put(metricOf('valid0'), minute * MINUTE, uniform(100, 1));
      store.put(metricOf('bad0'), minute * MINUTE, uniform(100, 1));
    }
    for (let minute = 1; minute <= 10; minute++) set.step(store, minute * MINUTE);
    expect(set.state('Orders-dev-slo-create-availability-page-fast')).toBe('ALARM');
    // 1,000 requests in three days are under the ticket's low-traffic guard (60 an hour).
    expect(set.state('Orders-dev-slo-create-availability-ticket')).toBe('OK');
    expect(set.state('Orders-dev-slo-read-availability-page-fast')).toBe('OK');
  });
});
