import { describe, expect, it } from 'vitest';
import {
  alarmNotification,
  compressMetricAlarm,
  notificationTime,
  statisticOf,
  type TemplateAlarm,
} from '#local/alarms';
import type { MetricAlarmProperties } from '../../../slos/engine/alarms.ts';

const AT = Date.parse('2026-11-27T13:06:00.000Z');
const ACTIONS = {
  ALARM: ['arn:aws:sns:us-east-1:123456789012:page'],
  OK: ['arn:aws:sns:us-east-1:123456789012:page'],
  INSUFFICIENT_DATA: [],
};
const burnRate: MetricAlarmProperties = {
  AlarmName: 'Orders-dev-slo-read-availability-page-fast-short',
  AlarmDescription: 'Read availability burning. Runbook: https://example.com/r.md',
  ComparisonOperator: 'GreaterThanThreshold',
  Threshold: 14.4,
  EvaluationPeriods: 1,
  DatapointsToAlarm: 1,
  TreatMissingData: 'notBreaching',
  Metrics: [
    {
      Id: 'expr_1',
      Expression: 'IF(FILL(valid0, 0) >= 5, FILL(bad0, 0) / FILL(valid0, 0) / 0.01, 0)',
      Label: 'burn',
    },
    {
      Id: 'bad0',
      MetricStat: {
        Metric: {
          Namespace: 'AWS/ApiGateway',
          MetricName: '5XXError',
          Dimensions: [{ Name: 'ApiName', Value: 'OrdersApi' }],
        },
        Period: 300,
        Stat: 'Sum',
      },
      ReturnData: false,
    },
  ],
};
const metricAlarm: TemplateAlarm = {
  kind: 'metric',
  name: burnRate.AlarmName ?? '',
  arn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${burnRate.AlarmName}`,
  properties: burnRate,
  actions: ACTIONS,
  actionsEnabled: true,
};

describe('local alarms: CloudWatch notifications', () => {
  it('writes a metric-math alarm notification as CloudWatch does: state, reason, Trigger.Metrics', () => {
    const { subject, message } = alarmNotification({
      alarm: metricAlarm,
      transition: { from: 'OK', to: 'ALARM', at: AT },
      accountId: '123456789012',
      region: 'us-east-1',
      datapoints: [100],
    });

    expect(subject).toBe(`ALARM: "${metricAlarm.name}" in US East (N. Virginia)`);
    const parsed = JSON.parse(message);
    expect(parsed).toMatchObject({
      AlarmName: metricAlarm.name,
      AWSAccountId: '123456789012',
      NewStateValue: 'ALARM',
      OldStateValue: 'OK',
      StateChangeTime: '2026-11-27T13:06:00.000+0000',
      Region: 'US East (N. Virginia)',
      AlarmArn: metricAlarm.arn,
      AlarmActions: ACTIONS.ALARM,
      InsufficientDataActions: [],
      Trigger: {
        Period: 300,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 14.4,
        TreatMissingData: 'notBreaching',
        Metrics: [
          { Id: 'expr_1', Expression: expect.stringContaining('IF('), ReturnData: true },
          {
            Id: 'bad0',
            MetricStat: {
              Metric: {
                Dimensions: [{ value: 'OrdersApi', name: 'ApiName' }],
                MetricName: '5XXError',
              },
              Period: 300,
              Stat: 'Sum',
            },
            ReturnData: false,
          },
        ],
      },
    });
    expect(parsed.NewStateReason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [100 (27/11/26 13:06:00)] was greater than the threshold (14.4) (minimum 1 datapoint for OK -> ALARM transition).',
    );
  });

  it('writes a composite alarm notification with its rule and triggering children', () => {
    const child = 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:page-fast-long';
    const composite: TemplateAlarm = {
      kind: 'composite',
      name: 'page-fast',
      arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:page-fast',
      properties: { AlarmName: 'page-fast', AlarmRule: 'ALARM("page-fast-long")' },
      alarmRule: `ALARM("${child}")`,
      actions: ACTIONS,
      actionsEnabled: true,
    };

    const parsed = JSON.parse(
      alarmNotification({
        alarm: composite,
        transition: { from: 'OK', to: 'ALARM', at: AT },
        accountId: '123456789012',
        region: 'eu-west-1',
        children: [{ arn: child, state: 'ALARM', at: AT }],
      }).message,
    );

    expect(parsed).toMatchObject({
      AlarmRule: `ALARM("${child}")`,
      Region: 'EU (Ireland)',
      TriggeringChildren: [
        { Arn: child, State: { Value: 'ALARM', Timestamp: notificationTime(AT) } },
      ],
    });
    expect(parsed.NewStateReason).toMatch(new RegExp(`^${child} transitioned to ALARM at `));
    expect(parsed.Trigger).toBeUndefined();
  });
});

describe('local alarms: statistics and time compression', () => {
  it('computes percentiles and percentile ranks from raw values, as the emulator cannot', () => {
    const latencies = [100, 200, 300, 400, 600, 700, 800, 900, 1000, 1200];

    expect(statisticOf(latencies, 'p90')).toBe(1000);
    expect(statisticOf(latencies, 'PR(:500)')).toBe(40);
    expect(statisticOf(latencies, 'SampleCount')).toBe(10);
    expect(statisticOf([], 'Sum')).toBeUndefined();
  });

  it('divides every period by the time scale, keeping at least one second', () => {
    const compressed = compressMetricAlarm(burnRate, 60);

    expect(compressed.Metrics?.[1]?.MetricStat?.Period).toBe(5);
    expect(compressMetricAlarm({ ...burnRate, Metrics: undefined, Period: 30 }, 60).Period).toBe(1);
    expect(compressMetricAlarm(burnRate, 1)).toBe(burnRate);
  });
});

describe('local alarms: which alarms of the templates are evaluated', () => {
  it('reads the alarms the simulator reads, less those on metrics nothing publishes locally', async () => {
    // Prepare
    const { synthesizeStage } = await import('../../../cdk/synth.ts');
    const { TemplateResolver } = await import('#local/template');
    const { readTemplateAlarms } = await import('#local/alarms');
    const { readAlarms } = await import('../../../slos/simulator/template-alarms.ts');
    const stage = synthesizeStage('dev', { bundle: false });
    const target = { endpoint: 'http://127.0.0.1:1', region: 'us-east-1' };
    const skipped = new Map<string, string>();

    // Act
    const local = readTemplateAlarms(new TemplateResolver(stage.stacks, target), (name, why) =>
      skipped.set(name, why),
    );
    const simulated = readAlarms(stage, target);

    // Assess: every alarm is either evaluated or skipped with its reason, never both.
    const all = [...simulated.metricAlarms, ...simulated.compositeAlarms].map((a) => a.name);
    expect(new Set([...local.map((a) => a.name), ...skipped.keys()])).toEqual(new Set(all));
    expect(local.filter((a) => skipped.has(a.name))).toEqual([]);
    expect(skipped.get('Orders-dev-worker-no-running-tasks')).toMatch(/ECS\/ContainerInsights/);
    // The canaries' alarms watch one published version: none exists locally.
    const canaries = all.filter((name) => /NewVersionErrors/.test(name));
    expect(canaries.length).toBeGreaterThan(0);
    for (const name of canaries) expect(skipped.get(name)).toMatch(/published Lambda version/);
    // The SLO burn-rate pages are evaluated, with the rule as CloudFormation writes it.
    const page = local.find((a) => a.name.endsWith('-slo-read-availability-page-fast'));
    expect(page?.kind).toBe('composite');
    expect(page?.kind === 'composite' && page.alarmRule).toMatch(/ALARM\("arn:aws:cloudwatch:/);
  });
});
