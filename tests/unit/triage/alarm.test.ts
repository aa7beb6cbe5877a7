import { describe, expect, it } from 'vitest';
import {
  AlarmParseError,
  alarmIdOf,
  incidentIdOf,
  parseAlarmNotification,
  parseIncidentId,
  sloOfAlarm,
} from '#triage/alarm';
import { compositeAlarmMessage, metricAlarmMessage } from '../../fixtures/alarms.ts';

describe('parseAlarmNotification', () => {
  it('reads a metric alarm: name, state, time in ISO, metric and threshold', () => {
    const alarm = parseAlarmNotification(metricAlarmMessage());
    expect(alarm).toMatchObject({
      alarmName: 'Orders-dev-createOrder-5xx',
      state: 'ALARM',
      time: '2026-11-27T13:00:00.000Z',
      composite: false,
      threshold: 1,
      evaluatedSeconds: 300,
      metrics: [{ namespace: 'AWS/ApiGateway', name: '5XXError', stat: 'Sum' }],
    });
  });

  it('reads a composite alarm and its children', () => {
    const alarm = parseAlarmNotification(compositeAlarmMessage());
    expect(alarm.composite).toBe(true);
    expect(alarm.children).toEqual([
      'Orders-dev-slo-create-availability-page-fast-long',
      'Orders-dev-slo-create-availability-page-fast-short',
    ]);
  });

  it('reads the inputs of a metric-math alarm', () => {
    const message = JSON.parse(metricAlarmMessage());
    message.Trigger = {
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 14.4,
      Metrics: [
        { Id: 'e', Expression: 'm1/m2', ReturnData: true },
        {
          Id: 'm1',
          MetricStat: {
            Metric: { Namespace: 'AWS/ApiGateway', MetricName: '5XXError', Dimensions: [] },
            Period: 60,
            Stat: 'Sum',
          },
        },
      ],
    };
    expect(parseAlarmNotification(JSON.stringify(message)).metrics).toEqual([
      {
        namespace: 'AWS/ApiGateway',
        name: '5XXError',
        dimensions: {},
        stat: 'Sum',
        periodSeconds: 60,
      },
    ]);
  });

  it.each([
    ['not JSON', 'hello'],
    ['JSON without an alarm name', '{"NewStateValue":"ALARM"}'],
    ['a bad time', '{"AlarmName":"a","NewStateValue":"ALARM","StateChangeTime":"yesterday"}'],
  ])('rejects %s', (_, message) => {
    expect(() => parseAlarmNotification(message)).toThrow(AlarmParseError);
  });
});

describe('incident ids', () => {
  it('round-trips <alarm name>#<ISO time>', () => {
    const id = incidentIdOf({ alarmName: 'Orders-dev-x', time: '2026-11-27T13:00:00.000Z' });
    expect(id).toBe('Orders-dev-x#2026-11-27T13:00:00.000Z');
    expect(parseIncidentId(id)).toEqual({
      alarmName: 'Orders-dev-x',
      time: '2026-11-27T13:00:00.000Z',
    });
    expect(parseIncidentId('no-time-here')).toBeUndefined();
  });

  it('maps an SLO alarm to its runbook id and SLO with the stage target', () => {
    const alarmId = alarmIdOf('Orders-dev-slo-create-availability-page-fast-long', 'Orders-dev');
    expect(alarmId).toBe('slo-create-availability-page-fast');
    expect(sloOfAlarm(alarmId, 'dev')).toMatchObject({
      sloId: 'create-availability',
      target: 0.99,
    });
    expect(sloOfAlarm('some-other-alarm', 'dev')).toBeUndefined();
  });
});
