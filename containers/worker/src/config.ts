import { WORKER_ENV, type WorkerEnvName } from './env.ts';

/** Everything the worker reads from its environment, read once at start. */
export interface WorkerConfig {
  readonly ordersTable: string;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly warehouseUrl: string;
  /** Deadline of one warehouse attempt. */
  readonly warehouseTimeoutMs: number;
  /** Warehouse retries after the first attempt. */
  readonly warehouseMaxRetries: number;
  /** Receive loops running side by side; each holds up to `batchSize` messages. */
  readonly pollers: number;
  /** Messages per ReceiveMessage, 1–10. */
  readonly batchSize: number;
  /** Long-polling wait of ReceiveMessage, 0–20 s. */
  readonly waitSeconds: number;
  /** Visibility timeout asked for on receive, and renewed while a message is being handled. */
  readonly visibilitySeconds: number;
  /** How long a message that failed for a transient reason stays hidden before its retry. */
  readonly retryDelaySeconds: number;
  /** Time from SIGTERM to exit (the ECS stop timeout, less a margin). */
  readonly stopTimeoutSeconds: number;
  /** Port of `/healthz` and `/readyz`; 0 picks a free one. */
  readonly healthPort: number;
  /** Send an X-Ray segment per message to the sidecar. */
  readonly tracing: boolean;
}

/** A setting that is missing or out of range; the message says which and how to fix it. */
export class WorkerConfigError extends Error {
  override name = 'WorkerConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

const text = (env: Env, name: WorkerEnvName): string => {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new WorkerConfigError(
      `Missing environment variable ${name}: the task definition sets it (locally: npm start)`,
    );
  }
  return value;
};

const integer = (env: Env, name: WorkerEnvName, min: number, max: number, fallback?: number) => {
  const raw = env[name];
  if ((raw === undefined || raw === '') && fallback !== undefined) return fallback;
  const value = Number(text(env, name));
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new WorkerConfigError(
      `Environment variable ${name} must be a whole number from ${min} to ${max}, got '${raw}'`,
    );
  }
  return value;
};

/** Reads and checks the worker's settings; throws {@link WorkerConfigError} on the first bad one. */
export const readWorkerConfig = (env: Env = process.env): WorkerConfig => {
  const config: WorkerConfig = {
    ordersTable: text(env, WORKER_ENV.ordersTable),
    queueUrl: text(env, WORKER_ENV.queueUrl),
    dlqUrl: text(env, WORKER_ENV.dlqUrl),
    warehouseUrl: text(env, WORKER_ENV.warehouseUrl),
    warehouseTimeoutMs: integer(env, WORKER_ENV.warehouseTimeoutMs, 1, 60_000, 2000),
    warehouseMaxRetries: integer(env, WORKER_ENV.warehouseMaxRetries, 0, 10, 2),
    pollers: integer(env, WORKER_ENV.pollers, 1, 50, 2),
    batchSize: integer(env, WORKER_ENV.batchSize, 1, 10, 10),
    waitSeconds: integer(env, WORKER_ENV.waitSeconds, 0, 20, 20),
    visibilitySeconds: integer(env, WORKER_ENV.visibilitySeconds, 2, 43_200, 30),
    retryDelaySeconds: integer(env, WORKER_ENV.retryDelaySeconds, 0, 43_200, 5),
    stopTimeoutSeconds: integer(env, WORKER_ENV.stopTimeoutSeconds, 1, 120, 25),
    healthPort: integer(env, WORKER_ENV.healthPort, 0, 65_535, 8080),
    tracing: env[WORKER_ENV.tracing] === 'true',
  };
  try {
    new URL(config.warehouseUrl);
  } catch {
    throw new WorkerConfigError(
      `Environment variable ${WORKER_ENV.warehouseUrl} must be a URL, got '${config.warehouseUrl}'`,
    );
  }
  return config;
};
