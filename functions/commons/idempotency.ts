import type { JSONValue } from '@aws-lambda-powertools/commons/types';
import {
  IdempotencyConfig,
  IdempotencyItemAlreadyExistsError,
  IdempotencyItemNotFoundError,
  IdempotencyRecordStatus,
  IdempotencyValidationError,
  PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { dynamoDbClient } from '#clients/dynamodb';
import { env } from './env.ts';
import { httpErrors } from './errors.ts';
import { REPLAY_HEADER } from './headers.ts';
import { answerWithoutHandler, type HttpResult } from './http.ts';
import { emitMetric } from './metrics.ts';
import { logger } from './powertools.ts';

export { REPLAY_HEADER };

/**
 * What a client that meets a request still in progress is told to wait. A create takes well under
 * a second unless the pricing service is slow; a client that retries too early is told again.
 */
export const IN_PROGRESS_RETRY_AFTER_SECONDS = 1;

/** One item of a DynamoDB `TransactWriteItems` call, as the document client takes it. */
export type TransactWriteItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** What an idempotent route's handler may do with its request's idempotency record. */
export interface IdempotencyScope {
  /**
   * A write to commit in the same DynamoDB transaction as the resource it names: it records the
   * resource id under the idempotency key, so that if the request fails after that point (saving
   * its response, a timeout, a crash), the record is kept and a retry answers with the resource
   * instead of creating another.
   */
  commitWrite(resourceId: string): TransactWriteItem;
}

export interface IdempotentRouteOptions {
  /**
   * The response for a resource an earlier attempt committed but whose response was never
   * saved (the route's usual success response), or `undefined` if the resource no longer exists.
   */
  readonly replayCommitted: (resourceId: string) => Promise<HttpResult | undefined>;
}

/** Powertools' attribute names, plus the id of the committed resource. */
const ATTR = {
  key: 'id',
  status: PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS.statusAttr,
  inProgressExpiry: PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS.inProgressExpiryAttr,
  committed: 'committed_id',
} as const;

/** Attempts to take or read a record that changes under us (expired, or deleted in between). */
const MAX_ATTEMPTS = 3;

type KeyedEvent = APIGatewayProxyEvent & { validated?: { idempotencyKey?: string } };

/**
 * Powertools' DynamoDB persistence, aware of committed records: a record that names a committed
 * resource is never deleted by a failing request, only by its TTL.
 */
class CommitAwarePersistenceLayer extends DynamoDBPersistenceLayer {
  readonly #tableName: string;

  /** Each request's hashed key, computed once: Powertools asks for it three times per request. */
  readonly #hashedKeys = new WeakMap<object, string>();

  constructor(tableName: string) {
    super({ tableName, keyAttr: ATTR.key, awsSdkV3Client: dynamoDbClient });
    this.#tableName = tableName;
  }

  /**
   * Powertools' hashed key (a JMESPath search of the event, then a hash), remembered per event
   * object: taking the record, committing it and saving the response each need it, and each
   * search sets up JMESPath's function table anew (~15 µs). The key is read from
   * `validated.idempotencyKey`, which nothing changes once validation has set it.
   */
  protected override getHashedIdempotencyKey(data: JSONValue): string {
    if (typeof data !== 'object' || data === null) return super.getHashedIdempotencyKey(data);
    let hashed = this.#hashedKeys.get(data);
    if (hashed === undefined) {
      hashed = super.getHashedIdempotencyKey(data);
      this.#hashedKeys.set(data, hashed);
    }
    return hashed;
  }

  commitWrite(event: KeyedEvent, resourceId: string): TransactWriteItem {
    return {
      Update: {
        TableName: this.#tableName,
        Key: { [ATTR.key]: this.getHashedIdempotencyKey(event as unknown as JSONValue) },
        // Without an in-progress expiry, Powertools never lets another request take the record
        // over; it lives until its TTL.
        UpdateExpression: 'SET #committed = :resourceId REMOVE #inProgressExpiry',
        ConditionExpression: '#status = :inProgress AND attribute_not_exists(#committed)',
        ExpressionAttributeNames: {
          '#committed': ATTR.committed,
          '#inProgressExpiry': ATTR.inProgressExpiry,
          '#status': ATTR.status,
        },
        ExpressionAttributeValues: {
          ':resourceId': resourceId,
          ':inProgress': IdempotencyRecordStatus.INPROGRESS,
        },
      },
    };
  }

  /** The resource id a record in progress committed, if any. */
  async committedId(event: KeyedEvent): Promise<string | undefined> {
    const { Item } = await dynamoDbClient.send(
      new GetItemCommand({
        TableName: this.#tableName,
        Key: this.getKey(this.getHashedIdempotencyKey(event as unknown as JSONValue)),
        ConsistentRead: true,
        ProjectionExpression: '#committed',
        ExpressionAttributeNames: { '#committed': ATTR.committed },
      }),
    );
    return Item?.[ATTR.committed]?.S;
  }

  /** Deletes a record that names a resource which no longer exists, so the request can run again. */
  async forgetCommitted(event: KeyedEvent, resourceId: string): Promise<void> {
    await this.deleteUnless(
      this.getHashedIdempotencyKey(event as unknown as JSONValue),
      '#committed = :resourceId',
      { ':resourceId': { S: resourceId } },
    );
  }

  /** Powertools deletes the record of every failed request; keep it when it names a commit. */
  protected override async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    const deleted = await this.deleteUnless(
      record.idempotencyKey,
      'attribute_not_exists(#committed)',
    );
    if (!deleted) logger.warn('Kept the idempotency record of a request that committed');
  }

  private async deleteUnless(
    hashedKey: string,
    condition: string,
    values?: Record<string, { S: string }>,
  ): Promise<boolean> {
    try {
      await dynamoDbClient.send(
        new DeleteItemCommand({
          TableName: this.#tableName,
          Key: this.getKey(hashedKey),
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#committed': ATTR.committed },
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

/** Per request: whether it holds the record, and whether its handler asked to commit. */
interface HeldRecord {
  committing: boolean;
}

/**
 * Idempotency for a route, keyed by the consumer and its `Idempotency-Key` header (the
 * validation middleware puts both into `event.validated.idempotencyKey`) and checked against the
 * parsed body, so formatting differences do not count as a different request. Without the header
 * a request simply runs. Records are Powertools idempotency records, kept in DynamoDB.
 *
 * - First request: takes the record (in progress), runs the handler, saves its response.
 * - Same key and body again: replays the saved response through the rest of the middleware
 *   chain (so it gets the same headers as the original, CORS included), plus
 *   `idempotent-replayed: true`. Another body: `422 IDEMPOTENCY_KEY_REUSED`.
 * - While the first is still running: `409 IDEMPOTENCY_IN_PROGRESS` with `Retry-After`.
 * - The handler commits its resource together with {@link IdempotencyScope.commitWrite}. If the
 *   request fails after that (saving the response included), the record is kept, and a retry
 *   answers with the committed resource (`replayCommitted`) instead of creating a second one.
 *   If only saving the response failed, the client still gets its response.
 * - Failed before committing: the record is deleted, so a retry runs again.
 *
 * Powertools' own middleware returns replays early (skipping every `after` middleware, CORS
 * included) and deletes the record on any failure, committed or not; this one does neither.
 */
export const idempotentRoute = (options: IdempotentRouteOptions): MiddlewareObj => {
  const store = new CommitAwarePersistenceLayer(env.idempotencyTable());
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'validated.idempotencyKey',
    payloadValidationJmesPath: 'validated.body',
    expiresAfterSeconds: env.idempotencyTtlSeconds(),
    throwOnNoIdempotencyKey: false,
  });
  const held = new WeakMap<APIGatewayProxyEvent, HeldRecord>();

  /** What an existing record answers: a response to replay, or 'retry' when it just went away. */
  const answerOf = async (
    event: KeyedEvent,
    existing: IdempotencyRecord | undefined,
  ): Promise<HttpResult | 'retry'> => {
    const payload = event as unknown as JSONValue;
    let record: IdempotencyRecord;
    try {
      record = existing
        ? store.processExistingRecord(existing, payload)
        : await store.getRecord(payload);
    } catch (error) {
      if (error instanceof IdempotencyItemNotFoundError) return 'retry';
      if (error instanceof IdempotencyValidationError) throw httpErrors.idempotencyKeyReused();
      throw error;
    }
    const status = record.getStatus();
    if (status === IdempotencyRecordStatus.COMPLETED)
      return record.getResponse() as unknown as HttpResult;
    if (status === IdempotencyRecordStatus.EXPIRED) return 'retry';

    const resourceId = await store.committedId(event);
    if (resourceId === undefined) {
      throw httpErrors.idempotencyInProgress(IN_PROGRESS_RETRY_AFTER_SECONDS);
    }
    const response = await options.replayCommitted(resourceId);
    if (response) {
      logger.info('Answered with the resource an earlier attempt committed', { resourceId });
      return response;
    }
    logger.warn('The committed resource no longer exists; running the request again', {
      resourceId,
    });
    await store.forgetCommitted(event, resourceId);
    return 'retry';
  };

  return {
    before: async (request) => {
      const event = request.event as KeyedEvent;
      const validated = event.validated;
      if (!validated?.idempotencyKey) return;
      store.configure({ config });
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        try {
          await store.saveInProgress(
            event as unknown as JSONValue,
            request.context.getRemainingTimeInMillis(),
          );
        } catch (error) {
          if (!(error instanceof IdempotencyItemAlreadyExistsError)) throw error;
          const answer = await answerOf(event, error.existingRecord);
          if (answer === 'retry') continue;
          emitMetric('IdempotentReplays');
          answerWithoutHandler(event, {
            ...answer,
            headers: { ...answer.headers, [REPLAY_HEADER]: 'true' },
          });
          return;
        }
        const record: HeldRecord = { committing: false };
        held.set(event, record);
        const scope: IdempotencyScope = {
          commitWrite: (resourceId) => {
            record.committing = true;
            return store.commitWrite(event, resourceId);
          },
        };
        Object.assign(validated, { idempotency: scope });
        return;
      }
      throw httpErrors.idempotencyInProgress(IN_PROGRESS_RETRY_AFTER_SECONDS);
    },

    after: async (request) => {
      const record = held.get(request.event as APIGatewayProxyEvent);
      if (!record) return;
      try {
        await store.saveSuccess(
          request.event as unknown as JSONValue,
          request.response as unknown as JSONValue,
        );
      } catch (error) {
        if (!record.committing) throw error;
        // The record names the committed resource: retries answer with it. This client has its
        // response already, so a failed save is no reason to fail its request.
        logger.error('Could not save the idempotent response; retries answer from the commit', {
          error,
        });
        emitMetric('IdempotencySaveFailed');
      }
    },

    onError: async (request) => {
      if (!held.has(request.event as APIGatewayProxyEvent)) return;
      try {
        await store.deleteRecord(request.event as unknown as JSONValue);
      } catch (error) {
        // Not rethrown: the request's own error is what the client must hear about. The key
        // stays locked until the record's in-progress expiry.
        logger.error('Could not release the idempotency record', { error });
      }
    },
  };
};
