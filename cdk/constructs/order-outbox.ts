import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnPipe } from 'aws-cdk-lib/aws-pipes';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ORDER_EVENT_ATTRIBUTES, ORDER_EVENT_SCHEMA_VERSION } from '#commons/events';
import type { StageConfig } from '#config/stages';
import { acknowledgeNag } from './nag.ts';

export interface OrderOutboxProps {
  readonly config: StageConfig;
  /** The orders table; its stream must carry new and old images. */
  readonly table: ITable;
  /** Where `OrderCreated` and `OrderCancelled` messages go. */
  readonly queue: IQueue;
  /** The key of the table, the queue and the outbox's own DLQ. */
  readonly key: IKey;
}

const { lastEvent, correlationId, traceHeader } = ORDER_EVENT_ATTRIBUTES;

/**
 * Which stream records become messages, as EventBridge filter patterns (any one may match):
 * a new order, and the one change that cancels it. Every other change (the fulfilment worker's
 * PENDING → PROCESSING → FULFILLED updates, TTL deletes) carries no new event and is dropped.
 */
export const ORDER_EVENT_FILTERS: readonly object[] = [
  {
    eventName: ['INSERT'],
    dynamodb: { NewImage: { [lastEvent]: { S: ['OrderCreated'] } } },
  },
  {
    eventName: ['MODIFY'],
    dynamodb: {
      NewImage: { [lastEvent]: { S: ['OrderCancelled'] } },
      // Cancelling is allowed only from these; a later change to a cancelled order is no event.
      OldImage: { status: { S: ['PENDING', 'PROCESSING'] } },
    },
  },
];

/**
 * The message the queue receives, in the shape of `OrderEvent` (`functions/commons/events.ts`).
 * The handlers write every attribute it reads with each change that produces an event.
 */
export const ORDER_EVENT_TEMPLATE = `{"schemaVersion":${ORDER_EVENT_SCHEMA_VERSION},"type":"<$.dynamodb.NewImage.${lastEvent}.S>","eventId":"<$.eventID>","orderId":"<$.dynamodb.Keys.orderId.S>","occurredAt":"<$.dynamodb.NewImage.updatedAt.S>","correlationId":"<$.dynamodb.NewImage.${correlationId}.S>","traceHeader":"<$.dynamodb.NewImage.${traceHeader}.S>"}`;

/**
 * The transactional outbox of the orders table: an EventBridge Pipe from the table's stream to
 * the fulfilment queue. A message follows from a committed write, never from a second call the
 * handler makes, so an order cannot exist without its message or the other way round.
 *
 * Batches the pipe cannot deliver after its retries go to the outbox's own DLQ. Its role may read
 * this table's stream and send to these two queues, nothing more.
 */
export class OrderOutbox extends Construct {
  public readonly pipe: CfnPipe;
  public readonly role: Role;
  public readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: OrderOutboxProps) {
    super(scope, id);
    const { config, table, queue, key } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const streamArn = table.tableStreamArn;
    if (!streamArn) throw new Error('OrderOutbox: the orders table needs a stream');

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    acknowledgeNag(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      "This queue is the outbox pipe's dead-letter queue (a pipe's DLQ, which cdk-nag does not recognise as one, unlike a queue redrive policy); a DLQ of its own would only move the same records again.",
    );
    const logGroup = new LogGroup(this, 'Logs', {
      retention: config.logRetentionDays,
      removalPolicy,
    });

    const account = Stack.of(this).account;
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('pipes.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
      description: `${config.appName} ${config.stage}: orders outbox pipe (stream to fulfilment queue)`,
    });
    const allow = (actions: string[], resources: string[]): void => {
      this.role.addToPrincipalPolicy(new PolicyStatement({ actions, resources }));
    };
    allow(
      [
        'dynamodb:DescribeStream',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'dynamodb:ListStreams',
      ],
      [streamArn],
    );
    allow(['sqs:SendMessage'], [queue.queueArn, this.deadLetterQueue.queueArn]);
    // Decrypt: the stream of a table encrypted with this key; GenerateDataKey: the queues.
    allow(['kms:Decrypt', 'kms:GenerateDataKey'], [key.keyArn]);
    logGroup.grantWrite(this.role);

    this.pipe = new CfnPipe(this, 'Pipe', {
      description: `${config.appName} ${config.stage}: OrderCreated and OrderCancelled from the orders table to fulfilment`,
      roleArn: this.role.roleArn,
      source: streamArn,
      sourceParameters: {
        dynamoDbStreamParameters: {
          // From the oldest record kept: a pipe (re)created later still sends what was committed.
          startingPosition: 'TRIM_HORIZON',
          batchSize: 10,
          maximumRetryAttempts: 10,
          onPartialBatchItemFailure: 'AUTOMATIC_BISECT',
          deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
        },
        filterCriteria: {
          filters: ORDER_EVENT_FILTERS.map((pattern) => ({ pattern: JSON.stringify(pattern) })),
        },
      },
      target: queue.queueArn,
      targetParameters: { inputTemplate: ORDER_EVENT_TEMPLATE },
      logConfiguration: {
        level: 'ERROR',
        cloudwatchLogsLogDestination: { logGroupArn: logGroup.logGroupArn },
      },
    });
    // The role's policy must exist before the pipe starts polling.
    this.pipe.node.addDependency(this.role);
  }
}
