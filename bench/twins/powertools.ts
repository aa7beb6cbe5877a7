/**
 * What every Powertools-only twin shares, built the way the Powertools for AWS Lambda
 * (TypeScript) documentation builds a handler without middy: one Tracer, Logger and Metrics per
 * process, and the manual instrumentation of a handler (Logger context, a handler subsegment with
 * the cold-start and service annotations, the cold-start metric, metrics flushed at the end). The
 * traced DynamoDB clients are in `dynamodb.ts`, for the twins whose routes use them. No
 * validation, no middy, no code of the project: a twin is the floor the project's framework layer
 * is measured against (docs/benchmarks.md).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'orders';
export const logger = new Logger({ serviceName });
export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Orders',
  defaultDimensions: { stage: process.env.STAGE ?? 'local' },
});
export const tracer = new Tracer({ serviceName });

/** Reads a variable once, at load, as the routes do. */
export const requireEnv = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`Missing environment variable ${name}`);
  return value;
};

export const json = (
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/** The OAuth client of the caller's token, as the Cognito authorizer passes it. */
export const clientIdOf = (event: APIGatewayProxyEvent): string =>
  String(event.requestContext.authorizer?.claims?.client_id ?? '');

export type ApiHandler = (
  event: APIGatewayProxyEvent,
  context: Context,
) => Promise<APIGatewayProxyResult>;

/** Powertools' manual instrumentation of a handler (what its middy middlewares do, by hand). */
export const instrumented =
  (handler: ApiHandler): ApiHandler =>
  async (event, context) => {
    logger.addContext(context);
    logger.setCorrelationId(event.requestContext?.requestId);
    const segment = tracer.getSegment();
    const subsegment = segment?.addNewSubsegment(`## ${process.env._HANDLER ?? 'index.handler'}`);
    if (subsegment) tracer.setSegment(subsegment);
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
    metrics.captureColdStartMetric();
    try {
      return await handler(event, context);
    } catch (error) {
      tracer.addErrorAsMetadata(error as Error);
      logger.error('Request failed', { error });
      return json(500, { message: 'Internal error' });
    } finally {
      subsegment?.close();
      if (segment) tracer.setSegment(segment);
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
