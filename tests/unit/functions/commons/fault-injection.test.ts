import { describe, expect, it } from 'vitest';
import { type FaultSettings, faultInjection } from '#commons/fault-injection';

const source = (settings: FaultSettings | undefined) => ({ load: async () => settings });
const run = (middleware: ReturnType<typeof faultInjection>) =>
  // biome-ignore lint/suspicious/noExplicitAny: the middleware ignores the request
  middleware.before?.({} as any);

describe('fault injection', () => {
  it('does nothing when the settings are disabled', async () => {
    const middleware = faultInjection(
      'getOrder',
      source({ enabled: false, routes: { getOrder: { latencyMs: 0, errorRate: 1 } } }),
    );

    await expect(run(middleware)).resolves.toBeUndefined();
  });

  it('does nothing for routes it does not name', async () => {
    const middleware = faultInjection(
      'getOrder',
      source({ enabled: true, routes: { createOrder: { latencyMs: 0, errorRate: 1 } } }),
    );

    await expect(run(middleware)).resolves.toBeUndefined();
  });

  it('fails the share of requests given by errorRate with a 503', async () => {
    const settings = source({
      enabled: true,
      routes: { getOrder: { latencyMs: 0, errorRate: 0.5 } },
    });

    await expect(run(faultInjection('getOrder', settings, () => 0.4))).rejects.toMatchObject({
      statusCode: 503,
    });
    await expect(run(faultInjection('getOrder', settings, () => 0.6))).resolves.toBeUndefined();
  });

  it('adds the configured latency before the handler runs', async () => {
    const middleware = faultInjection(
      'getOrder',
      source({ enabled: true, routes: { getOrder: { latencyMs: 50, errorRate: 0 } } }),
    );
    const started = performance.now();

    await run(middleware);

    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('does nothing when no settings could be loaded (stage does not allow it)', async () => {
    await expect(
      run(faultInjection('getOrder', source(undefined), () => 0)),
    ).resolves.toBeUndefined();
  });
});
