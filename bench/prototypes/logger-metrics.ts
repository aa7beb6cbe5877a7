/** Powertools Logger and Metrics alone, constructed as `functions/commons/powertools.ts` does. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

const logger = new Logger({ serviceName: 'orders' });
const metrics = new Metrics({ serviceName: 'orders', namespace: 'Orders' });

export const handler = async () => {
  logger.debug('bench');
  metrics.publishStoredMetrics();
};
