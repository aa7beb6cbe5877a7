import { describe, expect, inject, it } from 'vitest';
import { API_GATEWAY_DEFAULT_STATUS, type GatewayResponseSpec } from '#local/gateway-responses';
import { GATEWAY_PROBLEMS } from '#routes';
import { type CallOptions, call, expectProblem, uniqueCustomer } from './http.ts';

/**
 * Requests API Gateway itself refuses, answered by the local runtime. The expected status,
 * problem code and headers are read from the served template's gateway responses, the way API
 * Gateway applies them: the type's own response, else DEFAULT_4XX; its status, else the
 * default's, else API Gateway's default for the type.
 */
const local = inject('e2eTarget') === 'local';
const responses = inject('gatewayResponses');

const expectedFor = (type: string) => {
  const byType = new Map(responses.map((spec) => [spec.responseType, spec]));
  const own = byType.get(type);
  const fallback = byType.get('DEFAULT_4XX');
  const spec: GatewayResponseSpec | undefined = own ?? fallback;
  const code = /"code":"([A-Z_]+)"/.exec(spec?.templates['application/json'] ?? '')?.[1];
  return {
    own,
    status: own?.statusCode ?? fallback?.statusCode ?? API_GATEWAY_DEFAULT_STATUS[type],
    code,
    headers: spec?.headers ?? {},
  };
};

const tooLarge = JSON.stringify({ pad: 'x'.repeat(10 * 1024 * 1024) });

const cases: ReadonlyArray<readonly [string, string, string, CallOptions]> = [
  ['an unknown path', 'MISSING_AUTHENTICATION_TOKEN', '/no-such-route', {}],
  [
    'a method the path does not have',
    'MISSING_AUTHENTICATION_TOKEN',
    '/orders',
    { method: 'DELETE' },
  ],
  ['a method /health does not have', 'MISSING_AUTHENTICATION_TOKEN', '/health', { method: 'PUT' }],
  [
    'a request without a token',
    'UNAUTHORIZED',
    `/orders?customerId=${uniqueCustomer('gw')}`,
    { credentials: 'no-token' },
  ],
  [
    'a token without the scope',
    'ACCESS_DENIED',
    '/orders',
    { credentials: 'read-only', body: { customerId: 'c', items: [] } },
  ],
  [
    'a request without an API key',
    'INVALID_API_KEY',
    `/orders?customerId=${uniqueCustomer('gw')}`,
    { credentials: 'no-key' },
  ],
  [
    'a body over the 10 MB API Gateway limit',
    'REQUEST_TOO_LARGE',
    '/orders',
    { body: tooLarge, headers: { 'content-type': 'application/json' } },
  ],
];

describe.runIf(local)('requests API Gateway itself refuses, answered from the template', () => {
  it('serves a template that defines a response for each of these types', () => {
    for (const [, type] of cases) expect(expectedFor(type).own, type).toBeDefined();
  });

  it.each(cases)('answers %s as its %s gateway response', async (_name, type, path, options) => {
    const expected = expectedFor(type);

    const response = await call(path, options);

    expectProblem(response, expected.status as number, expected.code);
    for (const [name, value] of Object.entries(expected.headers))
      expect(response.headers.get(name), name).toBe(value);
  });

  it('answers an unknown route with 404 ROUTE_NOT_FOUND, not 405, as the deployed API does', () => {
    expect(expectedFor('MISSING_AUTHENTICATION_TOKEN')).toMatchObject({
      status: 404,
      code: 'ROUTE_NOT_FOUND',
    });
  });
});

/**
 * The same answers from any target, a deployed stage included: expected from the table the API
 * stack builds its gateway responses from.
 */
describe('unknown routes and methods, on any target', () => {
  const missingToken = GATEWAY_PROBLEMS.find(
    (problem) => problem.type === 'MISSING_AUTHENTICATION_TOKEN',
  );

  it.each([
    ['an unknown path', '/no-such-route', 'GET'],
    ['a method /orders does not have', '/orders', 'DELETE'],
    ['a method an order does not have', '/orders/ord_00000000000000000000000000000000', 'PATCH'],
  ])('answers %s with the route-not-found problem', async (_name, path, method) => {
    const response = await call(path, { method, credentials: 'none' });

    expectProblem(response, missingToken?.statuses[0] ?? 0, missingToken?.code);
  });
});
