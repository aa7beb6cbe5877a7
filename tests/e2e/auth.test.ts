import { describe, expect, inject, it } from 'vitest';
import { call, expectProblem, orderRequest, uniqueCustomer } from './http.ts';

describe('authentication and authorization, as deployed', () => {
  it('serves GET /health without any credential', async () => {
    const response = await call<{ status: string }>('/health', { credentials: 'none' });

    expect(response.status, response.text).toBe(200);
    expect(response.json.status).toBe('ok');
  });

  it('rejects a request without an API key with 403 FORBIDDEN', async () => {
    const response = await call(`/orders?customerId=${uniqueCustomer('auth')}`, {
      credentials: 'no-key',
    });

    expectProblem(response, 403, 'FORBIDDEN');
  });

  it('rejects a wrong API key with 403 FORBIDDEN', async () => {
    const response = await call(`/orders?customerId=${uniqueCustomer('auth')}`, {
      credentials: 'no-key',
      headers: { 'x-api-key': 'not-the-key' },
    });

    expectProblem(response, 403, 'FORBIDDEN');
  });

  it('rejects a request without a token with 401 UNAUTHORIZED', async () => {
    const response = await call(`/orders?customerId=${uniqueCustomer('auth')}`, {
      credentials: 'no-token',
    });

    expectProblem(response, 401, 'UNAUTHORIZED');
  });

  it('rejects a token whose signature was tampered with, with 401 UNAUTHORIZED', async () => {
    const [header, payload, signature = ''] = inject('token').split('.');
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    const response = await call(`/orders?customerId=${uniqueCustomer('auth')}`, {
      credentials: 'no-token',
      headers: { authorization: `Bearer ${header}.${payload}.${flipped}` },
    });

    expectProblem(response, 401, 'UNAUTHORIZED');
  });

  it('lets a read-only token list orders', async () => {
    const response = await call(`/orders?customerId=${uniqueCustomer('auth')}`, {
      credentials: 'read-only',
    });

    expect(response.status, response.text).toBe(200);
  });

  it('rejects a read-only token on POST /orders with 403 FORBIDDEN', async () => {
    const response = await call('/orders', {
      credentials: 'read-only',
      body: orderRequest(uniqueCustomer('auth')),
    });

    expectProblem(response, 403, 'FORBIDDEN');
  });
});

describe('CORS preflight', () => {
  it('answers OPTIONS /orders with the allowed origin, methods and headers', async () => {
    const response = await fetch(`${inject('apiUrl')}/orders`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,idempotency-key,x-api-key',
      },
    });

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toEqual(expect.any(String));
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain(
      'idempotency-key',
    );
  });
});
