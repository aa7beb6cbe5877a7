import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ENV } from '#commons/env-names';
import type { StageConfig } from '#config/stages';
import { lambdaCode, REPO_ROOT } from './bundling.ts';
import { loggingEnvironment } from './logging.ts';
import { acknowledgeNag } from './nag.ts';

export interface OpsFunctionProps {
  /** Handler file relative to the repository root, exporting `handler`. */
  readonly entry: string;
  readonly config: StageConfig;
  readonly description: string;
  /**
   * Timeout: operational functions scan tables, so they get more than the API's.
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
}

/**
 * A function that serves operations (restore validation, ...) rather than an API route: the
 * same runtime, architecture, tracing, explicit log group, empty role and esbuild settings as
 * `OrdersFunction`, without route metadata, so the local runtime never mistakes it for a route.
 */
export class OpsFunction extends LambdaFunction {
  constructor(scope: Construct, id: string, props: OpsFunctionProps) {
    const { config } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: config.logRetentionDays,
      removalPolicy,
    });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${config.appName}-${config.stage} ${id}`,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      code: lambdaCode(join(REPO_ROOT, props.entry), config.faultInjection.allowed),
      handler: 'index.handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      tracing: Tracing.ACTIVE,
      memorySize: config.lambda.memoryMb,
      timeout: props.timeout ?? Duration.minutes(5),
      description: props.description,
      role,
      logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'orders-ops',
        ...loggingEnvironment(config),
        NODE_OPTIONS: '--enable-source-maps',
        [ENV.stage]: config.stage,
      },
    });
    acknowledgeNag(
      this,
      'AwsSolutions-L1',
      'Pinned to nodejs22.x like every function of the service: bundles target node22 and the tests run on it; moving runtimes is a deliberate, tested change.',
    );
    acknowledgeNag(
      role,
      'AwsSolutions-IAM5',
      'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions, so they are granted on "*".',
      'Resource::*',
    );
  }
}
