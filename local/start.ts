/**
 * `npm start`: the orders API, offline. Installs the emulator when needed, starts the local
 * runtime on PORT (default 3000) and prints what a person needs to call it. Ctrl-C, SIGINT or
 * SIGTERM stops everything (HTTP servers, moto) and exits 0; so does the death of the parent.
 * `npm start` execs this process in place of npm's shell, so a signal that npm forwards
 * reaches it.
 *
 * Options: `--verbose` (or LOG_LEVEL=INFO|DEBUG) shows the handlers' Powertools logs.
 */
import { EmulatorInstallError, ensureEmulatorInstalled } from './emulator-install.ts';
import { startLocalRuntime } from './runtime.ts';

/** Template resource types the runtime itself plays (the rest of `notEmulated` exists only in AWS). */
const IN_PROCESS_TYPES = new Set([
  'AWS::ApiGateway::RestApi',
  'AWS::ApiGateway::Resource',
  'AWS::ApiGateway::Method',
  'AWS::ApiGateway::GatewayResponse',
  'AWS::Lambda::Function',
  'AWS::ApiGateway::ApiKey',
  'AWS::Cognito::UserPoolClient',
  'AWS::Pipes::Pipe',
]);

const fail = (message: string): never => {
  console.error(message);
  process.exit(1);
};

// The SDK's notice about Node 20 support is not actionable while running offline.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const rawPort = process.env.PORT ?? '3000';
const port = Number(rawPort);
if (!Number.isInteger(port) || port < 0 || port > 65_535)
  fail(`PORT must be a port number, got '${rawPort}'`);
const verbose = process.argv.includes('--verbose');
const startedAt = Date.now();

try {
  await ensureEmulatorInstalled({ log: (line) => console.log(line) });
} catch (error) {
  fail(
    error instanceof EmulatorInstallError
      ? error.message
      : `Emulator install failed: ${String(error)}`,
  );
}

let runtime: Awaited<ReturnType<typeof startLocalRuntime>>;
try {
  runtime = await startLocalRuntime({
    port,
    worker: true,
    ...(verbose && { handlerLogLevel: process.env.LOG_LEVEL ?? 'DEBUG' }),
  });
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    fail(
      `Port ${port} is in use: pick another with PORT=<port> npm start (PORT=0 picks a free one)`,
    );
  }
  fail(`Local runtime failed to start: ${error instanceof Error ? error.message : String(error)}`);
  throw error;
}

const { apiUrl, apiKey, token, pricingUrl, emulatorEndpoint, tokenUrl, consumers } = runtime;
const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
const firstConsumer = consumers[0]?.name ?? '';
console.log(`
Orders API (stage ${runtime.stage}, offline) ready in ${seconds}s
  API:          ${apiUrl}
  API key:      ${apiKey}   (${firstConsumer}'s)
  token URL:    ${tokenUrl}   (client credentials, HTTP Basic, as the Cognito domain)
  token:        ${token}
                (${firstConsumer}, all its scopes; send it with ${firstConsumer}'s API key)
  catalog:      ${runtime.catalogSkus} SKUs from ops/catalog/sample.json (SKU-1, SKU-2, ...; load your own with AWS_ENDPOINT_URL=${emulatorEndpoint} npm run catalog:seed -- --stage ${runtime.stage} --file <json>)
  pricing stub: ${pricingUrl}   (POST ${pricingUrl}/__config {"latencyMs":500,"errorRate":0.5})
  emulator:     ${emulatorEndpoint}   (AWS_ENDPOINT_URL for the AWS CLI / SDK)${runtime.worker ? `\n  worker:       ${runtime.worker.healthUrl}/readyz   (fulfilment; warehouse stub ${runtime.worker.warehouse.url})` : ''}
  OpenAPI:      ${apiUrl}/openapi.json
  dashboards:   ${runtime.dashboardUrl}   (the stacks' CloudWatch dashboards, from local metrics)
${runtime.pipes.pipes.map((pipe) => `  pipe:         ${pipe.tableName} stream -> ${pipe.targetQueueUrl}`).join('\n')}

Consumers (each sees only the orders it created; orders.read.all sees every order):
${consumers
  .map(
    (consumer) =>
      `  ${consumer.name}\n    client id:     ${consumer.clientId}\n    client secret: ${consumer.clientSecret}\n    API key:       ${consumer.apiKey}\n    scopes:        ${consumer.scopes.join(' ')}`,
  )
  .join('\n')}

Get a token for a consumer (the token of one consumer with the API key of another is refused):
  curl -s -u '<client id>:<client secret>' -d grant_type=client_credentials '${tokenUrl}'

Only in AWS (not emulated): ${runtime.provisioned.notEmulated
  .filter((type) => !IN_PROCESS_TYPES.has(type))
  .map((type) => type.replace(/^AWS::/, ''))
  .join(', ')}

Create an order:
  curl -s -X POST '${apiUrl}/orders' \\
    -H 'content-type: application/json' \\
    -H 'x-api-key: ${apiKey}' \\
    -H 'authorization: Bearer ${token}' \\
    -H "idempotency-key: $(node -e 'console.log(crypto.randomUUID())')" \\
    -d '{"customerId":"c-123","currency":"EUR","items":[{"sku":"SKU-1","quantity":2,"unitPriceCents":1250},{"sku":"SKU-2","quantity":1}],"contact":{"name":"Ada Lovelace","email":"ada@example.com","phone":"+442071838750","address":{"line1":"12 St James Square","city":"London","postcode":"SW1Y 4JH","country":"GB"}}}'

Routes:
${runtime.routes
  .filter((route) => route.function)
  .map(
    (route) =>
      `  ${route.method.padEnd(5)} ${route.path.padEnd(26)} ${route.authorizationType === 'NONE' ? 'public' : route.authorizationScopes.join(' ')}${route.apiKeyRequired ? ' + API key' : ''}`,
  )
  .join('\n')}

Ctrl-C to stop. One line per request: time method path status duration requestId${verbose ? '' : ' (--verbose for handler logs)'}
`);

let stopping = false;
const shutdown = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping...`);
  const deadline = setTimeout(() => {
    console.error('Shutdown took over 10 s: exiting anyway (moto dies with this process)');
    process.exit(1);
  }, 10_000);
  deadline.unref();
  runtime
    .stop()
    .then(() => {
      console.log('Stopped.');
      process.exit(0);
    })
    .catch((error: unknown) => {
      console.error(`Shutdown failed: ${String(error)}`);
      process.exit(1);
    });
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
// Whoever started this process (npm, a process manager) may die without passing a signal on:
// then nothing would be left to stop the API and the emulator, and the port would stay held.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) shutdown('parent process exited');
}, 500).unref();
