/** cancelOrder's Powertools-only twin: the same conditional UpdateCommand, instrumented by hand. */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './dynamodb.ts';
import { instrumented, json, logger, requireEnv } from './powertools.ts';

const tableName = requireEnv('ORDERS_TABLE_NAME');

export const handler = instrumented(async (event) => {
  const orderId = event.pathParameters?.orderId;
  if (orderId === undefined) return json(400, { message: 'orderId is required' });
  const now = new Date().toISOString();
  const { Attributes } = await documentClient.send(
    new UpdateCommand({
      TableName: tableName,
      Key: { orderId },
      UpdateExpression: 'SET #status = :cancelled, updatedAt = :now, cancelledAt = :now',
      ConditionExpression: '#status IN (:pending, :processing)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':cancelled': 'CANCELLED',
        ':now': now,
        ':pending': 'PENDING',
        ':processing': 'PROCESSING',
      },
      ReturnValues: 'ALL_NEW',
    }),
  );
  logger.info('Order cancelled', { orderId });
  return json(200, Attributes);
});
