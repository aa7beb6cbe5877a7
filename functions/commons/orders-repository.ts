import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { EventAttributes } from './event-origin.ts';
import { ORDER_EVENT_ATTRIBUTES } from './events.ts';
import type { Order, OrderStatus } from './schemas.ts';

/**
 * An order as stored: the API representation plus the TTL attribute and the attributes the
 * outbox reads from the stream (the last event, its correlation id and trace header).
 */
export interface OrderRecord extends Order, Partial<EventAttributes> {
  /** Epoch seconds after which DynamoDB's TTL may delete a cancelled order. */
  readonly expiresAt?: number;
}

/** The key DynamoDB returns to continue a per-customer query. */
export interface CustomerPageKey {
  readonly orderId: string;
  readonly customerId: string;
  readonly createdAt: string;
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
    private readonly byCustomerIndex = 'byCustomer',
  ) {}

  /**
   * Stores a new order; fails if the id already exists. The write is the event: the outbox turns
   * it into an `OrderCreated` message, so `order` carries its {@link EventAttributes}.
   */
  async create(order: OrderRecord & EventAttributes): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: order,
        ConditionExpression: 'attribute_not_exists(orderId)',
      }),
    );
  }

  async get(orderId: string): Promise<OrderRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { orderId }, ConsistentRead: true }),
    );
    return Item as OrderRecord | undefined;
  }

  /** A customer's orders, newest first. */
  async listByCustomer(
    customerId: string,
    limit: number,
    startKey?: CustomerPageKey,
  ): Promise<{ items: OrderRecord[]; nextKey?: CustomerPageKey }> {
    const { Items = [], LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: this.byCustomerIndex,
        KeyConditionExpression: 'customerId = :customerId',
        ExpressionAttributeValues: { ':customerId': customerId },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    );
    return {
      items: Items as OrderRecord[],
      nextKey: LastEvaluatedKey as CustomerPageKey | undefined,
    };
  }

  /**
   * Cancels an order only if it is PENDING or PROCESSING, in one conditional write, so two
   * concurrent cancels cannot both succeed. The same write records the `OrderCancelled` event
   * (`event`) that the outbox sends.
   */
  async cancel(
    orderId: string,
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
          ConditionExpression: 'attribute_exists(orderId) AND #status IN (:pending, :processing)',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#lastEvent': ORDER_EVENT_ATTRIBUTES.lastEvent,
            '#correlationId': ORDER_EVENT_ATTRIBUTES.correlationId,
            '#traceHeader': ORDER_EVENT_ATTRIBUTES.traceHeader,
          },
          ExpressionAttributeValues: {
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
      return current
        ? { outcome: 'invalid-state', status: current.status }
        : { outcome: 'not-found' };
    }
  }
}

/** The public representation of a stored order (drops storage-only attributes). */
export const toOrder = ({
  expiresAt: _expiresAt,
  lastEvent: _lastEvent,
  correlationId: _correlationId,
  traceHeader: _traceHeader,
  ...order
}: OrderRecord): Order => order;
