import { ENV, type EnvName } from './env-names.ts';

/** Reads a required environment variable, throwing a clear error when it is missing. */
export const requireEnv = (name: EnvName): string => {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Missing environment variable ${name}: the stack sets it on every function`);
  }
  return value;
};

const requireInt = (name: EnvName): number => {
  const raw = requireEnv(name);
  const value = Number(raw);
  if (!Number.isInteger(value))
    throw new Error(`Environment variable ${name} must be an integer, got '${raw}'`);
  return value;
};

/**
 * Getters for each setting, so a handler reads only what it needs, once, at module load.
 * Each throws when its variable is missing.
 */
export const env = {
  ordersTable: () => requireEnv(ENV.ordersTable),
  ordersByCustomerIndex: () => requireEnv(ENV.ordersByCustomerIndex),
  ordersByOwnerIndex: () => requireEnv(ENV.ordersByOwnerIndex),
  /** JSON list of the stage's consumers: name, OAuth client id and API key id of each. */
  consumers: () => requireEnv(ENV.consumers),
  cursorSecretArn: () => requireEnv(ENV.cursorSecretArn),
  idempotencyTable: () => requireEnv(ENV.idempotencyTable),
  idempotencyTtlSeconds: () => requireInt(ENV.idempotencyTtlSeconds),
  fulfilmentQueueUrl: () => requireEnv(ENV.fulfilmentQueueUrl),
  pricingUrl: () => requireEnv(ENV.pricingUrl),
  pricingTimeoutMs: () => requireInt(ENV.pricingTimeoutMs),
  pricingMaxRetries: () => requireInt(ENV.pricingMaxRetries),
  pricingBreakerFailureThreshold: () => requireInt(ENV.pricingBreakerFailureThreshold),
  pricingBreakerOpenMs: () => requireInt(ENV.pricingBreakerOpenMs),
  catalogTable: () => requireEnv(ENV.catalogTable),
  faultParameterName: () => requireEnv(ENV.faultParameterName),
  faultCacheSeconds: () => requireInt(ENV.faultCacheSeconds),
  maxBodyBytes: () => requireInt(ENV.maxBodyBytes),
  cancelledRetentionDays: () => requireInt(ENV.cancelledRetentionDays),
  corsAllowOrigins: () =>
    (process.env[ENV.corsAllowOrigins] ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
} as const;
