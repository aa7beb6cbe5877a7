import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { METRICS_NAMESPACE, METRICS_SERVICE } from './metric-catalog.ts';

/**
 * The one Powertools setup every function shares. Service name, namespace and log level come
 * from the POWERTOOLS_* variables the function construct sets; the defaults serve tests and the
 * local runtime.
 */
export const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'orders';

export const logger = new Logger({ serviceName });

// One namespace and `service` dimension for the whole service, whichever process emits (the
// worker logs as its own service name but meters as the orders service, with a `task`).
export const metrics = new Metrics({
  serviceName: METRICS_SERVICE,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  defaultDimensions: { stage: process.env.STAGE ?? 'local' },
});

export const tracer = new Tracer({ serviceName });
