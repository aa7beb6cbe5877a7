import { describe, expect, it } from 'vitest';
import { pairedRatio, summarize } from '../../../bench/stats.ts';

describe('pairedRatio', () => {
  it('is not moved by a slowdown that both sides of most pairs share', () => {
    // The route is 5 % slower than its twin. The machine slows down during run 3, between the
    // twin's process and the route's, and stays slow: the separate medians say 1.575x, the pairs
    // 1.05x (run 3's pair is the one outlier).
    const twin = [100, 100, 100, 150, 150];
    const route = [105, 105, 157.5, 157.5, 157.5];
    expect(summarize(route).p50 / summarize(twin).p50).toBeCloseTo(1.575, 10);
    expect(pairedRatio(route, twin)).toBeCloseTo(1.05, 10);
  });

  it('is the median of the ratios, not of the samples', () => {
    expect(pairedRatio([2, 30, 5], [1, 10, 10])).toBe(2);
  });

  it('pairs only as many samples as the shorter side has', () => {
    expect(pairedRatio([4, 6, 1000], [2, 3])).toBe(2);
  });
});
