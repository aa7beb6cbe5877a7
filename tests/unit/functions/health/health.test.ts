import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { HEALTH_PROBE_KEY } from '#commons/orders-repository';
import { createLambdaContext } from '#local/lambda-context';
import { apiEvent, bodyOf } from '#tests/fixtures/api-event';
import { handler } from '../../../../functions/health/health.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const check = () =>
  handler(apiEvent({ path: '/health', consumer: null }), createLambdaContext('health'));

afterEach(() => ddb.reset());

describe('GET /health', () => {
  it('answers 200 when DynamoDB answers the probe read', async () => {
    ddb.on(GetCommand, { Key: HEALTH_PROBE_KEY }).resolves({});

    const result = await check();

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toMatchObject({ status: 'ok', checks: { dynamodb: { status: 'ok' } } });
  });

  it('answers 503 naming DynamoDB when it cannot be reached, without internals', async () => {
    ddb.on(GetCommand).rejects(new Error('getaddrinfo ENOTFOUND dynamodb.internal'));

    const result = await check();

    expect(result.statusCode).toBe(503);
    expect(bodyOf(result)).toMatchObject({
      status: 'unavailable',
      checks: { dynamodb: { status: 'error' } },
    });
    expect(result.body).not.toContain('ENOTFOUND');
  });
});
