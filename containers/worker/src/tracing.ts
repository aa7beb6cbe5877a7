import AWSXRay from 'aws-xray-sdk-core';
import type { OrderEvent } from '#commons/events';
import { serviceName } from '#powertools';
import type { MessageScope } from './consumer.ts';

/** Annotations on each message's segment, searchable in X-Ray (`annotation.task = "fulfil"`). */
export const WORKER_ANNOTATIONS = {
  orderId: 'orderId',
  /** What the message asks of the worker: `fulfil` (OrderCreated) or `release` (OrderCancelled). */
  task: 'task',
  /** `done`, `retry`, `reject` (see `fulfil.ts`), or `error` when the handling threw. */
  outcome: 'outcome',
} as const;

const TASKS: Record<OrderEvent['type'], string> = {
  OrderCreated: 'fulfil',
  OrderCancelled: 'release',
};

/** The `kind` of a fulfilment outcome; `unknown` for anything else the work returns. */
const outcomeOf = (result: unknown): string => {
  const kind = (result as { kind?: unknown } | null)?.kind;
  return typeof kind === 'string' ? kind : 'unknown';
};

/**
 * X-Ray outside Lambda. The Powertools Tracer only traces inside Lambda (it relies on the
 * function's facade segment), so the worker opens one segment per message itself, continuing
 * the trace of the request that made the change (`traceHeader` of the message), and sends it to
 * the ADOT collector sidecar (`AWS_XRAY_DAEMON_ADDRESS`, UDP 2000 by default). SDK clients
 * passed through {@link traceClient} record their calls as subsegments.
 */
export const createTraceScope = (enabled: boolean): MessageScope | undefined => {
  if (!enabled) return undefined;
  AWSXRay.setContextMissingStrategy('IGNORE_ERROR');
  return (event: OrderEvent | undefined, work) => {
    const header = event?.traceHeader ? parseTraceHeader(event.traceHeader) : {};
    const segment = new AWSXRay.Segment(`${serviceName}-fulfilment`, header.root, header.parent);
    // Annotations only: the order id is a random id; contact data never reaches the segment.
    if (event) {
      segment.addAnnotation(WORKER_ANNOTATIONS.orderId, event.orderId);
      segment.addAnnotation(WORKER_ANNOTATIONS.task, TASKS[event.type]);
    }
    return AWSXRay.getNamespace().runPromise(async () => {
      AWSXRay.setSegment(segment);
      try {
        const result = await work();
        segment.addAnnotation(WORKER_ANNOTATIONS.outcome, outcomeOf(result));
        return result;
      } catch (error) {
        segment.addAnnotation(WORKER_ANNOTATIONS.outcome, 'error');
        segment.addError(error as Error);
        throw error;
      } finally {
        segment.close();
      }
    });
  };
};

/** Records the client's calls as subsegments when tracing is on. */
export const traceClient = <T extends object>(client: T, enabled: boolean): T =>
  enabled ? (AWSXRay.captureAWSv3Client(client as never) as T) : client;

/** `Root=1-…;Parent=…;Sampled=1` → its parts. */
export const parseTraceHeader = (header: string): { root?: string; parent?: string } => {
  const parts = Object.fromEntries(
    header.split(';').map((part) => {
      const [key = '', value = ''] = part.trim().split('=');
      return [key, value];
    }),
  );
  return {
    ...(parts.Root && { root: parts.Root }),
    ...(parts.Parent && { parent: parts.Parent }),
  };
};
