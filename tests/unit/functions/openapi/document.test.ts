import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { type HttpError, httpErrors } from '#commons/errors';
import { ListOrdersQuerySchema } from '#commons/schemas';
import { ROUTES } from '#routes';
import { buildOpenApiDocument, routeProblems } from '../../../../functions/openapi/document.ts';
import { OPENAPI_PATH, renderOpenApi } from '../../../../functions/openapi/generate.ts';

describe('OpenAPI document', () => {
  it('is up to date in docs/openapi.json (run `npm run openapi` after changing a schema or route)', async () => {
    expect(await readFile(OPENAPI_PATH, 'utf8')).toBe(renderOpenApi());
  });

  it('documents every route of the route table, and nothing else', () => {
    const documented = Object.entries(buildOpenApiDocument().paths).flatMap(([path, item]) =>
      Object.keys(item ?? {}).map((method) => `${method.toUpperCase()} ${path}`),
    );

    expect(documented.sort()).toEqual(
      ROUTES.map((route) => `${route.method} ${route.path}`).sort(),
    );
  });

  it('describes every error response with the problem body, narrowed to the codes of its route and status', () => {
    const { paths } = buildOpenApiDocument();
    let checked = 0;

    for (const route of ROUTES) {
      const operation = paths[route.path]?.[route.method.toLowerCase() as 'get' | 'post'];
      const responses = operation?.responses as Record<string, { content?: unknown }>;
      for (const [status, codes] of Object.entries(routeProblems(route))) {
        const problem = {
          allOf: [
            { $ref: '#/components/schemas/Problem' },
            {
              type: 'object',
              properties: {
                error: { type: 'object', properties: { code: { type: 'string', enum: codes } } },
              },
            },
          ],
        };
        const expected =
          route.id === 'health' && status === '503'
            ? { anyOf: [{ $ref: '#/components/schemas/Health' }, problem] }
            : problem;
        expect(responses[status]?.content, `${route.id} ${status}`).toEqual({
          'application/json': { schema: expected },
        });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it("lists a route's own codes, the handler chain's, and API Gateway's where they reach it", () => {
    const cancel = ROUTES.find((route) => route.id === 'cancelOrder');
    const health = ROUTES.find((route) => route.id === 'health');
    if (!cancel || !health) throw new Error('route table changed');

    expect(routeProblems(cancel)).toMatchObject({
      400: ['MALFORMED_JSON', 'VALIDATION_FAILED'],
      401: ['UNAUTHORIZED'],
      403: ['FORBIDDEN'],
      404: ['ORDER_NOT_FOUND', 'ROUTE_NOT_FOUND'],
      409: ['INVALID_STATE'],
      429: ['QUOTA_EXCEEDED', 'THROTTLED'],
      502: ['INTERNAL'],
      504: ['GATEWAY_TIMEOUT'],
    });
    expect(routeProblems(health)).not.toHaveProperty('401');
    expect(routeProblems(health)[429]).toEqual(['THROTTLED']);
  });

  it('documents every problem code the handlers can answer with on some route', () => {
    const documented = new Set(
      ROUTES.flatMap((route) => Object.values(routeProblems(route)).flat()),
    );
    // Every factory accepts an empty list for its argument (details, an id, a number).
    const handlerCodes = Object.values(httpErrors).map(
      (make) => (make as (arg: never) => HttpError)([] as never).code,
    );

    expect(handlerCodes.length).toBeGreaterThan(5);
    for (const code of handlerCodes) expect(documented, code).toContain(code);
  });

  it('documents limit as the integer range the validator accepts', () => {
    const limit = buildOpenApiDocument().paths['/orders']?.get?.parameters?.find(
      (parameter) => parameter.name === 'limit',
    );
    const schema = limit?.schema as { type: string; minimum: number; maximum: number };
    const accepts = (value: number) =>
      ListOrdersQuerySchema.safeParse({ customerId: 'c-1', limit: String(value) }).success;

    expect(schema.type).toBe('integer');
    expect(
      [schema.minimum - 1, schema.minimum, schema.maximum, schema.maximum + 1].map(accepts),
    ).toEqual([false, true, true, false]);
    expect(ListOrdersQuerySchema.safeParse({ customerId: 'c-1', limit: '1.5' }).success).toBe(
      false,
    );
  });

  it('links a created order to reading, listing and cancelling it', () => {
    const { paths } = buildOpenApiDocument();
    const created = paths['/orders']?.post?.responses[201] as {
      links: Record<string, { operationId: string; parameters: Record<string, string> }>;
    };

    expect(created.links).toEqual({
      GetOrder: expect.objectContaining({
        operationId: 'getOrder',
        parameters: { orderId: '$response.body#/orderId' },
      }),
      CancelOrder: expect.objectContaining({
        operationId: 'cancelOrder',
        parameters: { orderId: '$response.body#/orderId' },
      }),
      ListCustomerOrders: expect.objectContaining({
        operationId: 'listOrders',
        parameters: { customerId: '$response.body#/customerId' },
      }),
    });
  });

  it('requires an OAuth scope and an API key on every route but /health', () => {
    const { paths } = buildOpenApiDocument();

    expect(paths['/health']?.get?.security).toEqual([]);
    expect(paths['/orders']?.post?.security).toEqual([
      { oauth2: ['orders/orders.write'], apiKey: [] },
    ]);
    expect(paths['/orders']?.get?.security).toEqual([
      { oauth2: ['orders/orders.read'], apiKey: [] },
      { oauth2: ['orders/orders.read.all'], apiKey: [] },
    ]);
  });
});
