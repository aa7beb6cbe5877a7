import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { StageConfig } from '#config/stages';

export interface DeploymentsStackProps extends StackProps {
  readonly config: StageConfig;
}

/** SSM parameter holding the deployments table's name: `/<appName>/<stage>/deployments/table-name`. */
export const deploymentsTableParameterName = (config: StageConfig): string =>
  `/${config.appName}/${config.stage}/deployments/table-name`;

/**
 * The stage's deployments record: one item per deploy (`pk` `<service>#<stage>`, `sk`
 * `<ISO deployedAt>#<commit>`), written by the pipeline through `ops/record-deployment.ts` and
 * read by the DORA report and by triage as recent-deployment evidence. A stack of its own so
 * that the record outlives the service stacks it describes.
 */
export class DeploymentsStack extends Stack {
  public readonly table: Table;
  public readonly tableNameParameter: StringParameter;

  constructor(scope: Construct, id: string, props: DeploymentsStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const key = new Key(this, 'Key', {
      description: `${config.appName} ${config.stage}: deployments record`,
      enableKeyRotation: true,
      removalPolicy,
    });
    this.table = new Table(this, 'Deployments', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: config.retainData,
      removalPolicy,
    });
    this.tableNameParameter = new StringParameter(this, 'TableName', {
      parameterName: deploymentsTableParameterName(config),
      stringValue: this.table.tableName,
      description: `${config.appName} ${config.stage}: name of the deployments record table`,
    });
  }
}
