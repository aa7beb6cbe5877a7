import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '#routes';
import { buildOpenApiDocument } from '../../../../functions/openapi/document.ts';
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

  it('describes every error response with the problem body', () => {
    const { paths } = buildOpenApiDocument();
    const errorSchemas = Object.values(paths).flatMap((item) =>
      Object.values(item ?? {}).flatMap((operation) =>
        Object.entries(
          (operation as { responses: Record<string, { content?: unknown }> }).responses,
        )
          .filter(
            ([status]) =>
              Number(status) >= 400 && !(status === '503' && operation === paths['/health']?.get),
          )
          .map(([, response]) => response.content),
      ),
    );

    expect(errorSchemas.length).toBeGreaterThan(10);
    for (const content of errorSchemas) {
      expect(content).toEqual({
        'application/json': { schema: { $ref: '#/components/schemas/Problem' } },
      });
    }
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
