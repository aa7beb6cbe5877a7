import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { STAGES } from '#config/stages';
import { actionsOfRole, synthesized } from '#tests/unit/cdk/helpers';
import { BackupStack } from '../../../../cdk/stacks/backup-stack.ts';

describe('BackupStack', () => {
  const dev = synthesized('dev').built;
  const prod = synthesized('prod').built;
  const devBackup = Template.fromStack(dev.backup);
  const prodBackup = Template.fromStack(prod.backup);
  /** The alerting stack's ticket topic, as the Backup stack imports it. */
  const ticketTopic = { 'Fn::ImportValue': Match.stringLikeRegexp('TicketTopic') };

  it('encrypts the vault with its own rotating customer managed key', () => {
    devBackup.hasResourceProperties('AWS::Backup::BackupVault', {
      EncryptionKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BackupKey'), 'Arn'] },
    });
    devBackup.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('locks the prod vault in compliance mode (with a cooling-off period) and leaves dev unlocked', () => {
    // Prepare
    const lock = STAGES.prod.dr.vaultLock;

    // Assess
    expect(lock).toBeDefined();
    prodBackup.hasResourceProperties('AWS::Backup::BackupVault', {
      LockConfiguration: {
        MinRetentionDays: lock?.minRetentionDays,
        MaxRetentionDays: lock?.maxRetentionDays,
        ChangeableForDays: lock?.coolingOffDays,
      },
    });
    devBackup.hasResourceProperties('AWS::Backup::BackupVault', {
      LockConfiguration: Match.absent(),
    });
  });

  it('backs prod up daily for 35 days, weekly for 12 weeks and monthly for 12 months, copying each to the copy region', () => {
    // Prepare
    const copyVault = Match.stringLikeRegexp('^arn:aws:backup:eu-central-1:\\d{12}:backup-vault:');
    const rule = (name: string, days: number) =>
      Match.objectLike({
        RuleName: name,
        Lifecycle: Match.objectLike({ DeleteAfterDays: days }),
        CopyActions: [
          Match.objectLike({
            DestinationBackupVaultArn: copyVault,
            Lifecycle: Match.objectLike({ DeleteAfterDays: days }),
          }),
        ],
      });

    // Assess
    prodBackup.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanRule: [rule('daily', 35), rule('weekly', 84), rule('monthly', 365)],
      },
    });
  });

  it('keeps dev backups for a week, without copies', () => {
    devBackup.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanRule: [
          Match.objectLike({
            RuleName: 'daily',
            Lifecycle: { DeleteAfterDays: 7 },
            CopyActions: Match.absent(),
          }),
        ],
      },
    });
    expect(dev.backupCopy).toBeUndefined();
  });

  it('creates the copy vault in the copy region, under the name the plan copies to, with its own key and lock', () => {
    // Prepare
    const copy = prod.backupCopy;

    // Assess
    expect(copy?.region).toBe(STAGES.prod.dr.crossRegionCopy?.region);
    const template = Template.fromStack(copy as NonNullable<typeof copy>);
    template.hasResourceProperties('AWS::Backup::BackupVault', {
      BackupVaultName: 'Orders-prod-dr-copies',
      EncryptionKeyArn: Match.anyValue(),
      LockConfiguration: Match.objectLike({ ChangeableForDays: 3 }),
    });
    expect(JSON.stringify(prodBackup.toJSON())).toContain('backup-vault:Orders-prod-dr-copies');
  });

  it('selects resources by the backup tag of the stage', () => {
    devBackup.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: {
        ListOfTags: [
          {
            ConditionKey: 'backup-plan',
            ConditionValue: 'Orders-dev',
            ConditionType: 'STRINGEQUALS',
          },
        ],
      },
    });
  });

  it('restore-tests the tagged DynamoDB tables from the vault', () => {
    devBackup.hasResourceProperties('AWS::Backup::RestoreTestingPlan', {
      ScheduleExpression: STAGES.dev.dr.restoreTesting.schedule,
      RecoveryPointSelection: {
        Algorithm: 'LATEST_WITHIN_WINDOW',
        IncludeVaults: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Vault'), 'BackupVaultArn'] }],
        SelectionWindowDays: STAGES.dev.dr.restoreTesting.selectionWindowDays,
      },
    });
    devBackup.hasResourceProperties('AWS::Backup::RestoreTestingSelection', {
      ProtectedResourceType: 'DynamoDB',
      ProtectedResourceArns: ['*'],
      ProtectedResourceConditions: {
        StringEquals: [{ Key: 'aws:ResourceTag/backup-plan', Value: 'Orders-dev' }],
      },
      ValidationWindowHours: STAGES.dev.dr.restoreTesting.validationWindowHours,
      RestoreTestingPlanName: { Ref: Match.stringLikeRegexp('^RestoreTestingPlan') },
    });
  });

  it('validates completed restore tests with a function that may only read tables and report', () => {
    // Prepare
    const [roleId] = Object.keys(
      devBackup.findResources('AWS::IAM::Role', {
        Properties: { Description: Match.stringLikeRegexp('ValidateRestore') },
      }),
    );

    // Act
    const actions = actionsOfRole(devBackup, roleId as string);

    // Assess
    devBackup.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.backup'],
        'detail-type': ['Restore Job State Change'],
        detail: { status: ['COMPLETED'], restoreTestingPlanArn: [{ exists: true }] },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ValidateRestore'), 'Arn'] },
        }),
      ],
    });
    expect(actions).toEqual(
      expect.arrayContaining(['backup:PutRestoreValidationResult', 'dynamodb:Scan']),
    );
    const dataActions = actions.filter((action) => /^(dynamodb|backup|kms):/.test(action));
    expect(
      dataActions.filter((action) =>
        /:(Put|Update|Delete|BatchWrite|Create|Restore|Start)/.test(action),
      ),
    ).toEqual(['backup:PutRestoreValidationResult']);
    expect(actions.some((action) => action.includes('*'))).toBe(false);
  });

  it.each([
    ['Backup Job State Change', 'state', ['FAILED', 'ABORTED', 'EXPIRED']],
    ['Copy Job State Change', 'state', ['FAILED']],
    ['Restore Job State Change', 'status', ['FAILED']],
  ])('sends %s failures to the ticket topic', (detailType, field, states) => {
    devBackup.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.backup'],
        'detail-type': [detailType],
        detail: { [field]: states },
      },
      Targets: [Match.objectLike({ Arn: ticketTopic })],
    });
  });

  it('has no topic of its own when the alerting stack gives it the ticket topic', () => {
    devBackup.resourceCountIs('AWS::SNS::Topic', 0);
  });

  it('encrypts its own alert topic and only accepts TLS when it is given none', () => {
    // Prepare
    const app = new App({
      context: { 'aws:cdk:bundling-stacks': [] },
      builtinCloudFormationValidation: false,
    });

    // Act
    const alone = Template.fromStack(
      new BackupStack(app, 'Alone', { env: STAGES.dev.env, config: STAGES.dev }),
    );

    // Assess
    alone.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    alone.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('alarms when no backup completed within the backup RPO, treating silence as a breach', () => {
    // Prepare
    const hours = STAGES.prod.dr.dataStores.orders?.backupRpoHours;

    // Assess
    prodBackup.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Backup',
      MetricName: 'NumberOfBackupJobsCompleted',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      Period: 3600,
      EvaluationPeriods: hours,
      DatapointsToAlarm: hours,
      TreatMissingData: 'breaching',
      AlarmActions: [ticketTopic],
    });
  });
});
