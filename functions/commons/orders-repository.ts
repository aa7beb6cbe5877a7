import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Caller } from './caller.ts';
import type { EventAttributes } from './event-origin.ts';
import { ORDER_EVENT_ATTRIBUTES } from './events.ts';
import type { Order, OrderStatus } from './schemas.ts';

/**
 * An order as stored: the API representation plus ownership, the TTL attribute and the
 * attributes the outbox reads from the stream (the last event, its correlation id and trace
 * header).
 */
export interface OrderRecord extends Order, Partial<EventAttributes> {
  /** Consumer (stage-config name) that created the order; only it reads and cancels it. */
  readonly owner: string;
  /** `<owner>#<customerId>`: partition key of the per-owner list index. */
  readonly ownerCustomer: string;
  /** Epoch seconds after which DynamoDB's TTL may delete a cancelled order. */
  readonly expiresAt?: number;
}

/** Partition key of an order in the per-owner index. */
export const ownerCustomerKey = (owner: string, customerId: string): string =>
  `${owner}#${customerId}`;

/** Who may read which orders: a consumer its own, a holder of orders.read.all everyone's. */
export type Reader = Pick<Caller, 'consumer' | 'readsAll'>;

/** The key DynamoDB returns to continue a list query (attribute names depend on the index). */
export type PageKey = Readonly<Record<string, string>>;

/** The attributes of a page key of the index a reader lists through, with their values fixed by the query. */
export const pageKeyShape = (
  reader: Reader,
  customerId: string,
): { readonly partition: readonly [string, string]; readonly names: readonly string[] } =>
  reader.readsAll
    ? { partition: ['customerId', customerId], names: ['orderId', 'customerId', 'createdAt'] }
    : {
        partition: ['ownerCustomer', ownerCustomerKey(reader.consumer, customerId)],
        names: ['orderId', 'ownerCustomer', 'createdAt'],
      };

export interface OrdersIndexes {
  /** Partition key `<owner>#<customerId>`: a consumer's own orders. */
  readonly byOwner: string;
  /** Partition key `customerId`: every consumer's orders, for orders.read.all. */
  readonly byCustomer: string;
}

export type CancelOutcome =
  | { readonly outcome: 'cancelled'; readonly order: OrderRecord }
  | { readonly outcome: 'not-found' }
  | { readonly outcome: 'invalid-state'; readonly status: OrderStatus };

/**
 * Every DynamoDB access to the orders table. Each handler uses only the methods its IAM grants
 * allow (see `functions/routes.ts`).
 */
export class OrdersRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly indexes: OrdersIndexes = {
      byOwner: 'byOwnerCustomer',
      byCustomer: 'byCustomer',
    },
  ) {}

  /**
   * Stores a new order; fails if the id already exists. The write is the event: the outbox turns
   * it into an `OrderCreated` message, so `order` carries its {@link EventAttributes}.
   * `alongWith` is written in the same transaction (an idempotency commit), so both happen or
   * neither does.
   */
  async create(
    order: OrderRecord & EventAttributes,
    alongWith?: NonNullable<TransactWriteCommandInput['TransactItems']>[number],
  ): Promise<void> {
    const put = {
      TableName: this.tableName,
      Item: order,
      ConditionExpression: 'attribute_not_exists(orderId)',
    };
    if (alongWith === undefined) {
      await this.client.send(new PutCommand(put));
      return;
    }
    await this.client.send(new TransactWriteCommand({ TransactItems: [{ Put: put }, alongWith] }));
  }

  /** Any order, whoever owns it: for checks inside the repository, never for a response. */
  async get(orderId: string): Promise<OrderRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { orderId }, ConsistentRead: true }),
    );
    return Item as OrderRecord | undefined;
  }

  /** An order the reader may see; another consumer's order is as absent as a missing one. */
  async getFor(orderId: string, reader: Reader): Promise<OrderRecord | undefined> {
    const order = await this.get(orderId);
    return order && (reader.readsAll || order.owner === reader.consumer) ? order : undefined;
  }

  /**
   * A customer's orders the reader may see, newest first, in one Query per page: through the
   * per-owner index (partition `<consumer>#<customerId>`) for a consumer, through the
   * per-customer index for a holder of orders.read.all. Nothing is filtered after the read.
   */
  async listByCustomer(
    reader: Reader,
    customerId: string,
    limit: number,
    startKey?: PageKey,
  ): Promise<{ items: OrderRecord[]; nextKey?: PageKey }> {
    const [partitionName, partitionValue] = pageKeyShape(reader, customerId).partition;
    const { Items = [], LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: reader.readsAll ? this.indexes.byCustomer : this.indexes.byOwner,
        KeyConditionExpression: '#partition = :partition',
        ExpressionAttributeNames: { '#partition': partitionName },
        ExpressionAttributeValues: { ':partition': partitionValue },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    );
    return { items: Items as OrderRecord[], nextKey: LastEvaluatedKey as PageKey | undefined };
  }

  /**
   * Cancels an order of `owner` only if it is PENDING or PROCESSING, in one conditional write, so
   * two concurrent cancels cannot both succeed. Another owner's order is `not-found`. The same
   * write records the `OrderCancelled` event (`event`) that the outbox sends.
   */
  async cancel(
    orderId: string,
    owner: string,
    at: string,
    expiresAt: number,
    event: EventAttributes,
    reason?: string,
  ): Promise<CancelOutcome> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression: `SET #status = :cancelled, updatedAt = :at, cancelledAt = :at, expiresAt = :expiresAt, #lastEvent = :lastEvent, #correlationId = :correlationId, #traceHeader = :traceHeader${reason ? ', cancellationReason = :reason' : ''}`,
          ConditionExpression:
            'attribute_exists(orderId) AND #owner = :owner AND #status IN (:pending, :processing)',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#owner': 'owner',
            '#lastEvent': ORDER_EVENT_ATTRIBUTES.lastEvent,
            '#correlationId': ORDER_EVENT_ATTRIBUTES.correlationId,
            '#traceHeader': ORDER_EVENT_ATTRIBUTES.traceHeader,
          },
          ExpressionAttributeValues: {
            ':owner': owner,
            ':cancelled': 'CANCELLED',
            ':pending': 'PENDING',
            ':processing': 'PROCESSING',
            ':at': at,
            ':expiresAt': expiresAt,
            ':lastEvent': event.lastEvent,
            ':correlationId': event.correlationId,
            ':traceHeader': event.traceHeader,
            ...(reason ? { ':reason': reason } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { outcome: 'cancelled', order: Attributes as OrderRecord };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = await this.get(orderId);
      return current?.owner === owner
        ? { outcome: 'invalid-state', status: current.status }
        : { outcome: 'not-found' };
    }
  }
}

/**
 * The public representation of a stored order as `viewer` (a consumer name) may see it: without
 * storage-only attributes, and with the delivery contact only when the viewer created the order
 * (a holder of orders.read.all reads other consumers' orders without their customers' contacts).
 */
export const toOrder = (
  {
    expiresAt: _expiresAt,
    owner,
    ownerCustomer: _ownerCustomer,
    lastEvent: _lastEvent,
    correlationId: _correlationId,
    traceHeader: _traceHeader,
    contact,
    ...order
  }: OrderRecord,
  viewer: string,
): Order => (contact !== undefined && owner === viewer ? { ...order, contact } : order);
