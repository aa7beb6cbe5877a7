import { beforeAll, describe, expect, it } from 'vitest';
import { type ApiRoute, listApiRoutes } from '#local/template';
import { synthesizeStage } from '../../../../cdk/synth.ts';
import { buildOpenApiDocument } from '../../../../functions/openapi/document.ts';

/**
 * The document is generated from the route table, but the API Gateway methods come from the
 * stacks: this catches a stack that adds, drops or re-secures a route behind the table's back.
 */
describe('OpenAPI document against the synthesized API', () => {
  let deployed: ApiRoute[];
  const { paths } = buildOpenApiDocument();

  beforeAll(() => {
    deployed = listApiRoutes(synthesizeStage('prod', { bundle: false }).stacks);
  });

  it('documents exactly the methods the API stack deploys', () => {
    const documented = Object.entries(paths).flatMap(([path, item]) =>
      Object.keys(item ?? {}).map((method) => `${method.toUpperCase()} ${path}`),
    );

    expect(documented.sort()).toEqual(
      deployed.map((route) => `${route.method} ${route.path}`).sort(),
    );
  });

  it('documents the same authorization scopes and API-key requirement as deployed', () => {
    for (const route of deployed) {
      const operation = paths[route.path]?.[route.method.toLowerCase() as 'get' | 'post'];
      const security = (operation?.security ?? []) as Array<Record<string, string[]>>;

      expect(security.flatMap((entry) => entry.oauth2 ?? []).sort()).toEqual(
        [...route.authorizationScopes].sort(),
      );
      expect(security.some((entry) => 'apiKey' in entry)).toBe(route.apiKeyRequired);
    }
  });

  it('names each deployed method with the handler it documents', () => {
    for (const route of deployed) {
      const operation = paths[route.path]?.[route.method.toLowerCase() as 'get' | 'post'];

      expect(operation?.operationId).toBe(route.function?.routeId);
    }
  });
});
