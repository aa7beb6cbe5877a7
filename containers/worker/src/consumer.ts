import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type OrderEvent, parseOrderEvent } from '#commons/events';
import { fingerprintFields } from '#commons/fingerprint';
import { emitMetric } from '#commons/metrics';
import { logger, metrics } from '#powertools';
import type { WorkerConfig } from './config.ts';
import type { Fulfil, Outcome } from './fulfil.ts';

/** Runs the handling of one message (for example inside a trace segment). */
export type MessageScope = <T>(event: OrderEvent | undefined, work: () => Promise<T>) => Promise<T>;

export interface ConsumerOptions {
  readonly sqs: SQSClient;
  readonly config: Pick<
    WorkerConfig,
    | 'queueUrl'
    | 'dlqUrl'
    | 'pollers'
    | 'batchSize'
    | 'waitSeconds'
    | 'visibilitySeconds'
    | 'retryDelaySeconds'
  >;
  readonly fulfil: Fulfil;
  /** @default runs the work as it is */
  readonly scope?: MessageScope;
}

/** Counters since start, for `/readyz`, the drain summary and tests. */
export interface ConsumerStats {
  received: number;
  done: number;
  retried: number;
  rejected: number;
  /** Released (visibility 0) on shutdown because they could not finish in time. */
  released: number;
  /** Receive or delete calls that failed. */
  errors: number;
}

interface InFlight {
  readonly message: Message;
  /** Set once the message is released on shutdown: it must then never be deleted by us. */
  released: boolean;
  heartbeat: NodeJS.Timeout | undefined;
}

const errorName = (error: unknown): string =>
  error instanceof Error ? error.name || 'Error' : 'Error';

/**
 * Consumes the fulfilment queue: `pollers` loops, each long-polling a batch, handling its
 * messages concurrently, renewing their visibility while they run, then deleting in one call
 * exactly the ones that are done. A message that failed for a transient reason is left on the
 * queue (shown again after `retryDelaySeconds`) and reaches the DLQ through the queue's redrive
 * policy after maxReceiveCount receives. A message that can never be handled (bad JSON, unknown
 * schema version, missing order) is copied to the DLQ with its reason and deleted at once: SQS
 * has no call that redrives one message.
 */
export class FulfilmentConsumer {
  readonly stats: ConsumerStats = {
    received: 0,
    done: 0,
    retried: 0,
    rejected: 0,
    released: 0,
    errors: 0,
  };
  readonly #options: ConsumerOptions;
  readonly #inFlight = new Set<InFlight>();
  readonly #abort = new AbortController();
  #pollers: Promise<void>[] = [];
  #stopping = false;

  constructor(options: ConsumerOptions) {
    this.#options = options;
  }

  /** Whether the consumer is receiving (started and not stopping). */
  get receiving(): boolean {
    return this.#pollers.length > 0 && !this.#stopping;
  }

  /** Messages being handled right now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  start(): void {
    if (this.#pollers.length > 0) throw new Error('The consumer is already started');
    for (let index = 0; index < this.#options.config.pollers; index++) {
      this.#pollers.push(this.#poll());
    }
  }

  /**
   * Stops receiving at once, lets in-flight messages finish for up to `timeoutMs`, then releases
   * (visibility 0) the ones still running so another worker picks them up straight away. Their
   * handling may still complete here; it is idempotent, so the other worker finds them done.
   */
  async stop(timeoutMs: number): Promise<{ finished: number; released: number }> {
    this.#stopping = true;
    this.#abort.abort();
    const before = this.stats.done + this.stats.retried + this.stats.rejected;
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      Promise.all(this.#pollers).then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    let released = 0;
    if (!drained) {
      const pending = [...this.#inFlight].filter((entry) => !entry.released);
      await Promise.all(
        pending.map(async (entry) => {
          entry.released = true;
          clearInterval(entry.heartbeat);
          if (await this.#setVisibility(entry.message, 0)) released++;
        }),
      );
      this.stats.released += released;
    }
    const finished = this.stats.done + this.stats.retried + this.stats.rejected - before;
    return { finished, released };
  }

  async #poll(): Promise<void> {
    const { sqs, config } = this.#options;
    while (!this.#stopping) {
      let messages: Message[];
      try {
        ({ Messages: messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: config.queueUrl,
            MaxNumberOfMessages: config.batchSize,
            WaitTimeSeconds: config.waitSeconds,
            VisibilityTimeout: config.visibilitySeconds,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
          { abortSignal: this.#abort.signal },
        ));
      } catch (error) {
        if (this.#stopping) return;
        this.stats.errors++;
        logger.error('ReceiveMessage failed; retrying in 1 s', { error });
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      if (messages.length === 0) continue;
      this.stats.received += messages.length;
      const entries = messages.map((message) => this.#track(message));
      const outcomes = await Promise.all(entries.map((entry) => this.#handle(entry)));
      const toDelete = entries.filter(
        (entry, index) => !entry.released && outcomes[index]?.kind !== 'retry',
      );
      await this.#delete(toDelete);
      for (const entry of entries) {
        clearInterval(entry.heartbeat);
        this.#inFlight.delete(entry);
      }
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  }

  #track(message: Message): InFlight {
    const entry: InFlight = { message, released: false, heartbeat: undefined };
    const { visibilitySeconds } = this.#options.config;
    // Renew at half the timeout, so a slow job never becomes visible to another worker.
    entry.heartbeat = setInterval(
      () => {
        if (!entry.released) void this.#setVisibility(message, visibilitySeconds);
      },
      (visibilitySeconds * 1000) / 2,
    );
    this.#inFlight.add(entry);
    return entry;
  }

  async #handle(entry: InFlight): Promise<Outcome> {
    const { message } = entry;
    const parsed = parseOrderEvent(message.Body ?? '');
    const event = parsed.ok ? parsed.event : undefined;
    // A child per message: messages of a batch are handled concurrently, so keys on the shared
    // logger would leak from one message's lines into another's.
    const log = logger.createChild();
    log.appendKeys({
      messageId: message.MessageId,
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
      ...(event && {
        eventId: event.eventId,
        eventType: event.type,
        orderId: event.orderId,
        ...(event.traceHeader && { xray_trace_id: traceIdOf(event.traceHeader) }),
      }),
    });
    if (event?.correlationId) log.setCorrelationId(event.correlationId);
    const started = performance.now();
    let outcome: Outcome;
    try {
      outcome = parsed.ok
        ? await (this.#options.scope ?? runAsIs)(event, () => this.#options.fulfil(parsed.event))
        : { kind: 'reject', reason: parsed.reason };
    } catch (error) {
      log.error('Unexpected error handling the message; it will be retried', {
        error,
        ...fingerprintFields(error),
      });
      outcome = { kind: 'retry', reason: `unexpected error (${errorName(error)})` };
    }
    const durationMs = Math.round(performance.now() - started);
    emitMetric('ProcessingLatency', performance.now() - started);
    try {
      if (outcome.kind === 'reject' && !entry.released) {
        // Still counted as a retry if the DLQ copy fails: the message stays and is tried again.
        if (await this.#toDlq(message, outcome.reason)) {
          this.stats.rejected++;
          emitMetric('Failed');
          log.error('Message moved to the DLQ', {
            reason: outcome.reason,
            durationMs,
            ...fingerprintFields(new PoisonMessageError(outcome.reason)),
          });
          return outcome;
        }
        outcome = { kind: 'retry', reason: `DLQ unavailable (${outcome.reason})` };
      }
      if (outcome.kind === 'retry') {
        this.stats.retried++;
        emitMetric('Retried');
        log.warn('Message left for a retry', { reason: outcome.reason, durationMs });
        if (!entry.released)
          await this.#setVisibility(message, this.#options.config.retryDelaySeconds);
        return outcome;
      }
      if (outcome.kind === 'done') {
        this.stats.done++;
        emitMetric('Processed');
        if (outcome.result === 'failed') emitMetric('Failed');
        if (outcome.fulfilmentMs !== undefined) emitMetric('FulfilmentTime', outcome.fulfilmentMs);
        log.info('Message handled', { result: outcome.result, durationMs });
      }
      return outcome;
    } finally {
      log.resetKeys();
    }
  }

  async #toDlq(message: Message, reason: string): Promise<boolean> {
    try {
      await this.#options.sqs.send(
        new SendMessageCommand({
          QueueUrl: this.#options.config.dlqUrl,
          MessageBody: message.Body ?? '',
          MessageAttributes: {
            reason: { DataType: 'String', StringValue: reason.slice(0, 256) },
            sourceMessageId: { DataType: 'String', StringValue: message.MessageId ?? 'unknown' },
          },
        }),
      );
      return true;
    } catch (error) {
      this.stats.errors++;
      logger.error('Copying a message to the DLQ failed', { error, messageId: message.MessageId });
      return false;
    }
  }

  async #setVisibility(message: Message, seconds: number): Promise<boolean> {
    try {
      await this.#options.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.#options.config.queueUrl,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
      return true;
    } catch (error) {
      // The message comes back anyway once its current timeout ends.
      logger.warn('ChangeMessageVisibility failed', { error, messageId: message.MessageId });
      return false;
    }
  }

  async #delete(entries: readonly InFlight[]): Promise<void> {
    if (entries.length === 0) return;
    try {
      const { Failed = [] } = await this.#options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.#options.config.queueUrl,
          Entries: entries.map((entry, index) => ({
            Id: String(index),
            ReceiptHandle: entry.message.ReceiptHandle,
          })),
        }),
      );
      if (Failed.length > 0) {
        this.stats.errors += Failed.length;
        // Those come back and are found already handled.
        logger.warn('Some deletes failed', { failed: Failed.map((entry) => entry.Code) });
      }
    } catch (error) {
      this.stats.errors++;
      logger.warn('DeleteMessageBatch failed; the messages come back and are found handled', {
        error,
      });
    }
  }
}

/**
 * A message that can never be handled. Not thrown: built so that a poison message's log line
 * carries a fingerprint like any other failure, grouped by its (normalised) reason.
 */
class PoisonMessageError extends Error {
  override name = 'PoisonMessage';
}

const runAsIs: MessageScope = (_event, work) => work();

/** `Root=1-…;Parent=…;Sampled=1` → `1-…`. */
export const traceIdOf = (traceHeader: string): string | undefined =>
  /(?:^|;)\s*Root=([^;]+)/.exec(traceHeader)?.[1];
