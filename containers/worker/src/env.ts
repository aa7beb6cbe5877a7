import { ENV } from '#commons/env-names';

/**
 * Names of the environment variables the worker's task definition sets. The CDK stack, the
 * local runtime and the worker all import these, so a rename cannot leave one side behind.
 */
export const WORKER_ENV = {
  stage: ENV.stage,
  ordersTable: ENV.ordersTable,
  queueUrl: ENV.fulfilmentQueueUrl,
  dlqUrl: 'FULFILMENT_DLQ_URL',
  warehouseUrl: 'WAREHOUSE_URL',
  warehouseTimeoutMs: 'WAREHOUSE_TIMEOUT_MS',
  warehouseMaxRetries: 'WAREHOUSE_MAX_RETRIES',
  pollers: 'WORKER_POLLERS',
  batchSize: 'WORKER_BATCH_SIZE',
  waitSeconds: 'WORKER_WAIT_SECONDS',
  visibilitySeconds: 'WORKER_VISIBILITY_SECONDS',
  retryDelaySeconds: 'WORKER_RETRY_DELAY_SECONDS',
  stopTimeoutSeconds: 'WORKER_STOP_TIMEOUT_SECONDS',
  healthPort: 'HEALTH_PORT',
  tracing: 'WORKER_TRACING',
} as const;

export type WorkerEnvName = (typeof WORKER_ENV)[keyof typeof WORKER_ENV];
