import { describe, expect, it } from 'vitest';
import { type CpuProfile, ownerOf, profileShares, summariseProfile } from '#ops/load-profile';

const node = (id: number, functionName: string, url: string) => ({
  id,
  callFrame: { functionName, url, lineNumber: 9 },
});

const profile: CpuProfile = {
  nodes: [
    node(1, '(root)', ''),
    node(2, '(idle)', ''),
    node(3, 'serialize', 'file:///repo/node_modules/@smithy/core/dist/index.js'),
    node(4, 'handler', 'file:///repo/functions/orders/create-order.ts'),
    node(5, 'writeHead', 'node:_http_server'),
  ],
  startTime: 0,
  endTime: 10_000,
  // One sample every 1,000 µs: idle 4, smithy 3, handler 2, http 1.
  samples: [2, 2, 2, 2, 3, 3, 3, 4, 4, 5],
  timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
};

describe('CPU profile summary', () => {
  it.each([
    ['file:///repo/node_modules/@smithy/core/dist/index.js', '@smithy/core'],
    ['file:///repo/node_modules/zod/v4/core.js', 'zod'],
    ['node:_http_server', 'node:_http_server'],
    ['file:///repo/functions/commons/http.ts', 'functions/commons/http.ts'],
    ['file:///repo/local/api-gateway.ts', 'local/api-gateway.ts'],
  ])('attributes %s to %s', (url, owner) => {
    expect(ownerOf(url, 'f')).toBe(owner);
  });

  it('shares self time by owner and function, leaving idle time out', () => {
    // Act
    const shares = profileShares(profile);

    // Assess
    expect(shares.totalMs).toBe(10);
    expect(shares.busyMs).toBe(6);
    expect(shares.owners).toEqual([
      { name: '@smithy/core', ms: 3, percent: 50 },
      { name: 'functions/orders/create-order.ts', ms: 2, percent: 33.3 },
      { name: 'node:_http_server', ms: 1, percent: 16.7 },
    ]);
    expect(shares.functions[0]?.name).toBe('serialize @smithy/core:10');
  });

  it('prints the busy share first', () => {
    expect(summariseProfile(profile)[0]).toBe(
      'busy 6 ms of 10 ms profiled (60 %); self time by owner:',
    );
  });
});
