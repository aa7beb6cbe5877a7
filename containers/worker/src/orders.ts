import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { OrderRecord } from '#commons/orders-repository';
import type { OrderStatus } from '#commons/schemas';

/** Key of the item `/readyz` reads; it can never be a real order id. */
const PROBE_KEY = { orderId: '__health__' } as const;

export type TransitionResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly current: OrderRecord | undefined };

/**
 * The orders table as the worker sees it: a consistent read and conditional status transitions.
 * Every transition names the status it starts from, so a duplicate delivery, a second worker or
 * a cancel that got there first makes it fail instead of applying twice or overwriting.
 */
export class FulfilmentOrders {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(orderId: string): Promise<OrderRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { orderId }, ConsistentRead: true }),
    );
    return Item as OrderRecord | undefined;
  }

  /** `from` → `to` in one conditional write; on a lost race, the order as it is now. */
  async transition(
    orderId: string,
    from: OrderStatus,
    to: OrderStatus,
    at: string,
    failureReason?: string,
  ): Promise<TransitionResult> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression: `SET #status = :to, updatedAt = :at${failureReason ? ', failureReason = :reason' : ''}`,
          ConditionExpression: 'attribute_exists(orderId) AND #status = :from',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':from': from,
            ':to': to,
            ':at': at,
            ...(failureReason ? { ':reason': failureReason } : {}),
          },
        }),
      );
      return { ok: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return { ok: false, current: await this.get(orderId) };
    }
  }

  /** Reads the probe key: proves the table answers and the role may read it. */
  async probe(signal?: AbortSignal): Promise<void> {
    await this.client.send(new GetCommand({ TableName: this.tableName, Key: PROBE_KEY }), {
      abortSignal: signal,
    });
  }
}
