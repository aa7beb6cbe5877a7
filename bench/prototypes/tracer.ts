/**
 * Powertools Tracer alone: loads the AWS X-Ray SDK (and cls-hooked) and, with the Lambda
 * environment set, patches `http`/`https` while constructing.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';

const tracer = new Tracer({ serviceName: 'orders' });

export const handler = async () => tracer.isTracingEnabled();
