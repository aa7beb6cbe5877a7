import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import {
  BackupPlan,
  BackupPlanRule,
  BackupResource,
  BackupVault,
  CfnRestoreTestingPlan,
  CfnRestoreTestingSelection,
  type IBackupVault,
} from 'aws-cdk-lib/aws-backup';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { StageConfig } from '#config/stages';
import { OPS_FUNCTION_ENTRIES } from '../constructs/bundling.ts';
import { acknowledgeNag, nagPartition } from '../constructs/nag.ts';
import { OpsFunction } from '../constructs/ops-function.ts';
import { dataParameterNames } from './data-stack.ts';

/** Tag that puts a resource in the stage's backup plan and restore tests. */
export const BACKUP_TAG_KEY = 'backup-plan';

/** Value of {@link BACKUP_TAG_KEY} for a stage's data: `<appName>-<stage>`. */
export const backupTagValue = (config: StageConfig): string => `${config.appName}-${config.stage}`;

/**
 * Name of the vault that receives cross-region copies. It has to be known in the source region
 * before the copy region's stack exists, so it is derived from the stage, never typed by hand.
 */
export const copyVaultName = (config: StageConfig): string =>
  `${config.appName}-${config.stage}-dr-copies`;

/**
 * The failed-job events the ticket topic hears about: AWS Backup's event type, the detail field
 * holding the job's state (backup and copy events say `state`, restore events `status`), and the
 * states that are failures.
 */
export const FAILED_JOB_EVENTS = [
  {
    id: 'BackupJobFailed',
    detailType: 'Backup Job State Change',
    field: 'state',
    states: ['FAILED', 'ABORTED', 'EXPIRED'],
  },
  { id: 'CopyJobFailed', detailType: 'Copy Job State Change', field: 'state', states: ['FAILED'] },
  {
    id: 'RestoreJobFailed',
    detailType: 'Restore Job State Change',
    field: 'status',
    states: ['FAILED'],
  },
] as const;

const lockOf = (config: StageConfig) =>
  config.dr.vaultLock && {
    minRetention: Duration.days(config.dr.vaultLock.minRetentionDays),
    maxRetention: Duration.days(config.dr.vaultLock.maxRetentionDays),
    // A cooling-off period makes it a compliance-mode lock: immutable once it ends.
    changeableFor: Duration.days(config.dr.vaultLock.coolingOffDays),
  };

export interface BackupCopyVaultStackProps extends StackProps {
  readonly config: StageConfig;
}

/** The vault in the copy region (`config.dr.crossRegionCopy.region`), with its own key and lock. */
export class BackupCopyVaultStack extends Stack {
  public readonly vault: BackupVault;

  constructor(scope: Construct, id: string, props: BackupCopyVaultStackProps) {
    super(scope, id, props);
    const { config } = props;
    const key = new Key(this, 'CopyVaultKey', {
      description: `${config.appName} ${config.stage}: cross-region copies of the backups`,
      enableKeyRotation: true,
    });
    this.vault = new BackupVault(this, 'CopyVault', {
      backupVaultName: copyVaultName(config),
      encryptionKey: key,
      lockConfiguration: lockOf(config),
    });
  }
}

export interface BackupStackProps extends StackProps {
  readonly config: StageConfig;
  /** Key of the tables: the validation function reads restored tables encrypted with it. */
  /**
   * The Data stack's key, when the caller has it in the same stack.
   * @default - read from the Data stack's `key-arn` SSM parameter
   */
  readonly dataKey?: IKey;
  /**
   * Topic that hears about failed backup, copy and restore jobs and the missed-backup alarm.
   * Pass the team's ticket topic; without one the stack creates its own.
   * @default - a KMS-encrypted topic of this stack
   */
  readonly ticketTopic?: ITopic;
}

/**
 * Backups of the stage's tables (every table tagged {@link BACKUP_TAG_KEY}): a KMS-encrypted
 * vault (locked in compliance mode where the stage says so), a plan with the stage's rules and
 * cross-region copies, restore testing with a validation function, and alerts on failed jobs and
 * on a backup missing for longer than the RPO.
 */
export class BackupStack extends Stack {
  public readonly key: Key;
  public readonly vault: BackupVault;
  public readonly plan: BackupPlan;
  public readonly ticketTopic: ITopic;
  public readonly validationFunction: OpsFunction;
  public readonly missedBackupAlarm: Alarm;

  constructor(scope: Construct, id: string, props: BackupStackProps) {
    super(scope, id, props);
    const { config } = props;
    const { dr } = config;

    this.key = new Key(this, 'BackupKey', {
      description: `${config.appName} ${config.stage}: backup vault and backup alerts`,
      enableKeyRotation: true,
    });
    this.vault = new BackupVault(this, 'Vault', {
      encryptionKey: this.key,
      lockConfiguration: lockOf(config),
    });

    const copyTarget: IBackupVault | undefined = dr.crossRegionCopy
      ? BackupVault.fromBackupVaultArn(
          this,
          'CopyVault',
          `arn:${this.partition}:backup:${dr.crossRegionCopy.region}:${this.account}:backup-vault:${copyVaultName(config)}`,
        )
      : undefined;

    this.plan = new BackupPlan(this, 'Plan', { backupVault: this.vault });
    for (const rule of dr.backupRules) {
      const lifecycle = {
        deleteAfter: Duration.days(rule.retentionDays),
        ...(rule.coldStorageAfterDays !== undefined && {
          moveToColdStorageAfter: Duration.days(rule.coldStorageAfterDays),
        }),
      };
      this.plan.addRule(
        new BackupPlanRule({
          ruleName: rule.name,
          scheduleExpression: Schedule.expression(rule.schedule),
          startWindow: Duration.hours(1),
          completionWindow: Duration.hours(8),
          ...lifecycle,
          ...(copyTarget && {
            copyActions: [{ destinationBackupVault: copyTarget, ...lifecycle }],
          }),
        }),
      );
    }
    const selection = this.plan.addSelection('Tables', {
      resources: [BackupResource.fromTag(BACKUP_TAG_KEY, backupTagValue(config))],
      allowRestores: true,
    });
    for (const policy of ['Backup', 'Restores']) {
      acknowledgeNag(
        selection,
        'AwsSolutions-IAM4',
        `AWSBackupServiceRolePolicyFor${policy} is AWS Backup's documented minimum for backing up and restoring the supported resource types; the role is assumable only by backup.amazonaws.com and the selection limits it to the tagged tables.`,
        `Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyFor${policy}`,
      );
    }

    this.ticketTopic = props.ticketTopic ?? this.createTopic(config);
    this.alertOnFailedJobs(this.ticketTopic);
    this.missedBackupAlarm = this.alarmOnMissedBackup(config);
    // The data key's ARN through the Data stack's SSM parameter, not an export: the key stays
    // replaceable (docs/deploying.md, deploy-time traps).
    const dataKey =
      props.dataKey ??
      Key.fromKeyArn(
        this,
        'DataKey',
        StringParameter.valueForStringParameter(this, dataParameterNames(config).keyArn),
      );
    this.validationFunction = this.addRestoreTesting(config, dataKey);
  }

  private createTopic(config: StageConfig): Topic {
    const topic = new Topic(this, 'BackupAlerts', {
      displayName: `${config.appName} ${config.stage} backup alerts`,
      masterKey: this.key,
      enforceSSL: true,
    });
    // EventBridge and CloudWatch publish to the encrypted topic with the key.
    for (const service of ['events.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      this.key.grant(new ServicePrincipal(service), 'kms:Decrypt', 'kms:GenerateDataKey');
    }
    return topic;
  }

  private alertOnFailedJobs(topic: ITopic): void {
    for (const { id, detailType, field, states } of FAILED_JOB_EVENTS) {
      new Rule(this, id, {
        description: `${detailType}: ${states.join(', ')}`,
        eventPattern: {
          source: ['aws.backup'],
          detailType: [detailType],
          detail: { [field]: [...states] },
        },
        targets: [new SnsTopic(topic)],
      });
    }
  }

  /** ALARM when no backup job of the vault completed within the stage's backup RPO. */
  private alarmOnMissedBackup(config: StageConfig): Alarm {
    const hours = Math.max(
      ...Object.values(config.dr.dataStores).map((targets) => targets.backupRpoHours),
      config.dr.defaultTargets.backupRpoHours,
    );
    const alarm = new Alarm(this, 'NoRecentBackup', {
      alarmDescription: `No backup job of the ${config.appName} ${config.stage} vault completed in the last ${hours} h (the backup RPO). Runbook: runbooks/dr/restore-table.md`,
      metric: new Metric({
        namespace: 'AWS/Backup',
        metricName: 'NumberOfBackupJobsCompleted',
        dimensionsMap: { BackupVaultName: this.vault.backupVaultName },
        statistic: 'Sum',
        period: Duration.hours(1),
      }),
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      threshold: 1,
      evaluationPeriods: hours,
      datapointsToAlarm: hours,
      // No completed job publishes no data point: silence is the failure this alarm is for.
      treatMissingData: TreatMissingData.BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.ticketTopic));
    return alarm;
  }

  private addRestoreTesting(config: StageConfig, dataKey: IKey): OpsFunction {
    const { restoreTesting } = config.dr;
    const planName = `${config.appName}_${config.stage}_tables`.replace(/[^A-Za-z0-9_]/g, '_');
    const plan = new CfnRestoreTestingPlan(this, 'RestoreTestingPlan', {
      restoreTestingPlanName: planName,
      scheduleExpression: restoreTesting.schedule,
      startWindowHours: 1,
      recoveryPointSelection: {
        algorithm: 'LATEST_WITHIN_WINDOW',
        includeVaults: [this.vault.backupVaultArn],
        recoveryPointTypes: ['SNAPSHOT'],
        selectionWindowDays: restoreTesting.selectionWindowDays,
      },
    });
    const role = new Role(this, 'RestoreTestingRole', {
      assumedBy: new ServicePrincipal('backup.amazonaws.com'),
      description: `${config.appName} ${config.stage}: restores recovery points for restore tests`,
      managedPolicies: [
        ManagedPolicy.fromAwsManagedPolicyName(
          'service-role/AWSBackupServiceRolePolicyForRestores',
        ),
      ],
    });
    acknowledgeNag(
      role,
      'AwsSolutions-IAM4',
      "AWSBackupServiceRolePolicyForRestores is AWS Backup's documented minimum for restoring a recovery point; the role is assumable only by backup.amazonaws.com.",
      'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores',
    );
    new CfnRestoreTestingSelection(this, 'RestoreTestingTables', {
      // Ref is the plan's name: CloudFormation creates the plan first.
      restoreTestingPlanName: plan.ref,
      restoreTestingSelectionName: 'tables',
      protectedResourceType: 'DynamoDB',
      iamRoleArn: role.roleArn,
      protectedResourceArns: ['*'],
      protectedResourceConditions: {
        stringEquals: [{ key: `aws:ResourceTag/${BACKUP_TAG_KEY}`, value: backupTagValue(config) }],
      },
      validationWindowHours: restoreTesting.validationWindowHours,
    });

    const fn = new OpsFunction(this, 'ValidateRestore', {
      entry: OPS_FUNCTION_ENTRIES.validateRestore,
      config,
      description: `${config.appName} ${config.stage}: validates tables restored by restore testing`,
    });
    const partitionText = nagPartition(this);
    const tables = `arn:${this.partition}:dynamodb:${this.region}:${this.account}:table/*`;
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['backup:DescribeRestoreJob', 'backup:PutRestoreValidationResult'],
        resources: [`arn:${this.partition}:backup:${this.region}:${this.account}:restore-job:*`],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:DescribeTable', 'dynamodb:Scan', 'dynamodb:BatchGetItem'],
        resources: [tables],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt', 'kms:DescribeKey'],
        resources: [dataKey.keyArn],
      }),
    );
    acknowledgeNag(
      fn.role ?? fn,
      'AwsSolutions-IAM5',
      'Restore jobs get their ids, and restored tables their names, when AWS Backup creates them: the function can only be granted by ARN pattern. Read-only table actions and two restore-job calls, in this account and region only.',
      `Resource::arn:${partitionText}:dynamodb:${this.region}:${this.account}:table/*`,
    );
    acknowledgeNag(
      fn.role ?? fn,
      'AwsSolutions-IAM5',
      'Restore job ids exist only once AWS Backup starts a job; the two calls are limited to restore jobs of this account and region.',
      `Resource::arn:${partitionText}:backup:${this.region}:${this.account}:restore-job:*`,
    );
    new Rule(this, 'RestoreTestCompleted', {
      description: 'A restore test restored a table: validate it',
      eventPattern: {
        source: ['aws.backup'],
        detailType: ['Restore Job State Change'],
        detail: { status: ['COMPLETED'], restoreTestingPlanArn: [{ exists: true }] },
      },
      targets: [new LambdaFunction(fn, { retryAttempts: 2 })],
    });
    return fn;
  }
}
