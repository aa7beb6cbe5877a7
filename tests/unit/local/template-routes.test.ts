import { describe, expect, it } from 'vitest';
import { STAGES } from '#config/stages';
import { listApiRoutes } from '#local/template';
import { ROUTES } from '#routes';
import { synthesizeStage } from '../../../cdk/synth.ts';

describe('routes read from the template', () => {
  it('finds the function behind a route that API Gateway calls through its live alias', () => {
    // Prepare: prod provisions concurrency on the live alias of its hot routes.
    const provisioned = Object.keys(STAGES.prod.lambda.provisionedConcurrency ?? {});
    expect(provisioned.length).toBeGreaterThan(0);

    // Act
    const routes = listApiRoutes(synthesizeStage('prod', { bundle: false }).stacks);

    // Assess
    for (const routeId of provisioned) {
      const route = routes.find((candidate) => candidate.function?.routeId === routeId);
      expect(route, routeId).toBeDefined();
    }
    expect(routes.filter((route) => route.function).length).toBe(ROUTES.length);
  });
});
