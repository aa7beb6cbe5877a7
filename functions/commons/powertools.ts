import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * The one Powertools setup every function shares. Service name, namespace and log level come
 * from the POWERTOOLS_* variables the function construct sets; the defaults serve tests and the
 * local runtime.
 */
export const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'orders';

export const logger = new Logger({ serviceName });

export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Orders',
  defaultDimensions: { stage: process.env.STAGE ?? 'local' },
});

export const tracer = new Tracer({ serviceName });
