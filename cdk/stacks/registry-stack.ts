import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  CfnPullThroughCacheRule,
  CfnRegistryScanningConfiguration,
  Repository,
  TagMutability,
  TagStatus,
} from 'aws-cdk-lib/aws-ecr';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { StageConfig } from '#config/stages';

export interface RegistryStackProps extends StackProps {
  readonly config: StageConfig;
  /**
   * Where CRITICAL and HIGH image scan findings go (the alerting ticket topic).
   * @default - a topic of this stack
   */
  readonly findingsTopic?: ITopic;
}

/** Path prefix of the pull-through cache of ECR Public in this registry. */
export const ECR_PUBLIC_CACHE_PREFIX = 'ecr-public';

/**
 * The fulfilment worker's image registry, deployed before the worker so a release can be pushed
 * before the service first points at it: an ECR repository (immutable tags, scan on push or
 * Inspector enhanced scanning, lifecycle rules), a pull-through cache of ECR Public for the
 * ADOT collector sidecar (the tasks have no route to the internet), and an EventBridge rule that
 * routes CRITICAL and HIGH findings to a topic.
 */
export class RegistryStack extends Stack {
  public readonly repository: Repository;
  public readonly findingsTopic: ITopic;

  constructor(scope: Construct, id: string, props: RegistryStackProps) {
    super(scope, id, props);
    const { config } = props;
    const { worker } = config;

    this.repository = new Repository(this, 'WorkerRepository', {
      imageTagMutability: TagMutability.IMMUTABLE,
      imageScanOnPush: !worker.enhancedScanning,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      emptyOnDelete: !config.retainData,
      lifecycleRules: [
        {
          rulePriority: 1,
          description: `Expire untagged images after ${worker.untaggedExpiryDays} days`,
          tagStatus: TagStatus.UNTAGGED,
          maxImageAge: Duration.days(worker.untaggedExpiryDays),
        },
        {
          rulePriority: 2,
          description: `Keep the last ${worker.keepReleases} releases (<semver>-<git sha> tags)`,
          tagStatus: TagStatus.TAGGED,
          tagPatternList: ['[0-9]*'],
          maxImageCount: worker.keepReleases,
        },
      ],
    });

    if (worker.enhancedScanning) {
      // Registry-wide: Inspector scans every pushed image, and keeps re-scanning for new CVEs.
      new CfnRegistryScanningConfiguration(this, 'EnhancedScanning', {
        scanType: 'ENHANCED',
        rules: [
          {
            scanFrequency: 'CONTINUOUS_SCAN',
            repositoryFilters: [{ filter: this.repository.repositoryName, filterType: 'WILDCARD' }],
          },
        ],
      });
    }

    new CfnPullThroughCacheRule(this, 'EcrPublicCache', {
      ecrRepositoryPrefix: ECR_PUBLIC_CACHE_PREFIX,
      upstreamRegistryUrl: 'public.ecr.aws',
    });

    if (props.findingsTopic) {
      this.findingsTopic = props.findingsTopic;
    } else {
      const key = new Key(this, 'FindingsKey', {
        description: `${config.appName} ${config.stage}: image scan findings topic`,
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      // EventBridge publishes to the encrypted topic: it needs the key too.
      key.addToResourcePolicy(
        new PolicyStatement({
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          principals: [new ServicePrincipal('events.amazonaws.com')],
          resources: ['*'],
        }),
      );
      this.findingsTopic = new Topic(this, 'FindingsTopic', {
        displayName: `${config.appName} ${config.stage} image scan findings`,
        masterKey: key,
        enforceSSL: true,
      });
    }

    const severities = ['CRITICAL', 'HIGH'];
    new Rule(this, 'SevereFindings', {
      description: 'CRITICAL and HIGH findings of the worker image, basic or enhanced scanning',
      eventPattern: {
        source: ['aws.ecr', 'aws.inspector2'],
        detailType: ['ECR Image Scan', 'Inspector2 Finding'],
        detail: {
          $or: [
            {
              'repository-name': [this.repository.repositoryName],
              'finding-severity-counts': {
                $or: severities.map((severity) => ({ [severity]: [{ numeric: ['>', 0] }] })),
              },
            },
            {
              severity: severities,
              resources: {
                details: {
                  awsEcrContainerImage: { repositoryName: [this.repository.repositoryName] },
                },
              },
            },
          ],
        },
      },
      targets: [new SnsTopic(this.findingsTopic)],
    });

    new CfnOutput(this, 'WorkerRepositoryName', {
      value: this.repository.repositoryName,
      description: 'ECR repository the pipeline pushes worker releases to',
    });
  }
}
