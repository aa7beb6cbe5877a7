/**
 * EventBridge Pipes, played locally: every `AWS::Pipes::Pipe` of the synthesized templates whose
 * source is a DynamoDB stream and whose target is an SQS queue. Its source, filter criteria,
 * input template, target and dead-letter queue are read from the template; the runner polls the
 * emulator's stream (dynamodbstreams API), keeps the records the filters match, shapes each with
 * the input template and sends it to the emulator's queue.
 *
 * The filter and template evaluation follow EventBridge's rules for the constructs implemented
 * here; a pipe that uses any other construct (an enrichment, `$or`, numeric or wildcard matching,
 * JSONPath wildcards, other sources or targets) fails at start with a message naming it, rather
 * than behaving differently from the deployed pipe.
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { emulatorClientConfig } from './provision.ts';
import { type StackTemplate, TemplateError, TemplateResolver } from './template.ts';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// ---------------------------------------------------------------------------------------------
// Filter patterns

type Matcher = (value: unknown, present: boolean) => boolean;

/** Records one GetRecords call may return (the service's own maximum). */
const GET_RECORDS_LIMIT = 1000;
/** A call to the emulator that takes longer than this is abandoned and retried. */
const CALL_TIMEOUT_MS = 10_000;
/** A compiled event pattern: true when the event matches. */
export type EventFilter = (event: unknown) => boolean;

const SUPPORTED_OPERATORS = ['prefix', 'suffix', 'anything-but', 'exists', 'equals-ignore-case'];

const scalarEquals = (expected: unknown, actual: unknown): boolean =>
  typeof expected === 'number' && typeof actual === 'number'
    ? expected === actual
    : expected === actual;

const compileValueMatcher = (rule: unknown, where: string): Matcher => {
  if (rule === null || ['string', 'number', 'boolean'].includes(typeof rule)) {
    return (value, present) => present && scalarEquals(rule, value);
  }
  if (!isRecord(rule) || Object.keys(rule).length !== 1) {
    throw new TemplateError(`${where}: unsupported filter value ${JSON.stringify(rule)}`);
  }
  const [operator, argument] = Object.entries(rule)[0] as [string, unknown];
  switch (operator) {
    case 'prefix':
    case 'suffix': {
      if (typeof argument !== 'string') {
        throw new TemplateError(`${where}: "${operator}" takes a string`);
      }
      return (value, present) =>
        present &&
        typeof value === 'string' &&
        (operator === 'prefix' ? value.startsWith(argument) : value.endsWith(argument));
    }
    case 'equals-ignore-case':
      if (typeof argument !== 'string') {
        throw new TemplateError(`${where}: "equals-ignore-case" takes a string`);
      }
      return (value, present) =>
        present && typeof value === 'string' && value.toLowerCase() === argument.toLowerCase();
    case 'exists':
      if (typeof argument !== 'boolean') {
        throw new TemplateError(`${where}: "exists" takes true or false`);
      }
      // EventBridge: exists matches leaf values only, so an object counts as absent.
      return (value, present) => (present && !isRecord(value)) === argument;
    case 'anything-but': {
      // A value, a list of values, or {"prefix"/"suffix": ...}; never matches a missing field.
      const inner = isRecord(argument)
        ? compileValueMatcher(argument, `${where} anything-but`)
        : (() => {
            const values = Array.isArray(argument) ? argument : [argument];
            for (const v of values) {
              if (isRecord(v) || Array.isArray(v)) {
                throw new TemplateError(`${where}: unsupported anything-but value`);
              }
            }
            return (value: unknown, present: boolean) =>
              present && values.some((v) => scalarEquals(v, value));
          })();
      return (value, present) => present && !inner(value, present);
    }
    default:
      throw new TemplateError(
        `${where}: filter operator "${operator}" is not played locally (supported: exact values, ${SUPPORTED_OPERATORS.join(', ')})`,
      );
  }
};

/** Compiles one EventBridge event pattern; throws for what the local runtime does not evaluate. */
export const compileEventPattern = (pattern: unknown, where = 'pattern'): EventFilter => {
  if (!isRecord(pattern)) throw new TemplateError(`${where}: a pattern must be a JSON object`);
  const checks: ((event: Record<string, unknown>) => boolean)[] = [];
  for (const [key, rule] of Object.entries(pattern)) {
    const at = `${where}.${key}`;
    if (key === '$or') throw new TemplateError(`${at}: "$or" is not played locally`);
    if (Array.isArray(rule)) {
      if (rule.length === 0) throw new TemplateError(`${at}: an empty list matches nothing`);
      const matchers = rule.map((entry) => compileValueMatcher(entry, at));
      checks.push((event) => {
        const present = Object.hasOwn(event, key);
        const value = event[key];
        // An array in the event matches when any of its elements does.
        const candidates = Array.isArray(value) ? value : [value];
        return candidates.some((candidate) => matchers.some((m) => m(candidate, present)));
      });
    } else if (isRecord(rule)) {
      const nested = compileEventPattern(rule, at);
      checks.push((event) => isRecord(event[key]) && nested(event[key]));
    } else {
      throw new TemplateError(`${at}: a pattern field holds a list of values or an object`);
    }
  }
  return (event) => isRecord(event) && checks.every((check) => check(event));
};

// ---------------------------------------------------------------------------------------------
// Input templates

/** Values of the reserved `<aws.pipes.*>` variables for one event. */
export interface PipeContext {
  readonly pipeName: string;
  readonly pipeArn: string;
  readonly sourceArn: string;
  readonly targetArn: string;
  readonly ingestionTime: string;
}

/** A record the input template cannot be applied to (a path it reads is missing). */
export class TransformError extends Error {
  override name = 'TransformError';
}

const RESERVED: Readonly<Record<string, (context: PipeContext) => string>> = {
  'aws.pipes.pipe-name': (c) => c.pipeName,
  'aws.pipes.pipe-arn': (c) => c.pipeArn,
  'aws.pipes.source-arn': (c) => c.sourceArn,
  'aws.pipes.target-arn': (c) => c.targetArn,
  'aws.pipes.event.ingestion-time': (c) => c.ingestionTime,
};

/** `$.a.b[0].c` → ['a', 'b', 0, 'c']: dot notation and array indices, as Pipes documents. */
const parsePath = (path: string, where: string): (string | number)[] => {
  if (path === '$') return [];
  if (!path.startsWith('$.')) throw new TemplateError(`${where}: path ${path} must start with $.`);
  const parts: (string | number)[] = [];
  for (const segment of path.slice(2).split('.')) {
    const match = /^([A-Za-z0-9_\-/]+)((?:\[\d+\])*)$/.exec(segment);
    if (!match?.[1]) {
      throw new TemplateError(
        `${where}: path ${path} uses syntax not played locally (dot notation and [index] only)`,
      );
    }
    parts.push(match[1]);
    for (const index of (match[2] ?? '').matchAll(/\[(\d+)\]/g)) parts.push(Number(index[1]));
  }
  return parts;
};

/** A compiled input template: the message body for one event. */
export type InputTransform = (event: unknown, context: PipeContext) => string;

/**
 * Compiles a Pipes input template. A placeholder inside a JSON string is replaced by the value's
 * text, escaped for that string; outside one, by the value as JSON. Without a template the target
 * receives the event itself.
 */
export const compileInputTemplate = (
  template: string | undefined,
  where = 'InputTemplate',
): InputTransform => {
  if (template === undefined) return (event) => JSON.stringify(event);
  type Part =
    | { readonly kind: 'text'; readonly text: string }
    | {
        readonly kind: 'value';
        readonly quoted: boolean;
        readonly source: string;
        readonly read: (event: unknown, context: PipeContext) => unknown;
      };
  const parts: Part[] = [];
  let quoted = false;
  let text = '';
  for (let i = 0; i < template.length; i += 1) {
    const char = template[i] as string;
    if (char === '\\' && quoted) {
      text += char + (template[i + 1] ?? '');
      i += 1;
      continue;
    }
    if (char === '"') quoted = !quoted;
    if (char === '<') {
      const end = template.indexOf('>', i);
      const source = end > i ? template.slice(i + 1, end) : '';
      if (source.startsWith('$') || source.startsWith('aws.')) {
        if (text) parts.push({ kind: 'text', text });
        text = '';
        let read: (event: unknown, context: PipeContext) => unknown;
        if (source.startsWith('aws.')) {
          const reserved = RESERVED[source];
          if (!reserved) {
            throw new TemplateError(
              `${where}: reserved variable <${source}> is not played locally (supported: ${Object.keys(RESERVED).join(', ')})`,
            );
          }
          read = (_event, context) => reserved(context);
        } else {
          const path = parsePath(source, where);
          read = (event) => {
            let node: unknown = event;
            for (const step of path) {
              if (typeof step === 'number' ? !Array.isArray(node) : !isRecord(node)) {
                throw new TransformError(`${source} is missing from the event`);
              }
              node = (node as Record<string | number, unknown>)[step];
              if (node === undefined)
                throw new TransformError(`${source} is missing from the event`);
            }
            return node;
          };
        }
        parts.push({ kind: 'value', quoted, source, read });
        i = end;
        continue;
      }
    }
    text += char;
  }
  if (text) parts.push({ kind: 'text', text });
  return (event, context) =>
    parts
      .map((part) => {
        if (part.kind === 'text') return part.text;
        const value = part.read(event, context);
        if (!part.quoted) return JSON.stringify(value);
        const raw = typeof value === 'string' ? value : JSON.stringify(value);
        return JSON.stringify(raw).slice(1, -1);
      })
      .join('');
};

// ---------------------------------------------------------------------------------------------
// Pipe definitions

/** A pipe from a DynamoDB stream to an SQS queue, resolved to local names. */
export interface PipeSpec {
  readonly stackName: string;
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** The local table whose stream is the source. */
  readonly tableName: string;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  readonly batchSize: number;
  /** Attempts to deliver a batch after the first, before it goes to the DLQ. */
  readonly maximumRetryAttempts: number;
  /** Raw `FilterCriteria.Filters[].Pattern` strings; an event passes when any matches. */
  readonly patterns: readonly string[];
  readonly inputTemplate?: string;
  readonly targetArn: string;
  readonly targetQueueUrl: string;
  readonly deadLetterQueueUrl?: string;
}

const SUPPORTED_PIPE_PROPERTIES = new Set([
  'Name',
  'Description',
  'RoleArn',
  'Source',
  'SourceParameters',
  'Target',
  'TargetParameters',
  'DesiredState',
  'LogConfiguration',
  'Tags',
  'KmsKeyIdentifier',
]);

/** Every pipe of the templates, with its source, target and DLQ resolved to local resources. */
export const extractPipes = (resolver: TemplateResolver): PipeSpec[] => {
  const specs: PipeSpec[] = [];
  const queueUrlOf = (arn: unknown, where: string): string => {
    const match = typeof arn === 'string' ? /^arn:aws:sqs:[^:]+:(\d+):(.+)$/.exec(arn) : null;
    if (!match) {
      throw new TemplateError(
        `${where}: ${JSON.stringify(arn)} is not an SQS queue; only SQS targets and DLQs are played locally`,
      );
    }
    return `${resolver.endpoint}/${match[1]}/${match[2]}`;
  };
  for (const { stackName, template } of resolver.stacks) {
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      if (resource.Type !== 'AWS::Pipes::Pipe') continue;
      const where = `${stackName}.${logicalId}`;
      const props = resource.Properties ?? {};
      for (const key of Object.keys(props)) {
        if (!SUPPORTED_PIPE_PROPERTIES.has(key)) {
          throw new TemplateError(`${where}: pipe property ${key} is not played locally`);
        }
      }
      const source = props.Source;
      const getAtt = isRecord(source) ? source['Fn::GetAtt'] : undefined;
      const tableId = Array.isArray(getAtt) && getAtt[1] === 'StreamArn' ? getAtt[0] : undefined;
      const table = typeof tableId === 'string' ? template.Resources?.[tableId] : undefined;
      if (typeof tableId !== 'string' || table?.Type !== 'AWS::DynamoDB::Table') {
        throw new TemplateError(
          `${where}: Source must be Fn::GetAtt [<table>, StreamArn] of this stack; other sources are not played locally`,
        );
      }
      const sourceParameters = isRecord(props.SourceParameters) ? props.SourceParameters : {};
      for (const key of Object.keys(sourceParameters)) {
        if (key !== 'DynamoDBStreamParameters' && key !== 'FilterCriteria') {
          throw new TemplateError(`${where}: SourceParameters.${key} is not played locally`);
        }
      }
      const stream = resolver.resolve(stackName, sourceParameters.DynamoDBStreamParameters ?? {});
      if (!isRecord(stream))
        throw new TemplateError(`${where}: malformed DynamoDBStreamParameters`);
      const filters = isRecord(sourceParameters.FilterCriteria)
        ? sourceParameters.FilterCriteria.Filters
        : undefined;
      const patterns = (Array.isArray(filters) ? filters : []).map((filter: unknown, index) => {
        const pattern = isRecord(filter) ? filter.Pattern : undefined;
        if (typeof pattern !== 'string') {
          throw new TemplateError(
            `${where}: FilterCriteria.Filters[${index}].Pattern must be a string`,
          );
        }
        return pattern;
      });
      const targetParameters = isRecord(props.TargetParameters) ? props.TargetParameters : {};
      for (const key of Object.keys(targetParameters)) {
        if (key !== 'InputTemplate') {
          throw new TemplateError(`${where}: TargetParameters.${key} is not played locally`);
        }
      }
      const inputTemplate = resolver.resolve(stackName, targetParameters.InputTemplate);
      const targetArn = resolver.resolve(stackName, props.Target);
      const deadLetter = isRecord(stream.DeadLetterConfig)
        ? stream.DeadLetterConfig.Arn
        : undefined;
      const name =
        typeof props.Name === 'string' ? props.Name : `${stackName}-${logicalId}`.slice(0, 64);
      specs.push({
        stackName,
        logicalId,
        name,
        arn: `arn:aws:pipes:${resolver.region}:${resolver.accountId}:pipe/${name}`,
        tableName: resolver.physicalName(stackName, tableId),
        startingPosition: stream.StartingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON',
        batchSize: Number(stream.BatchSize ?? 100),
        maximumRetryAttempts: Math.max(0, Number(stream.MaximumRetryAttempts ?? 3)),
        patterns,
        ...(typeof inputTemplate === 'string' && { inputTemplate }),
        targetArn: String(targetArn),
        targetQueueUrl: queueUrlOf(targetArn, `${where} Target`),
        ...(deadLetter !== undefined && {
          deadLetterQueueUrl: queueUrlOf(deadLetter, `${where} DeadLetterConfig`),
        }),
      });
    }
  }
  return specs;
};

// ---------------------------------------------------------------------------------------------
// The runner

/** A stream record as a pipe sees it: the Lambda/Pipes JSON shape of a DynamoDB stream record. */
export const toPipeEvent = (record: StreamRecord, sourceArn: string): Record<string, unknown> => {
  const plain = (value: unknown): unknown => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
    if (value instanceof Date) return Math.floor(value.getTime() / 1000);
    if (Array.isArray(value)) return value.map(plain);
    if (isRecord(value)) {
      return Object.fromEntries(
        Object.entries(value)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, plain(v)]),
      );
    }
    return value;
  };
  return { ...(plain(record) as Record<string, unknown>), eventSourceARN: sourceArn };
};

export interface RunningPipes {
  readonly pipes: readonly PipeSpec[];
  /** Messages sent to targets so far, and records that went to a DLQ. */
  readonly stats: () => { readonly delivered: number; readonly deadLettered: number };
  stop(): Promise<void>;
}

export interface StartPipesOptions {
  readonly region?: string;
  /** Where errors and dead-lettered records are reported. @default console.error */
  readonly log?: (line: string) => void;
  /** Pause between polls of a shard with no new records. @default 200 */
  readonly pollIntervalMs?: number;
}

/**
 * Starts every pipe of `stacks` against the emulator at `endpoint`. Each shard is read in order,
 * each record at most once: a batch whose messages cannot be sent after the pipe's retries goes
 * to its DLQ (as the deployed pipe does) and the pipe moves on.
 */
export const startPipes = async (
  endpoint: string,
  stacks: readonly StackTemplate[],
  options: StartPipesOptions = {},
): Promise<RunningPipes> => {
  const resolver = new TemplateResolver(stacks, {
    endpoint,
    ...(options.region && { region: options.region }),
  });
  const specs = extractPipes(resolver);
  const log = options.log ?? ((line: string) => console.error(line));
  const interval = options.pollIntervalMs ?? 200;
  const config = emulatorClientConfig(endpoint, resolver.region);
  const dynamodb = new DynamoDBClient(config);
  const streams = new DynamoDBStreamsClient(config);
  const sqs = new SQSClient(config);
  let stopped = false;
  let delivered = 0;
  let deadLettered = 0;
  const wake = new Set<() => void>();
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wake.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      wake.add(done);
    });

  const compiled = specs.map((spec) => {
    const where = `${spec.stackName}.${spec.logicalId}`;
    const filters = spec.patterns.map((pattern, index) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(pattern);
      } catch {
        throw new TemplateError(`${where}: FilterCriteria.Filters[${index}] is not JSON`);
      }
      return compileEventPattern(parsed, `${where} filter ${index}`);
    });
    return { spec, filters, transform: compileInputTemplate(spec.inputTemplate, where) };
  });

  const run = async ({ spec, filters, transform }: (typeof compiled)[number]): Promise<void> => {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: spec.tableName }));
    const streamArn = Table?.LatestStreamArn;
    if (!streamArn) {
      throw new Error(`Pipe ${spec.name}: table ${spec.tableName} has no stream in the emulator`);
    }
    const context = (): PipeContext => ({
      pipeName: spec.name,
      pipeArn: spec.arn,
      sourceArn: streamArn,
      targetArn: spec.targetArn,
      ingestionTime: new Date().toISOString(),
    });
    const send = async (queueUrl: string, body: string): Promise<void> => {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }), {
        abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
    };
    const deliver = async (records: readonly Record<string, unknown>[]): Promise<void> => {
      const bodies: string[] = [];
      for (const event of records) {
        if (filters.length > 0 && !filters.some((filter) => filter(event))) continue;
        try {
          bodies.push(transform(event, context()));
        } catch (error) {
          if (!(error instanceof TransformError)) throw error;
          log(`pipe ${spec.name}: record ${String(event.eventID)} dropped: ${error.message}`);
          await deadLetter([event], error.message);
        }
      }
      for (const body of bodies) {
        for (let attempt = 0; ; attempt += 1) {
          try {
            await send(spec.targetQueueUrl, body);
            delivered += 1;
            break;
          } catch (error) {
            if (attempt >= spec.maximumRetryAttempts) {
              log(`pipe ${spec.name}: could not send to the target: ${String(error)}`);
              await deadLetter(records, String(error));
              return;
            }
            await pause(Math.min(1000, 50 * 2 ** attempt));
          }
        }
      }
    };
    const deadLetter = async (
      records: readonly Record<string, unknown>[],
      reason: string,
    ): Promise<void> => {
      deadLettered += records.length;
      if (!spec.deadLetterQueueUrl) return;
      // Like the deployed pipe's DLQ: where the failed records are, not the records themselves.
      const sequenceNumbers = records.map(
        (record) => (record.dynamodb as Record<string, unknown> | undefined)?.SequenceNumber,
      );
      await send(
        spec.deadLetterQueueUrl,
        JSON.stringify({
          context: { pipeArn: spec.arn, sourceArn: streamArn, reason },
          batchSize: records.length,
          sequenceNumbers,
        }),
      );
    };

    const iterators = new Map<string, string | undefined>();
    /** The last record each shard delivered: after a failure, reading resumes after it. */
    const lastSequence = new Map<string, string>();
    let firstScan = true;
    let polls = 0;
    while (!stopped) {
      try {
        // New shards are rare (a split every few hours on AWS): look for them every few seconds.
        const rescan = polls % 25 === 0 || iterators.size === 0;
        polls += 1;
        const { StreamDescription } = rescan
          ? await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }), {
              abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS),
            })
          : { StreamDescription: undefined };
        for (const shard of StreamDescription?.Shards ?? []) {
          const shardId = shard.ShardId;
          if (!shardId || iterators.has(shardId)) continue;
          const after = lastSequence.get(shardId);
          const { ShardIterator } = await streams.send(
            new GetShardIteratorCommand({
              StreamArn: streamArn,
              ShardId: shardId,
              // Resume after the last delivered record; shards that appear later are read from
              // their start.
              ...(after
                ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
                : { ShardIteratorType: firstScan ? spec.startingPosition : 'TRIM_HORIZON' }),
            }),
          );
          iterators.set(shardId, ShardIterator);
        }
        firstScan = false;
        let busy = false;
        for (const [shardId, iterator] of iterators) {
          if (stopped || iterator === undefined) continue;
          // As the service does: read up to 1,000 records a call, hand them on in BatchSize batches.
          const { Records = [], NextShardIterator } = await streams.send(
            new GetRecordsCommand({ ShardIterator: iterator, Limit: GET_RECORDS_LIMIT }),
            { abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS) },
          );
          for (let start = 0; start < Records.length; start += spec.batchSize) {
            busy = true;
            const batch = Records.slice(start, start + spec.batchSize);
            await deliver(batch.map((record) => toPipeEvent(record, streamArn)));
            const sequence = batch.at(-1)?.dynamodb?.SequenceNumber;
            if (sequence) lastSequence.set(shardId, sequence);
          }
          iterators.set(shardId, NextShardIterator);
        }
        if (!busy && !stopped) await pause(interval);
      } catch (error) {
        // As a deployed pipe does, keep polling after a failed read or send (an expired
        // iterator, the emulator busy): re-acquire the iterators and resume after what was sent.
        if (stopped) break;
        log(
          `pipe ${spec.name}: ${error instanceof Error ? error.message : String(error)}; retrying`,
        );
        iterators.clear();
        await pause(Math.max(interval, 1000));
      }
    }
  };

  const loops = compiled.map((pipe) =>
    run(pipe).catch((error: unknown) => {
      if (!stopped)
        log(
          `pipe ${pipe.spec.name} stopped: ${error instanceof Error ? error.message : String(error)}`,
        );
    }),
  );

  return {
    pipes: specs,
    stats: () => ({ delivered, deadLettered }),
    stop: async () => {
      stopped = true;
      for (const done of [...wake]) done();
      await Promise.all(loops);
      for (const client of [dynamodb, streams, sqs]) client.destroy();
    },
  };
};
