/**
 * The capacity model behind `npm run capacity`: from a request rate, the traffic mix and the
 * function durations (measured in a load run, or given), what each part of a stage needs (Lambda
 * concurrency by Little's law, DynamoDB request units, SQS throughput, worker tasks), what a month
 * of it costs at the dated prices of `capacity-prices.ts`, and which limit it would hit.
 */
import type { StageConfig, TableCapacityConfig } from '#config/stages';
import type { RouteId as AnyRouteId } from '#routes';

/**
 * The routes the model sizes: the order traffic and health. The operator routes (incidents,
 * triage) carry a handful of requests an hour and are left out.
 */
export type RouteId = Extract<
  AnyRouteId,
  'createOrder' | 'getOrder' | 'listOrders' | 'cancelOrder' | 'health'
>;

import { ACCOUNT_LIMITS, AWS_PRICES, type AwsPrices } from './capacity-prices.ts';

/** Seconds in the 730-hour month AWS prices by. */
export const SECONDS_PER_MONTH = 730 * 3600;

export type AccountLimits = { -readonly [K in keyof typeof ACCOUNT_LIMITS]: number };

/** One route's share of the requests and its mean duration. */
export interface RouteLoad {
  readonly share: number;
  readonly durationMs: number;
}

export interface CapacityInputs {
  /** Average API requests per second. */
  readonly rps: number;
  /** Peak ÷ average rate the stage must hold: concurrency, units and tasks are sized for the peak. */
  readonly peakFactor: number;
  readonly routes: Readonly<Record<RouteId, RouteLoad>>;
  /** Size of a stored order, in KB (the item and each index copy). */
  readonly orderItemKb: number;
  /** Orders per page of a list request. */
  readonly listPageSize: number;
  /** Lines (SKUs) per order: catalog items read per create. */
  readonly linesPerOrder: number;
  /** Worker time per fulfilment message, in milliseconds (the warehouse call dominates). */
  readonly workerMsPerMessage: number;
  /** Log bytes each request writes (access log line plus the function's lines), in KB. */
  readonly logKbPerRequest: number;
  /** Share of requests X-Ray records beyond its one-per-second reservoir. */
  readonly traceSampleRate: number;
  readonly limits: AccountLimits;
}

/**
 * The mix of the load scenarios (`load/flows.yml`, requests per route of a smoke run) and warm
 * durations of the functions on arm64 at 1 GB: replace them with your measurements (`--baseline`
 * takes both from a load run, `--duration-ms` overrides one route).
 */
export const DEFAULT_ROUTES: Readonly<Record<RouteId, RouteLoad>> = {
  createOrder: { share: 0.4, durationMs: 80 },
  getOrder: { share: 0.25, durationMs: 20 },
  listOrders: { share: 0.25, durationMs: 30 },
  cancelOrder: { share: 0.08, durationMs: 25 },
  health: { share: 0.02, durationMs: 15 },
};

export const defaultInputs = (rps: number): CapacityInputs => ({
  rps,
  peakFactor: 2,
  routes: DEFAULT_ROUTES,
  orderItemKb: 1.5,
  listPageSize: 10,
  linesPerOrder: 2,
  workerMsPerMessage: 250,
  logKbPerRequest: 1.5,
  traceSampleRate: 0.05,
  limits: { ...ACCOUNT_LIMITS },
});

/** Indexes of the orders table that copy every item (projection ALL): each write writes them too. */
const ORDERS_INDEX_COPIES = 2;

/** Read and write request units per second of one table. */
export interface TableUnits {
  readonly reads: number;
  readonly writes: number;
}

export interface RouteConcurrency {
  readonly route: RouteId;
  readonly rps: number;
  readonly peakRps: number;
  readonly durationMs: number;
  /** Little's law: arrival rate × time in the system. */
  readonly concurrency: number;
  readonly peakConcurrency: number;
  readonly reserved?: number;
  readonly provisioned?: { readonly min: number; readonly max: number };
}

export interface CostLine {
  readonly item: string;
  readonly usdPerMonth: number;
  readonly basis: string;
}

export interface CapacityReport {
  readonly stage: string;
  readonly rps: number;
  readonly peakRps: number;
  readonly lambda: { readonly routes: readonly RouteConcurrency[]; readonly peakTotal: number };
  /** Average request units per second per table. */
  readonly dynamodb: Readonly<Record<'orders' | 'idempotency' | 'catalog', TableUnits>>;
  readonly sqs: { readonly messagesPerSecond: number; readonly requestsPerSecond: number };
  readonly worker: {
    readonly messagesPerSecondPerTask: number;
    readonly tasksAtPeak: number;
    readonly tasksAverage: number;
  };
  readonly cost: { readonly lines: readonly CostLine[]; readonly totalUsdPerMonth: number };
  /** On-demand against fully used provisioned capacity for the orders table, per month. */
  readonly provisionedComparison: { readonly onDemandUsd: number; readonly provisionedUsd: number };
  readonly warnings: readonly string[];
  readonly pricesAsOf: string;
}

const ceilUnits = (kb: number, unitKb: number): number => Math.max(1, Math.ceil(kb / unitKb));

/** Request units per request of each route, per table (the model's assumptions, in one place). */
export const unitsPerRequest = (
  inputs: Pick<CapacityInputs, 'orderItemKb' | 'listPageSize' | 'linesPerOrder'>,
): Readonly<
  Record<RouteId, Readonly<Record<'orders' | 'idempotency' | 'catalog', TableUnits>>>
> => {
  const itemWrite = ceilUnits(inputs.orderItemKb, 1) * (1 + ORDERS_INDEX_COPIES);
  const none = { reads: 0, writes: 0 };
  return {
    // Put the order (+ its index copies); the idempotency record is written in progress, then
    // completed with the response; the catalog is read once (eventually consistent, ½ unit/item).
    createOrder: {
      orders: { reads: 0, writes: itemWrite },
      idempotency: { reads: 0, writes: 1 + ceilUnits(inputs.orderItemKb, 1) },
      catalog: { reads: inputs.linesPerOrder * 0.5, writes: 0 },
    },
    // Strongly consistent GetItem.
    getOrder: {
      orders: { reads: ceilUnits(inputs.orderItemKb, 4), writes: 0 },
      idempotency: none,
      catalog: none,
    },
    // An index Query (eventually consistent) of one page.
    listOrders: {
      orders: {
        reads: ceilUnits(inputs.listPageSize * inputs.orderItemKb, 4) * 0.5,
        writes: 0,
      },
      idempotency: none,
      catalog: none,
    },
    // One conditional UpdateItem (+ its index copies).
    cancelOrder: {
      orders: { reads: 0, writes: itemWrite },
      idempotency: none,
      catalog: none,
    },
    // DescribeTable: a control-plane call, no units.
    health: { orders: none, idempotency: none, catalog: none },
  };
};

const round = (value: number, digits = 2): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

const TABLES = ['orders', 'idempotency', 'catalog'] as const;

/** The stage's capacity needs, monthly cost and warnings at `inputs.rps`. */
export const computeCapacity = (
  config: StageConfig,
  inputs: CapacityInputs,
  prices: AwsPrices = AWS_PRICES,
): CapacityReport => {
  const warnings: string[] = [];
  const peakRps = inputs.rps * inputs.peakFactor;
  const shareTotal = Object.values(inputs.routes).reduce((sum, route) => sum + route.share, 0);
  const routeIds = Object.keys(inputs.routes) as RouteId[];
  const rateOf = (route: RouteId, rps: number): number =>
    shareTotal > 0 ? (rps * inputs.routes[route].share) / shareTotal : 0;

  // --- Lambda: Little's law per route ---
  const reserved = config.lambda.reservedConcurrency ?? {};
  const routes: RouteConcurrency[] = routeIds.map((route) => {
    const { durationMs } = inputs.routes[route];
    const rps = rateOf(route, inputs.rps);
    const peak = rateOf(route, peakRps);
    const provisioned = config.lambda.provisionedConcurrency?.[route];
    return {
      route,
      rps: round(rps),
      peakRps: round(peak),
      durationMs,
      concurrency: round((rps * durationMs) / 1000),
      peakConcurrency: round((peak * durationMs) / 1000),
      ...(reserved[route] !== undefined && { reserved: reserved[route] }),
      ...(provisioned && { provisioned: { min: provisioned.min, max: provisioned.max } }),
    };
  });
  for (const route of routes) {
    if (route.reserved !== undefined && route.peakConcurrency > route.reserved) {
      warnings.push(
        `Lambda ${route.route}: ${route.peakConcurrency} concurrent executions at peak exceed its reserved concurrency of ${route.reserved}: requests beyond it are throttled`,
      );
    }
    if (route.provisioned && route.peakConcurrency > route.provisioned.max) {
      warnings.push(
        `Lambda ${route.route}: ${route.peakConcurrency} concurrent executions at peak exceed the provisioned maximum of ${route.provisioned.max}: the rest run on demand, with cold starts`,
      );
    }
  }
  const peakTotal = round(routes.reduce((sum, route) => sum + route.peakConcurrency, 0));
  const accountConcurrency = config.lambda.accountConcurrency ?? inputs.limits.lambdaConcurrency;
  const reservedTotal = Object.values(reserved).reduce((sum, value) => sum + (value ?? 0), 0);
  const unreservedNeed = routes
    .filter((route) => route.reserved === undefined)
    .reduce((sum, route) => sum + route.peakConcurrency, 0);
  if (unreservedNeed > accountConcurrency - reservedTotal) {
    warnings.push(
      `Lambda account concurrency: routes without a reservation need ${round(unreservedNeed)} at peak, more than the ${accountConcurrency - reservedTotal} left unreserved of ${accountConcurrency}: ask for a higher quota`,
    );
  }
  if (peakTotal > inputs.limits.lambdaScalingPer10Seconds) {
    warnings.push(
      `Lambda scaling: reaching ${peakTotal} concurrent executions from cold takes more than 10 s (${inputs.limits.lambdaScalingPer10Seconds} new environments per function per 10 s): ramp up, or provision concurrency`,
    );
  }

  // --- API Gateway ---
  if (peakRps > config.api.throttle.rateLimit) {
    warnings.push(
      `API Gateway: ${round(peakRps)} requests/s at peak exceed the stage throttle of ${config.api.throttle.rateLimit}/s (api.throttle): clients get 429`,
    );
  }
  for (const route of routes) {
    const throttle = config.api.methodThrottles[route.route];
    if (throttle && route.peakRps > throttle.rateLimit) {
      warnings.push(
        `API Gateway ${route.route}: ${route.peakRps} requests/s at peak exceed its method throttle of ${throttle.rateLimit}/s: clients get 429`,
      );
    }
  }
  const consumerRate = config.consumers.reduce(
    (sum, consumer) => sum + consumer.throttle.rateLimit,
    0,
  );
  if (peakRps > consumerRate) {
    warnings.push(
      `API Gateway usage plans: the consumers' throttles add up to ${consumerRate}/s, below ${round(peakRps)} requests/s at peak`,
    );
  }
  if (peakRps > inputs.limits.apiGatewayRps) {
    warnings.push(
      `API Gateway account quota: ${round(peakRps)} requests/s at peak exceed ${inputs.limits.apiGatewayRps}/s per account and region, shared by every API: ask for a higher quota`,
    );
  }

  // --- DynamoDB ---
  const perRequest = unitsPerRequest(inputs);
  const units = (rps: number) =>
    Object.fromEntries(
      TABLES.map((table) => {
        let reads = 0;
        let writes = 0;
        for (const route of routeIds) {
          const rate = rateOf(route, rps);
          reads += rate * perRequest[route][table].reads;
          writes += rate * perRequest[route][table].writes;
        }
        // The worker moves every new order PENDING → PROCESSING → FULFILLED: two more writes.
        if (table === 'orders')
          writes += rateOf('createOrder', rps) * 2 * perRequest.cancelOrder.orders.writes;
        return [table, { reads: round(reads), writes: round(writes) }];
      }),
    ) as Record<(typeof TABLES)[number], TableUnits>;
  const average = units(inputs.rps);
  const peak = units(peakRps);
  for (const table of TABLES) {
    const capacity: TableCapacityConfig = config.dynamodb[table];
    const { reads, writes } = peak[table];
    const [maxReads, maxWrites] =
      capacity.mode === 'onDemand'
        ? [capacity.maxReadRequestUnits, capacity.maxWriteRequestUnits]
        : [capacity.read.max, capacity.write.max];
    if (reads > maxReads || writes > maxWrites) {
      warnings.push(
        `DynamoDB ${table}: ${reads} reads and ${writes} writes per second at peak exceed the stage's ceiling (${maxReads} / ${maxWrites}, dynamodb.${table}): requests are throttled`,
      );
    }
    if (reads > inputs.limits.dynamoDbTableUnits || writes > inputs.limits.dynamoDbTableUnits) {
      warnings.push(
        `DynamoDB ${table}: over the account's default table quota of ${inputs.limits.dynamoDbTableUnits} units per second: ask for a higher quota`,
      );
    }
  }

  // --- SQS and the worker ---
  const messages = (rps: number) => rateOf('createOrder', rps) + rateOf('cancelOrder', rps);
  const messagesPerSecond = messages(inputs.rps);
  // The pipe sends each message; the worker receives in batches of 10 and deletes each.
  const sqsRequests = messagesPerSecond * 2.1;
  const perTask = (config.worker.pollers * 10 * 1000) / inputs.workerMsPerMessage;
  const tasksFor = (rate: number) => Math.max(config.worker.minTasks, Math.ceil(rate / perTask));
  const tasksAtPeak = tasksFor(messages(peakRps));
  const tasksAverage = tasksFor(messagesPerSecond);
  if (tasksAtPeak > config.worker.maxTasks) {
    warnings.push(
      `Worker: ${tasksAtPeak} tasks needed at peak (${round(messages(peakRps))} messages/s, ${round(perTask)} per task), above worker.maxTasks ${config.worker.maxTasks}: the queue backs up`,
    );
  }
  const vcpus = (tasksAtPeak * config.worker.cpu) / 1024;
  if (vcpus > inputs.limits.fargateVcpus) {
    warnings.push(
      `Fargate: ${tasksAtPeak} tasks at peak use ${vcpus} vCPUs, above the account's ${inputs.limits.fargateVcpus}-vCPU quota: ask for a higher quota`,
    );
  }

  // --- Monthly cost ---
  const requests = inputs.rps * SECONDS_PER_MONTH;
  const millions = requests / 1e6;
  const memoryGb = config.lambda.memoryMb / 1024;
  const lines: CostLine[] = [];
  const add = (item: string, usdPerMonth: number, basis: string) =>
    lines.push({ item, usdPerMonth: round(usdPerMonth), basis });
  add('API Gateway', millions * prices.apiGateway.restPerMillion, `${round(millions)} M requests`);
  if (config.api.waf.enabled) {
    add(
      'WAF',
      prices.waf.webAclPerMonth +
        4 * prices.waf.rulePerMonth +
        millions * prices.waf.perMillionRequests,
      'web ACL, 4 rules, requests',
    );
  }
  const gbSeconds = routes.reduce(
    (sum, route) => sum + route.rps * SECONDS_PER_MONTH * (route.durationMs / 1000) * memoryGb,
    0,
  );
  add(
    'Lambda',
    millions * prices.lambda.perMillionRequests + gbSeconds * prices.lambda.armPerGbSecond,
    `${round(gbSeconds)} GB-s at ${config.lambda.memoryMb} MB`,
  );
  const provisionedEnvironments = Object.values(config.lambda.provisionedConcurrency ?? {}).reduce(
    (sum, provisioned) => sum + (provisioned?.min ?? 0),
    0,
  );
  if (provisionedEnvironments > 0) {
    add(
      'Lambda provisioned concurrency',
      provisionedEnvironments *
        memoryGb *
        SECONDS_PER_MONTH *
        prices.lambda.armProvisionedPerGbSecond,
      `${provisionedEnvironments} environments kept warm (the minimum; scaling adds more)`,
    );
  }
  let onDemandOrders = 0;
  let provisionedOrders = 0;
  for (const table of TABLES) {
    const { reads, writes } = average[table];
    const capacity = config.dynamodb[table];
    const onDemand =
      ((reads * SECONDS_PER_MONTH) / 1e6) * prices.dynamodb.onDemandPerMillionReads +
      ((writes * SECONDS_PER_MONTH) / 1e6) * prices.dynamodb.onDemandPerMillionWrites;
    const provisioned =
      730 *
      (Math.ceil(reads) * prices.dynamodb.provisionedRcuHour +
        Math.ceil(writes) * prices.dynamodb.provisionedWcuHour);
    if (table === 'orders') {
      onDemandOrders = onDemand;
      provisionedOrders = provisioned;
    }
    if (capacity.mode === 'onDemand') {
      add(`DynamoDB ${table}`, onDemand, `on demand, ${reads} reads + ${writes} writes/s`);
    } else {
      const target = capacity.targetUtilizationPercent / 100;
      const rcu = Math.max(capacity.read.min, Math.ceil(reads / target));
      const wcu = Math.max(capacity.write.min, Math.ceil(writes / target));
      add(
        `DynamoDB ${table}`,
        730 * (rcu * prices.dynamodb.provisionedRcuHour + wcu * prices.dynamodb.provisionedWcuHour),
        `provisioned ${rcu} RCU + ${wcu} WCU`,
      );
    }
  }
  add(
    'SQS',
    ((sqsRequests * SECONDS_PER_MONTH) / 1e6) * prices.sqs.perMillionRequests,
    `${round(sqsRequests)} requests/s`,
  );
  add(
    'Fargate worker',
    tasksAverage *
      730 *
      ((config.worker.cpu / 1024) * prices.fargate.armVcpuHour +
        (config.worker.memoryMiB / 1024) * prices.fargate.armGbHour),
    `${tasksAverage} task(s) of ${config.worker.cpu} CPU units`,
  );
  add(
    'CloudWatch Logs',
    ((requests * inputs.logKbPerRequest) / 1024 / 1024) * prices.cloudWatch.logsIngestPerGb,
    `${inputs.logKbPerRequest} KB per request`,
  );
  const traces = Math.min(requests, SECONDS_PER_MONTH + requests * inputs.traceSampleRate);
  add('X-Ray', (traces / 1e6) * prices.xray.perMillionTraces, `${round(traces / 1e6)} M traces`);
  add(
    'Cognito',
    config.consumers.length * prices.cognito.m2mClientPerMonth,
    `${config.consumers.length} machine-to-machine clients`,
  );
  add('KMS', prices.kms.keyPerMonth, 'one customer managed key');
  const totalUsdPerMonth = round(lines.reduce((sum, line) => sum + line.usdPerMonth, 0));

  return {
    stage: config.stage,
    rps: inputs.rps,
    peakRps: round(peakRps),
    lambda: { routes, peakTotal },
    dynamodb: average,
    sqs: { messagesPerSecond: round(messagesPerSecond), requestsPerSecond: round(sqsRequests) },
    worker: { messagesPerSecondPerTask: round(perTask), tasksAtPeak, tasksAverage },
    cost: { lines, totalUsdPerMonth },
    provisionedComparison: {
      onDemandUsd: round(onDemandOrders),
      provisionedUsd: round(provisionedOrders),
    },
    warnings,
    pricesAsOf: prices.asOf,
  };
};
