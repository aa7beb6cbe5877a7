import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SENTRY_DSN_SECRET_ENV } from '#commons/env-names';
import { fingerprintError } from '#commons/fingerprint';
import { httpRoute } from '#commons/http';
import { createLambdaContext } from '#local/lambda-context';
import { logger } from '#powertools';
import { apiEvent } from '#tests/fixtures/api-event';

const sdk = vi.hoisted(() => ({
  init: vi.fn(),
  captureException: vi.fn(() => 'event-id'),
  flush: vi.fn(async () => true),
}));
vi.mock('@sentry/aws-serverless', () => sdk);

const { scrubEvent, sentryErrorCapture } = await import('#commons/sentry');

const secrets = mockClient(SecretsManagerClient);
const DSN = 'https://public-key@o1.ingest.sentry.io/42';

/** What the error mapper leaves on the request before this hook runs. */
const failedRequest = (statusCode: number, error: Error) =>
  // biome-ignore lint/suspicious/noExplicitAny: the hook reads only response and error
  ({ response: { statusCode, body: '{}' }, error }) as any;

afterEach(() => {
  secrets.reset();
  vi.clearAllMocks();
  vi.unstubAllEnvs();
});

describe('Sentry error capture', () => {
  it('reads the DSN from the stage secret at init and reports a 5xx tagged with its fingerprint', async () => {
    // Prepare: as built for a stage that enables Sentry
    vi.stubEnv('SENTRY_ENABLED', 'true');
    vi.stubEnv(SENTRY_DSN_SECRET_ENV, 'orders/dev/sentry-dsn');
    secrets
      .on(GetSecretValueCommand, { SecretId: 'orders/dev/sentry-dsn' })
      .resolves({ SecretString: `${DSN}\n` });
    const error = new Error('table orders unavailable');

    // Act
    const hook = sentryErrorCapture({ routeId: 'getOrder' });
    await hook.onError?.(failedRequest(500, error));

    // Assess
    expect(sdk.init).toHaveBeenCalledWith(
      expect.objectContaining({ dsn: DSN, sendDefaultPii: false, defaultIntegrations: false }),
    );
    expect(sdk.captureException).toHaveBeenCalledWith(error, {
      tags: { errorFingerprint: fingerprintError(error).fingerprint, route: 'getOrder' },
    });
    expect(sdk.flush).toHaveBeenCalledOnce();
  });

  it('reports nothing for a 4xx', async () => {
    const client = { captureException: vi.fn(() => 'id'), flush: vi.fn(async () => true) };

    const hook = sentryErrorCapture({ routeId: 'getOrder', client: async () => client });
    await hook.onError?.(failedRequest(404, new Error('not found')));

    expect(client.captureException).not.toHaveBeenCalled();
  });

  it('answers as usual and logs no secret when the DSN cannot be read', async () => {
    // Prepare
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    vi.stubEnv('SENTRY_ENABLED', 'true');
    vi.stubEnv(SENTRY_DSN_SECRET_ENV, 'orders/dev/sentry-dsn');
    secrets.on(GetSecretValueCommand).rejects(new Error(`denied, value ${DSN}`));
    const request = failedRequest(500, new Error('boom'));

    // Act
    const hook = sentryErrorCapture({ routeId: 'getOrder' });
    await expect(hook.onError?.(request)).resolves.toBeUndefined();

    // Assess
    expect(request.response.statusCode).toBe(500);
    expect(sdk.captureException).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledOnce();
    expect(JSON.stringify(warn.mock.calls)).not.toContain('public-key');
  });

  it('does not load the SDK in a build without Sentry', async () => {
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    vi.stubEnv('SENTRY_ENABLED', 'false');
    vi.stubEnv(SENTRY_DSN_SECRET_ENV, 'orders/dev/sentry-dsn');
    secrets.on(GetSecretValueCommand).resolves({ SecretString: DSN });

    const hook = sentryErrorCapture({ routeId: 'getOrder' });
    await hook.onError?.(failedRequest(500, new Error('boom')));

    expect(sdk.init).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledOnce();
  });
});

describe('a route built with Sentry', () => {
  it('reports the error it answers with a 500, and still answers the problem body', async () => {
    // Prepare: SENTRY_ENABLED is read when the route is built, as the bundler fixes it
    vi.stubEnv('SENTRY_ENABLED', 'true');
    vi.stubEnv(SENTRY_DSN_SECRET_ENV, 'orders/dev/sentry-dsn');
    secrets.on(GetSecretValueCommand).resolves({ SecretString: DSN });
    const error = new Error('downstream exploded');
    const handler = httpRoute({ routeId: 'health', faults: undefined }, async () => {
      throw error;
    });

    // Act
    const result = await handler(
      apiEvent({ path: '/health', consumer: null }),
      createLambdaContext('health'),
    );

    // Assess
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('downstream exploded');
    expect(sdk.captureException).toHaveBeenCalledWith(error, {
      tags: { errorFingerprint: fingerprintError(error).fingerprint, route: 'health' },
    });
  });
});

describe('scrubEvent', () => {
  it('drops the request, user, breadcrumbs and extra data, and masks values in messages', () => {
    // Prepare
    const event = {
      type: undefined,
      message: 'failed for jane@example.com',
      request: {
        data: '{"contact":{"email":"jane@example.com"}}',
        headers: { authorization: 'x' },
      },
      user: { email: 'jane@example.com' },
      breadcrumbs: [{ message: 'body' }],
      extra: { body: 'secret' },
      tags: { route: 'createOrder' },
      exception: { values: [{ type: 'Error', value: 'no item "jane@example.com" at 12' }] },
    };

    // Act
    const scrubbed = scrubEvent(event);

    // Assess
    expect(scrubbed).not.toHaveProperty('request');
    expect(scrubbed).not.toHaveProperty('user');
    expect(scrubbed).not.toHaveProperty('breadcrumbs');
    expect(scrubbed).not.toHaveProperty('extra');
    expect(scrubbed.tags).toEqual({ route: 'createOrder' });
    expect(JSON.stringify(scrubbed)).not.toContain('jane@example.com');
    expect(scrubbed.exception?.values?.[0]?.type).toBe('Error');
  });
});
