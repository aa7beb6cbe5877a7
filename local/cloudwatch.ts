/**
 * CloudWatch, played locally where the emulator cannot: in AWS, CloudWatch turns the EMF lines
 * functions print into metrics, API Gateway and Lambda publish their own per-request metrics, and
 * each function's log lines land in its log group. Locally the runtime captures the same signals
 * and puts them into the emulator with ordinary SDK calls (batched PutMetricData, PutLogEvents),
 * so `aws cloudwatch get-metric-data` and `aws logs filter-log-events` against the emulator see
 * what they would see in AWS.
 *
 * moto computes Sum, Average, Minimum, Maximum and SampleCount, but no percentiles, so this module
 * also keeps the raw values of the last hour in memory and answers percentile queries from them
 * ({@link LocalCloudWatch.percentiles}).
 */
import {
  CloudWatchClient,
  type MetricDatum,
  PutMetricDataCommand,
  type StandardUnit,
} from '@aws-sdk/client-cloudwatch';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  ResourceAlreadyExistsException,
} from '@aws-sdk/client-cloudwatch-logs';
import type { EmfRecord } from './emf.ts';
import { emulatorClientConfig } from './provision.ts';
import type { StackTemplate, TemplateResolver } from './template.ts';

export type Dimensions = Readonly<Record<string, string>>;

/** One request as the played API Gateway and Lambda saw it. */
export interface ApiRequestRecord {
  readonly apiName: string;
  readonly stage: string;
  readonly method: string;
  /** The resource path, e.g. `/orders/{orderId}`. */
  readonly resource: string;
  readonly status: number;
  /** Whole request, as API Gateway's `Latency`. */
  readonly latencyMs: number;
  /** The Lambda function that served it, if any. */
  readonly functionName?: string;
  /** Lambda's `Duration` (the handler's run). */
  readonly durationMs?: number;
  /** The function threw or returned no valid response (Lambda's `Errors`). */
  readonly functionError?: boolean;
}

interface Sample {
  readonly at: number;
  readonly value: number;
}

const SAMPLE_WINDOW_MS = 60 * 60 * 1000;
const MAX_DATUMS_PER_CALL = 500;

const seriesKey = (namespace: string, name: string, dimensions: Dimensions): string =>
  `${namespace}\u0000${name}\u0000${Object.entries(dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${value}`)
    .join('\u0000')}`;

/** Nearest-rank percentile, as CloudWatch computes pNN over a period's values. */
export const percentile = (values: readonly number[], p: number): number | undefined => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
};

/** The metric data points an EMF document stands for: one per dimension set and metric value. */
export const emfToDatums = (record: EmfRecord): (MetricDatum & { Namespace: string })[] => {
  const timestamp = new Date(record._aws.Timestamp);
  const datums: (MetricDatum & { Namespace: string })[] = [];
  for (const directive of record._aws.CloudWatchMetrics) {
    for (const dimensionSet of directive.Dimensions) {
      const dimensions = dimensionSet.map((name) => ({ Name: name, Value: String(record[name]) }));
      for (const metric of directive.Metrics) {
        const raw = record[metric.Name];
        const values = (Array.isArray(raw) ? raw : [raw]).filter(
          (value): value is number => typeof value === 'number' && Number.isFinite(value),
        );
        for (const value of values) {
          datums.push({
            Namespace: directive.Namespace,
            MetricName: metric.Name,
            Dimensions: dimensions,
            Value: value,
            Timestamp: timestamp,
            ...(metric.Unit && { Unit: metric.Unit as StandardUnit }),
          });
        }
      }
    }
  }
  return datums;
};

/** The AWS/ApiGateway and AWS/Lambda data points one request produces in AWS. */
export const requestToDatums = (request: ApiRequestRecord, at = new Date()) => {
  const api = [
    { Name: 'ApiName', Value: request.apiName },
    { Name: 'Stage', Value: request.stage },
    { Name: 'Method', Value: request.method },
    { Name: 'Resource', Value: request.resource },
  ];
  const datum = (
    Namespace: string,
    MetricName: string,
    Value: number,
    Dimensions: { Name: string; Value: string }[],
    Unit: StandardUnit,
  ) => ({ Namespace, MetricName, Value, Dimensions, Unit, Timestamp: at });
  const datums = [
    datum('AWS/ApiGateway', 'Count', 1, api, 'Count'),
    datum(
      'AWS/ApiGateway',
      '4XXError',
      request.status >= 400 && request.status < 500 ? 1 : 0,
      api,
      'Count',
    ),
    datum('AWS/ApiGateway', '5XXError', request.status >= 500 ? 1 : 0, api, 'Count'),
    datum('AWS/ApiGateway', 'Latency', request.latencyMs, api, 'Milliseconds'),
  ];
  if (request.functionName !== undefined) {
    const fn = [{ Name: 'FunctionName', Value: request.functionName }];
    datums.push(
      datum(
        'AWS/ApiGateway',
        'IntegrationLatency',
        request.durationMs ?? request.latencyMs,
        api,
        'Milliseconds',
      ),
      datum('AWS/Lambda', 'Invocations', 1, fn, 'Count'),
      datum('AWS/Lambda', 'Errors', request.functionError ? 1 : 0, fn, 'Count'),
      datum('AWS/Lambda', 'Duration', request.durationMs ?? 0, fn, 'Milliseconds'),
    );
  }
  return datums;
};

export interface LocalCloudWatchOptions {
  readonly endpoint: string;
  readonly region: string;
  /** How often queued data points and log lines are sent. @default 1000 */
  readonly flushIntervalMs?: number;
  /** Where failures to publish are reported. @default console.error */
  readonly onError?: (message: string) => void;
}

export interface LocalCloudWatch {
  /** Queues the metrics of one EMF document. */
  putEmf(record: EmfRecord): void;
  /** Queues the API Gateway and Lambda metrics of one request. */
  recordRequest(request: ApiRequestRecord): void;
  /** Queues a log line for `logGroup` (created on first use). */
  putLog(logGroup: string, message: string, at?: number): void;
  /** Values of one series in `[from, to)`, bucketed by `periodMs`, as percentile `p`. */
  percentiles(
    query: { namespace: string; name: string; dimensions: Dimensions },
    p: number,
    from: number,
    to: number,
    periodMs: number,
  ): { timestamps: number[]; values: number[] };
  /** Every value of one series recorded in `[from, to)` (the last hour is kept). */
  values(
    query: { namespace: string; name: string; dimensions: Dimensions },
    from: number,
    to: number,
  ): number[];
  /** Sends everything queued now. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the local CloudWatch publisher; see the module comment. */
export const createLocalCloudWatch = (options: LocalCloudWatchOptions): LocalCloudWatch => {
  const config = emulatorClientConfig(options.endpoint, options.region);
  const cloudwatch = new CloudWatchClient(config);
  const logs = new CloudWatchLogsClient(config);
  const onError = options.onError ?? ((message: string) => console.error(message));
  const samples = new Map<string, Sample[]>();
  let datums: (MetricDatum & { Namespace: string })[] = [];
  let lines = new Map<string, { timestamp: number; message: string }[]>();
  const readyGroups = new Map<string, Promise<void>>();
  const stream = `local/${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${process.pid}`;

  const remember = (datum: MetricDatum & { Namespace: string }) => {
    const dimensions = Object.fromEntries(
      (datum.Dimensions ?? []).map((dimension) => [dimension.Name ?? '', dimension.Value ?? '']),
    );
    const key = seriesKey(datum.Namespace, datum.MetricName ?? '', dimensions);
    const list = samples.get(key) ?? [];
    const at = datum.Timestamp instanceof Date ? datum.Timestamp.getTime() : Date.now();
    list.push({ at, value: datum.Value ?? 0 });
    const cutoff = Date.now() - SAMPLE_WINDOW_MS;
    while (list.length > 0 && (list[0]?.at ?? 0) < cutoff) list.shift();
    samples.set(key, list);
  };

  const queue = (items: (MetricDatum & { Namespace: string })[]) => {
    for (const item of items) remember(item);
    datums.push(...items);
  };

  const ensureGroup = (logGroup: string): Promise<void> => {
    let ready = readyGroups.get(logGroup);
    if (ready === undefined) {
      const ignoreExists = (error: unknown) => {
        if (!(error instanceof ResourceAlreadyExistsException)) throw error;
      };
      ready = logs
        .send(new CreateLogGroupCommand({ logGroupName: logGroup }))
        .catch(ignoreExists)
        .then(() =>
          logs.send(new CreateLogStreamCommand({ logGroupName: logGroup, logStreamName: stream })),
        )
        .then(() => undefined, ignoreExists);
      readyGroups.set(logGroup, ready);
    }
    return ready;
  };

  const flushMetrics = async () => {
    const pending = datums;
    datums = [];
    const byNamespace = new Map<string, MetricDatum[]>();
    for (const { Namespace, ...datum } of pending) {
      const list = byNamespace.get(Namespace) ?? [];
      list.push(datum);
      byNamespace.set(Namespace, list);
    }
    for (const [namespace, list] of byNamespace) {
      for (let start = 0; start < list.length; start += MAX_DATUMS_PER_CALL) {
        await cloudwatch.send(
          new PutMetricDataCommand({
            Namespace: namespace,
            MetricData: list.slice(start, start + MAX_DATUMS_PER_CALL),
          }),
        );
      }
    }
  };

  const flushLogs = async () => {
    const pending = lines;
    lines = new Map();
    for (const [logGroup, events] of pending) {
      await ensureGroup(logGroup);
      await logs.send(
        new PutLogEventsCommand({
          logGroupName: logGroup,
          logStreamName: stream,
          logEvents: events.sort((a, b) => a.timestamp - b.timestamp),
        }),
      );
    }
  };

  let flushing: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    flushing = flushing
      .then(() => Promise.all([flushMetrics(), flushLogs()]))
      .then(
        () => undefined,
        (error: unknown) => onError(`local CloudWatch: publish failed: ${String(error)}`),
      );
    return flushing;
  };
  const timer = setInterval(() => void flush(), options.flushIntervalMs ?? 1000);
  timer.unref();

  return {
    putEmf: (record) => queue(emfToDatums(record)),
    recordRequest: (request) => queue(requestToDatums(request)),
    putLog: (logGroup, message, at = Date.now()) => {
      const list = lines.get(logGroup) ?? [];
      list.push({ timestamp: at, message });
      lines.set(logGroup, list);
    },
    percentiles: (query, p, from, to, periodMs) => {
      const list = samples.get(seriesKey(query.namespace, query.name, query.dimensions)) ?? [];
      const timestamps: number[] = [];
      const values: number[] = [];
      for (let start = from; start < to; start += periodMs) {
        const inPeriod = list
          .filter((sample) => sample.at >= start && sample.at < start + periodMs)
          .map((sample) => sample.value);
        const value = percentile(inPeriod, p);
        if (value !== undefined) {
          timestamps.push(start);
          values.push(value);
        }
      }
      return { timestamps, values };
    },
    values: (query, from, to) =>
      (samples.get(seriesKey(query.namespace, query.name, query.dimensions)) ?? [])
        .filter((sample) => sample.at >= from && sample.at < to)
        .map((sample) => sample.value),
    flush,
    stop: async () => {
      clearInterval(timer);
      await flush();
      cloudwatch.destroy();
      logs.destroy();
    },
  };
};

/** Each Lambda function's log group (`LoggingConfig.LogGroup`), by local function name. */
export const lambdaLogGroups = (
  stacks: readonly StackTemplate[],
  resolver: TemplateResolver,
): Map<string, string> =>
  new Map(
    stacks.flatMap(({ stackName, template }) =>
      Object.entries(template.Resources ?? {})
        .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
        .map(([logicalId, resource]) => {
          const functionName = resolver.physicalName(stackName, logicalId);
          const configured = (
            resource.Properties?.LoggingConfig as { LogGroup?: unknown } | undefined
          )?.LogGroup;
          const logGroup =
            configured === undefined
              ? `/aws/lambda/${functionName}`
              : String(resolver.resolve(stackName, configured));
          return [functionName, logGroup] as const;
        }),
    ),
  );

/**
 * Copies each Powertools JSON log line the handlers print (stdout or stderr) into its function's
 * log group, as Lambda does; the console still shows it. Lines are attributed by the
 * `function_name` key the logger adds from the Lambda context.
 * @returns a function that stops the copying.
 */
export const tapLambdaLogs = (
  stacks: readonly StackTemplate[],
  resolver: TemplateResolver,
  cloudwatch: Pick<LocalCloudWatch, 'putLog'>,
): (() => void) => {
  const groups = lambdaLogGroups(stacks, resolver);
  const tap = (stream: NodeJS.WriteStream) => {
    const original = stream.write;
    const write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
      const text =
        typeof chunk === 'string'
          ? chunk
          : chunk instanceof Uint8Array
            ? Buffer.from(chunk).toString('utf8')
            : '';
      if (text.includes('"function_name"')) {
        for (const line of text.split('\n')) {
          if (!line.startsWith('{')) continue;
          try {
            const parsed = JSON.parse(line) as { function_name?: unknown };
            const group =
              typeof parsed.function_name === 'string'
                ? groups.get(parsed.function_name)
                : undefined;
            if (group) cloudwatch.putLog(group, line);
          } catch {
            // Not a JSON log line: only the console gets it.
          }
        }
      }
      return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    };
    stream.write = write as typeof stream.write;
    return () => {
      if (stream.write === (write as typeof stream.write)) stream.write = original;
    };
  };
  const untapOut = tap(process.stdout);
  const untapErr = tap(process.stderr);
  return () => {
    untapErr();
    untapOut();
  };
};
