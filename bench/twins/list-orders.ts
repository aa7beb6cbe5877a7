/**
 * listOrders' Powertools-only twin: the same Query on the customer index, and the cursor key
 * read from Secrets Manager on first use, as the route reads it (the client loads lazily).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './dynamodb.ts';
import { instrumented, json, requireEnv, tracer } from './powertools.ts';

const tableName = requireEnv('ORDERS_TABLE_NAME');
const indexName = requireEnv('ORDERS_BY_CUSTOMER_INDEX');
const secretArn = requireEnv('CURSOR_SECRET_ARN');

let cursorKey: Promise<string | undefined> | undefined;
const loadCursorKey = async () => {
  const { SecretsManagerClient, GetSecretValueCommand } = await import(
    '@aws-sdk/client-secrets-manager'
  );
  const client = tracer.captureAWSv3Client(new SecretsManagerClient({}));
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  return SecretString;
};

export const handler = instrumented(async (event) => {
  const customerId = event.queryStringParameters?.customerId;
  if (customerId === undefined) return json(400, { message: 'customerId is required' });
  const limit = Number(event.queryStringParameters?.limit ?? 20);
  const { Items = [], LastEvaluatedKey } = await documentClient.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: indexName,
      KeyConditionExpression: 'customerId = :customerId',
      ExpressionAttributeValues: { ':customerId': customerId },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  if (LastEvaluatedKey) cursorKey ??= loadCursorKey();
  const key = LastEvaluatedKey ? await cursorKey : undefined;
  return json(200, { items: Items, nextCursor: key ? JSON.stringify(LastEvaluatedKey) : null });
});
