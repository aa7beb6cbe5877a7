import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IAlarm,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import {
  type ILambdaApplication,
  type ILambdaDeploymentConfig,
  LambdaDeploymentConfig,
  LambdaDeploymentGroup,
} from 'aws-cdk-lib/aws-codedeploy';
import { Construct } from 'constructs';
import type { PipelineConfig, StageConfig } from '#config/stages';
import type { RouteId } from '#routes';
import { SLOS } from '#slos/definitions';
import { BURN_RATE_POLICY, type SloDefinition, targetIn } from '#slos/spec';
import { acknowledgeNag } from './nag.ts';
import type { OrdersFunction } from './orders-function.ts';
import { sloAlarmId } from './slo-alarms.ts';

const DEPLOYMENT_CONFIGS: Readonly<
  Record<PipelineConfig['lambdaDeployment'], ILambdaDeploymentConfig>
> = {
  Canary10Percent5Minutes: LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
  Canary10Percent10Minutes: LambdaDeploymentConfig.CANARY_10PERCENT_10MINUTES,
  Linear10PercentEvery1Minute: LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTE,
  AllAtOnce: LambdaDeploymentConfig.ALL_AT_ONCE,
};

const coversRoute = (slo: SloDefinition, routeId: RouteId): boolean => {
  const sources =
    slo.indicator.kind === 'ratio'
      ? [...slo.indicator.bad, ...slo.indicator.valid]
      : [slo.indicator.goodPercent, slo.indicator.valid];
  return sources.some((source) => source.kind === 'apiMethod' && source.route === routeId);
};

/**
 * Names of the fast-burn (page) short-window SLO alarms of the SLOs that count `routeId`'s
 * requests in `config`'s stage: the alarms the Alerting stack creates, which react within
 * minutes, so a canary that burns error budget fast is rolled back.
 */
export const fastBurnAlarmNames = (config: StageConfig, routeId: RouteId): string[] => {
  const fastest = BURN_RATE_POLICY[0];
  if (!fastest) return [];
  return SLOS.filter(
    (slo) => targetIn(slo, config.stage) !== undefined && coversRoute(slo, routeId),
  ).map((slo) => `${config.appName}-${config.stage}-${sloAlarmId(slo, fastest)}-short`);
};

export interface CanaryDeploymentProps {
  readonly fn: OrdersFunction;
  readonly config: StageConfig;
  /** The CodeDeploy application the stage's function deployments belong to. */
  readonly application: ILambdaApplication;
}

/**
 * Rolls each new version of a route's function out through CodeDeploy: its `live` alias moves by
 * the stage's `pipeline.lambdaDeployment` (10% for 5 minutes, then the rest), and CodeDeploy rolls
 * back when the new version reports any error or the route's fast-burn SLO alarms go off.
 */
export class CanaryDeployment extends Construct {
  public readonly group: LambdaDeploymentGroup;
  /** Errors of the version being rolled out (the `live` alias's target). */
  public readonly errorsAlarm: Alarm;

  constructor(scope: Construct, id: string, props: CanaryDeploymentProps) {
    super(scope, id);
    const { fn, config } = props;
    this.errorsAlarm = new Alarm(this, 'NewVersionErrors', {
      alarmDescription: `${config.appName} ${config.stage} ${fn.routeId}: the version being deployed threw an error; CodeDeploy rolls the live alias back. Runbook: ${config.alerting.runbookBaseUrl.replace(/\/+$/, '')}/canary-rollback.md`,
      // Lambda reports a version's metrics under FunctionName plus Resource `<name>:<version>`.
      metric: new Metric({
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        dimensionsMap: {
          FunctionName: fn.functionName,
          Resource: `${fn.functionName}:${fn.currentVersion.version}`,
        },
        period: Duration.minutes(1),
        statistic: 'Sum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const sloAlarms: IAlarm[] = fastBurnAlarmNames(config, fn.routeId).map((name) =>
      Alarm.fromAlarmName(this, `Slo-${name}`, name),
    );
    this.group = new LambdaDeploymentGroup(this, 'Group', {
      application: props.application,
      alias: fn.live,
      deploymentConfig: DEPLOYMENT_CONFIGS[config.pipeline.lambdaDeployment],
      alarms: [this.errorsAlarm, ...sloAlarms],
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });
    acknowledgeNag(
      this.group,
      'AwsSolutions-IAM4',
      "CodeDeploy's AWSCodeDeployRoleForLambdaLimited: moves Lambda aliases, reads alarms, and invokes only hook functions named CodeDeployHook_*; the managed policy tracks the service's needs.",
      'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited',
    );
  }
}
