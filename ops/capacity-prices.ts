/**
 * AWS list prices the capacity model uses, in USD, for eu-west-1 (Ireland), the region of every
 * stage in `cdk/config/stages.ts`. Prices change: `asOf` says when these were taken from the
 * public pricing pages; check them there (or with the AWS Price List API) before relying on a
 * figure, and update the date with the values.
 */
export const AWS_PRICES = {
  asOf: '2026-11-01',
  region: 'eu-west-1',
  apiGateway: {
    /** REST API, per million requests (first 333 million a month). */
    restPerMillion: 3.5,
  },
  lambda: {
    perMillionRequests: 0.2,
    /** Arm64 duration, per GB-second. */
    armPerGbSecond: 0.0000133334,
    /** Arm64 provisioned concurrency, per GB-second provisioned. */
    armProvisionedPerGbSecond: 0.0000033334,
    /** Arm64 duration on provisioned environments, per GB-second. */
    armProvisionedDurationPerGbSecond: 0.0000086667,
  },
  dynamodb: {
    /** On demand, per million write / read request units. */
    onDemandPerMillionWrites: 0.7063,
    onDemandPerMillionReads: 0.1413,
    /** Provisioned, per capacity unit-hour. */
    provisionedWcuHour: 0.000772,
    provisionedRcuHour: 0.0001544,
  },
  sqs: {
    /** Standard queue, per million requests (64 KB chunks). */
    perMillionRequests: 0.4,
  },
  kms: {
    keyPerMonth: 1,
    perTenThousandRequests: 0.03,
  },
  fargate: {
    /** Linux/ARM64, per vCPU-hour and per GB-hour. */
    armVcpuHour: 0.03238,
    armGbHour: 0.00356,
  },
  waf: {
    webAclPerMonth: 5,
    rulePerMonth: 1,
    perMillionRequests: 0.6,
  },
  cloudWatch: {
    /** Log ingestion, per GB. */
    logsIngestPerGb: 0.57,
  },
  xray: {
    /** Traces recorded, per million. */
    perMillionTraces: 5,
  },
  cognito: {
    /** Machine-to-machine app client, per month. */
    m2mClientPerMonth: 6,
  },
} as const;

export type AwsPrices = typeof AWS_PRICES;

/**
 * Default account and regional quotas the model warns against (the values of a new account;
 * yours may be raised: pass them to `npm run capacity`).
 */
export const ACCOUNT_LIMITS = {
  /** API Gateway: steady requests per second per account and region, across all APIs. */
  apiGatewayRps: 10_000,
  /** Lambda: concurrent executions per account and region. */
  lambdaConcurrency: 1_000,
  /** Lambda: how fast a function may scale, in new environments per 10 seconds. */
  lambdaScalingPer10Seconds: 1_000,
  /** DynamoDB on demand: default table throughput quota, read and write units per second. */
  dynamoDbTableUnits: 40_000,
  /** Fargate: on-demand vCPUs per account and region. */
  fargateVcpus: 6,
} as const;
