import { ENV, type EnvName } from '#commons/env-names';
import { TRIAGE_ENV } from '../functions/triage/env-names.ts';

/**
 * Dummy values for every variable the stacks set on a function. Fault injection is off, so no
 * handler asks SSM for its parameter while loading.
 */
const FUNCTION_ENV: Readonly<Record<EnvName, string>> = {
  [ENV.stage]: 'bench',
  [ENV.ordersTable]: 'bench-orders',
  [ENV.ordersByCustomerIndex]: 'byCustomer',
  [ENV.ordersByOwnerIndex]: 'byOwnerCustomer',
  [ENV.consumers]: JSON.stringify([
    { name: 'bench', clientId: 'bench-client', apiKeyId: 'bench-key' },
  ]),
  [ENV.cursorSecretArn]: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench-cursor-key',
  [ENV.idempotencyTable]: 'bench-idempotency',
  [ENV.idempotencyTtlSeconds]: '3600',
  [ENV.fulfilmentQueueUrl]: 'https://sqs.us-east-1.amazonaws.com/123456789012/bench-fulfilment',
  [ENV.pricingUrl]: 'https://pricing.bench.invalid',
  [ENV.pricingTimeoutMs]: '1000',
  [ENV.pricingMaxRetries]: '0',
  [ENV.pricingBreakerFailureThreshold]: '5',
  [ENV.pricingBreakerOpenMs]: '30000',
  [ENV.catalogTable]: 'bench-catalog', // CATALOG_TABLE in fixtures.ts
  [ENV.faultParameterName]: '/bench/fault-injection',
  [ENV.faultInjectionAllowed]: 'false',
  [ENV.faultCacheSeconds]: '60',
  [ENV.maxBodyBytes]: '65536',
  [ENV.cancelledRetentionDays]: '30',
  [ENV.corsAllowOrigins]: '',
  [ENV.incidentsTable]: 'bench-incidents', // INCIDENTS_TABLE in fixtures.ts
  [ENV.escalationStateMachineArn]:
    'arn:aws:states:us-east-1:123456789012:stateMachine:bench-escalation',
  [ENV.escalationTiers]: JSON.stringify([
    { name: 'primary', afterMinutes: 0, topicArn: 'arn:aws:sns:us-east-1:123456789012:bench' },
  ]),
  [ENV.infoTopicArn]: 'arn:aws:sns:us-east-1:123456789012:bench-info',
  [ENV.incidentRetentionDays]: '30',
};

/** What the triage stack sets on its operator routes (only what they read at load matters). */
const TRIAGE_FUNCTION_ENV: Readonly<Record<string, string>> = {
  [TRIAGE_ENV.table]: 'bench-triage', // TRIAGE_TABLE in fixtures.ts
  [TRIAGE_ENV.byOpenedIndex]: 'byOpened', // TRIAGE_BY_OPENED_INDEX in fixtures.ts
  [TRIAGE_ENV.functionName]: 'bench-triage-on-page',
  [TRIAGE_ENV.settings]: JSON.stringify({ retentionDays: 30 }),
};

/** The trace header the runtime sets per invocation; sampled, so Tracer does its full work. */
export const BENCH_TRACE_ID =
  'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

/**
 * The environment a function sees on Lambda, as far as it changes what the code does: the
 * runtime variables make Powertools Tracer enable itself (and patch `http`/`https`) exactly as
 * it does when deployed, and static credentials keep the SDK from probing a metadata endpoint.
 * The X-Ray daemon address is loopback, so sampled segments go nowhere.
 */
export const lambdaEnvironment = (functionName: string): Record<string, string> => ({
  ...FUNCTION_ENV,
  ...TRIAGE_FUNCTION_ENV,
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIABENCHMARK0000000',
  AWS_SECRET_ACCESS_KEY: 'bench-secret',
  AWS_SESSION_TOKEN: 'bench-session',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  AWS_LAMBDA_FUNCTION_NAME: functionName,
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
  AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
  AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
  _X_AMZN_TRACE_ID: BENCH_TRACE_ID,
  POWERTOOLS_SERVICE_NAME: 'orders',
  POWERTOOLS_METRICS_NAMESPACE: 'Orders',
  POWERTOOLS_LOG_LEVEL: 'INFO',
});
