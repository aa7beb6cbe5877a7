/** Powertools idempotency with its DynamoDB persistence layer alone (createOrder only). */
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';

const middleware = makeHandlerIdempotent({
  persistenceStore: new DynamoDBPersistenceLayer({ tableName: 'bench-idempotency' }),
  config: new IdempotencyConfig({ eventKeyJmesPath: 'key' }),
});

export const handler = async () => middleware;
