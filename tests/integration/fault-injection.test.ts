import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { requireEnv } from '#commons/env';
import { ENV } from '#commons/env-names';
import { createLambdaContext } from '#local/lambda-context';
import { logger } from '#powertools';
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
    // The handler's log lines are part of what a drill shows: collect them instead of printing.
    // (Powertools writes warnings and errors to stderr, other levels to stdout.)
    const written: string[] = [];
    const collect = (chunk: unknown) => written.push(String(chunk)) > 0;
    const streams = [
      vi.spyOn(process.stdout, 'write').mockImplementation(collect),
      vi.spyOn(process.stderr, 'write').mockImplementation(collect),
    ];
    // At the level a deployed stage logs at least, whatever this run's POWERTOOLS_LOG_LEVEL.
    const level = logger.getLevelName();
    logger.setLogLevel('WARN');
    let result: Awaited<ReturnType<typeof get>>;
    try {
      result = await get();
    } finally {
      logger.setLogLevel(level);
      for (const stream of streams) stream.mockRestore();
    }

    expect(result.statusCode).toBe(503);
    expect(bodyOf(result)).toEqual({
      error: { code: 'SERVICE_UNAVAILABLE', message: expect.any(String), details: [] },
    });
    const logs = written
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: 'WARN',
          message: 'Injecting an error',
          route: 'getOrder',
          faultInjection: expect.objectContaining({ errorRate: 1 }),
        }),
        expect.objectContaining({ level: 'ERROR', statusCode: 503, code: 'SERVICE_UNAVAILABLE' }),
      ]),
    );
  });
});
