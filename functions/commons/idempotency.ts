import { IDEMPOTENCY_KEY } from '@aws-lambda-powertools/commons';
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import type { MiddlewareObj } from '@middy/core';
import { dynamoDbClient } from '#clients/dynamodb';
import { env } from './env.ts';

import { REPLAY_HEADER } from './headers.ts';

export { REPLAY_HEADER };

/**
 * Powertools idempotency for a route, keyed by the consumer and its `Idempotency-Key` header
 * (the validation middleware puts both into `event.validated.idempotencyKey`) and checked
 * against the parsed body, so formatting differences do not count as a different request.
 * Without the header a request simply runs.
 *
 * Powertools' middleware deletes the key's record in `onError` whatever failed. When the failure
 * is its own verdict in `before` (a key reused with another body, or a request still in
 * progress) that would delete the ORIGINAL request's record; this wrapper skips that cleanup
 * for errors raised before the handler ran.
 */
export const idempotentRoute = (): MiddlewareObj => {
  const inner = makeHandlerIdempotent({
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: env.idempotencyTable(),
      awsSdkV3Client: dynamoDbClient,
    }),
    config: new IdempotencyConfig({
      eventKeyJmesPath: 'validated.idempotencyKey',
      payloadValidationJmesPath: 'validated.body',
      expiresAfterSeconds: env.idempotencyTtlSeconds(),
      throwOnNoIdempotencyKey: false,
      responseHook: (response) => {
        const result = response as { headers?: Record<string, string> };
        return { ...result, headers: { ...result.headers, [REPLAY_HEADER]: 'true' } };
      },
    }),
  });
  return {
    before: async (request) => {
      try {
        return await inner.before?.(request);
      } catch (error) {
        (request.internal as Record<string, unknown>)[`${IDEMPOTENCY_KEY}.skip`] = true;
        throw error;
      }
    },
    after: inner.after,
    onError: inner.onError,
  };
};
