import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { STAGES } from '#config/stages';
import { synthesized } from '#tests/unit/cdk/helpers';
import { alertTopicParameterName } from '../../../../cdk/stacks/alerting-stack.ts';

const { built } = synthesized('prod');
const templates = {
  data: Template.fromStack(built.data),
  api: Template.fromStack(built.api),
  worker: Template.fromStack(built.worker),
  backup: Template.fromStack(built.backup),
  alerting: Template.fromStack(built.alerting),
};

type Props = Record<string, unknown> & {
  AlarmName: string;
  AlarmActions: unknown[];
  OKActions: unknown[];
};

const alarm = (template: Template, id: string): Props => {
  const found = Object.values(
    template.findResources('AWS::CloudWatch::Alarm', {
      Properties: { AlarmName: `Orders-prod-${id}` },
    }),
  );
  expect(found, `alarm ${id}`).toHaveLength(1);
  return found[0]?.Properties as Props;
};

/** The logical id of the SSM-typed parameter a template reads a severity's topic ARN from. */
const topicParameter = (template: Template, severity: 'page' | 'ticket') =>
  Object.entries(template.toJSON().Parameters ?? {}).find(
    ([, parameter]) =>
      (parameter as { Default?: string }).Default ===
      alertTopicParameterName(STAGES.prod, severity),
  )?.[0];

describe('safety alarms', () => {
  it('alarms on every DLQ of the Data stack: a queue named as a dead-letter target or a pipe DLQ', () => {
    const resources = templates.data.toJSON().Resources as Record<string, { Properties?: object }>;
    const dlqIds = new Set<string>();
    for (const resource of Object.values(resources)) {
      const text = JSON.stringify(resource.Properties ?? {});
      for (const match of text.matchAll(
        /"(?:deadLetterTargetArn|DeadLetterConfig)":\{?(?:"Arn":)?\{"Fn::GetAtt":\["(\w+)","Arn"\]/g,
      )) {
        if (match[1]) dlqIds.add(match[1]);
      }
    }
    expect(dlqIds.size).toBe(2);
    const watched = Object.values(templates.data.findResources('AWS::CloudWatch::Alarm'))
      .flatMap(
        (found) =>
          JSON.stringify(found.Properties).match(/"Fn::GetAtt":\["(\w+)","QueueName"\]/g) ?? [],
      )
      .join(' ');
    for (const id of dlqIds) expect(watched).toContain(id);
    expect(alarm(templates.data, 'dlq-fulfilment-not-empty')).toMatchObject({
      Statistic: 'Maximum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('tickets the DLQs and pages on no running worker task, reading the topic ARNs from SSM', () => {
    const dlq = alarm(templates.data, 'dlq-outbox-not-empty');
    expect(dlq.AlarmActions).toEqual([{ Ref: topicParameter(templates.data, 'ticket') }]);
    expect(dlq.OKActions).toEqual(dlq.AlarmActions);
    const worker = alarm(templates.worker, 'worker-no-running-tasks');
    expect(worker).toMatchObject({
      Namespace: 'ECS/ContainerInsights',
      MetricName: 'RunningTaskCount',
      Statistic: 'Minimum',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'breaching',
    });
    expect(worker.AlarmActions).toEqual([{ Ref: topicParameter(templates.worker, 'page') }]);
    expect(JSON.stringify(templates.data.toJSON())).not.toContain('Fn::ImportValue');
  });

  it('watches each table for throttled reads and writes, sustained for 5 minutes', () => {
    for (const table of ['orders', 'idempotency', 'catalog']) {
      const found = alarm(templates.data, `dynamodb-throttles-${table}`);
      expect(found).toMatchObject({ EvaluationPeriods: 5, DatapointsToAlarm: 5, Threshold: 0 });
      const names = JSON.stringify(found.Metrics);
      expect(names).toContain('ReadThrottleEvents');
      expect(names).toContain('WriteThrottleEvents');
    }
  });

  it('sums throttles over every API function and pages on a sustained 5xx share', () => {
    const throttles = alarm(templates.api, 'lambda-throttles');
    const functions = Object.keys(templates.api.findResources('AWS::Lambda::Function')).filter(
      (id) => !id.startsWith('LogRetention') && !id.includes('AwsCustomResource'),
    );
    const refs = JSON.stringify(throttles.Metrics).match(/"FunctionName","Value":\{"Ref":"\w+"/g);
    expect(refs?.length).toBeGreaterThanOrEqual(5);
    expect(functions.length).toBeGreaterThanOrEqual(refs?.length ?? 0);
    const spike = alarm(templates.api, 'api-5xx-spike');
    expect(spike).toMatchObject({ Threshold: 5, EvaluationPeriods: 5, DatapointsToAlarm: 5 });
    expect(JSON.stringify(spike.Metrics)).toContain(
      'IF(FILL(requests, 0) >= 20, 100 * FILL(errors, 0) / requests, 0)',
    );
    expect(spike.AlarmActions).toEqual([{ Ref: topicParameter(templates.api, 'page') }]);
  });

  it('tickets failed backup, copy and restore jobs of the vault', () => {
    const jobs = alarm(templates.backup, 'backup-jobs-failed');
    expect(JSON.stringify(jobs.Metrics)).toMatch(
      /NumberOfBackupJobsFailed.*NumberOfCopyJobsFailed/,
    );
    expect(alarm(templates.backup, 'restore-jobs-failed')).toMatchObject({
      Namespace: 'AWS/Backup',
      MetricName: 'NumberOfRestoreJobsFailed',
      Period: 3600,
    });
  });

  it('links each alarm to its runbook', () => {
    expect(alarm(templates.worker, 'worker-no-running-tasks').AlarmDescription).toMatch(
      /Runbook: https:\/\/\S+\/worker-no-running-tasks\.md$/,
    );
  });

  it('publishes the topic ARNs the other stacks read', () => {
    for (const severity of ['page', 'ticket', 'info'] as const) {
      templates.alerting.hasResourceProperties('AWS::SSM::Parameter', {
        Name: alertTopicParameterName(STAGES.prod, severity),
      });
    }
  });
});
