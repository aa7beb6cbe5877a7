/** getOrder's Powertools-only twin: the same GetCommand, instrumented by hand (see powertools.ts). */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './dynamodb.ts';
import { instrumented, json, requireEnv } from './powertools.ts';

const tableName = requireEnv('ORDERS_TABLE_NAME');

export const handler = instrumented(async (event) => {
  const orderId = event.pathParameters?.orderId;
  if (orderId === undefined) return json(400, { message: 'orderId is required' });
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: tableName, Key: { orderId }, ConsistentRead: true }),
  );
  if (Item === undefined) return json(404, { message: 'Order not found' });
  return json(200, Item);
});
