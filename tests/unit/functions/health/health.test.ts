import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ENV } from '#commons/env-names';
import { createLambdaContext } from '#local/lambda-context';
import { apiEvent, bodyOf } from '#tests/fixtures/api-event';
import { handler } from '../../../../functions/health/health.ts';

const ddb = mockClient(DynamoDBClient);
const check = () =>
  handler(apiEvent({ path: '/health', consumer: null }), createLambdaContext('health'));

afterEach(() => ddb.reset());

describe('GET /health', () => {
  it('answers 200 when DynamoDB describes the orders table as active', async () => {
    ddb
      .on(DescribeTableCommand, { TableName: process.env[ENV.ordersTable] })
      .resolves({ Table: { TableStatus: 'ACTIVE' } });

    const result = await check();

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toMatchObject({ status: 'ok', checks: { dynamodb: { status: 'ok' } } });
  });

  it('reads no item, so the public route needs no use of the data key', async () => {
    ddb.on(DescribeTableCommand).resolves({ Table: { TableStatus: 'ACTIVE' } });

    await check();

    expect(ddb.calls().map((call) => call.args[0].constructor.name)).toEqual([
      'DescribeTableCommand',
    ]);
  });

  it('answers 503 when the table exists but is not active', async () => {
    ddb.on(DescribeTableCommand).resolves({ Table: { TableStatus: 'DELETING' } });

    const result = await check();

    expect(result.statusCode).toBe(503);
    expect(bodyOf(result)).toMatchObject({ checks: { dynamodb: { status: 'error' } } });
  });

  it('answers 503 naming DynamoDB when it cannot be reached, without internals', async () => {
    ddb.on(DescribeTableCommand).rejects(new Error('getaddrinfo ENOTFOUND dynamodb.internal'));

    const result = await check();

    expect(result.statusCode).toBe(503);
    expect(bodyOf(result)).toMatchObject({
      status: 'unavailable',
      checks: { dynamodb: { status: 'error' } },
    });
    expect(result.body).not.toContain('ENOTFOUND');
  });
});
