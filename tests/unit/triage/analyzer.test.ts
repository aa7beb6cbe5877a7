import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#local/paths';
import { analyze } from '#triage/analyzer';
import type { ContextBundle } from '#triage/bundle';
import { evaluateScenarios } from '#triage/evaluate';
import { loadScenario } from '../../fixtures/triage.ts';

const categories = (bundle: ContextBundle) => analyze(bundle).map((h) => h.category);

describe('baseline analyzer', () => {
  it.each([
    ['deploy-new-error', 'deployment'],
    ['pricing-timeouts', 'dependency'],
    ['dynamodb-throttle', 'capacity'],
    ['surge-client-input', 'error-surge'],
    ['cold-starts', 'cold-start'],
    ['dlq-poison', 'poison-messages'],
    ['fault-left-on', 'fault-injection'],
  ])('ranks the real cause of %s first (%s)', (name, expected) => {
    expect(categories(loadScenario(name).bundle)[0]).toBe(expected);
  });

  it('cites only evidence the bundle holds, always with the alarm', () => {
    const { bundle } = loadScenario('deploy-new-error');
    const ids = new Set(bundle.evidence.map((e) => e.id));
    for (const hypothesis of analyze(bundle)) {
      expect(hypothesis.evidenceIds.every((id) => ids.has(id))).toBe(true);
      expect(hypothesis.evidenceIds).toContain('alarm-1');
    }
  });

  it('does not blame a failed deployment, nor one long before the window', () => {
    expect(categories(loadScenario('failed-deploy-is-not-cause').bundle)).not.toContain(
      'deployment',
    );
    expect(categories(loadScenario('fault-composite').bundle)).not.toContain('deployment');
  });

  it('is not steered by a log line that asks for a category', () => {
    expect(categories(loadScenario('injection-in-logs').bundle)[0]).toBe('dependency');
  });

  it('says "other" with low confidence when nothing matches', () => {
    const [only, ...rest] = analyze(loadScenario('quiet-alarm').bundle);
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ category: 'other', confidence: 0.1, evidenceIds: ['alarm-1'] });
  });

  it('points at the runbook section that matches the category', () => {
    const [first] = analyze(loadScenario('fault-left-on').bundle);
    expect(first?.runbookSection).toBe('Fault injection drills');
  });

  it('reaches 80% top-1 and 90% top-3 accuracy on the labelled scenarios', async () => {
    const evaluation = await evaluateScenarios(join(REPO_ROOT, 'tests', 'fixtures', 'incidents'));
    expect(evaluation.results.length).toBeGreaterThanOrEqual(12);
    expect(evaluation.top1).toBeGreaterThanOrEqual(0.8);
    expect(evaluation.top3).toBeGreaterThanOrEqual(0.9);
  });
});
