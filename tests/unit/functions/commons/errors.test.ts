import {
  IdempotencyAlreadyInProgressError,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency';
import { describe, expect, it } from 'vitest';
import { httpErrors, toProblem } from '#commons/errors';

describe('error mapping', () => {
  it('keeps the status, code, message and details of an HttpError', () => {
    const problem = toProblem(httpErrors.validation([{ path: 'body.items', message: 'Too many' }]));

    expect(problem).toEqual({
      statusCode: 400,
      body: {
        error: {
          code: 'VALIDATION_FAILED',
          message: 'The request is not valid',
          details: [{ path: 'body.items', message: 'Too many' }],
        },
      },
    });
  });

  it('maps a reused idempotency key to 422', () => {
    expect(toProblem(new IdempotencyValidationError('hash mismatch')).statusCode).toBe(422);
  });

  it('maps a request still in progress to 409', () => {
    expect(toProblem(new IdempotencyAlreadyInProgressError('busy')).body.error.code).toBe(
      'IDEMPOTENCY_IN_PROGRESS',
    );
  });

  it('tells a client that meets a request in progress when to retry', () => {
    const problem = toProblem(httpErrors.idempotencyInProgress(2));

    expect(problem.statusCode).toBe(409);
    expect(problem.headers).toEqual({ 'retry-after': '2' });
    expect(problem.body.error.details[0]?.path).toBe('headers.idempotency-key');
  });

  it('adds no headers to problems that need none', () => {
    expect(toProblem(httpErrors.orderNotFound('ord_1')).headers).toBeUndefined();
  });

  it('answers anything else with a bare 500 that reveals nothing', () => {
    const problem = toProblem(
      new Error('connect ECONNREFUSED 10.0.0.1:5432 at Socket.connect (net.js:1)'),
    );

    expect(problem.statusCode).toBe(500);
    expect(JSON.stringify(problem.body)).not.toMatch(/ECONNREFUSED|net\.js|Socket/);
    expect(problem.body.error.code).toBe('INTERNAL');
  });
});
