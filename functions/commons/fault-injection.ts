import { setTimeout as sleep } from 'node:timers/promises';
import type { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { MiddlewareObj } from '@middy/core';
import type { RouteId } from '../routes.ts';
import { env } from './env.ts';
import { httpErrors } from './errors.ts';
import { emitMetric } from './metrics.ts';
import { logger, tracer } from './powertools.ts';
import type { Validated } from './validators/sources.ts';
import * as validators from './validators.ts';

/**
 * The fault-injection parameter: per route, extra latency and/or a share of requests that fail
 * with 503. Off unless `enabled` is true; ignored entirely where the stage does not allow it.
 * Its schema is in validators/sources.ts.
 */
export type FaultSettings = Validated['faultSettings'];

export interface FaultSource {
  /** Returns the current settings, or undefined when none apply. */
  load(): Promise<FaultSettings | undefined>;
}

/**
 * Reads the stage's SSM parameter through Powertools parameters, cached for a few seconds.
 * Undefined where the stage does not allow fault injection: routes then skip the middleware.
 */
export const ssmFaultSource = (): FaultSource | undefined => {
  // Spelled out (not through `env`) so the bundler can fix it to "false" for stages that do not
  // allow fault injection and drop this branch, SSM client included (see stageDefines).
  if (process.env.FAULT_INJECTION_ALLOWED === 'true') {
    const name = env.faultParameterName();
    const maxAge = env.faultCacheSeconds();
    // Loaded on first use, so a function only loads the SSM client once it reads the parameter.
    let provider: Promise<SSMProvider> | undefined;
    const getProvider = () => {
      provider ??= Promise.all([
        import('@aws-lambda-powertools/parameters/ssm'),
        import('@aws-sdk/client-ssm'),
      ]).then(
        ([ssm, { SSMClient }]) =>
          new ssm.SSMProvider({ awsSdkV3Client: tracer.captureAWSv3Client(new SSMClient({})) }),
      );
      return provider;
    };
    return {
      async load() {
        try {
          const raw = await (await getProvider()).get(name, { transform: 'json', maxAge });
          const settings = validators.faultSettings.check(raw);
          if (settings === undefined) {
            logger.warn('Ignoring an invalid fault-injection parameter', { parameter: name });
            return undefined;
          }
          return settings;
        } catch (error) {
          // Fault injection must never cause an outage of its own.
          logger.warn('Could not read the fault-injection parameter', { parameter: name, error });
          return undefined;
        }
      },
    };
  }
  return undefined;
};

/** Adds the configured latency and errors to one route, before its handler runs. */
export const faultInjection = (
  routeId: RouteId,
  source: FaultSource,
  random: () => number = Math.random,
): MiddlewareObj => ({
  before: async () => {
    const settings = await source.load();
    const fault = settings?.enabled ? settings.routes[routeId] : undefined;
    if (!fault) return;
    if (fault.latencyMs > 0) {
      logger.info('Injecting latency', { faultInjection: { routeId, latencyMs: fault.latencyMs } });
      emitMetric('FaultsInjected');
      await sleep(fault.latencyMs);
    }
    if (fault.errorRate > 0 && random() < fault.errorRate) {
      logger.warn('Injecting an error', {
        faultInjection: { routeId, errorRate: fault.errorRate },
      });
      emitMetric('FaultsInjected');
      throw httpErrors.serviceUnavailable();
    }
  },
});
