/**
 * Where the end-to-end tests send their HTTP requests:
 *
 * - a deployed stage, when API_URL is set: API_KEY and API_TOKEN (the storefront's key and a
 *   token with both its scopes) are required, API_READ_TOKEN (a storefront token asked for
 *   `orders/orders.read` only) too, and for the ownership tests the key and a token of the
 *   other consumers: MARKETPLACE_API_KEY, MARKETPLACE_TOKEN, REPORTING_API_KEY, REPORTING_TOKEN;
 * - otherwise the local runtime (`npm start` without the console), with its own emulator,
 *   pricing stub and token issuer, stopped after the run.
 *
 * Tests read the target with `inject(...)`.
 */
import type { TestProject } from 'vitest/node';
import { ensureEmulatorInstalled } from '#local/emulator-install';
import type { GatewayResponseSpec } from '#local/gateway-responses';
import { type LocalConsumer, type LocalRuntime, startLocalRuntime } from '#local/runtime';

/** What a test needs to call the API as a consumer. */
export interface ConsumerCredentials {
  readonly token: string;
  readonly apiKey: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    apiUrl: string;
    apiKey: string;
    /** Both orders scopes. */
    token: string;
    /** orders.read only. */
    readToken: string;
    /** The local pricing stub; null against a deployed stage, whose pricing is not ours to break. */
    pricingUrl: string | null;
    e2eTarget: 'local' | 'deployed';
    /** Token and API key of each consumer the tests act as: storefront, marketplace, reporting. */
    consumers: Record<string, ConsumerCredentials>;
    /** The local token endpoint and its app clients; null and empty against a deployed stage. */
    tokenUrl: string | null;
    appClients: LocalConsumer[];
    /** The local dashboards page; null against a deployed stage (use the CloudWatch console). */
    dashboardUrl: string | null;
    /** The served template's gateway responses; empty against a deployed stage. */
    gatewayResponses: readonly GatewayResponseSpec[];
  }
}

const required = (name: string): string => {
  const value = process.env[name];
  if (!value)
    throw new Error(`API_URL is set, so the e2e tests target a deployed stage: also set ${name}`);
  return value;
};

export default async function setup(
  project: TestProject,
): Promise<(() => Promise<void>) | undefined> {
  if (process.env.API_URL) {
    project.provide('apiUrl', process.env.API_URL.replace(/\/+$/, ''));
    project.provide('apiKey', required('API_KEY'));
    project.provide('token', required('API_TOKEN'));
    project.provide('readToken', required('API_READ_TOKEN'));
    project.provide('pricingUrl', null);
    project.provide('e2eTarget', 'deployed');
    project.provide('consumers', {
      storefront: { token: required('API_TOKEN'), apiKey: required('API_KEY') },
      marketplace: {
        token: required('MARKETPLACE_TOKEN'),
        apiKey: required('MARKETPLACE_API_KEY'),
      },
      reporting: { token: required('REPORTING_TOKEN'), apiKey: required('REPORTING_API_KEY') },
    });
    project.provide('tokenUrl', null);
    project.provide('appClients', []);
    project.provide('dashboardUrl', null);
    project.provide('gatewayResponses', []);
    return undefined;
  }

  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  await ensureEmulatorInstalled({ log: (line) => console.log(`[e2e] ${line}`) });
  // E2E_LOG=1 prints the runtime's one line per request.
  const runtime: LocalRuntime = await startLocalRuntime({
    handlerLogLevel: process.env.LOG_LEVEL ?? 'ERROR',
    log: process.env.E2E_LOG ? (line) => console.log(`[e2e] ${line}`) : () => undefined,
  });
  project.provide('apiUrl', runtime.apiUrl);
  project.provide('apiKey', runtime.apiKey);
  project.provide('token', runtime.token);
  project.provide('readToken', await runtime.issueToken({ scopes: ['orders/orders.read'] }));
  project.provide('pricingUrl', runtime.pricingUrl);
  project.provide('e2eTarget', 'local');
  const consumers: Record<string, ConsumerCredentials> = {};
  for (const consumer of runtime.consumers) {
    consumers[consumer.name] = {
      token: await runtime.issueToken({ clientId: consumer.clientId, scopes: consumer.scopes }),
      apiKey: consumer.apiKey,
    };
  }
  project.provide('consumers', consumers);
  project.provide('tokenUrl', runtime.tokenUrl);
  project.provide('appClients', [...runtime.consumers]);
  project.provide('dashboardUrl', runtime.dashboardUrl);
  project.provide('gatewayResponses', runtime.gatewayResponses);
  return () => runtime.stop();
}
