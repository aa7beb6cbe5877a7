import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { StageConfig, TableCapacityConfig } from '#config/stages';
import { OrderOutbox } from '../constructs/order-outbox.ts';
import { ORDERS_BY_CUSTOMER_INDEX, ORDERS_BY_OWNER_INDEX } from '../constructs/orders-function.ts';

/**
 * Table (or index) properties of a capacity setting: on demand with request-unit ceilings, or
 * provisioned at its minimum (autoscaling raises it, see {@link autoScaleProvisioned}).
 */
export const tableCapacity = (capacity: TableCapacityConfig) =>
  capacity.mode === 'onDemand'
    ? {
        billingMode: BillingMode.PAY_PER_REQUEST,
        maxReadRequestUnits: capacity.maxReadRequestUnits,
        maxWriteRequestUnits: capacity.maxWriteRequestUnits,
      }
    : {
        billingMode: BillingMode.PROVISIONED,
        readCapacity: capacity.read.min,
        writeCapacity: capacity.write.min,
      };

/** Target-tracking autoscaling of a provisioned table and its indexes; nothing on demand. */
const autoScaleProvisioned = (
  table: Table,
  capacity: TableCapacityConfig,
  indexes: readonly string[],
): void => {
  if (capacity.mode !== 'provisioned') return;
  const targetUtilizationPercent = capacity.targetUtilizationPercent;
  table
    .autoScaleReadCapacity({ minCapacity: capacity.read.min, maxCapacity: capacity.read.max })
    .scaleOnUtilization({ targetUtilizationPercent });
  table
    .autoScaleWriteCapacity({ minCapacity: capacity.write.min, maxCapacity: capacity.write.max })
    .scaleOnUtilization({ targetUtilizationPercent });
  for (const index of indexes) {
    table
      .autoScaleGlobalSecondaryIndexReadCapacity(index, {
        minCapacity: capacity.read.min,
        maxCapacity: capacity.read.max,
      })
      .scaleOnUtilization({ targetUtilizationPercent });
    table
      .autoScaleGlobalSecondaryIndexWriteCapacity(index, {
        minCapacity: capacity.write.min,
        maxCapacity: capacity.write.max,
      })
      .scaleOnUtilization({ targetUtilizationPercent });
  }
};

export interface DataStackProps extends StackProps {
  readonly config: StageConfig;
}

/** The fault-injection settings the parameter starts with: nothing injected. */
export const FAULT_INJECTION_DEFAULT = { enabled: false, routes: {} } as const;

/** Stage-scoped SSM name of the fault-injection settings. */
export const faultParameterName = (config: StageConfig): string =>
  `/${config.appName}/${config.stage}/fault-injection`;

/**
 * Stage-scoped SSM name holding the catalog table's name, where `npm run catalog:seed` finds it.
 */
export const catalogTableParameterName = (config: StageConfig): string =>
  `/${config.appName}/${config.stage}/catalog-table-name`;

/**
 * SSM names under which the Data stack publishes what the Api stack needs. The Api stack reads
 * them at deploy time instead of importing CloudFormation exports, so a table or key can be
 * replaced without an "export in use" deadlock (see docs/deploying.md).
 */
export const dataParameterNames = (config: StageConfig) => {
  const prefix = `/${config.appName}/${config.stage}/data`;
  return {
    ordersTableName: `${prefix}/orders-table-name`,
    idempotencyTableName: `${prefix}/idempotency-table-name`,
    catalogTableName: `${prefix}/catalog-table-name`,
    fulfilmentQueueName: `${prefix}/fulfilment-queue-name`,
    fulfilmentQueueUrl: `${prefix}/fulfilment-queue-url`,
    fulfilmentQueueArn: `${prefix}/fulfilment-queue-arn`,
    fulfilmentDlqUrl: `${prefix}/fulfilment-dlq-url`,
    fulfilmentDlqArn: `${prefix}/fulfilment-dlq-arn`,
    ordersTableArn: `${prefix}/orders-table-arn`,
    keyArn: `${prefix}/key-arn`,
    fulfilmentDlqName: `${prefix}/fulfilment-dlq-name`,
    outboxPipeName: `${prefix}/outbox-pipe-name`,
  } as const;
};

/**
 * Names of the Data stack's outputs (`aws cloudformation describe-stacks`): what operators and
 * the endpoint/aws test modes read instead of CDK's generated names.
 */
export const DATA_OUTPUTS = {
  ordersTableName: 'OrdersTableName',
  idempotencyTableName: 'IdempotencyTableName',
  catalogTableName: 'CatalogTableName',
  fulfilmentQueueUrl: 'FulfilmentQueueUrl',
  fulfilmentDlqUrl: 'FulfilmentDlqUrl',
  outboxDlqUrl: 'OutboxDlqUrl',
  faultParameterName: 'FaultInjectionParameterName',
} as const;

/**
 * Stateful resources, kept apart from the API so the API can be replaced freely: the customer
 * managed key, the orders, idempotency and catalog tables, the fulfilment queue and its DLQ, the outbox
 * (the orders table's stream piped to the fulfilment queue) and (where the stage allows it) the
 * fault-injection parameter. Physical names are left to CloudFormation.
 */
export class DataStack extends Stack {
  public readonly key: Key;
  public readonly ordersTable: Table;
  public readonly idempotencyTable: Table;
  /** SKUs: `{ sku, name, active, prices: { EUR: cents, ... } }`, loaded by `npm run catalog:seed`. */
  public readonly catalogTable: Table;
  public readonly fulfilmentQueue: Queue;
  public readonly fulfilmentDlq: Queue;
  public readonly outbox: OrderOutbox;
  /** Present only when `config.faultInjection.allowed`. */
  public readonly faultParameter: StringParameter | undefined;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.key = new Key(this, 'DataKey', {
      description: `${config.appName} ${config.stage}: orders data, idempotency records and fulfilment messages`,
      enableKeyRotation: true,
      removalPolicy,
    });

    const tableDefaults = {
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: config.retainData,
      removalPolicy,
    } as const;

    this.ordersTable = new Table(this, 'OrdersTable', {
      ...tableDefaults,
      ...tableCapacity(config.dynamodb.orders),
      partitionKey: { name: 'orderId', type: AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
      // The outbox reads committed changes from here.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
    });
    // Each consumer lists through its own partitions (`<consumer>#<customerId>`): one Query per
    // page that cannot return another consumer's orders, with no filtering after the read.
    this.ordersTable.addGlobalSecondaryIndex({
      indexName: ORDERS_BY_OWNER_INDEX,
      partitionKey: { name: 'ownerCustomer', type: AttributeType.STRING },
      sortKey: { name: 'createdAt', type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
      ...tableCapacity(config.dynamodb.orders),
    });
    // Every consumer's orders of a customer: only holders of orders.read.all query it.
    this.ordersTable.addGlobalSecondaryIndex({
      indexName: ORDERS_BY_CUSTOMER_INDEX,
      partitionKey: { name: 'customerId', type: AttributeType.STRING },
      sortKey: { name: 'createdAt', type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
      ...tableCapacity(config.dynamodb.orders),
    });

    this.idempotencyTable = new Table(this, 'IdempotencyTable', {
      ...tableDefaults,
      ...tableCapacity(config.dynamodb.idempotency),
      partitionKey: { name: 'id', type: AttributeType.STRING },
      timeToLiveAttribute: 'expiration',
    });

    this.catalogTable = new Table(this, 'CatalogTable', {
      ...tableDefaults,
      ...tableCapacity(config.dynamodb.catalog),
      partitionKey: { name: 'sku', type: AttributeType.STRING },
    });
    // Capacity per stage (cdk/config/stages.ts `dynamodb`, with its justification there).
    autoScaleProvisioned(this.ordersTable, config.dynamodb.orders, [
      ORDERS_BY_OWNER_INDEX,
      ORDERS_BY_CUSTOMER_INDEX,
    ]);
    autoScaleProvisioned(this.idempotencyTable, config.dynamodb.idempotency, []);
    autoScaleProvisioned(this.catalogTable, config.dynamodb.catalog, []);
    new StringParameter(this, 'CatalogTableNameParameter', {
      // Operators' tools address it by this stage-scoped path, like the fault-injection one.
      parameterName: catalogTableParameterName(config),
      description: `${config.appName} ${config.stage}: name of the catalog table (npm run catalog:seed)`,
      stringValue: this.catalogTable.tableName,
    });

    this.fulfilmentDlq = new Queue(this, 'FulfilmentDlq', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    this.fulfilmentQueue = new Queue(this, 'FulfilmentQueue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      deadLetterQueue: {
        queue: this.fulfilmentDlq,
        maxReceiveCount: config.fulfilmentMaxReceiveCount,
      },
      removalPolicy,
    });

    this.outbox = new OrderOutbox(this, 'Outbox', {
      config,
      table: this.ordersTable,
      queue: this.fulfilmentQueue,
      key: this.key,
    });

    const names = dataParameterNames(config);
    for (const [id, parameterName, stringValue] of [
      ['OrdersTableNameParameter', names.ordersTableName, this.ordersTable.tableName],
      [
        'IdempotencyTableNameParameter',
        names.idempotencyTableName,
        this.idempotencyTable.tableName,
      ],
      ['CatalogTableNameApiParameter', names.catalogTableName, this.catalogTable.tableName],
      ['FulfilmentQueueNameParameter', names.fulfilmentQueueName, this.fulfilmentQueue.queueName],
      ['FulfilmentQueueUrlParameter', names.fulfilmentQueueUrl, this.fulfilmentQueue.queueUrl],
      ['FulfilmentQueueArnParameter', names.fulfilmentQueueArn, this.fulfilmentQueue.queueArn],
      ['FulfilmentDlqUrlParameter', names.fulfilmentDlqUrl, this.fulfilmentDlq.queueUrl],
      ['FulfilmentDlqArnParameter', names.fulfilmentDlqArn, this.fulfilmentDlq.queueArn],
      ['OrdersTableArnParameter', names.ordersTableArn, this.ordersTable.tableArn],
      ['KeyArnParameter', names.keyArn, this.key.keyArn],
      ['FulfilmentDlqNameParameter', names.fulfilmentDlqName, this.fulfilmentDlq.queueName],
      ['OutboxPipeNameParameter', names.outboxPipeName, this.outbox.pipe.ref],
    ] as const) {
      new StringParameter(this, id, {
        parameterName,
        stringValue,
        description: `${config.appName} ${config.stage}: read by the Api stack at deploy time`,
      });
    }

    this.faultParameter = config.faultInjection.allowed
      ? new StringParameter(this, 'FaultInjectionParameter', {
          // The one physical name: operators and the chaos runbook address it by this path.
          parameterName: faultParameterName(config),
          description: `${config.appName} ${config.stage}: fault-injection settings read by every function`,
          stringValue: JSON.stringify(FAULT_INJECTION_DEFAULT),
        })
      : undefined;

    const outputs: [string, string, string][] = [
      [DATA_OUTPUTS.ordersTableName, this.ordersTable.tableName, 'Orders table'],
      [DATA_OUTPUTS.idempotencyTableName, this.idempotencyTable.tableName, 'Idempotency table'],
      [DATA_OUTPUTS.catalogTableName, this.catalogTable.tableName, 'Catalog table'],
      [DATA_OUTPUTS.fulfilmentQueueUrl, this.fulfilmentQueue.queueUrl, 'Fulfilment queue'],
      [DATA_OUTPUTS.fulfilmentDlqUrl, this.fulfilmentDlq.queueUrl, 'Fulfilment DLQ'],
      [
        DATA_OUTPUTS.outboxDlqUrl,
        this.outbox.deadLetterQueue.queueUrl,
        'Stream batches the outbox pipe could not deliver',
      ],
    ];
    if (this.faultParameter) {
      outputs.push([
        DATA_OUTPUTS.faultParameterName,
        this.faultParameter.parameterName,
        'Fault-injection parameter',
      ]);
    }
    // Plain outputs, no exports: nothing can hold them "in use".
    for (const [id, value, description] of outputs) new CfnOutput(this, id, { value, description });
  }
}
