import { describe, expect, it } from 'vitest';
import { nextRate } from '#ops/load-search';

const step = (arrivalRate: number, passed: boolean) => ({ arrivalRate, passed });

describe('the throughput search', () => {
  it('starts at the given rate', () => {
    expect(nextRate([], 4, 100)).toBe(4);
  });

  it('doubles while steps hold', () => {
    expect(nextRate([step(4, true), step(8, true)], 4, 100)).toBe(16);
  });

  it('bisects between the best held and the first failed rate', () => {
    expect(nextRate([step(4, true), step(8, true), step(16, false)], 4, 100)).toBe(12);
    expect(nextRate([step(8, true), step(16, false), step(12, true)], 4, 100)).toBe(14);
  });

  it('stops when the bracket is one arrival per second wide', () => {
    expect(nextRate([step(12, true), step(13, false)], 4, 100)).toBeUndefined();
  });

  it('stops at the maximum when every step holds', () => {
    expect(nextRate([step(40, true), step(80, true)], 40, 100)).toBeUndefined();
  });

  it('halves towards zero when the first step fails', () => {
    expect(nextRate([step(4, false)], 4, 100)).toBe(2);
  });
});
