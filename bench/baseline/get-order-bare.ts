/**
 * The benchmark's baseline: the same DynamoDB read as the getOrder route (a DocumentClient
 * `GetCommand` from the same SDK packages, with the same marshalling options), with no middy,
 * no Powertools and no validation. Every route's bundle size, init time and per-request cost is
 * reported beside this one, so the difference is what the framework layer costs.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

// Read once at load, as the real handlers do, so the per-request loop compares like with like.
const tableName = process.env.ORDERS_TABLE_NAME;
if (tableName === undefined || tableName === '') {
  throw new Error('Missing environment variable ORDERS_TABLE_NAME');
}

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});

const json = (statusCode: number, body: unknown): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const orderId = event.pathParameters?.orderId;
  if (orderId === undefined) return json(400, { message: 'orderId is required' });
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: tableName, Key: { orderId }, ConsistentRead: true }),
  );
  if (Item === undefined) return json(404, { message: 'Order not found' });
  return json(200, Item);
};
