/**
 * Typed configuration for every stage. The stage is chosen once, at the app entry
 * (`-c stage=<name>`), and the matching {@link StageConfig} flows down as props.
 * Nothing inside a stack reads CDK context or environment variables.
 */
import type { OrdersScope, RouteId } from '#routes';

export const STAGE_NAMES = ['dev', 'staging', 'prod'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

/** Requests per second and burst for an API Gateway throttle. */
export interface ThrottleSettings {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** One API consumer: gets its own OAuth client, usage-plan key, quota and throttle. */
export interface ConsumerConfig {
  /** Short name, used in construct ids and the usage plan name. */
  readonly name: string;
  /** OAuth scopes granted to the consumer's app client. */
  readonly scopes: readonly OrdersScope[];
  readonly throttle: ThrottleSettings;
  readonly quota: { readonly limit: number; readonly period: 'DAY' | 'WEEK' | 'MONTH' };
}

export interface ApiConfig {
  /** Stage-wide default throttle. */
  readonly throttle: ThrottleSettings;
  /** Per-route throttles, keyed by route id (see `functions/routes.ts`). */
  readonly methodThrottles: Readonly<Partial<Record<RouteId, ThrottleSettings>>>;
  /** Largest accepted request body, in bytes. Enforced by the handlers (and WAF where enabled). */
  readonly maxBodyBytes: number;
  /** Origins allowed by CORS. Empty means CORS is off. */
  readonly corsAllowOrigins: readonly string[];
  /** Web ACL with AWS managed rules and a rate-based rule. */
  readonly waf:
    | { readonly enabled: false }
    | {
        readonly enabled: true;
        /** Requests per 5 minutes from one IP before it is blocked. */
        readonly rateLimitPer5Min: number;
      };
}

export interface PricingConfig {
  /** Base URL of the pricing dependency; `POST {url}/quote` is called for each new order. */
  readonly url: string;
  readonly timeoutMs: number;
  /** Retries after the first attempt. */
  readonly maxRetries: number;
}

export interface FaultInjectionConfig {
  /** Whether the fault-injection parameter is honoured at all in this stage. */
  readonly allowed: boolean;
  /** Seconds the handlers cache the parameter. */
  readonly cacheSeconds: number;
}

export interface StageConfig {
  readonly stage: StageName;
  /** Prefix of stack names: `${appName}-${stage}-<Stack>`. */
  readonly appName: string;
  readonly env: { readonly account: string; readonly region: string };
  /** Prod retains data and turns on deletion protection; dev destroys cleanly. */
  readonly retainData: boolean;
  /** Days CloudWatch keeps Lambda, API access and application logs. */
  readonly logRetentionDays: 1 | 3 | 5 | 7 | 14 | 30 | 60 | 90 | 180 | 365 | 400 | 545 | 731;
  readonly lambda: { readonly memoryMb: number; readonly timeoutSeconds: number };
  readonly api: ApiConfig;
  readonly consumers: readonly ConsumerConfig[];
  readonly pricing: PricingConfig;
  readonly faultInjection: FaultInjectionConfig;
  readonly orders: {
    /** Days a cancelled order is kept before its TTL expires it. */
    readonly cancelledRetentionDays: number;
    /** Seconds an idempotency record is kept: a retry within this window replays the first response. */
    readonly idempotencyTtlSeconds: number;
  };
  readonly alerting: {
    /** Where runbooks are published; each alarm's description links `<base>/<alarm id>.md`. */
    readonly runbookBaseUrl: string;
  };
  /** Messages received this many times move to the fulfilment DLQ. */
  readonly fulfilmentMaxReceiveCount: number;
  /**
   * Powertools log level of every function (`POWERTOOLS_LOG_LEVEL`).
   * @default 'INFO'
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

const storefront = (throttle: ThrottleSettings, quota: number): ConsumerConfig => ({
  name: 'storefront',
  scopes: ['orders.read', 'orders.write'],
  throttle,
  quota: { limit: quota, period: 'DAY' },
});

const reporting = (throttle: ThrottleSettings, quota: number): ConsumerConfig => ({
  name: 'reporting',
  scopes: ['orders.read'],
  throttle,
  quota: { limit: quota, period: 'DAY' },
});

/** Where the repository's runbooks are browsed; replace with your fork's URL. */
const RUNBOOKS_URL = 'https://github.com/example-org/sre-serverless-platform/blob/main/runbooks';

/**
 * The account ids are placeholders: replace them with your own, or pass
 * `-c account=<id>` to override the selected stage's account at synth time.
 */
export const STAGES: Readonly<Record<StageName, StageConfig>> = {
  dev: {
    stage: 'dev',
    appName: 'Orders',
    env: { account: '111111111111', region: 'eu-west-1' },
    retainData: false,
    logRetentionDays: 7,
    lambda: { memoryMb: 512, timeoutSeconds: 10 },
    api: {
      throttle: { rateLimit: 50, burstLimit: 100 },
      methodThrottles: { createOrder: { rateLimit: 20, burstLimit: 40 } },
      maxBodyBytes: 64 * 1024,
      corsAllowOrigins: ['http://localhost:3000'],
      waf: { enabled: false },
    },
    consumers: [
      storefront({ rateLimit: 20, burstLimit: 40 }, 50_000),
      reporting({ rateLimit: 5, burstLimit: 10 }, 10_000),
    ],
    pricing: { url: 'https://pricing.dev.example.com', timeoutMs: 800, maxRetries: 2 },
    faultInjection: { allowed: true, cacheSeconds: 5 },
    orders: { cancelledRetentionDays: 7, idempotencyTtlSeconds: 3600 },
    alerting: { runbookBaseUrl: RUNBOOKS_URL },
    fulfilmentMaxReceiveCount: 5,
    logLevel: 'DEBUG',
  },
  staging: {
    stage: 'staging',
    appName: 'Orders',
    env: { account: '222222222222', region: 'eu-west-1' },
    retainData: false,
    logRetentionDays: 30,
    lambda: { memoryMb: 1024, timeoutSeconds: 10 },
    api: {
      throttle: { rateLimit: 200, burstLimit: 400 },
      methodThrottles: { createOrder: { rateLimit: 100, burstLimit: 200 } },
      maxBodyBytes: 64 * 1024,
      corsAllowOrigins: ['https://staging.shop.example.com'],
      waf: { enabled: true, rateLimitPer5Min: 2000 },
    },
    consumers: [
      storefront({ rateLimit: 100, burstLimit: 200 }, 500_000),
      reporting({ rateLimit: 20, burstLimit: 40 }, 50_000),
    ],
    pricing: { url: 'https://pricing.staging.example.com', timeoutMs: 800, maxRetries: 2 },
    faultInjection: { allowed: true, cacheSeconds: 30 },
    orders: { cancelledRetentionDays: 30, idempotencyTtlSeconds: 3600 },
    alerting: { runbookBaseUrl: RUNBOOKS_URL },
    fulfilmentMaxReceiveCount: 5,
  },
  prod: {
    stage: 'prod',
    appName: 'Orders',
    env: { account: '333333333333', region: 'eu-west-1' },
    retainData: true,
    logRetentionDays: 365,
    lambda: { memoryMb: 1024, timeoutSeconds: 10 },
    api: {
      throttle: { rateLimit: 1000, burstLimit: 2000 },
      methodThrottles: { createOrder: { rateLimit: 500, burstLimit: 1000 } },
      maxBodyBytes: 64 * 1024,
      corsAllowOrigins: ['https://shop.example.com'],
      waf: { enabled: true, rateLimitPer5Min: 5000 },
    },
    consumers: [
      storefront({ rateLimit: 500, burstLimit: 1000 }, 5_000_000),
      reporting({ rateLimit: 50, burstLimit: 100 }, 200_000),
    ],
    pricing: { url: 'https://pricing.example.com', timeoutMs: 500, maxRetries: 2 },
    faultInjection: { allowed: false, cacheSeconds: 60 },
    orders: { cancelledRetentionDays: 365, idempotencyTtlSeconds: 3600 },
    alerting: { runbookBaseUrl: RUNBOOKS_URL },
    fulfilmentMaxReceiveCount: 5,
  },
};

/** Returns the config of a stage, or throws a one-line error naming the valid stages. */
export const getStageConfig = (
  name: string | undefined,
  overrides?: { account?: string },
): StageConfig => {
  if (!name || !(STAGE_NAMES as readonly string[]).includes(name)) {
    throw new Error(
      `Unknown stage '${name ?? ''}': pass -c stage=<${STAGE_NAMES.join('|')}>, e.g. npx cdk synth -c stage=dev`,
    );
  }
  const config = STAGES[name as StageName];
  if (overrides?.account === undefined) return config;
  if (!/^\d{12}$/.test(overrides.account)) {
    throw new Error(
      `Invalid account '${overrides.account}': pass -c account=<12-digit AWS account id>`,
    );
  }
  return { ...config, env: { ...config.env, account: overrides.account } };
};
