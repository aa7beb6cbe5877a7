/**
 * Names of the environment variables the stacks give each function. The CDK constructs and the
 * handlers both import these, so a rename cannot leave one side behind.
 */
export const ENV = {
  stage: 'STAGE',
  ordersTable: 'ORDERS_TABLE_NAME',
  ordersByCustomerIndex: 'ORDERS_BY_CUSTOMER_INDEX',
  ordersByOwnerIndex: 'ORDERS_BY_OWNER_INDEX',
  consumers: 'ORDERS_CONSUMERS',
  cursorSecretArn: 'CURSOR_SECRET_ARN',
  idempotencyTable: 'IDEMPOTENCY_TABLE_NAME',
  idempotencyTtlSeconds: 'IDEMPOTENCY_TTL_SECONDS',
  fulfilmentQueueUrl: 'FULFILMENT_QUEUE_URL',
  pricingUrl: 'PRICING_URL',
  pricingTimeoutMs: 'PRICING_TIMEOUT_MS',
  pricingMaxRetries: 'PRICING_MAX_RETRIES',
  pricingBreakerFailureThreshold: 'PRICING_BREAKER_FAILURE_THRESHOLD',
  pricingBreakerOpenMs: 'PRICING_BREAKER_OPEN_MS',
  catalogTable: 'CATALOG_TABLE_NAME',
  faultParameterName: 'FAULT_INJECTION_PARAMETER',
  faultInjectionAllowed: 'FAULT_INJECTION_ALLOWED',
  faultCacheSeconds: 'FAULT_INJECTION_CACHE_SECONDS',
  maxBodyBytes: 'MAX_BODY_BYTES',
  cancelledRetentionDays: 'CANCELLED_RETENTION_DAYS',
  corsAllowOrigins: 'CORS_ALLOW_ORIGINS',
  incidentsTable: 'INCIDENTS_TABLE_NAME',
  escalationStateMachineArn: 'ESCALATION_STATE_MACHINE_ARN',
  escalationTiers: 'ESCALATION_TIERS',
  infoTopicArn: 'INFO_TOPIC_ARN',
  incidentRetentionDays: 'INCIDENT_RETENTION_DAYS',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/**
 * Names the Secrets Manager secret holding the Sentry DSN, where the stage enables Sentry. Apart
 * from {@link ENV} so that a bundle without Sentry does not carry it.
 */
export const SENTRY_DSN_SECRET_ENV = 'SENTRY_DSN_SECRET_NAME';
