import { beforeAll, describe, expect, it } from 'vitest';
import {
  API_GATEWAY_DEFAULT_STATUS,
  type GatewayResponseSpec,
  readGatewayResponses,
} from '#local/gateway-responses';
import { type ApiRoute, listApiRoutes } from '#local/template';
import { GATEWAY_PROBLEMS } from '#routes';
import { synthesizeStage } from '../../../../cdk/synth.ts';
import { buildOpenApiDocument } from '../../../../functions/openapi/document.ts';

/**
 * The document is generated from the route table, but the API Gateway methods come from the
 * stacks: this catches a stack that adds, drops or re-secures a route behind the table's back.
 */
describe('OpenAPI document against the synthesized API', () => {
  let deployed: ApiRoute[];
  let gatewayResponses: GatewayResponseSpec[];
  const { paths } = buildOpenApiDocument();

  // A synth: allowed more than the default 10 s on a machine busy with other work.
  beforeAll(() => {
    const { stacks } = synthesizeStage('prod', { bundle: false });
    deployed = listApiRoutes(stacks);
    gatewayResponses = readGatewayResponses(stacks);
  }, 60_000);

  it("documents each gateway response's code with the status API Gateway answers it with", () => {
    expect(gatewayResponses.map((spec) => spec.responseType).sort()).toEqual(
      GATEWAY_PROBLEMS.map((problem) => problem.type).sort(),
    );
    for (const spec of gatewayResponses) {
      const code = /"code":"([A-Z_]+)"/.exec(spec.templates['application/json'] ?? '')?.[1];
      const status = spec.statusCode ?? API_GATEWAY_DEFAULT_STATUS[spec.responseType];
      const documented = GATEWAY_PROBLEMS.find((problem) => problem.type === spec.responseType);

      expect(documented?.code, spec.responseType).toBe(code);
      // The two defaults keep the status of what they stand in for; every other type has one.
      if (status !== undefined) expect(documented?.statuses, spec.responseType).toEqual([status]);
      for (const documentedStatus of documented?.statuses ?? []) {
        const operations = Object.values(paths).flatMap((item) => Object.values(item ?? {}));
        expect(
          operations.some((operation) =>
            (
              operation.responses[documentedStatus] as { description?: string } | undefined
            )?.description?.includes(code ?? '?'),
          ),
          `${spec.responseType} ${documentedStatus} ${code}`,
        ).toBe(true);
      }
    }
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
