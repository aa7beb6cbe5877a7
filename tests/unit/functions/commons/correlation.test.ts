import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CORRELATION_ID_PATTERN, correlationIdOf } from '#commons/correlation';
import { TRACE_ANNOTATIONS } from '#commons/http';
import { createLambdaContext } from '#local/lambda-context';
import { logger, tracer } from '#powertools';
import { apiEvent, bodyOf } from '#tests/fixtures/api-event';
import { handler as getOrder } from '../../../../functions/orders/get-order.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const orderId = `ord_${'a'.repeat(32)}`;
const REQUEST_ID = 'req-test';

const get = (headers: Record<string, string> = {}, id = orderId) =>
  getOrder(
    apiEvent({ path: `/orders/${id}`, pathParameters: { orderId: id }, headers }),
    createLambdaContext('getOrder'),
  );

afterEach(() => {
  ddb.reset();
  vi.restoreAllMocks();
});

describe('correlationIdOf', () => {
  it.each([
    ['a UUID', '0f8c2a4e-5b6d-4c7e-8f90-123456789abc'],
    ['a service-prefixed id', 'checkout:web.42_a'],
    ['one character', 'x'],
    ['128 characters', 'a'.repeat(128)],
  ])('takes %s from the header', (_label, value) => {
    expect(correlationIdOf(apiEvent({ headers: { 'X-Correlation-Id': value } }))).toBe(value);
  });

  it.each([
    ['empty', ''],
    ['129 characters', 'a'.repeat(129)],
    ['a space', 'two words'],
    ['a newline (log forging)', 'id\n{"level":"ERROR"}'],
    ['a quote', 'id"'],
    ['a semicolon', 'Root=1;Parent=2'],
    ['non-ASCII letters', 'ïd'],
  ])('ignores a header with %s and uses the request id', (_label, value) => {
    expect(CORRELATION_ID_PATTERN.test(value)).toBe(false);
    expect(correlationIdOf(apiEvent({ headers: { 'x-correlation-id': value } }))).toBe(REQUEST_ID);
  });

  it('uses the request id when no header is sent', () => {
    expect(correlationIdOf(apiEvent())).toBe(REQUEST_ID);
  });
});

describe('the correlation id on responses and logs', () => {
  it('returns the caller’s id on a success and gives it to the logger', async () => {
    ddb.on(GetCommand).resolves({});
    const setCorrelationId = vi.spyOn(logger, 'setCorrelationId');

    const result = await get({ 'X-Correlation-Id': 'checkout-123' });

    expect(result.headers?.['x-correlation-id']).toBe('checkout-123');
    expect(setCorrelationId).toHaveBeenCalledWith('checkout-123');
  });

  it('answers an invalid header normally (not 400), with the request id as correlation id', async () => {
    ddb.on(GetCommand).resolves({ Item: { orderId, owner: 'test', status: 'PENDING' } });

    const result = await get({ 'x-correlation-id': 'bad id with spaces' });

    expect(result.statusCode).toBe(200);
    expect(result.headers?.['x-correlation-id']).toBe(REQUEST_ID);
  });

  it('is on problem responses: 404, 400 and 500', async () => {
    ddb.on(GetCommand).resolves({});
    const notFound = await get({ 'x-correlation-id': 'c-404' });
    const invalid = await get({ 'x-correlation-id': 'c-400' }, 'not-an-id');
    ddb.on(GetCommand).rejects(new Error('boom'));
    const failed = await get({ 'x-correlation-id': 'c-500' });

    expect([notFound.statusCode, invalid.statusCode, failed.statusCode]).toEqual([404, 400, 500]);
    expect(notFound.headers?.['x-correlation-id']).toBe('c-404');
    expect(invalid.headers?.['x-correlation-id']).toBe('c-400');
    expect(failed.headers?.['x-correlation-id']).toBe('c-500');
    expect(bodyOf(failed)).toEqual({
      error: { code: 'INTERNAL', message: 'An unexpected error occurred', details: [] },
    });
  });

  it('lets browsers read it (CORS exposes the header)', async () => {
    ddb.on(GetCommand).resolves({});

    const result = await get({ origin: 'http://localhost:3000' });

    expect(String(result.headers?.['Access-Control-Expose-Headers'])).toContain('x-correlation-id');
  });
});

describe('trace annotations', () => {
  const annotations = () => {
    const put = vi.spyOn(tracer, 'putAnnotation');
    return () => Object.fromEntries(put.mock.calls.map(([key, value]) => [key, value]));
  };

  it('annotates route, consumer and success', async () => {
    ddb.on(GetCommand).resolves({ Item: { orderId, owner: 'test', status: 'PENDING' } });
    const seen = annotations();

    await get();

    expect(seen()).toEqual({
      [TRACE_ANNOTATIONS.route]: 'getOrder',
      [TRACE_ANNOTATIONS.consumer]: 'test',
      [TRACE_ANNOTATIONS.outcome]: 'success',
    });
  });

  it('annotates a 4xx as client_error and a 5xx as server_error', async () => {
    ddb.on(GetCommand).resolves({});
    const missing = annotations();
    await get();
    const clientError = missing()[TRACE_ANNOTATIONS.outcome];
    vi.restoreAllMocks();
    ddb.on(GetCommand).rejects(new Error('boom'));
    const failing = annotations();
    await get();

    expect(clientError).toBe('client_error');
    expect(failing()[TRACE_ANNOTATIONS.outcome]).toBe('server_error');
  });

  it('annotates consumer none when the caller is not resolved (token and key of different consumers)', async () => {
    const seen = annotations();

    const result = await getOrder(
      apiEvent({
        path: `/orders/${orderId}`,
        pathParameters: { orderId },
        apiKeyId: 'other-key',
      }),
      createLambdaContext('getOrder'),
    );

    expect(result.statusCode).toBe(403);
    expect(seen()).toMatchObject({
      [TRACE_ANNOTATIONS.consumer]: 'none',
      [TRACE_ANNOTATIONS.outcome]: 'client_error',
    });
  });

  it('never annotates or adds metadata with request content', async () => {
    ddb.on(GetCommand).resolves({ Item: { orderId, owner: 'test', status: 'PENDING' } });
    const put = vi.spyOn(tracer, 'putAnnotation');
    const metadata = vi.spyOn(tracer, 'putMetadata');

    await get();

    expect(put.mock.calls.map(([key]) => key).sort()).toEqual(
      Object.values(TRACE_ANNOTATIONS).sort(),
    );
    expect(metadata).not.toHaveBeenCalled();
  });
});
