import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { CfnScalingPolicy, type ScalableTarget } from 'aws-cdk-lib/aws-applicationautoscaling';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import {
  FlowLogDestination,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpointAwsService,
  IpAddresses,
  Peer,
  Port,
  SecurityGroup,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import type { IRepository } from 'aws-cdk-lib/aws-ecr';
import {
  AlarmBehavior,
  AwsLogDriverMode,
  Cluster,
  ContainerDependencyCondition,
  ContainerImage,
  ContainerInsights,
  CpuArchitecture,
  FargateService,
  FargateTaskDefinition,
  LogDrivers,
  OperatingSystemFamily,
  Protocol,
  Secret,
} from 'aws-cdk-lib/aws-ecs';
import { Grant, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import {
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  type MetricName,
  WORKER_TASK,
} from '#commons/metric-catalog';
import type { StageConfig } from '#config/stages';
import { WORKER_ENV } from '../../containers/worker/src/env.ts';
import { loggingEnvironment } from '../constructs/logging.ts';
import { acknowledgeNag, nagPartition } from '../constructs/nag.ts';
import { dataParameterNames } from './data-stack.ts';
import { ECR_PUBLIC_CACHE_PREFIX } from './registry-stack.ts';

/**
 * SSM names under which the Worker stack publishes its ECS cluster and service names, for the
 * dashboards the Api stack deploys.
 */
export const workerParameterNames = (config: StageConfig) => {
  const prefix = `/${config.appName}/${config.stage}/worker`;
  return {
    clusterName: `${prefix}/cluster-name`,
    serviceName: `${prefix}/service-name`,
    logGroupName: `${prefix}/log-group-name`,
  } as const;
};

export interface WorkerStackProps extends StackProps {
  readonly config: StageConfig;
  readonly repository: IRepository;
}

/** The Data stack's resources as the worker stack addresses them. */
export interface WorkerData {
  readonly ordersTable: { readonly tableName: string; readonly tableArn: string };
  readonly fulfilmentQueue: QueueAddress;
  readonly fulfilmentDlq: QueueAddress;
  readonly key: { readonly keyArn: string };
}

interface QueueAddress {
  /** Empty where the stack does not need it. */
  readonly queueName: string;
  readonly queueArn: string;
  readonly queueUrl: string;
}

/**
 * Reads the Data stack's names from its SSM parameters at deploy time (never CloudFormation
 * exports, which would forbid replacing a table, queue or key while this stack uses them).
 */
export const importWorkerData = (scope: Construct, config: StageConfig): WorkerData => {
  const names = dataParameterNames(config);
  const read = (name: string): string => StringParameter.valueForStringParameter(scope, name);
  return {
    ordersTable: { tableName: read(names.ordersTableName), tableArn: read(names.ordersTableArn) },
    fulfilmentQueue: {
      queueName: read(names.fulfilmentQueueName),
      queueArn: read(names.fulfilmentQueueArn),
      queueUrl: read(names.fulfilmentQueueUrl),
    },
    fulfilmentDlq: {
      queueName: '',
      queueArn: read(names.fulfilmentDlqArn),
      queueUrl: read(names.fulfilmentDlqUrl),
    },
    key: { keyArn: read(names.keyArn) },
  };
};

/** Port of the worker's `/healthz` and `/readyz`. */
export const WORKER_HEALTH_PORT = 8080;
/** Service name of the worker's logs and traces (its metrics are the orders service's, `task` fulfilment). */
export const WORKER_SERVICE_NAME = 'orders-fulfilment';
/** Container names in the task definition (the local runtime looks the worker up by it). */
export const WORKER_CONTAINER = 'worker';

/** Interface endpoints the tasks need, since their subnets have no route to the internet. */
const INTERFACE_ENDPOINTS = {
  EcrApi: InterfaceVpcEndpointAwsService.ECR,
  EcrDocker: InterfaceVpcEndpointAwsService.ECR_DOCKER,
  Logs: InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
  Sqs: InterfaceVpcEndpointAwsService.SQS,
  Ssm: InterfaceVpcEndpointAwsService.SSM,
  XRay: InterfaceVpcEndpointAwsService.XRAY,
} as const;

const healthCommand = `fetch('http://127.0.0.1:${WORKER_HEALTH_PORT}/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`;

/**
 * The fulfilment worker on ECS Fargate: a VPC with isolated private subnets and VPC endpoints
 * (no NAT gateway), a cluster with Container Insights, an ARM64 task (worker + ADOT collector
 * sidecar for X-Ray) whose role may touch only the orders table, the queue and its DLQ, and a
 * service that rolls back on a failed deployment or on its error alarm, scaled on backlog per
 * task.
 */
export class WorkerStack extends Stack {
  public readonly service: FargateService;
  public readonly taskRole: Role;
  public readonly executionRole: Role;
  public readonly errorAlarm: Alarm;
  readonly #availabilityZones: readonly string[];

  /**
   * The zones named in stage config: constructs that ask the stack for its zones (the VPC
   * endpoints) then need no context lookup, so synth stays offline and credential-free.
   */
  override get availabilityZones(): string[] {
    return [...this.#availabilityZones];
  }

  constructor(scope: Construct, id: string, props: WorkerStackProps) {
    super(scope, id, props);
    this.#availabilityZones = props.config.worker.availabilityZones;
    const { config, repository } = props;
    const data = importWorkerData(this, config);
    const { worker } = config;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    const flowLogGroup = new LogGroup(this, 'FlowLogs', {
      retention: config.logRetentionDays,
      removalPolicy,
    });
    const vpc = new Vpc(this, 'Vpc', {
      ipAddresses: IpAddresses.cidr(worker.vpcCidr),
      availabilityZones: [...worker.availabilityZones],
      natGateways: 0,
      subnetConfiguration: [
        { name: 'private', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 22 },
      ],
      gatewayEndpoints: {
        DynamoDb: { service: GatewayVpcEndpointAwsService.DYNAMODB },
        // ECR keeps image layers in S3.
        S3: { service: GatewayVpcEndpointAwsService.S3 },
      },
      flowLogs: { All: { destination: FlowLogDestination.toCloudWatchLogs(flowLogGroup) } },
    });

    const cluster = new Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: ContainerInsights.ENABLED,
    });

    const warehouseUrl = new StringParameter(this, 'WarehouseUrl', {
      description: `${config.appName} ${config.stage}: base URL of the warehouse the fulfilment worker calls`,
      stringValue: worker.warehouse.url,
    });

    this.executionRole = new Role(this, 'ExecutionRole', {
      assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `Pulls the image, writes logs and reads SSM config for ${config.appName}-${config.stage} fulfilment tasks`,
    });
    this.taskRole = new Role(this, 'TaskRole', {
      assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `What the ${config.appName}-${config.stage} fulfilment worker itself may do`,
    });
    const allow = (actions: string[], resourceArns: string[]) =>
      Grant.addToPrincipal({ grantee: this.taskRole, actions, resourceArns });
    allow(['dynamodb:GetItem', 'dynamodb:UpdateItem'], [data.ordersTable.tableArn]);
    allow(
      [
        'sqs:ReceiveMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
      ],
      [data.fulfilmentQueue.queueArn],
    );
    allow(['sqs:SendMessage'], [data.fulfilmentDlq.queueArn]);
    // Reading the encrypted queue and table, writing the table and the DLQ.
    allow(
      ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
      [data.key.keyArn],
    );
    // The ADOT sidecar sends the task's traces with the task role.
    this.taskRole.addToPolicy(
      new PolicyStatement({
        actions: [
          'xray:PutTraceSegments',
          'xray:PutTelemetryRecords',
          'xray:GetSamplingRules',
          'xray:GetSamplingTargets',
        ],
        resources: ['*'],
      }),
    );
    // First pull of the sidecar image through the cache creates its repository from upstream.
    this.executionRole.addToPolicy(
      new PolicyStatement({
        actions: ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
        resources: [
          this.formatArn({
            service: 'ecr',
            resource: 'repository',
            resourceName: `${ECR_PUBLIC_CACHE_PREFIX}/*`,
          }),
        ],
      }),
    );

    const taskDefinition = new FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: worker.cpu,
      memoryLimitMiB: worker.memoryMiB,
      runtimePlatform: {
        cpuArchitecture: CpuArchitecture.ARM64,
        operatingSystemFamily: OperatingSystemFamily.LINUX,
      },
      taskRole: this.taskRole,
      executionRole: this.executionRole,
    });
    const logGroup = new LogGroup(this, 'WorkerLogs', {
      retention: config.logRetentionDays,
      removalPolicy,
    });
    const logging = (prefix: string) =>
      LogDrivers.awsLogs({ logGroup, streamPrefix: prefix, mode: AwsLogDriverMode.NON_BLOCKING });

    const collector = taskDefinition.addContainer('adot', {
      image: ContainerImage.fromRegistry(
        `${this.account}.dkr.ecr.${this.region}.${this.urlSuffix}/${ECR_PUBLIC_CACHE_PREFIX}/${worker.adotImage}`,
      ),
      command: ['--config=/etc/ecs/ecs-default-config.yaml'],
      essential: true,
      cpu: 64,
      memoryReservationMiB: 128,
      readonlyRootFilesystem: true,
      logging: logging('adot'),
      portMappings: [{ containerPort: 2000, protocol: Protocol.UDP }],
    });
    // ContainerImage.fromRegistry grants nothing: let the execution role pull from the cache.
    this.executionRole.addToPolicy(
      new PolicyStatement({
        actions: [
          'ecr:BatchGetImage',
          'ecr:GetDownloadUrlForLayer',
          'ecr:BatchCheckLayerAvailability',
        ],
        resources: [
          this.formatArn({
            service: 'ecr',
            resource: 'repository',
            resourceName: `${ECR_PUBLIC_CACHE_PREFIX}/*`,
          }),
        ],
      }),
    );

    const container = taskDefinition.addContainer(WORKER_CONTAINER, {
      image: ContainerImage.fromEcrRepository(repository, worker.imageTag),
      essential: true,
      readonlyRootFilesystem: true,
      stopTimeout: Duration.seconds(worker.stopTimeoutSeconds),
      logging: logging('worker'),
      portMappings: [{ containerPort: WORKER_HEALTH_PORT, protocol: Protocol.TCP }],
      healthCheck: {
        command: ['CMD', 'node', '-e', healthCommand],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(worker.healthCheckGraceSeconds),
      },
      environment: {
        POWERTOOLS_SERVICE_NAME: WORKER_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...loggingEnvironment(config),
        [WORKER_ENV.stage]: config.stage,
        [WORKER_ENV.ordersTable]: data.ordersTable.tableName,
        [WORKER_ENV.queueUrl]: data.fulfilmentQueue.queueUrl,
        [WORKER_ENV.dlqUrl]: data.fulfilmentDlq.queueUrl,
        [WORKER_ENV.warehouseTimeoutMs]: String(worker.warehouse.timeoutMs),
        [WORKER_ENV.warehouseMaxRetries]: String(worker.warehouse.maxRetries),
        [WORKER_ENV.pollers]: String(worker.pollers),
        [WORKER_ENV.batchSize]: '10',
        [WORKER_ENV.waitSeconds]: '20',
        [WORKER_ENV.visibilitySeconds]: '30',
        [WORKER_ENV.retryDelaySeconds]: '10',
        // Leaves ten seconds of the ECS stop timeout for releasing what is still running.
        [WORKER_ENV.stopTimeoutSeconds]: String(Math.max(1, worker.stopTimeoutSeconds - 10)),
        [WORKER_ENV.healthPort]: String(WORKER_HEALTH_PORT),
        [WORKER_ENV.tracing]: 'true',
      },
      secrets: { [WORKER_ENV.warehouseUrl]: Secret.fromSsmParameter(warehouseUrl) },
    });
    container.addContainerDependencies({
      container: collector,
      condition: ContainerDependencyCondition.START,
    });

    const securityGroup = new SecurityGroup(this, 'WorkerSecurityGroup', {
      vpc,
      description: 'Fulfilment tasks: no inbound; HTTPS out to the VPC endpoints and the warehouse',
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(
      Peer.anyIpv4(),
      Port.tcp(443),
      'HTTPS to VPC endpoints and the warehouse',
    );
    // Endpoints take HTTPS from the worker's tasks only, not from the whole VPC.
    const endpointSecurityGroup = new SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc,
      description: 'Interface endpoints: HTTPS from the fulfilment tasks only',
      allowAllOutbound: false,
    });
    endpointSecurityGroup.addIngressRule(
      securityGroup,
      Port.tcp(443),
      'HTTPS from fulfilment tasks',
    );
    for (const [name, service] of Object.entries(INTERFACE_ENDPOINTS)) {
      vpc.addInterfaceEndpoint(name, {
        service,
        privateDnsEnabled: true,
        securityGroups: [endpointSecurityGroup],
        open: false,
      });
    }

    const retried = new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: 'Retried' satisfies MetricName,
      dimensionsMap: { service: METRICS_SERVICE, stage: config.stage, task: WORKER_TASK },
      statistic: 'Sum',
      period: Duration.minutes(1),
    });
    this.errorAlarm = new Alarm(this, 'WorkerErrors', {
      alarmDescription: `${config.appName} ${config.stage}: fulfilment messages failing (rolls a deployment back)`,
      metric: retried,
      threshold: 10,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    this.service = new FargateService(this, 'Service', {
      cluster,
      taskDefinition,
      desiredCount: worker.minTasks,
      minHealthyPercent: worker.minHealthyPercent,
      maxHealthyPercent: 200,
      healthCheckGracePeriod: Duration.seconds(worker.healthCheckGraceSeconds),
      vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      securityGroups: [securityGroup],
      assignPublicIp: false,
      circuitBreaker: { enable: true, rollback: true },
      deploymentAlarms: {
        alarmNames: [this.errorAlarm.alarmName],
        behavior: AlarmBehavior.ROLLBACK_ON_ALARM,
      },
      enableECSManagedTags: true,
    });

    // The Api stack's service overview graphs the worker's ECS metrics, and its triage function
    // queries the worker's logs: it reads these at deploy time, as it reads the Data stack's
    // names, so no CloudFormation export ties the stacks.
    const names = workerParameterNames(config);
    for (const [id, parameterName, stringValue] of [
      ['ClusterNameParameter', names.clusterName, cluster.clusterName],
      ['ServiceNameParameter', names.serviceName, this.service.serviceName],
      ['LogGroupNameParameter', names.logGroupName, logGroup.logGroupName],
    ] as const) {
      new StringParameter(this, id, {
        parameterName,
        stringValue,
        description: `${config.appName} ${config.stage}: read by the Api stack at deploy time`,
      });
    }

    const scaling = this.service.autoScaleTaskCount({
      minCapacity: worker.minTasks,
      maxCapacity: worker.maxTasks,
    });
    // Target tracking on metric math (visible messages ÷ running tasks): the L2 takes a single
    // metric only, so the policy is written at the CloudFormation level.
    new CfnScalingPolicy(this, 'BacklogPerTask', {
      policyName: `${config.appName}-${config.stage}-worker-backlog-per-task`,
      policyType: 'TargetTrackingScaling',
      scalingTargetId: (scaling.node.findChild('Target') as ScalableTarget).scalableTargetId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: worker.backlogPerTaskTarget,
        scaleOutCooldown: worker.scaleOutCooldownSeconds,
        scaleInCooldown: worker.scaleInCooldownSeconds,
        customizedMetricSpecification: {
          metrics: [
            {
              id: 'visible',
              returnData: false,
              metricStat: {
                metric: {
                  namespace: 'AWS/SQS',
                  metricName: 'ApproximateNumberOfMessagesVisible',
                  dimensions: [{ name: 'QueueName', value: data.fulfilmentQueue.queueName }],
                },
                stat: 'Sum',
              },
            },
            {
              id: 'running',
              returnData: false,
              metricStat: {
                metric: {
                  namespace: 'ECS/ContainerInsights',
                  metricName: 'RunningTaskCount',
                  dimensions: [
                    { name: 'ClusterName', value: cluster.clusterName },
                    { name: 'ServiceName', value: this.service.serviceName },
                  ],
                },
                stat: 'Average',
              },
            },
            {
              id: 'backlogPerTask',
              label: 'Visible messages per running task',
              expression: 'visible / running',
              returnData: true,
            },
          ],
        },
      },
    });

    acknowledgeNag(
      taskDefinition,
      'AwsSolutions-ECS2',
      'The environment holds only resource names, URLs of this stage and tuning numbers; the one setting kept in SSM (the warehouse URL) comes in as a secret, and there are no credentials.',
    );
    acknowledgeNag(
      this.taskRole,
      'AwsSolutions-IAM5',
      'X-Ray (PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) has no resource-level permissions, so these are granted on "*". Every data resource is named.',
      'Resource::*',
    );
    acknowledgeNag(
      this.executionRole,
      'AwsSolutions-IAM5',
      'ecr:GetAuthorizationToken has no resource-level permissions, so the repository pull grant gives it on "*"; every other action names its repository.',
      'Resource::*',
    );
    acknowledgeNag(
      this.executionRole,
      'AwsSolutions-IAM5',
      'The pull-through cache of ECR Public makes one repository per upstream image under its prefix (created on first pull), so the prefix is the narrowest resource that covers the sidecar image.',
      `Resource::arn:${nagPartition(this)}:ecr:${config.env.region}:${config.env.account}:repository/${ECR_PUBLIC_CACHE_PREFIX}/*`,
    );
  }
}
