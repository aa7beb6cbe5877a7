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

/**
 * One API consumer: gets its own OAuth client, usage-plan key, quota and throttle. Every order
 * records the consumer that created it, and a consumer reads and cancels only its own orders.
 */
export interface ConsumerConfig {
  /**
   * Short name, used in construct ids and the usage plan name, and recorded as the owner of the
   * orders the consumer creates: renaming a consumer hides its earlier orders from it.
   */
  readonly name: string;
  /**
   * OAuth scopes granted to the consumer's app client. `orders.read.all` lets it read every
   * consumer's orders; no consumer has it unless listed here.
   */
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
  /**
   * Whether this stage's API sets the account's API Gateway CloudWatch Logs role (an
   * account-and-region-wide setting that execution logging needs). Exactly one stage per account
   * and region owns it; the others rely on it being set, so two stages never fight over it.
   */
  readonly ownsAccountCloudWatchRole: boolean;
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
  /** Circuit breaker in front of the pricing dependency, per function instance. */
  readonly breaker: {
    /** Consecutive failed attempts that open the circuit. */
    readonly failureThreshold: number;
    /** Milliseconds the circuit stays open before one trial call is let through. */
    readonly openMs: number;
  };
}

export interface FaultInjectionConfig {
  /** Whether the fault-injection parameter is honoured at all in this stage. */
  readonly allowed: boolean;
  /** Seconds the handlers cache the parameter. */
  readonly cacheSeconds: number;
}

/** Recovery targets of one data store (a DynamoDB table of the Data stack). */
export interface DataStoreRecoveryTargets {
  /** Most data, in minutes, the store may lose when restored from point-in-time recovery. */
  readonly pitrRpoMinutes: number;
  /** Most data, in hours, the store may lose when restored from the vault's backups. */
  readonly backupRpoHours: number;
  /** Longest time, in minutes, a restore plus its verification may take. */
  readonly rtoMinutes: number;
  /**
   * Attribute holding an item's last-change time (ISO 8601). A drill counts an item that differs
   * from the recovery point but changed after it as expected drift, not as a failure.
   * @default - every difference from the recovery point is a failure
   */
  readonly changedAtAttribute?: string;
}

/** A backup rule of the stage's plan. */
export interface BackupRuleConfig {
  readonly name: 'daily' | 'weekly' | 'monthly';
  /** EventBridge cron (UTC) of the rule, e.g. `cron(0 3 * * ? *)`. */
  readonly schedule: string;
  readonly retentionDays: number;
  /**
   * Days after which a recovery point moves to cold storage.
   * @default - never
   */
  readonly coldStorageAfterDays?: number;
}

/** Disaster recovery: backup plans, vault protection, restore testing and recovery targets. */
export interface DrConfig {
  /** Targets per data store, keyed by the store's name (`orders`, `idempotency`, ...). */
  readonly dataStores: Readonly<Record<string, DataStoreRecoveryTargets>>;
  /** Targets of a data store that has no entry of its own (a table added later). */
  readonly defaultTargets: DataStoreRecoveryTargets;
  readonly backupRules: readonly BackupRuleConfig[];
  /**
   * Region every recovery point is copied to (a vault of its own there, kept as long as the
   * original), so a regional outage does not take the backups with it.
   * @default - no cross-region copy
   */
  readonly crossRegionCopy?: { readonly region: string };
  /**
   * Vault Lock in compliance mode: after `coolingOffDays` nobody, root included, can delete a
   * recovery point early or shorten retention.
   * @default - no lock
   */
  readonly vaultLock?: {
    readonly minRetentionDays: number;
    readonly maxRetentionDays: number;
    readonly coolingOffDays: number;
  };
  /** Restore testing: how often a recent recovery point is restored and validated. */
  readonly restoreTesting: {
    /** EventBridge cron (UTC) of the restore tests. */
    readonly schedule: string;
    /** Only recovery points younger than this many days are picked. */
    readonly selectionWindowDays: number;
    /** Hours the restored table is kept for validation before AWS Backup deletes it. */
    readonly validationWindowHours: number;
  };
}

/** AWS keeps at least this much of an account's Lambda concurrency unreserved. */
export const MIN_UNRESERVED_CONCURRENCY = 100;

export interface LambdaConfig {
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /**
   * Reserved concurrency per route's function: a floor for the routes that must keep working
   * (createOrder) and a ceiling for public ones (health), so a flood on one cannot starve another.
   * @default - no reservation: the function shares the account's unreserved pool
   */
  readonly reservedConcurrency?: Readonly<Partial<Record<RouteId, number>>>;
  /**
   * The account's Lambda concurrency quota in the stage's region. Reservations must leave
   * {@link MIN_UNRESERVED_CONCURRENCY} of it unreserved, counting every stage in the account.
   * @default 1000
   */
  readonly accountConcurrency?: number;
}

/** The fulfilment worker on ECS Fargate, and its image in ECR. */
export interface WorkerConfig {
  /** Task size (Fargate ARM64 combinations: 256 with 512–2048 MiB, 512 with 1–4 GiB, ...). */
  readonly cpu: 256 | 512 | 1024 | 2048 | 4096;
  readonly memoryMiB: number;
  /** Tasks the service keeps at least (1 or more: the scaling metric divides by running tasks). */
  readonly minTasks: number;
  readonly maxTasks: number;
  /**
   * Visible messages per running task that autoscaling aims for: acceptable queue latency ÷
   * average processing time per message (per task, with its pollers in parallel).
   */
  readonly backlogPerTaskTarget: number;
  readonly scaleOutCooldownSeconds: number;
  readonly scaleInCooldownSeconds: number;
  /** Share of tasks kept running during a deployment. */
  readonly minHealthyPercent: number;
  /** Time a new task has before failing health checks counts against it. */
  readonly healthCheckGraceSeconds: number;
  /** ECS stop timeout (SIGTERM → SIGKILL), at most 120 s; the worker drains within it. */
  readonly stopTimeoutSeconds: number;
  /** Receive loops per task, each holding up to 10 messages. */
  readonly pollers: number;
  /** Image tag to run: `<semver>-<git sha>`, overridden at deploy with `-c workerImageTag=`. */
  readonly imageTag: string;
  /** ECR enhanced scanning (Amazon Inspector, continuous) instead of basic scan on push. */
  readonly enhancedScanning: boolean;
  /** Release images (tags starting with a digit) ECR keeps; older ones expire. */
  readonly keepReleases: number;
  /** Days an untagged image is kept. */
  readonly untaggedExpiryDays: number;
  /** CIDR of the worker's VPC. */
  readonly vpcCidr: string;
  /** Availability zones of the VPC's private subnets: named, so synth needs no lookup. */
  readonly availabilityZones: readonly string[];
  /** ADOT collector image, pulled through the ECR pull-through cache of ECR Public. */
  readonly adotImage: string;
  /** The warehouse dependency; its URL reaches the task through SSM. */
  readonly warehouse: {
    readonly url: string;
    readonly timeoutMs: number;
    readonly maxRetries: number;
  };
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
  readonly lambda: LambdaConfig;
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
  readonly worker: WorkerConfig;
  /**
   * Powertools log level of every function (`POWERTOOLS_LOG_LEVEL`).
   * @default 'INFO'
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Backups, restore testing and recovery targets. */
  readonly dr: DrConfig;
  /**
   * Optional observability add-ons.
   * @default - AWS-native signals only
   */
  readonly observability?: ObservabilityConfig;
}

/** Optional error tracking beyond the AWS-native signals. */
export interface ObservabilityConfig {
  /**
   * Name of a Secrets Manager secret (in the stage's account and region) whose string value is
   * a Sentry DSN. When set, the functions are built with the Sentry SDK, read the DSN at init and
   * report every 5xx to Sentry; when absent, no Sentry code is bundled.
   * @default - Sentry off
   */
  readonly sentryDsnSecretName?: string;
}

const ordersTargets = (
  pitrRpoMinutes: number,
  backupRpoHours: number,
  rtoMinutes: number,
): DataStoreRecoveryTargets => ({
  pitrRpoMinutes,
  backupRpoHours,
  rtoMinutes,
  changedAtAttribute: 'updatedAt',
});

const dailyAt3 = 'cron(0 3 * * ? *)';

const storefront = (throttle: ThrottleSettings, quota: number): ConsumerConfig => ({
  name: 'storefront',
  scopes: ['orders.read', 'orders.write'],
  throttle,
  quota: { limit: quota, period: 'DAY' },
});

/** A partner selling through its own channel: creates orders, sees only its own. */
const marketplace = (throttle: ThrottleSettings, quota: number): ConsumerConfig => ({
  name: 'marketplace',
  scopes: ['orders.read', 'orders.write'],
  throttle,
  quota: { limit: quota, period: 'DAY' },
});

/** Back-office reporting: reads every consumer's orders, writes nothing. */
const reporting = (throttle: ThrottleSettings, quota: number): ConsumerConfig => ({
  name: 'reporting',
  scopes: ['orders.read.all'],
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
    lambda: {
      memoryMb: 512,
      timeoutSeconds: 10,
      reservedConcurrency: { createOrder: 20, health: 2 },
    },
    api: {
      throttle: { rateLimit: 50, burstLimit: 100 },
      methodThrottles: { createOrder: { rateLimit: 20, burstLimit: 40 } },
      maxBodyBytes: 64 * 1024,
      corsAllowOrigins: ['http://localhost:3000'],
      ownsAccountCloudWatchRole: true,
      waf: { enabled: false },
    },
    consumers: [
      storefront({ rateLimit: 20, burstLimit: 40 }, 50_000),
      marketplace({ rateLimit: 10, burstLimit: 20 }, 20_000),
      reporting({ rateLimit: 5, burstLimit: 10 }, 10_000),
    ],
    pricing: {
      url: 'https://pricing.dev.example.com',
      timeoutMs: 800,
      maxRetries: 2,
      breaker: { failureThreshold: 5, openMs: 10_000 },
    },
    faultInjection: { allowed: true, cacheSeconds: 5 },
    orders: { cancelledRetentionDays: 7, idempotencyTtlSeconds: 3600 },
    alerting: { runbookBaseUrl: RUNBOOKS_URL },
    fulfilmentMaxReceiveCount: 5,
    worker: {
      cpu: 256,
      memoryMiB: 512,
      minTasks: 1,
      maxTasks: 2,
      backlogPerTaskTarget: 100,
      scaleOutCooldownSeconds: 60,
      scaleInCooldownSeconds: 300,
      minHealthyPercent: 100,
      healthCheckGraceSeconds: 60,
      stopTimeoutSeconds: 60,
      pollers: 2,
      imageTag: '0.1.0-0000000',
      enhancedScanning: false,
      keepReleases: 10,
      untaggedExpiryDays: 7,
      vpcCidr: '10.20.0.0/16',
      availabilityZones: ['eu-west-1a'],
      adotImage: 'aws-observability/aws-otel-collector:v0.43.3',
      warehouse: { url: 'https://warehouse.dev.example.internal', timeoutMs: 2000, maxRetries: 2 },
    },
    logLevel: 'DEBUG',
    dr: {
      dataStores: {
        orders: ordersTargets(15, 24, 120),
        // Idempotency records live an hour: losing them only lets a retry create a second order
        // attempt within that hour, so they get the same targets without a change attribute.
        idempotency: { pitrRpoMinutes: 15, backupRpoHours: 24, rtoMinutes: 120 },
      },
      defaultTargets: { pitrRpoMinutes: 15, backupRpoHours: 24, rtoMinutes: 120 },
      backupRules: [{ name: 'daily', schedule: dailyAt3, retentionDays: 7 }],
      restoreTesting: {
        schedule: 'cron(0 6 ? * MON *)',
        selectionWindowDays: 7,
        validationWindowHours: 4,
      },
    },
  },
  staging: {
    stage: 'staging',
    appName: 'Orders',
    env: { account: '222222222222', region: 'eu-west-1' },
    retainData: false,
    logRetentionDays: 30,
    lambda: {
      memoryMb: 1024,
      timeoutSeconds: 10,
      reservedConcurrency: { createOrder: 50, health: 5 },
    },
    api: {
      throttle: { rateLimit: 200, burstLimit: 400 },
      methodThrottles: { createOrder: { rateLimit: 100, burstLimit: 200 } },
      maxBodyBytes: 64 * 1024,
      corsAllowOrigins: ['https://staging.shop.example.com'],
      ownsAccountCloudWatchRole: true,
      waf: { enabled: true, rateLimitPer5Min: 2000 },
    },
    consumers: [
      storefront({ rateLimit: 100, burstLimit: 200 }, 500_000),
      reporting({ rateLimit: 20, burstLimit: 40 }, 50_000),
    ],
    pricing: {
      url: 'https://pricing.staging.example.com',
      timeoutMs: 800,
      maxRetries: 2,
      breaker: { failureThreshold: 5, openMs: 30_000 },
    },
    faultInjection: { allowed: true, cacheSeconds: 30 },
    orders: { cancelledRetentionDays: 30, idempotencyTtlSeconds: 3600 },
    alerting: { runbookBaseUrl: RUNBOOKS_URL },
    fulfilmentMaxReceiveCount: 5,
    worker: {
      cpu: 512,
      memoryMiB: 1024,
      minTasks: 1,
      maxTasks: 4,
      backlogPerTaskTarget: 100,
      scaleOutCooldownSeconds: 60,
      scaleInCooldownSeconds: 300,
      minHealthyPercent: 100,
      healthCheckGraceSeconds: 60,
      stopTimeoutSeconds: 60,
      pollers: 2,
      imageTag: '0.1.0-0000000',
      enhancedScanning: true,
      keepReleases: 20,
      untaggedExpiryDays: 7,
      vpcCidr: '10.21.0.0/16',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      adotImage: 'aws-observability/aws-otel-collector:v0.43.3',
      warehouse: {
        url: 'https://warehouse.staging.example.internal',
        timeoutMs: 2000,
        maxRetries: 2,
      },
    },
    dr: {
      dataStores: {
        orders: ordersTargets(5, 24, 60),
        idempotency: { pitrRpoMinutes: 5, backupRpoHours: 24, rtoMinutes: 60 },
      },
      defaultTargets: { pitrRpoMinutes: 5, backupRpoHours: 24, rtoMinutes: 60 },
      backupRules: [
        { name: 'daily', schedule: dailyAt3, retentionDays: 14 },
        { name: 'weekly', schedule: 'cron(0 4 ? * SUN *)', retentionDays: 35 },
      ],
      restoreTesting: {
        schedule: 'cron(0 6 ? * MON *)',
        selectionWindowDays: 7,
        validationWindowHours: 4,
      },
    },
  },
  prod: {
    stage: 'prod',
    appName: 'Orders',
    env: { account: '333333333333', region: 'eu-west-1' },
    retainData: true,
    logRetentionDays: 365,
    lambda: {
      memoryMb: 1024,
      timeoutSeconds: 10,
      reservedConcurrency: { createOrder: 200, health: 5 },
    },
    api: {
      throttle: { rateLimit: 1000, burstLimit: 2000 },
      methodThrottles: { createOrder: { rateLimit: 500, burstLimit: 1000 } },
      maxBodyBytes: 64 * 1024,
      corsAllowOrigins: ['https://shop.example.com'],
      ownsAccountCloudWatchRole: true,
      waf: { enabled: true, rateLimitPer5Min: 5000 },
    },
    consumers: [
      storefront({ rateLimit: 500, burstLimit: 1000 }, 5_000_000),
      reporting({ rateLimit: 50, burstLimit: 100 }, 200_000),
    ],
    pricing: {
      url: 'https://pricing.example.com',
      timeoutMs: 500,
      maxRetries: 2,
      breaker: { failureThreshold: 5, openMs: 30_000 },
    },
    faultInjection: { allowed: false, cacheSeconds: 60 },
    orders: { cancelledRetentionDays: 365, idempotencyTtlSeconds: 3600 },
    alerting: { runbookBaseUrl: RUNBOOKS_URL },
    fulfilmentMaxReceiveCount: 5,
    worker: {
      cpu: 1024,
      memoryMiB: 2048,
      minTasks: 2,
      maxTasks: 20,
      backlogPerTaskTarget: 100,
      scaleOutCooldownSeconds: 60,
      scaleInCooldownSeconds: 300,
      minHealthyPercent: 100,
      healthCheckGraceSeconds: 60,
      stopTimeoutSeconds: 60,
      pollers: 2,
      imageTag: '0.1.0-0000000',
      enhancedScanning: true,
      keepReleases: 50,
      untaggedExpiryDays: 7,
      vpcCidr: '10.22.0.0/16',
      availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
      adotImage: 'aws-observability/aws-otel-collector:v0.43.3',
      warehouse: { url: 'https://warehouse.example.internal', timeoutMs: 2000, maxRetries: 2 },
    },
    dr: {
      dataStores: {
        orders: ordersTargets(5, 24, 60),
        idempotency: { pitrRpoMinutes: 5, backupRpoHours: 24, rtoMinutes: 60 },
      },
      defaultTargets: { pitrRpoMinutes: 5, backupRpoHours: 24, rtoMinutes: 60 },
      backupRules: [
        { name: 'daily', schedule: dailyAt3, retentionDays: 35 },
        { name: 'weekly', schedule: 'cron(0 4 ? * SUN *)', retentionDays: 12 * 7 },
        {
          name: 'monthly',
          schedule: 'cron(0 5 1 * ? *)',
          retentionDays: 365,
          coldStorageAfterDays: 30,
        },
      ],
      crossRegionCopy: { region: 'eu-central-1' },
      vaultLock: { minRetentionDays: 7, maxRetentionDays: 400, coolingOffDays: 3 },
      restoreTesting: {
        schedule: 'cron(0 6 ? * * *)',
        selectionWindowDays: 2,
        validationWindowHours: 6,
      },
    },
  },
};

/** Recovery targets of a data store: its own, or the stage's defaults. */
export const recoveryTargets = (config: StageConfig, dataStore: string): DataStoreRecoveryTargets =>
  config.dr.dataStores[dataStore] ?? config.dr.defaultTargets;

/**
 * What is wrong with the stages' reserved concurrency, one line per account and region whose
 * reservations (summed over every stage deployed there) would leave less than
 * {@link MIN_UNRESERVED_CONCURRENCY} unreserved, which Lambda refuses at deploy time.
 */
export const reservedConcurrencyProblems = (configs: readonly StageConfig[]): string[] => {
  const byAccount = new Map<string, { reserved: number; quota: number; stages: string[] }>();
  for (const config of configs) {
    const where = `${config.env.account}/${config.env.region}`;
    const entry = byAccount.get(where) ?? { reserved: 0, quota: Infinity, stages: [] };
    for (const value of Object.values(config.lambda.reservedConcurrency ?? {}))
      entry.reserved += value;
    entry.quota = Math.min(entry.quota, config.lambda.accountConcurrency ?? 1000);
    entry.stages.push(config.stage);
    byAccount.set(where, entry);
  }
  return [...byAccount]
    .filter(([, { reserved, quota }]) => quota - reserved < MIN_UNRESERVED_CONCURRENCY)
    .map(
      ([where, { reserved, quota, stages }]) =>
        `Account ${where}: stages ${stages.join(', ')} reserve ${reserved} of a Lambda concurrency quota of ${quota}, leaving less than the ${MIN_UNRESERVED_CONCURRENCY} AWS keeps unreserved: lower lambda.reservedConcurrency in cdk/config/stages.ts, or raise the quota and set lambda.accountConcurrency`,
    );
};

/**
 * What is wrong with who owns the API Gateway CloudWatch role: one line per account and region
 * where more than one of the given stages has `api.ownsAccountCloudWatchRole` (each deploy would
 * overwrite the others' setting, and deleting one stage would break the others' logging).
 */
export const cloudWatchRoleProblems = (configs: readonly StageConfig[]): string[] => {
  const owners = new Map<string, string[]>();
  for (const config of configs) {
    const where = `${config.env.account}/${config.env.region}`;
    const list = owners.get(where) ?? [];
    if (config.api.ownsAccountCloudWatchRole) list.push(config.stage);
    owners.set(where, list);
  }
  return [...owners]
    .filter(([, stages]) => stages.length > 1)
    .map(
      ([where, stages]) =>
        `Account ${where}: stages ${stages.join(', ')} all own the API Gateway CloudWatch role: set api.ownsAccountCloudWatchRole to true on one stage per account in cdk/config/stages.ts`,
    );
};

/** Returns the config of a stage, or throws a one-line error naming every valid `-c stage=`. */
export const getStageConfig = (
  name: string | undefined,
  overrides?: { account?: string },
): StageConfig => {
  if (!name || !(STAGE_NAMES as readonly string[]).includes(name)) {
    // `all` (every stage in one assembly) is resolved by the app entry before it gets here.
    const choices = `-c stage=<${[...STAGE_NAMES, 'all'].join('|')}>`;
    throw new Error(
      name
        ? `Unknown stage '${name}': pass ${choices}, e.g. npx cdk synth -c stage=dev`
        : `No stage given: pass ${choices}, e.g. npx cdk synth -c stage=dev`,
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
