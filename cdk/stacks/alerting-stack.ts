import { Stack, type StackProps } from 'aws-cdk-lib';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { StageConfig } from '#config/stages';
import { Escalation, subscribe } from '../constructs/escalation.ts';
import { SloAlarms } from '../constructs/slo-alarms.ts';

export interface AlertingStackProps extends StackProps {
  readonly config: StageConfig;
  /** The REST API's name (its metrics' `ApiName`); a literal, so no cross-stack reference. */
  readonly apiName: string;
}

export type Severity = 'page' | 'ticket' | 'info';

/**
 * SSM parameter that holds a severity's topic ARN. Stacks that alarm on their own resources read
 * it at deploy time instead of importing an export, so the topics stay replaceable.
 */
export const alertTopicParameterName = (config: StageConfig, severity: Severity): string =>
  `/${config.appName}/${config.stage}/alerting/${severity}-topic-arn`;

/**
 * Where alarms go: an SNS topic per severity (KMS-encrypted, TLS only, publishable only by
 * CloudWatch and EventBridge in this account) and the SLO burn-rate alarms generated from
 * `slos/`. It reads every metric by name and dimension, so it holds no reference to the other
 * stacks and can be replaced on its own.
 */
export class AlertingStack extends Stack {
  public readonly topics: Readonly<Record<Severity, Topic>>;
  public readonly sloAlarms: SloAlarms;
  /** Incidents, escalation tiers and the functions that page them (docs/paging.md). */
  public readonly escalation: Escalation;

  constructor(scope: Construct, id: string, props: AlertingStackProps) {
    super(scope, id, props);
    const { config } = props;
    const key = new Key(this, 'TopicsKey', {
      description: `${config.appName} ${config.stage}: alert topics`,
      enableKeyRotation: true,
    });
    for (const service of ['cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
      key.grant(new ServicePrincipal(service), 'kms:Decrypt', 'kms:GenerateDataKey');
    }
    const topic = (severity: Severity) => {
      const created = new Topic(this, `${severity[0]?.toUpperCase()}${severity.slice(1)}Topic`, {
        displayName: `${config.appName} ${config.stage} ${severity}`,
        masterKey: key,
        enforceSSL: true,
      });
      // Only CloudWatch alarms and EventBridge rules of this account publish alerts.
      created.addToResourcePolicy(
        new PolicyStatement({
          actions: ['sns:Publish'],
          principals: [
            new ServicePrincipal('cloudwatch.amazonaws.com'),
            new ServicePrincipal('events.amazonaws.com'),
          ],
          resources: [created.topicArn],
          conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
        }),
      );
      return created;
    };
    this.topics = { page: topic('page'), ticket: topic('ticket'), info: topic('info') };
    for (const severity of ['page', 'ticket', 'info'] as const)
      subscribe(this.topics[severity], config.paging.subscriptions[severity]);
    this.escalation = new Escalation(this, 'Escalation', {
      config,
      pageTopic: this.topics.page,
      infoTopic: this.topics.info,
      topicsKey: key,
    });
    for (const [severity, created] of Object.entries(this.topics)) {
      new StringParameter(this, `${created.node.id}ArnParameter`, {
        parameterName: alertTopicParameterName(config, severity as Severity),
        description: `${config.appName} ${config.stage}: ARN of the ${severity} alert topic`,
        stringValue: created.topicArn,
      });
    }

    this.sloAlarms = new SloAlarms(this, 'Slo', {
      config,
      apiName: props.apiName,
      runbookBaseUrl: config.alerting.runbookBaseUrl,
      actions: { page: new SnsAction(this.topics.page), ticket: new SnsAction(this.topics.ticket) },
    });
  }
}
