import { BatchGetTracesCommand, XRayClient } from '@aws-sdk/client-xray';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { requireEnv } from '#commons/env';
import { ENV } from '#commons/env-names';
import { OrdersRepository } from '#commons/orders-repository';
import { createLambdaContext } from '#local/lambda-context';
import { type RunningPipes, startPipes } from '#local/pipes';
import { startWarehouseStub, type WarehouseStub } from '#local/warehouse-stub';
import { findWorkerTask, type LocalWorker, startLocalWorker } from '#local/worker';
import { startXRayDaemon, traceHeaderFor, withTraceHeader, type XRayDaemon } from '#local/xray';
import { apiEvent, bodyOf } from '#tests/fixtures/api-event';
import { useTestSku } from '#tests/fixtures/catalog';
import { asConsumer } from '#tests/fixtures/consumers';
import { WORKER_ENV } from '../../../containers/worker/src/env.ts';
import { handler as createOrder } from '../../../functions/orders/create-order.ts';
import { orderRequest } from '../../e2e/http.ts';
import { deleteWrittenOrders, documentClient, waitFor } from '../containers/worker/harness.ts';

/**
 * One trace from the API to the worker, as `npm start` runs them: the create handler runs with
 * the `_X_AMZN_TRACE_ID` the local runtime sets per invocation, the order's write carries it, the
 * played outbox pipe puts it in the fulfilment message, and the worker (the task definition's,
 * tracing on) opens its X-Ray segment under that trace. Its segments go over UDP to the local
 * stand-in for the ADOT collector, which forwards them to the emulator's X-Ray; the test reads
 * them back with BatchGetTraces.
 */
const endpoint = process.env.AWS_ENDPOINT_URL ?? '';
const region = process.env.AWS_REGION ?? 'us-east-1';
const repository = new OrdersRepository(documentClient, requireEnv(ENV.ordersTable));
const xray = new XRayClient({ maxAttempts: 1 });
const { sku } = useTestSku(700);

interface SegmentDocument {
  readonly name: string;
  readonly id: string;
  readonly trace_id: string;
  readonly parent_id?: string;
  readonly annotations?: Record<string, unknown>;
}

// Only where the local tooling provisioned the emulator from these templates (moto's names).
const task = endpoint === '' ? undefined : findWorkerTask(inject('stacks'), endpoint, region);
const provisionedLocally =
  inject('testTarget') === 'emulator' &&
  task?.environment[WORKER_ENV.queueUrl] === process.env[ENV.fulfilmentQueueUrl];

let daemon: XRayDaemon | undefined;
let warehouse: WarehouseStub | undefined;
let pipes: RunningPipes | undefined;
let worker: LocalWorker | undefined;

beforeAll(async () => {
  if (!provisionedLocally) return;
  daemon = await startXRayDaemon({ endpoint, region });
  warehouse = await startWarehouseStub();
  pipes = await startPipes(endpoint, inject('stacks'), { region });
  worker = await startLocalWorker({
    stacks: inject('stacks'),
    endpoint,
    region,
    warehouseUrl: warehouse.url,
    xrayDaemonAddress: daemon.address,
    log: () => undefined,
  });
  // Pricing is not under test here: answer every quote with no discount.
  vi.stubGlobal(
    'fetch',
    vi.fn(async (_url: unknown, init?: RequestInit) => {
      const { items } = JSON.parse(String(init?.body)) as {
        items: { quantity: number; unitPriceCents: number }[];
      };
      const subtotalCents = items.reduce((sum, i) => sum + i.quantity * i.unitPriceCents, 0);
      return Response.json({ subtotalCents, discountCents: 0, totalCents: subtotalCents });
    }),
  );
});

afterAll(async () => {
  vi.unstubAllGlobals();
  await worker?.stop();
  await pipes?.stop();
  await warehouse?.stop();
  await daemon?.stop();
  await deleteWrittenOrders();
});

describe.runIf(provisionedLocally)('trace continuity, API to worker', () => {
  // Its own waits (fulfilment, then the segment) may take up to 45 s on a busy machine.
  it("puts the worker's segment for an order under the trace its API request started", {
    timeout: 60_000,
  }, async () => {
    // Prepare: the header Lambda would give this invocation.
    const header = traceHeaderFor(undefined);
    const [, root, parent] = /^Root=([^;]+);Parent=([^;]+);/.exec(header) ?? [];

    // Act
    const result = await withTraceHeader(header, () =>
      createOrder(
        apiEvent({
          method: 'POST',
          path: '/orders',
          body: orderRequest('trace-1', [{ sku, quantity: 1 }]),
          ...asConsumer('storefront'),
        }),
        createLambdaContext('createOrder'),
      ),
    );

    // Assess
    expect(result.statusCode, result.body).toBe(201);
    const { orderId } = bodyOf<{ orderId: string }>(result);
    await waitFor(
      'the order to be FULFILLED',
      async () => ((await repository.get(orderId))?.status === 'FULFILLED' ? true : undefined),
      30_000,
    );
    const segments = await waitFor(
      `the worker's segment in trace ${root}`,
      async () => {
        const { Traces = [] } = await xray.send(
          new BatchGetTracesCommand({ TraceIds: [root ?? ''] }),
        );
        const documents = Traces.flatMap((trace) => trace.Segments ?? []).map(
          (segment) => JSON.parse(segment.Document ?? '{}') as SegmentDocument,
        );
        return documents.some((document) => document.annotations?.orderId === orderId)
          ? documents
          : undefined;
      },
      15_000,
    );
    const fulfilment = segments.find((document) => document.annotations?.orderId === orderId);
    expect(fulfilment).toMatchObject({ trace_id: root, parent_id: parent });
    expect(fulfilment?.name).toMatch(/fulfilment/);
    expect(daemon?.received()).toBeGreaterThan(0);
  });
});
