import type { MiddlewareObj } from '@middy/core';
import type { init } from '@sentry/aws-serverless';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { SENTRY_DSN_SECRET_ENV } from './env-names.ts';
import { fingerprintError, normaliseMessage } from './fingerprint.ts';
import { logger, tracer } from './powertools.ts';

/**
 * Optional error tracking with Sentry. Only a stage that names a Sentry DSN secret bundles this
 * (`process.env.SENTRY_ENABLED` is fixed at build time, see `cdk/constructs/bundling.ts`);
 * everywhere else the hook and the SDK are dropped from the bundle.
 *
 * What is sent: the exception's type, its message with ids, numbers, quoted values and
 * addresses replaced (as in the error fingerprint), its stack frames, and the tags
 * `errorFingerprint` and `route`. Never sent: request bodies, headers, query strings, cookies,
 * users, breadcrumbs, extra data, and the DSN (which is never logged either).
 */

type SentryOptions = NonNullable<Parameters<typeof init>[0]>;
type BeforeSend = NonNullable<SentryOptions['beforeSend']>;
type SentryErrorEvent = Parameters<BeforeSend>[0];

/** What the hook uses of the SDK: a seam for tests. */
export interface SentryClient {
  captureException(error: unknown, context: { tags: Record<string, string> }): string;
  flush(timeoutMs: number): Promise<boolean>;
}

/**
 * Removes everything that could carry contact data or secrets: the request (body, headers,
 * query, cookies), the user, breadcrumbs and extra data; exception messages are normalised.
 */
export const scrubEvent = (event: SentryErrorEvent): SentryErrorEvent => {
  const {
    request: _request,
    user: _user,
    breadcrumbs: _breadcrumbs,
    extra: _extra,
    ...rest
  } = event;
  const values = rest.exception?.values?.map((value) => ({
    ...value,
    ...(value.value !== undefined && { value: normaliseMessage(value.value) }),
  }));
  return {
    ...rest,
    ...(rest.message !== undefined && { message: normaliseMessage(rest.message) }),
    ...(values && { exception: { ...rest.exception, values } }),
  };
};

/** Loads the SDK (only now: it is not evaluated before) and initialises it with `dsn`. */
export const initSentry = async (dsn: string, environment: string): Promise<SentryClient> => {
  // The same build-time constant as the hook's: a build without Sentry does not even resolve it.
  const Sentry = await (process.env.SENTRY_ENABLED === 'true'
    ? import('@sentry/aws-serverless')
    : Promise.reject(new Error('This build has no Sentry SDK: the stage names no DSN secret')));
  Sentry.init({
    dsn,
    environment,
    sendDefaultPii: false,
    // No automatic instrumentation (X-Ray traces requests): only the errors captured below.
    defaultIntegrations: false,
    beforeSend: scrubEvent,
    beforeBreadcrumb: () => null,
  });
  return Sentry;
};

/** The stage's client: the DSN from its Secrets Manager secret, then the SDK. */
const stageClient = async (): Promise<SentryClient> => {
  const { SecretsManagerClient, GetSecretValueCommand } = await import(
    '@aws-sdk/client-secrets-manager'
  );
  const secretName = process.env[SENTRY_DSN_SECRET_ENV];
  if (!secretName) {
    throw new Error(`Missing environment variable ${SENTRY_DSN_SECRET_ENV}: the stack sets it`);
  }
  const client = tracer.captureAWSv3Client(new SecretsManagerClient({}));
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretName }));
  if (!SecretString) throw new Error('The Sentry DSN secret has no string value');
  return initSentry(SecretString.trim(), process.env.STAGE ?? 'unknown');
};

export interface SentryCaptureOptions {
  readonly routeId: string;
  /**
   * Makes the client; called once, when the middleware is built (at init).
   * @default - the DSN from the stage's secret, then the SDK
   */
  readonly client?: () => Promise<SentryClient>;
  /**
   * Longest wait, per failed request, for the event to be sent before the function freezes.
   * @default 2000
   */
  readonly flushTimeoutMs?: number;
}

/**
 * Reports to Sentry every error the error mapper answered with a 5xx, tagged with its
 * fingerprint. Register it before the error mapper: middy runs `onError` hooks in reverse, so
 * this one sees the mapped response. Sentry failing never changes the response.
 */
export const sentryErrorCapture = (
  options: SentryCaptureOptions,
): MiddlewareObj<unknown, APIGatewayProxyResult> => {
  const client = (options.client ?? stageClient)();
  client.catch((error: unknown) => {
    // The name only: a message could quote the secret's value.
    logger.warn('Sentry is off for this instance: initialisation failed', {
      reason: error instanceof Error ? error.name : typeof error,
    });
  });
  return {
    onError: async (request) => {
      if ((request.response?.statusCode ?? 500) < 500) return;
      try {
        const sentry = await client;
        sentry.captureException(request.error, {
          tags: {
            errorFingerprint: fingerprintError(request.error).fingerprint,
            route: options.routeId,
          },
        });
        await sentry.flush(options.flushTimeoutMs ?? 2000);
      } catch {
        // Initialisation failures are logged once above; a failed send only loses the event.
      }
    },
  };
};
