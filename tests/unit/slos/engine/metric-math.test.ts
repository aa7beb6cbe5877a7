import { describe, expect, it } from 'vitest';
import {
  evaluateMetricMath,
  MetricMathError,
  parseMetricMath,
  referencedIds,
} from '#slos/engine/metric-math';

const run = (expression: string, values: Record<string, number | undefined>) =>
  evaluateMetricMath(parseMetricMath(expression), (id) => values[id]);

describe('metric math', () => {
  it('computes an error ratio with precedence and parentheses', () => {
    expect(run('(errors / requests) / (1 - 0.999)', { errors: 5, requests: 1000 })).toBeCloseTo(5);
    expect(run('100 * m1 / m2 - 1', { m1: 1, m2: 4 })).toBe(24);
  });

  it('gives no point for missing data or division by zero, until FILL replaces it', () => {
    expect(run('e / r', { e: 1 })).toBeUndefined();
    expect(run('e / r', { e: 1, r: 0 })).toBeUndefined();
    expect(run('FILL(e, 0) + 1', {})).toBe(1);
  });

  it('guards low traffic with IF and comparisons', () => {
    const guarded = 'IF(r >= 10, e / r, 0)';
    expect(run(guarded, { e: 1, r: 2 })).toBe(0);
    expect(run(guarded, { e: 5, r: 10 })).toBe(0.5);
    expect(run('r > 1 AND e > 0', { r: 2, e: 1 })).toBe(1);
    expect(run('MAX([a, b, c])', { a: 1, b: 7 })).toBe(7);
  });

  it('names the ids it reads and refuses what it does not support', () => {
    expect([...referencedIds(parseMetricMath('IF(r > 0, FILL(e, 0) / r, 0)'))].sort()).toEqual([
      'e',
      'r',
    ]);
    expect(() => run('ANOMALY_DETECTION_BAND(m1)', { m1: 1 })).toThrow(MetricMathError);
    expect(() => parseMetricMath('e / ')).toThrow(MetricMathError);
  });
});
