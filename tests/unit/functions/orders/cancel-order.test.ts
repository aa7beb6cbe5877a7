import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createLambdaContext } from '#local/lambda-context';
import { apiEvent, bodyOf } from '#tests/fixtures/api-event';
import { handler } from '../../../../functions/orders/cancel-order.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const orderId = `ord_${'d'.repeat(32)}`;
const cancel = (body?: unknown, consumer?: string) =>
  handler(
    apiEvent({
      method: 'POST',
      path: `/orders/${orderId}/cancel`,
      pathParameters: { orderId },
      body,
      ...(consumer && { consumer }),
    }),
    createLambdaContext('cancelOrder'),
  );
const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

afterEach(() => ddb.reset());

describe('POST /orders/{orderId}/cancel', () => {
  it("cancels with one conditional write allowing only the caller's own PENDING or PROCESSING order", async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { orderId, status: 'CANCELLED' } });

    const result = await cancel({ reason: 'changed my mind' });

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toMatchObject({ orderId, status: 'CANCELLED' });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { orderId },
      ConditionExpression:
        'attribute_exists(orderId) AND #owner = :owner AND #status IN (:pending, :processing)',
      ExpressionAttributeValues: expect.objectContaining({
        ':owner': 'test',
        ':reason': 'changed my mind',
        ':cancelled': 'CANCELLED',
      }),
    });
  });

  it('records the OrderCancelled event and its correlation id in the same write', async () => {
    ddb.on(UpdateCommand).resolves({
      Attributes: { orderId, status: 'CANCELLED', lastEvent: 'OrderCancelled' },
    });

    const result = await cancel();

    const input = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.UpdateExpression).toContain('#lastEvent = :lastEvent');
    expect(input?.ExpressionAttributeNames).toMatchObject({ '#lastEvent': 'lastEvent' });
    expect(input?.ExpressionAttributeValues).toMatchObject({
      ':lastEvent': 'OrderCancelled',
      ':correlationId': expect.stringMatching(/.+/),
      ':traceHeader': expect.any(String),
    });
    expect(bodyOf(result)).not.toHaveProperty('lastEvent');
  });

  it('sets a TTL so cancelled orders expire after the configured retention', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { orderId, status: 'CANCELLED' } });
    const before = Math.floor(Date.now() / 1000);

    await cancel();

    const expiresAt =
      ddb.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues?.[':expiresAt'];
    expect(expiresAt).toBeGreaterThanOrEqual(before + 7 * 86_400);
    expect(expiresAt).toBeLessThanOrEqual(before + 7 * 86_400 + 5);
  });

  it('answers 409 naming the current status when the order is no longer cancellable', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({ Item: { orderId, owner: 'test', status: 'FULFILLED' } });

    const result = await cancel();

    expect(result.statusCode).toBe(409);
    expect(bodyOf(result)).toMatchObject({
      error: {
        code: 'INVALID_STATE',
        details: [{ path: 'status', message: 'The order is FULFILLED' }],
      },
    });
  });

  it('answers 404 when the order does not exist', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({});

    const result = await cancel();

    expect(result.statusCode).toBe(404);
    expect(bodyOf(result)).toMatchObject({ error: { code: 'ORDER_NOT_FOUND' } });
  });

  it("answers another consumer's order with 404, as if it did not exist, and leaves it", async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({ Item: { orderId, owner: 'test', status: 'PENDING' } });

    const result = await cancel(undefined, 'other-consumer');

    expect(result.statusCode).toBe(404);
    expect(bodyOf(result)).toMatchObject({ error: { code: 'ORDER_NOT_FOUND' } });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      ExpressionAttributeValues: expect.objectContaining({ ':owner': 'other' }),
    });
  });

  it('rejects an unknown field in the optional body', async () => {
    const result = await cancel({ reason: 'x', refund: true });

    expect(result.statusCode).toBe(400);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });
});
