import AWSXRay from 'aws-xray-sdk-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OrderEvent } from '#commons/events';
import { createTraceScope, WORKER_ANNOTATIONS } from '../../../../containers/worker/src/tracing.ts';

const event: OrderEvent = {
  schemaVersion: 1,
  type: 'OrderCreated',
  eventId: 'evt-1',
  orderId: `ord_${'e'.repeat(32)}`,
  occurredAt: '2026-01-01T00:00:00.000Z',
  correlationId: 'checkout-1',
  traceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
};

afterEach(() => vi.restoreAllMocks());

/** Records the annotations and keeps segments from being sent anywhere. */
const spySegments = () => {
  vi.spyOn(AWSXRay.Segment.prototype, 'close').mockImplementation(() => undefined);
  const annotate = vi.spyOn(AWSXRay.Segment.prototype, 'addAnnotation');
  const metadata = vi.spyOn(AWSXRay.Segment.prototype, 'addMetadata');
  return {
    annotations: () => Object.fromEntries(annotate.mock.calls.map(([key, value]) => [key, value])),
    metadata,
  };
};

describe('the worker trace segment of a message', () => {
  const scope = createTraceScope(true);
  if (scope === undefined) throw new Error('tracing on gives a scope');

  it('annotates order id, task and outcome, and adds no metadata', async () => {
    const { annotations, metadata } = spySegments();

    await scope(event, async () => ({ kind: 'done', result: 'fulfilled' }));

    expect(annotations()).toEqual({
      [WORKER_ANNOTATIONS.orderId]: event.orderId,
      [WORKER_ANNOTATIONS.task]: 'fulfil',
      [WORKER_ANNOTATIONS.outcome]: 'done',
    });
    expect(metadata).not.toHaveBeenCalled();
  });

  it('annotates a cancel as release, and a retry', async () => {
    const { annotations } = spySegments();

    await scope({ ...event, type: 'OrderCancelled' }, async () => ({
      kind: 'retry',
      reason: 'warehouse down',
    }));

    expect(annotations()).toMatchObject({ task: 'release', outcome: 'retry' });
  });

  it('annotates error when the handling throws', async () => {
    const { annotations } = spySegments();

    await expect(
      scope(event, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');

    expect(annotations()).toMatchObject({ outcome: 'error' });
  });
});
