import { describe, expect, it } from 'vitest';
import { ROUTES } from '#routes';
import { synthesizeStage } from '../../../cdk/synth.ts';

describe('synthesizeStage', () => {
  const { stacks } = synthesizeStage('dev');

  it('returns the data and API templates of the stage', () => {
    expect(stacks.map((s) => s.stackName).sort()).toEqual(['Orders-dev-Alerting', 'Orders-dev-Api', 'Orders-dev-Data']);
  });

  it('marks each route function with its route id and repo-relative entry in the template', () => {
    // Prepare
    const api = stacks.find((s) => s.stackName === 'Orders-dev-Api');

    // Act
    const marked = Object.values(api?.template.Resources ?? {})
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => [r.Metadata?.['orders:routeId'], r.Metadata?.['orders:entry']]);

    // Assess
    expect(marked).toEqual(expect.arrayContaining(ROUTES.map((route) => [route.id, route.entry])));
    expect(marked).toHaveLength(ROUTES.length);
  });
});
