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
  /**
   * The p99 function duration, in milliseconds, the limits are sized for (Little's law): a
   * route's reserved concurrency must hold its API Gateway rate limit at this duration, so API
   * Gateway answers a clean 429 before Lambda throttles (which API Gateway turns into a 5xx).
   */
  readonly sizingDurationMs: number;
  /**
   * Provisioned concurrency for hot routes, on each function's `live` alias (which API Gateway
   * then calls), scaled between `min` and `max` by target tracking on its utilisation. Counts
   * against the route's reserved concurrency, so `max` must fit inside it.
   * @default - none: every invocation may meet a cold start
   */
  readonly provisionedConcurrency?: Readonly<
    Partial<Record<RouteId, ProvisionedConcurrencyConfig>>
  >;
}

/** Provisioned concurrency of one route's `live` alias and how it scales. */
export interface ProvisionedConcurrencyConfig {
  /** Environments kept initialised at all times. */
  readonly min: number;
  /** Most environments target tracking may provision. */
  readonly max: number;
  /**
   * Share of provisioned environments in use that target tracking keeps
   * (`LambdaProvisionedConcurrencyUtilization`), between 0.1 and 0.9.
   */
  readonly targetUtilization: number;
}

/** The capacity of one DynamoDB table: on demand with ceilings, or provisioned with autoscaling. */
export type TableCapacityConfig =
  | {
      readonly mode: 'onDemand';
      /**
       * Ceilings on the table's read and write request units per second (indexes included):
       * a runaway client or loop is throttled instead of billed without limit.
       */
      readonly maxReadRequestUnits: number;
      readonly maxWriteRequestUnits: number;
    }
  | {
      readonly mode: 'provisioned';
      readonly read: { readonly min: number; readonly max: number };
      readonly write: { readonly min: number; readonly max: number };
      /** Consumed-to-provisioned percentage autoscaling keeps. */
      readonly targetUtilizationPercent: number;
    };

/** DynamoDB capacity of the stage's tables, and why it is chosen so. */
export interface DynamoDbCapacityConfig {
  /** Why this mode for this stage: read by people, printed by `npm run capacity`. */
  readonly justification: string;
  readonly orders: TableCapacityConfig;
  readonly idempotency: TableCapacityConfig;
  readonly catalog: TableCapacityConfig;
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

/** Where one severity's or one escalation tier's notifications go. Every list may be empty. */
export interface PagingSubscriptions {
  /** Email addresses (each must confirm the subscription AWS mails it). */
  readonly email?: readonly string[];
  /** Phone numbers in E.164 (`+4915112345678`), for SMS. */
  readonly sms?: readonly string[];
  /**
   * HTTPS endpoints that take SNS notifications: a PagerDuty or Opsgenie integration URL, or a
   * chat webhook behind an SNS-aware relay.
   */
  readonly https?: readonly string[];
}

/** One step of the escalation policy. */
export interface EscalationTier {
  /** Who this tier is, e.g. `primary`; shown in the page and in the incident's history. */
  readonly name: string;
  /**
   * Minutes after the incident opened, without an acknowledgement, at which this tier is paged.
   * The first tier is paged when the incident opens: 0.
   */
  readonly afterMinutes: number;
  readonly subscriptions: PagingSubscriptions;
}

/**
 * Paging: who hears about alarms, and who is paged next while nobody acknowledges. The page,
 * ticket and info topics get `subscriptions`; an alarm on the page topic opens an incident and
 * pages `escalation.tiers` in turn until an operator acknowledges or resolves it, or the alarm
 * returns to OK (docs/paging.md).
 */
export interface PagingConfig {
  readonly subscriptions: Readonly<Record<'page' | 'ticket' | 'info', PagingSubscriptions>>;
  readonly escalation: {
    /** Paged in order; the first at once (`afterMinutes: 0`), each later one strictly later. */
    readonly tiers: readonly EscalationTier[];
    /** Days a closed or resolved incident is kept before its TTL expires it. */
    readonly closedRetentionDays: number;
  };
}

/** The Bedrock model triage asks, and what it may spend. */
export interface TriageModelConfig {
  /** Bedrock model id (on-demand foundation model), e.g. `anthropic.claude-3-haiku-20240307-v1:0`. */
  readonly modelId: string;
  readonly maxTokens: number;
  readonly temperature: number;
  readonly topP: number;
  /** USD per input token, for the cost-per-incident metric (Bedrock's on-demand price list). */
  readonly pricePerInputTokenUsd: number;
  /** USD per output token. */
  readonly pricePerOutputTokenUsd: number;
  /** Converse attempts, retries on throttling included. */
  readonly maxAttempts: number;
  /** First backoff after a throttled attempt; doubles each retry, with jitter. */
  readonly baseDelayMs: number;
  /** Whole model call, retries included; past it triage keeps the baseline hypotheses. */
  readonly deadlineMs: number;
}

/** AI-assisted incident triage (see docs/triage.md). */
export interface TriageConfig {
  /** Whether the triage function subscribes to the page topic. The operator routes always exist. */
  readonly enabled: boolean;
  /**
   * The model; absent means the deterministic rules alone.
   * @default - rules only
   */
  readonly model?: TriageModelConfig;
  /** Bedrock Guardrail on every model call: what its sensitive-information filters do with PII. */
  readonly guardrailPiiAction: 'ANONYMIZE' | 'BLOCK';
  /** Also run Amazon Comprehend DetectPiiEntities over log text before the model sees it. */
  readonly comprehend: boolean;
  /** Largest context bundle, in bytes, after prioritised truncation. */
  readonly bundleMaxBytes: number;
  /** Minutes before the alarm looked at (and as many again before that, for comparison). */
  readonly windowMinutes: number;
  /** Per-source timeout of context gathering; Logs Insights gets `logsTimeoutMs`. */
  readonly sourceTimeoutMs: number;
  readonly logsTimeoutMs: number;
  /** Days an incident record and its reviews are kept (DynamoDB TTL). */
  readonly retentionDays: number;
  /**
   * Read the pipeline's deployments record (its table name from SSM at deploy time: deploy the
   * deployments stack first). Services are the record's `<service>` keys.
   */
  readonly deployments: { readonly enabled: boolean; readonly services: readonly string[] };
}

/** How CI/CD deploys a stage: who may assume its deploy role, and how Lambda code rolls out. */
export interface PipelineConfig {
  /** GitHub repository (`owner/name`) whose workflows may deploy this stage. */
  readonly githubRepository: string;
  /** The only branch deploys run from. */
  readonly branch: string;
  /** GitHub environment of the stage's deploy job (prod's has required reviewers). */
  readonly environment: string;
  /**
   * Whether this stage's OIDC stack creates the account's GitHub OIDC identity provider. An
   * account has one provider per issuer: when stages share an account, exactly one owns it.
   */
  readonly ownsOidcProvider: boolean;
  /**
   * AI auto-fix's Bedrock access (docs/ai-autofix.md): when set, this stage's OIDC stack adds a
   * role that only jobs in this GitHub environment, from `branch`, can assume, allowed only to
   * invoke this model in the stage's region. Set it in one stage per account.
   * @default - no auto-fix role
   */
  readonly autofix?: {
    /** On-demand foundation model id; whole-file patches need 8k output tokens or more. */
    readonly bedrockModelId: string;
    /** GitHub environment of the auto-fix job. */
    readonly environment: string;
  };
  /** CodeDeploy traffic shifting of every route's `live` alias; alarms roll it back. */
  readonly lambdaDeployment:
    | 'Canary10Percent5Minutes'
    | 'Canary10Percent10Minutes'
    | 'Linear10PercentEvery1Minute'
    | 'AllAtOnce';
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
  /** Subscriptions of the alert topics and the escalation policy. */
  readonly paging: PagingConfig;
  readonly worker: WorkerConfig;
  /**
   * Powertools log level of every function (`POWERTOOLS_LOG_LEVEL`).
   * @default 'INFO'
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /**
   * Share of invocations (0–1) of every function and worker task whose logs switch to DEBUG
   * whatever `logLevel` says (`POWERTOOLS_LOGGER_SAMPLE_RATE`): debug detail from a sample of
   * live traffic without paying for all of it.
   * @default 0
   */
  readonly logSampleRate?: number;
  /** Backups, restore testing and recovery targets. */
  readonly dr: DrConfig;
  /** AI-assisted incident triage: model, guardrail, budgets and timeouts. */
  readonly triage: TriageConfig;
  /** Capacity mode and throughput ceilings of the Data stack's tables. */
  readonly dynamodb: DynamoDbCapacityConfig;
  /** CI/CD: the deploy role's trust (repository, branch, environment) and the Lambda canary. */
  readonly pipeline: PipelineConfig;
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

const onDemand = (maxReadRequestUnits: number, maxWriteRequestUnits: number) =>
  ({ mode: 'onDemand', maxReadRequestUnits, maxWriteRequestUnits }) as const;

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

/**
 * The on-call operators' client: acknowledges and resolves incidents through the operator routes
 * (`incidents.operate`), and has no orders scope. Last in every stage's consumer list.
 */
const oncall = (throttle: ThrottleSettings, quota: number): ConsumerConfig => ({
  name: 'oncall',
  scopes: ['incidents.operate'],
  throttle,
  quota: { limit: quota, period: 'DAY' },
});

/**
 * A stage's paging: everyone on a severity's topic hears every alarm of it; the escalation tiers
 * are paged one after another while an incident stays unacknowledged. Replace the addresses and
 * the webhook URLs with your team's.
 */
const paging = (stage: StageName, secondaryAfter: number, managerAfter: number): PagingConfig => ({
  subscriptions: {
    page: {
      email: [`oncall-${stage}@example.com`],
      ...(stage !== 'dev' && {
        https: [`https://events.pagerduty.example.com/integration/orders-${stage}/enqueue`],
      }),
    },
    ticket: { email: [`orders-team-${stage}@example.com`] },
    info: {
      email: [`orders-team-${stage}@example.com`],
      ...(stage !== 'dev' && { https: [`https://chat.example.com/hooks/orders-${stage}`] }),
    },
  },
  escalation: {
    tiers: [
      {
        name: 'primary',
        afterMinutes: 0,
        subscriptions: {
          email: [`primary-${stage}@example.com`],
          ...(stage === 'prod' && { sms: ['+15555550100'] }),
        },
      },
      {
        name: 'secondary',
        afterMinutes: secondaryAfter,
        subscriptions: {
          email: [`secondary-${stage}@example.com`],
          ...(stage === 'prod' && { sms: ['+15555550101'] }),
        },
      },
      {
        name: 'manager',
        afterMinutes: managerAfter,
        subscriptions: { email: [`engineering-manager-${stage}@example.com`] },
      },
    ],
    closedRetentionDays: stage === 'prod' ? 365 : 30,
  },
});

/**
 * Triage settings shared by the stages; prices are Bedrock on-demand list prices of the model
 * (USD per token) and only feed the cost metric.
 */
const triage = (overrides: Partial<TriageConfig> = {}): TriageConfig => ({
  enabled: true,
  model: {
    modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
    maxTokens: 1200,
    temperature: 0,
    topP: 0.9,
    pricePerInputTokenUsd: 0.25 / 1_000_000,
    pricePerOutputTokenUsd: 1.25 / 1_000_000,
    maxAttempts: 3,
    baseDelayMs: 500,
    deadlineMs: 20_000,
  },
  guardrailPiiAction: 'ANONYMIZE',
  comprehend: false,
  bundleMaxBytes: 48 * 1024,
  windowMinutes: 60,
  sourceTimeoutMs: 4_000,
  logsTimeoutMs: 8_000,
  retentionDays: 90,
  deployments: { enabled: true, services: ['orders'] },
  ...overrides,
});

/** The repository whose workflows deploy the stages; replace with your fork. */
const GITHUB_REPOSITORY = 'example-org/sre-serverless-platform';

const pipeline = (environment: StageName): PipelineConfig => ({
  githubRepository: GITHUB_REPOSITORY,
  branch: 'main',
  environment,
  ownsOidcProvider: true,
  lambdaDeployment: 'Canary10Percent5Minutes',
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
      sizingDurationMs: 1000,
    },
    api: {
      throttle: { rateLimit: 50, burstLimit: 100 },
      methodThrottles: {
        createOrder: { rateLimit: 20, burstLimit: 40 },
        health: { rateLimit: 2, burstLimit: 4 },
      },
      maxBodyBytes: 64 * 1024,
      corsAllowOrigins: ['http://localhost:3000'],
      ownsAccountCloudWatchRole: true,
      waf: { enabled: false },
    },
    consumers: [
      storefront({ rateLimit: 20, burstLimit: 40 }, 50_000),
      marketplace({ rateLimit: 10, burstLimit: 20 }, 20_000),
      reporting({ rateLimit: 5, burstLimit: 10 }, 10_000),
      oncall({ rateLimit: 5, burstLimit: 10 }, 10_000),
    ],
    pricing: {
      url: 'https://pricing.dev.example.com',
      timeoutMs: 800,
      maxRetries: 2,
      breaker: { failureThreshold: 5, openMs: 10_000 },
    },
    faultInjection: { allowed: true, cacheSeconds: 5 },
    orders: { cancelledRetentionDays: 7, idempotencyTtlSeconds: 3600 },
    paging: paging('dev', 15, 30),
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
    logSampleRate: 1,
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
    triage: triage({ comprehend: false, retentionDays: 30 }),
    dynamodb: {
      justification:
        'On demand: dev traffic is a few test runs a day, so pay per request costs cents and idles at zero. The ceilings hold what the API throttle lets through (npm run capacity) and cap what a runaway test can spend.',
      orders: onDemand(200, 500),
      idempotency: onDemand(100, 100),
      catalog: onDemand(100, 50),
    },
    pipeline: {
      ...pipeline('dev'),
      autofix: {
        bedrockModelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
        environment: 'autofix',
      },
    },
  },
  staging: {
    stage: 'staging',
    appName: 'Orders',
    env: { account: '222222222222', region: 'eu-west-1' },
    retainData: false,
    logRetentionDays: 30,
    logLevel: 'INFO',
    logSampleRate: 0.1,
    lambda: {
      memoryMb: 1024,
      timeoutSeconds: 10,
      reservedConcurrency: { createOrder: 50, health: 5 },
      sizingDurationMs: 500,
    },
    api: {
      throttle: { rateLimit: 200, burstLimit: 400 },
      methodThrottles: {
        createOrder: { rateLimit: 100, burstLimit: 200 },
        health: { rateLimit: 10, burstLimit: 20 },
      },
      maxBodyBytes: 64 * 1024,
      corsAllowOrigins: ['https://staging.shop.example.com'],
      ownsAccountCloudWatchRole: true,
      waf: { enabled: true, rateLimitPer5Min: 2000 },
    },
    consumers: [
      storefront({ rateLimit: 100, burstLimit: 200 }, 500_000),
      reporting({ rateLimit: 20, burstLimit: 40 }, 50_000),
      oncall({ rateLimit: 5, burstLimit: 10 }, 10_000),
    ],
    pricing: {
      url: 'https://pricing.staging.example.com',
      timeoutMs: 800,
      maxRetries: 2,
      breaker: { failureThreshold: 5, openMs: 30_000 },
    },
    faultInjection: { allowed: true, cacheSeconds: 30 },
    orders: { cancelledRetentionDays: 30, idempotencyTtlSeconds: 3600 },
    paging: paging('staging', 15, 30),
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
    triage: triage(),
    dynamodb: {
      justification:
        'On demand: staging sees load tests and release checks in bursts, idle otherwise. The ceilings hold what the API throttle lets through (npm run capacity) and keep a stuck loop from running up the bill.',
      orders: onDemand(1_000, 2_000),
      idempotency: onDemand(500, 500),
      catalog: onDemand(1_000, 200),
    },
    pipeline: pipeline('staging'),
  },
  prod: {
    stage: 'prod',
    appName: 'Orders',
    env: { account: '333333333333', region: 'eu-west-1' },
    retainData: true,
    logRetentionDays: 365,
    logLevel: 'INFO',
    logSampleRate: 0.01,
    lambda: {
      memoryMb: 1024,
      timeoutSeconds: 10,
      reservedConcurrency: { createOrder: 200, getOrder: 250, health: 5 },
      sizingDurationMs: 250,
      // The checkout path: creating an order and reading it back right after.
      provisionedConcurrency: {
        createOrder: { min: 10, max: 100, targetUtilization: 0.7 },
        getOrder: { min: 5, max: 50, targetUtilization: 0.7 },
      },
    },
    api: {
      throttle: { rateLimit: 1000, burstLimit: 2000 },
      methodThrottles: {
        createOrder: { rateLimit: 500, burstLimit: 1000 },
        health: { rateLimit: 20, burstLimit: 40 },
      },
      maxBodyBytes: 64 * 1024,
      corsAllowOrigins: ['https://shop.example.com'],
      ownsAccountCloudWatchRole: true,
      waf: { enabled: true, rateLimitPer5Min: 5000 },
    },
    consumers: [
      storefront({ rateLimit: 500, burstLimit: 1000 }, 5_000_000),
      reporting({ rateLimit: 50, burstLimit: 100 }, 200_000),
      oncall({ rateLimit: 5, burstLimit: 10 }, 10_000),
    ],
    pricing: {
      url: 'https://pricing.example.com',
      timeoutMs: 500,
      maxRetries: 2,
      breaker: { failureThreshold: 5, openMs: 30_000 },
    },
    faultInjection: { allowed: false, cacheSeconds: 60 },
    orders: { cancelledRetentionDays: 365, idempotencyTtlSeconds: 3600 },
    paging: paging('prod', 10, 20),
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
    triage: triage({ comprehend: true, retentionDays: 365 }),
    dynamodb: {
      justification:
        'On demand: order traffic follows campaigns and the time of day, and on demand absorbs a spike at once where provisioned capacity needs minutes to scale. A unit costs about three times its fully used provisioned equivalent, so provisioned capacity pays only for a steady base above roughly a third of average utilisation (npm run capacity prints both). The ceilings hold what the API throttle (1,000 requests/s) lets through with the mix of the load tests, so the API, not the table, throttles first.',
      orders: onDemand(4_000, 10_000),
      idempotency: onDemand(2_000, 2_000),
      catalog: onDemand(2_000, 500),
    },
    pipeline: pipeline('prod'),
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

/** Seconds in a usage-plan quota period (a month counted as 31 days, its longest). */
const QUOTA_PERIOD_SECONDS = { DAY: 86_400, WEEK: 7 * 86_400, MONTH: 31 * 86_400 } as const;

/**
 * What is inconsistent between a stage's API Gateway throttles, usage plans and Lambda
 * concurrency, one line each (empty when consistent):
 * - a method throttle or a consumer's throttle above the stage's own (it could never apply);
 * - a consumer's quota above what its throttle lets through in the period (it could never bind);
 * - a route whose reserved concurrency cannot hold the rate API Gateway lets through to it at
 *   `lambda.sizingDurationMs` (Lambda would throttle first, which API Gateway answers with a 5xx);
 * - the stage's rate needing more concurrency than the account leaves unreserved;
 * - provisioned concurrency above the route's reservation, or with min > max, or a target
 *   utilisation outside 0.1–0.9.
 */
export const limitsProblems = (config: StageConfig): string[] => {
  const problems: string[] = [];
  const where = `stage ${config.stage}`;
  const fix = 'in cdk/config/stages.ts';
  const stage = config.api.throttle;
  const seconds = config.lambda.sizingDurationMs / 1000;
  for (const [route, throttle] of Object.entries(config.api.methodThrottles)) {
    if (!throttle) continue;
    if (throttle.rateLimit > stage.rateLimit || throttle.burstLimit > stage.burstLimit) {
      problems.push(
        `${where}: api.methodThrottles.${route} (${throttle.rateLimit}/s, burst ${throttle.burstLimit}) exceeds the stage throttle (${stage.rateLimit}/s, burst ${stage.burstLimit}): lower it ${fix}`,
      );
    }
  }
  for (const consumer of config.consumers) {
    const { throttle, quota } = consumer;
    if (throttle.rateLimit > stage.rateLimit || throttle.burstLimit > stage.burstLimit) {
      problems.push(
        `${where}: consumer ${consumer.name}'s throttle (${throttle.rateLimit}/s, burst ${throttle.burstLimit}) exceeds the stage throttle (${stage.rateLimit}/s, burst ${stage.burstLimit}): lower it ${fix}`,
      );
    }
    const reachable = throttle.rateLimit * QUOTA_PERIOD_SECONDS[quota.period];
    if (quota.limit > reachable) {
      problems.push(
        `${where}: consumer ${consumer.name}'s quota (${quota.limit} per ${quota.period}) is more than its throttle lets through in that period (${reachable}), so it never applies: lower it ${fix}`,
      );
    }
  }
  const reserved = config.lambda.reservedConcurrency ?? {};
  for (const [route, concurrency] of Object.entries(reserved)) {
    if (concurrency === undefined) continue;
    const rate = config.api.methodThrottles[route as RouteId]?.rateLimit ?? stage.rateLimit;
    const needed = Math.ceil(rate * seconds);
    if (needed > concurrency) {
      problems.push(
        `${where}: ${route} may receive ${rate} requests/s, which needs ${needed} concurrent executions at ${config.lambda.sizingDurationMs} ms but only ${concurrency} are reserved: raise lambda.reservedConcurrency.${route} or lower its throttle (api.methodThrottles.${route}) ${fix}`,
      );
    }
  }
  const quota = config.lambda.accountConcurrency ?? 1000;
  const unreserved = quota - Object.values(reserved).reduce((sum, value) => sum + (value ?? 0), 0);
  const stageNeed = Math.ceil(stage.rateLimit * seconds);
  if (stageNeed > unreserved) {
    problems.push(
      `${where}: the stage throttle (${stage.rateLimit}/s) needs ${stageNeed} concurrent executions at ${config.lambda.sizingDurationMs} ms, more than the ${unreserved} left unreserved of the account's ${quota}: lower api.throttle or the reservations ${fix}, or raise the quota and set lambda.accountConcurrency`,
    );
  }
  for (const [route, provisioned] of Object.entries(config.lambda.provisionedConcurrency ?? {})) {
    if (!provisioned) continue;
    const ceiling = reserved[route as RouteId];
    if (provisioned.min > provisioned.max) {
      problems.push(
        `${where}: lambda.provisionedConcurrency.${route} has min ${provisioned.min} above max ${provisioned.max} ${fix}`,
      );
    }
    if (ceiling !== undefined && provisioned.max > ceiling) {
      problems.push(
        `${where}: lambda.provisionedConcurrency.${route}.max (${provisioned.max}) exceeds its reserved concurrency (${ceiling}): lower it or raise lambda.reservedConcurrency.${route} ${fix}`,
      );
    }
    if (provisioned.targetUtilization < 0.1 || provisioned.targetUtilization > 0.9) {
      problems.push(
        `${where}: lambda.provisionedConcurrency.${route}.targetUtilization must be between 0.1 and 0.9, got ${provisioned.targetUtilization} ${fix}`,
      );
    }
  }
  return problems;
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
