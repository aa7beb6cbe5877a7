import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Order, OrderStatus } from './schemas.ts';

/** An order as stored: the API representation plus the TTL attribute. */
export interface OrderRecord extends Order {
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

/** Key of the item the health check reads; it can never be a real order id. */
export const HEALTH_PROBE_KEY = { orderId: '__health__' } as const;

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
   * Stores a new order; fails if the id already exists. `alongWith` is written in the same
   * transaction (an idempotency commit), so both happen or neither does.
   */
  async create(
    order: OrderRecord,
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

  /** Removes an order that was stored but could not be handed to fulfilment. */
  async remove(orderId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { orderId } }));
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
   * concurrent cancels cannot both succeed.
   */
  async cancel(
    orderId: string,
    at: string,
    expiresAt: number,
    reason?: string,
  ): Promise<CancelOutcome> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression: `SET #status = :cancelled, updatedAt = :at, cancelledAt = :at, expiresAt = :expiresAt${reason ? ', cancellationReason = :reason' : ''}`,
          ConditionExpression: 'attribute_exists(orderId) AND #status IN (:pending, :processing)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':cancelled': 'CANCELLED',
            ':pending': 'PENDING',
            ':processing': 'PROCESSING',
            ':at': at,
            ':expiresAt': expiresAt,
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

  /** Reads the health-probe key: proves the table answers, whatever it holds. */
  async probe(signal?: AbortSignal): Promise<void> {
    await this.client.send(new GetCommand({ TableName: this.tableName, Key: HEALTH_PROBE_KEY }), {
      abortSignal: signal,
    });
  }
}

/** The public representation of a stored order (drops storage-only attributes). */
export const toOrder = ({ expiresAt: _expiresAt, ...order }: OrderRecord): Order => order;
