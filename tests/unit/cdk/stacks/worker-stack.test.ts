import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { STAGES } from '#config/stages';
import { actionsOfRole, logicalId, statementsOfRole, synthesized } from '#tests/unit/cdk/helpers';
import { WORKER_CONTAINER, workerParameterNames } from '../../../../cdk/stacks/worker-stack.ts';
import { WORKER_ENV } from '../../../../containers/worker/src/env.ts';

const worker = (stage: 'dev' | 'staging' | 'prod') => {
  const { built } = synthesized(stage);
  return {
    built,
    template: Template.fromStack(built.worker),
    registry: Template.fromStack(built.registry),
  };
};

describe('WorkerStack', () => {
  const { built, template } = worker('prod');
  const taskRole = logicalId(built.worker.taskRole);
  const executionRole = logicalId(built.worker.executionRole);

  it('runs an ARM64 Fargate task sized from the stage config', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      Cpu: String(STAGES.prod.worker.cpu),
      Memory: String(STAGES.prod.worker.memoryMiB),
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      TaskRoleArn: { 'Fn::GetAtt': [taskRole, 'Arn'] },
      ExecutionRoleArn: { 'Fn::GetAtt': [executionRole, 'Arn'] },
    });
  });

  it('gives the worker JSON logs, a health check, a stop timeout, config from SSM and an ADOT sidecar', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: Match.arrayWith([
        Match.objectLike({
          Name: 'adot',
          Image: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
        }),
        Match.objectLike({
          Name: WORKER_CONTAINER,
          ReadonlyRootFilesystem: true,
          StopTimeout: STAGES.prod.worker.stopTimeoutSeconds,
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
          HealthCheck: Match.objectLike({ Command: Match.arrayWith(['CMD', 'node']) }),
          Secrets: [Match.objectLike({ Name: WORKER_ENV.warehouseUrl })],
          Environment: Match.arrayWith([
            {
              Name: WORKER_ENV.stopTimeoutSeconds,
              Value: String(STAGES.prod.worker.stopTimeoutSeconds - 10),
            },
            { Name: WORKER_ENV.tracing, Value: 'true' },
          ]),
          DependsOn: [{ ContainerName: 'adot', Condition: 'START' }],
        }),
      ]),
    });
  });

  it('pins the image to the configured release tag of the repository', () => {
    const definitions = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0]
      ?.Properties.ContainerDefinitions as Array<{ Name: string; Image: unknown }>;
    const image = JSON.stringify(definitions.find((d) => d.Name === WORKER_CONTAINER)?.Image);
    expect(image).toContain(`:${STAGES.prod.worker.imageTag}`);
    expect(image).toContain('WorkerRepository');
  });

  it('lets the task role touch only the orders table, the queue, its DLQ and the data key', () => {
    expect(actionsOfRole(template, taskRole).sort()).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:UpdateItem',
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Encrypt',
        'kms:GenerateDataKey',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:ReceiveMessage',
        'sqs:SendMessage',
        'xray:GetSamplingRules',
        'xray:GetSamplingTargets',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    for (const statement of statementsOfRole(template, taskRole)) {
      const actions = [statement.Action].flat();
      expect(actions.every((action) => !action.endsWith('*'))).toBe(true);
      if (statement.Resource === '*')
        expect(actions.every((a) => a.startsWith('xray:'))).toBe(true);
    }
  });

  it('keeps the execution role apart: image pull, logs and the SSM parameter, no data access', () => {
    const actions = actionsOfRole(template, executionRole);
    expect(actions).toEqual(expect.arrayContaining(['ecr:BatchGetImage', 'ssm:GetParameters']));
    expect(actions.filter((action) => /^(dynamodb|sqs):/.test(action))).toEqual([]);
    expect(taskRole).not.toBe(executionRole);
  });

  it('runs in isolated subnets with VPC endpoints and no NAT gateway', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 8);
    template.hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: {
        AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }),
      },
    });
  });

  it('turns on Container Insights', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  it('rolls back a failed deployment and one that sets off the error alarm', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: Match.objectLike({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MinimumHealthyPercent: STAGES.prod.worker.minHealthyPercent,
        Alarms: Match.objectLike({ Enable: true, Rollback: true }),
      }),
      HealthCheckGracePeriodSeconds: STAGES.prod.worker.healthCheckGraceSeconds,
    });
  });

  it('tracks backlog per task (visible messages ÷ running tasks) within the stage limits', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: STAGES.prod.worker.minTasks,
      MaxCapacity: STAGES.prod.worker.maxTasks,
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: STAGES.prod.worker.backlogPerTaskTarget,
        ScaleOutCooldown: STAGES.prod.worker.scaleOutCooldownSeconds,
        ScaleInCooldown: STAGES.prod.worker.scaleInCooldownSeconds,
        CustomizedMetricSpecification: {
          Metrics: Match.arrayWith([
            Match.objectLike({
              Id: 'visible',
              MetricStat: Match.objectLike({
                Metric: Match.objectLike({ MetricName: 'ApproximateNumberOfMessagesVisible' }),
              }),
            }),
            Match.objectLike({
              Id: 'running',
              MetricStat: Match.objectLike({
                Metric: Match.objectLike({ MetricName: 'RunningTaskCount' }),
              }),
            }),
            {
              Id: 'backlogPerTask',
              Expression: 'visible / running',
              Label: Match.anyValue(),
              ReturnData: true,
            },
          ]),
        },
      },
    });
  });

  it('publishes its cluster, service and log group names for the Api stack (dashboards, triage)', () => {
    const names = workerParameterNames(STAGES.prod);
    const [cluster] = Object.keys(template.findResources('AWS::ECS::Cluster'));
    const [logGroup] = Object.keys(
      template.findResources('AWS::Logs::LogGroup', {
        Properties: { RetentionInDays: STAGES.prod.logRetentionDays },
      }),
    ).filter((id) => id.startsWith('WorkerLogs'));
    const [service] = Object.keys(template.findResources('AWS::ECS::Service'));

    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: names.clusterName,
      Value: { Ref: cluster },
    });
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: names.serviceName,
      Value: { 'Fn::GetAtt': [service, 'Name'] },
    });
    expect(logGroup).toBeDefined();
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: names.logGroupName,
      Value: { Ref: logGroup },
    });
  });

  it('sizes dev smaller than prod', () => {
    worker('dev').template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: String(STAGES.dev.worker.cpu),
      Memory: String(STAGES.dev.worker.memoryMiB),
    });
    expect(STAGES.dev.worker.maxTasks).toBeLessThan(STAGES.prod.worker.maxTasks);
  });
});

describe('RegistryStack', () => {
  it('keeps immutable tags with a lifecycle, and scans on push where enhanced scanning is off', () => {
    worker('dev').registry.hasResourceProperties('AWS::ECR::Repository', {
      ImageTagMutability: 'IMMUTABLE',
      ImageScanningConfiguration: { ScanOnPush: true },
      LifecyclePolicy: {
        LifecyclePolicyText: Match.stringLikeRegexp('"countType":"imageCountMoreThan"'),
      },
    });
    worker('dev').registry.resourceCountIs('AWS::ECR::RegistryScanningConfiguration', 0);
  });

  it('turns on continuous Inspector scanning where the stage asks for it', () => {
    worker('prod').registry.hasResourceProperties('AWS::ECR::RegistryScanningConfiguration', {
      ScanType: 'ENHANCED',
      Rules: [Match.objectLike({ ScanFrequency: 'CONTINUOUS_SCAN' })],
    });
  });

  it("routes CRITICAL and HIGH findings to the alerting stack's encrypted ticket topic", () => {
    const { registry } = worker('prod');
    registry.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ source: ['aws.ecr', 'aws.inspector2'] }),
      Targets: [
        Match.objectLike({ Arn: { 'Fn::ImportValue': Match.stringLikeRegexp('TicketTopic') } }),
      ],
    });
    registry.resourceCountIs('AWS::SNS::Topic', 0);
    const pattern = JSON.stringify(
      Object.values(registry.findResources('AWS::Events::Rule'))[0]?.Properties.EventPattern,
    );
    expect(pattern).toContain('CRITICAL');
    expect(pattern).toContain('HIGH');
  });
});
