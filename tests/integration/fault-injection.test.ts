import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEnv } from '#commons/env';
import { ENV } from '#commons/env-names';
import { createLambdaContext } from '#local/lambda-context';
import { apiEvent, bodyOf } from '#tests/fixtures/api-event';
import { handler as getOrder } from '../../functions/orders/get-order.ts';

/**
 * Fault injection end to end through the stage's real SSM parameter (the dev stage allows it):
 * the getOrder handler reads the parameter through Powertools parameters and fails as told.
 * Only getOrder is targeted, which no other integration test calls.
 */
const ssm = new SSMClient({ maxAttempts: 1 });
const parameterName = requireEnv(ENV.faultParameterName);
let original: string | undefined;

const get = () => {
  const orderId = `ord_${'0'.repeat(32)}`;
  return getOrder(
    apiEvent({ path: `/orders/${orderId}`, pathParameters: { orderId } }),
    createLambdaContext('getOrder'),
  );
};

describe('fault injection through the SSM parameter', () => {
  beforeAll(async () => {
    original = (await ssm.send(new GetParameterCommand({ Name: parameterName }))).Parameter?.Value;
    // Set before the handler's first call, so its parameter cache starts with these settings.
    await ssm.send(
      new PutParameterCommand({
        Name: parameterName,
        Type: 'String',
        Overwrite: true,
        Value: JSON.stringify({
          enabled: true,
          routes: { getOrder: { latencyMs: 0, errorRate: 1 } },
        }),
      }),
    );
  });

  afterAll(async () => {
    if (original !== undefined) {
      await ssm.send(
        new PutParameterCommand({
          Name: parameterName,
          Type: 'String',
          Overwrite: true,
          Value: original,
        }),
      );
    }
  });

  it('starts from the disabled settings the stack deploys', () => {
    expect(JSON.parse(original ?? '{}')).toMatchObject({ enabled: false });
  });

  it('answers 503 SERVICE_UNAVAILABLE, without internals, on a route set to fail every request', async () => {
    const result = await get();

    expect(result.statusCode).toBe(503);
    expect(bodyOf(result)).toEqual({
      error: { code: 'SERVICE_UNAVAILABLE', message: expect.any(String), details: [] },
    });
  });
});
