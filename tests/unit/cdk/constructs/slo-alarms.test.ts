import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { STAGES } from '#config/stages';
import { addSloDashboard, SloAlarms } from '../../../../cdk/constructs/slo-alarms.ts';
import { SLOS } from '../../../../slos/definitions.ts';
import { BURN_RATE_POLICY } from '../../../../slos/spec.ts';

const synth = (stage: 'dev' | 'prod') => {
  const stack = new Stack(new App({ builtinCloudFormationValidation: false }), `Slo-${stage}`);
  new SloAlarms(stack, 'Slo', {
    config: STAGES[stage],
    apiName: 'OrdersApi',
    runbookBaseUrl: 'https://runbooks.test/',
  });
  addSloDashboard(stack, { config: STAGES[stage], apiName: 'OrdersApi' });
  return Template.fromStack(stack);
};

describe('SloAlarms', () => {
  const prod = synth('prod');

  it('creates a long and a short window alarm and one composite per SLO and window', () => {
    prod.resourceCountIs('AWS::CloudWatch::Alarm', SLOS.length * BURN_RATE_POLICY.length * 2);
    prod.resourceCountIs('AWS::CloudWatch::CompositeAlarm', SLOS.length * BURN_RATE_POLICY.length);
  });

  it('pages at 14.4x over 1 h and 5 min on the error budget of the stage target', () => {
    const [alarm] = Object.values(
      prod.findResources('AWS::CloudWatch::Alarm', {
        Properties: { AlarmName: 'Orders-prod-slo-create-availability-page-fast-long' },
      }),
    );
    expect(alarm?.Properties).toMatchObject({
      Threshold: 14.4,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    const expression = ((alarm?.Properties.Metrics ?? []) as { Expression?: string }[]).find(
      (query) => query.Expression,
    )?.Expression;
    // 60 events an hour at least; budget 1 - 0.999.
    expect(expression).toMatch(
      /^IF\(\(FILL\(valid0, 0\)\) >= 60, \(FILL\(bad0, 0\)\) \/ \(FILL\(valid0, 0\)\) \/ 0\.001, 0\)$/,
    );
  });

  it('ANDs the two windows and chains the suppressors so one incident notifies once', () => {
    const [slow] = Object.values(
      prod.findResources('AWS::CloudWatch::CompositeAlarm', {
        Properties: { AlarmName: 'Orders-prod-slo-create-latency-page-slow' },
      }),
    );
    const rule = JSON.stringify(slow?.Properties.AlarmRule);
    expect(rule).toMatch(/pageslowlong.*\) AND ALARM\(.*pageslowshort/);
    expect(slow?.Properties).toMatchObject({
      ActionsSuppressorWaitPeriod: 120,
      ActionsSuppressorExtensionPeriod: 3600,
    });
    expect(JSON.stringify(slow?.Properties.ActionsSuppressor)).toContain('pagefast');
    const fast = prod.findResources('AWS::CloudWatch::CompositeAlarm', {
      Properties: { AlarmName: 'Orders-prod-slo-create-latency-page-fast' },
    });
    expect(Object.values(fast)[0]?.Properties.ActionsSuppressor).toBeUndefined();
  });

  it('uses the latency percentile rank for the latency SLO, and the stage override for dev', () => {
    prod.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Orders-prod-slo-create-latency-ticket-long',
      Metrics: Match.arrayWith([
        Match.objectLike({ MetricStat: Match.objectLike({ Stat: 'PR(:500)', Period: 259200 }) }),
      ]),
    });
    const dev = synth('dev');
    dev.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Orders-dev-slo-create-availability-page-fast-long',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: Match.stringLikeRegexp('/ 0\\.01') }),
      ]),
    });
  });

  it('draws an SLO dashboard: SLI and budget left over 30 days, burn rate per window', () => {
    const [dashboard] = Object.values(prod.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    expect(body).toContain('Service level objectives: Orders prod');
    for (const slo of SLOS) expect(body).toContain(`${slo.displayName}: burn rate per window`);
    expect(body).toContain('100 * (1 - monthBurn)');
    expect(body).toContain('Error budget left, 30 d');
    expect(body).toMatch(/14\.4/);
  });
});
