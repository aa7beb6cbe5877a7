import { describe, expect, it } from 'vitest';
import { validFaultsPatch } from '../../../local/http-stub.ts';

describe('a patch of a dependency stub faults', () => {
  it.each([
    [{}, {}],
    [{ latencyMs: 0 }, { latencyMs: 0 }],
    [
      { latencyMs: 60_000, errorRate: 1 },
      { latencyMs: 60_000, errorRate: 1 },
    ],
    [{ errorRate: 0.25, other: true }, { errorRate: 0.25 }],
  ])('keeps the given values of %j', (patch, expected) => {
    expect(validFaultsPatch(patch)).toEqual(expected);
  });

  it.each([
    null,
    'fast',
    { latencyMs: -1 },
    { latencyMs: 60_001 },
    { latencyMs: '10' },
    { errorRate: 1.5 },
    { errorRate: -0.1 },
    { errorRate: null },
  ])('refuses %j', (patch) => {
    expect(validFaultsPatch(patch)).toBeUndefined();
  });
});
