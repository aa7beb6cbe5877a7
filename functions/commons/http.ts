import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import httpCors from '@middy/http-cors';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { PUBLIC_ROUTES, type RouteId } from '../routes.ts';
import { type Caller, type ConsumerBinding, parseConsumers, resolveCaller } from './caller.ts';
import { correlation } from './correlation.ts';
import { env } from './env.ts';
import { httpErrors, type ProblemDetail, toProblem } from './errors.ts';
import { type FaultSource, faultInjection, ssmFaultSource } from './fault-injection.ts';
import { fingerprintFields } from './fingerprint.ts';
import { CORRELATION_ID_HEADER, REPLAY_HEADER } from './headers.ts';
import type { IdempotencyScope } from './idempotency.ts';
import { emitErrorMetrics } from './metrics.ts';
import { logger, metrics, tracer } from './powertools.ts';
import { sequence } from './sequence.ts';
import type { ValidationIssue, Validator } from './validation.ts';
import * as validators from './validators.ts';

/** Response headers a browser client may read. */
export const EXPOSED_HEADERS = [CORRELATION_ID_HEADER, REPLAY_HEADER, 'location', 'retry-after'];

export type HttpResult = APIGatewayProxyResult;

/** What a route handler receives: the request after validation, typed by its schemas. */
export interface ValidatedRequest<B, Q, P> {
  readonly body: B;
  readonly query: Q;
  readonly path: P;
  /** OAuth client id of the caller, from the authorizer; undefined on public routes. */
  readonly consumer: string | undefined;
  /**
   * The consumer calling, resolved from its token and checked against its API key; present on
   * every authenticated route, undefined on public ones.
   */
  readonly caller: Caller | undefined;
  /** The request's idempotency record, on an idempotent route called with an Idempotency-Key. */
  readonly idempotency?: IdempotencyScope;
}

export interface RouteOptions<B, Q, P> {
  readonly routeId: RouteId;
  /** Validator of the JSON body (`validators` in validation.ts); routes without one ignore the body. */
  readonly body?: Validator<B>;
  /** Whether an empty body is accepted (and validated as `{}`). @default false */
  readonly bodyOptional?: boolean;
  readonly query?: Validator<Q>;
  readonly path?: Validator<P>;
  /** Idempotency middleware (see `idempotency.ts`); also enables the Idempotency-Key header. */
  readonly idempotency?: MiddlewareObj;
  /** Where fault-injection settings come from. @default the stage's SSM parameter */
  readonly faults?: FaultSource;
}

type ValidatedEvent<B, Q, P> = APIGatewayProxyEvent & {
  validated: ValidatedRequest<B, Q, P> & { idempotencyKey?: string };
};

const JSON_HEADERS = {
  'content-type': 'application/json',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;

const presetResponses = new WeakMap<APIGatewayProxyEvent, HttpResult>();

/**
 * Answers a request with `response` instead of running its handler. Unlike a middy early return
 * (a `before` that returns a value), every `after` middleware still runs, so the response gets
 * the same CORS and other headers as one the handler returned. Idempotent replays use it.
 */
export const answerWithoutHandler = (event: APIGatewayProxyEvent, response: HttpResult): void => {
  presetResponses.set(event, response);
};

/** A JSON response with the headers every response carries. */
export const json = (
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResult => ({
  statusCode,
  headers: { ...JSON_HEADERS, ...headers },
  body: JSON.stringify(body),
});

const issuesToDetails = (prefix: string, issues: readonly ValidationIssue[]): ProblemDetail[] =>
  issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));

const parseWith = <T>(validator: Validator<T>, value: unknown, prefix: string): T => {
  const result = validator.validate(value);
  if (!result.success) throw httpErrors.validation(issuesToDetails(prefix, result.issues));
  return result.data;
};

const readJsonBody = (
  event: APIGatewayProxyEvent,
  maxBodyBytes: number,
  optional: boolean,
): unknown => {
  const raw =
    event.body == null
      ? ''
      : event.isBase64Encoded
        ? Buffer.from(event.body, 'base64').toString('utf8')
        : event.body;
  if (Buffer.byteLength(raw, 'utf8') > maxBodyBytes) throw httpErrors.payloadTooLarge(maxBodyBytes);
  if (raw.trim() === '') {
    if (optional) return {};
    throw httpErrors.validation([{ path: 'body', message: 'A JSON body is required' }]);
  }
  const contentType = event.headers?.['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(contentType)) throw httpErrors.unsupportedMediaType();
  try {
    return JSON.parse(raw);
  } catch {
    throw httpErrors.malformedJson();
  }
};

/** Parses and validates body, query string, path and Idempotency-Key before the handler runs. */
const validation = <B, Q, P>(
  options: RouteOptions<B, Q, P>,
  maxBodyBytes: number,
  consumers: ReadonlyMap<string, ConsumerBinding> | undefined,
): MiddlewareObj => ({
  before: (request) => {
    const event = request.event as ValidatedEvent<B, Q, P>;
    // Who calls comes first, as in API Gateway: a refused caller learns nothing about its input.
    const caller = consumers ? resolveCaller(event, consumers) : undefined;
    const duplicated = Object.entries(event.multiValueQueryStringParameters ?? {})
      .filter(([, values]) => (values?.length ?? 0) > 1)
      .map(([name]) => ({ path: `query.${name}`, message: 'Give this parameter once' }));
    if (duplicated.length > 0) throw httpErrors.validation(duplicated);

    const body = options.body
      ? parseWith(
          options.body,
          readJsonBody(event, maxBodyBytes, options.bodyOptional ?? false),
          'body',
        )
      : (undefined as B);
    const query = options.query
      ? parseWith(options.query, event.queryStringParameters ?? {}, 'query')
      : (undefined as Q);
    const path = options.path
      ? parseWith(options.path, event.pathParameters ?? {}, 'path')
      : (undefined as P);
    const consumer = (
      event.requestContext?.authorizer?.claims as Record<string, string> | undefined
    )?.client_id;

    let idempotencyKey: string | undefined;
    const header = event.headers?.['idempotency-key'];
    if (options.idempotency && header !== undefined) {
      const key = parseWith(validators.idempotencyKey, header, 'headers.idempotency-key');
      // Keys are scoped to the consumer: two consumers may pick the same key.
      idempotencyKey = `${consumer ?? 'anonymous'}:${key}`;
    }
    // The consumer annotation is put with the outcome, from event.validated.caller.
    if (caller) logger.appendKeys({ consumer, caller: caller.consumer });
    else if (consumer) logger.appendKeys({ consumer });
    event.validated = { body, query, path, consumer, caller, idempotencyKey };
  },
});

/** Annotations on every API request's trace, searchable in X-Ray (`annotation.route = "getOrder"`). */
export const TRACE_ANNOTATIONS = {
  route: 'route',
  /** `success` (2xx, 3xx), `client_error` (4xx) or `server_error` (5xx). */
  outcome: 'outcome',
  /** The consumer's stage-config name once its token and API key are checked, else `none`. */
  consumer: 'consumer',
} as const;

export type RequestOutcome = 'success' | 'client_error' | 'server_error';

/** The outcome annotation of a response status. */
export const outcomeOf = (statusCode: number): RequestOutcome =>
  statusCode >= 500 ? 'server_error' : statusCode >= 400 ? 'client_error' : 'success';

/** The consumer and outcome annotations, once the response is known. */
const annotateResult = (request: {
  readonly event: APIGatewayProxyEvent;
  readonly response: HttpResult | null | undefined;
}): void => {
  const { validated } = request.event as Partial<ValidatedEvent<unknown, unknown, unknown>>;
  tracer.putAnnotation(TRACE_ANNOTATIONS.consumer, validated?.caller?.consumer ?? 'none');
  // No response here means the error escapes every mapper: Lambda reports it, API Gateway 502s.
  tracer.putAnnotation(TRACE_ANNOTATIONS.outcome, outcomeOf(request.response?.statusCode ?? 500));
};

/**
 * Labels each invocation: its metrics with the route; its logs with the route and the correlation
 * id (the caller's valid `x-correlation-id`, else the API request id), which every response
 * returns; its trace with route, consumer and outcome. Per invocation rather than as defaults,
 * because the local runtime serves every route from one process, where the Powertools singletons
 * are shared.
 */
const routeLabels = (routeId: RouteId): MiddlewareObj<APIGatewayProxyEvent, HttpResult> => {
  const correlationIds = correlation((id) => logger.setCorrelationId(id));
  return {
    before: (request) => {
      metrics.addDimension('route', routeId);
      logger.appendKeys({ route: routeId });
      tracer.putAnnotation(TRACE_ANNOTATIONS.route, routeId);
      return correlationIds.before?.(request);
    },
    after: (request) => {
      annotateResult(request);
      return correlationIds.after?.(request);
    },
    onError: (request) => {
      annotateResult(request);
      return correlationIds.onError?.(request);
    },
  };
};

/**
 * Lower-cases request header names (API Gateway passes them as the client sent them), as
 * `@middy/http-header-normalizer` does by default. Hand-written because that one's `before` is
 * async, which would cost every request an await (see `sequence.ts`); this one is synchronous.
 */
const headerNormalizer = (): MiddlewareObj<APIGatewayProxyEvent> => ({
  before: ({ event }) => {
    if (event.headers) event.headers = lowerCaseNames(event.headers);
    if (event.multiValueHeaders) event.multiValueHeaders = lowerCaseNames(event.multiValueHeaders);
  },
});

const lowerCaseNames = <T>(headers: Record<string, T>): Record<string, T> => {
  const lowered: Record<string, T> = {};
  for (const name of Object.keys(headers)) lowered[name.toLowerCase()] = headers[name] as T;
  return lowered;
};

/**
 * The single place errors become responses: HttpErrors keep their status and public message;
 * anything else is logged with its stack and answered with a bare 500.
 */
const errorMapper = (): MiddlewareObj<unknown, HttpResult> => ({
  onError: (request) => {
    const { statusCode, body, headers } = toProblem(request.error);
    if (statusCode >= 500) {
      logger.error('Request failed', {
        statusCode,
        code: body.error.code,
        error: request.error,
        ...fingerprintFields(request.error),
      });
    } else {
      logger.info('Request rejected', { statusCode, code: body.error.code });
    }
    emitErrorMetrics(statusCode, body.error.code);
    // Set, not returned: the Powertools onError hooks still run (flush metrics, close segment).
    request.response = json(statusCode, body, headers);
  },
});

/**
 * Builds a route's Lambda handler: Powertools tracer, logger and metrics, CORS, the error
 * mapper, header normalisation, fault injection, validation, then (if given) idempotency, and
 * the handler last, receiving the typed, validated request.
 */
export const httpRoute = <B = undefined, Q = undefined, P = undefined>(
  options: RouteOptions<B, Q, P>,
  handler: (request: ValidatedRequest<B, Q, P>, context: Context) => Promise<HttpResult>,
) => {
  const origins = env.corsAllowOrigins();
  // In middy's order; `sequence` runs them as one middleware (see sequence.ts for why).
  const middlewares: MiddlewareObj<APIGatewayProxyEvent, HttpResult>[] = [
    captureLambdaHandler(tracer, { captureResponse: false }),
    injectLambdaContext(logger, { resetKeys: true }),
    logMetrics(metrics, { captureColdStartMetric: true }),
    routeLabels(options.routeId),
  ];
  // Browsers only let a page read response headers CORS exposes. Its `before` only answers
  // preflight requests, which API Gateway answers itself (disableBeforePreflightResponse).
  if (origins.length > 0) {
    const { after, onError } = httpCors({ origins, exposeHeaders: EXPOSED_HEADERS.join(', ') });
    middlewares.push({ after, onError });
  }
  // Fixed at build time: only stages that name a Sentry DSN secret bundle the hook and the SDK
  // (a dynamic import in a dead branch is not even resolved: other bundles carry no Sentry code).
  if (process.env.SENTRY_ENABLED === 'true') {
    const capture = import('./sentry.ts').then((sentry) =>
      sentry.sentryErrorCapture({ routeId: options.routeId }),
    );
    middlewares.push({ onError: async (request) => (await capture).onError?.(request) });
  }
  middlewares.push(errorMapper(), headerNormalizer());
  const faults = options.faults ?? ssmFaultSource();
  if (faults) middlewares.push(faultInjection(options.routeId, faults));
  // Read once, at load, by authenticated routes only (the stack gives them the consumer list).
  const authenticated = !PUBLIC_ROUTES.has(options.routeId);
  const consumers = authenticated ? parseConsumers(env.consumers()) : undefined;
  middlewares.push(validation(options, env.maxBodyBytes(), consumers));
  const chain = middy<APIGatewayProxyEvent, HttpResult>().use(sequence(middlewares));
  if (options.idempotency) chain.use(options.idempotency);
  // Not an async function: returning the handler's promise from one costs extra promises.
  return chain.handler((event, context) => {
    const preset = presetResponses.get(event);
    return preset
      ? Promise.resolve(preset)
      : handler((event as ValidatedEvent<B, Q, P>).validated, context);
  });
};
