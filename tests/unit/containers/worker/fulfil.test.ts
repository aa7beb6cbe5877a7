import { describe, expect, it, vi } from 'vitest';
import type { OrderEvent } from '#commons/events';
import type { OrderRecord } from '#commons/orders-repository';
import type { OrderStatus } from '#commons/schemas';
import { createFulfilment } from '../../../../containers/worker/src/fulfil.ts';
import type { FulfilmentOrders } from '../../../../containers/worker/src/orders.ts';
import type { Warehouse, WarehouseResult } from '../../../../containers/worker/src/warehouse.ts';

const orderId = `ord_${'a'.repeat(32)}`;

const event = (type: OrderEvent['type'] = 'OrderCreated'): OrderEvent => ({
  schemaVersion: 1,
  type,
  eventId: 'evt-1',
  orderId,
  occurredAt: '2026-11-27T10:00:00.000Z',
});

/** An in-memory orders table with the same conditional transitions; `onTransition` can race. */
const fakeOrders = (status: OrderStatus | undefined, onTransition?: (to: OrderStatus) => void) => {
  let current: OrderRecord | undefined =
    status === undefined
      ? undefined
      : ({
          orderId,
          status,
          items: [{ sku: 'SKU-1', quantity: 1, unitPriceCents: 1 }],
        } as OrderRecord);
  const orders = {
    get: vi.fn(async () => current),
    transition: vi.fn(
      async (_id: string, from: OrderStatus, to: OrderStatus, _at: string, reason?: string) => {
        onTransition?.(to);
        if (current?.status !== from) return { ok: false as const, current };
        current = { ...current, status: to, ...(reason && { failureReason: reason }) };
        return { ok: true as const };
      },
    ),
    cancelNow: () => {
      if (current) current = { ...current, status: 'CANCELLED' };
    },
    current: () => current,
  };
  return orders;
};

const fakeWarehouse = (reserve: WarehouseResult, release: WarehouseResult = { outcome: 'ok' }) => ({
  reserve: vi.fn(async () => reserve),
  release: vi.fn(async () => release),
});

const fulfilment = (orders: ReturnType<typeof fakeOrders>, warehouse: Warehouse) =>
  createFulfilment({
    orders: orders as unknown as FulfilmentOrders,
    warehouse,
    now: () => '2026-11-27T10:00:01.000Z',
  });

describe('fulfilment of one event', () => {
  it('moves a PENDING order through PROCESSING to FULFILLED after reserving it', async () => {
    const orders = fakeOrders('PENDING');
    const warehouse = fakeWarehouse({ outcome: 'ok' });

    const outcome = await fulfilment(orders, warehouse)(event());

    expect(outcome).toEqual({ kind: 'done', result: 'fulfilled' });
    expect(orders.transition.mock.calls.map((call) => [call[1], call[2]])).toEqual([
      ['PENDING', 'PROCESSING'],
      ['PROCESSING', 'FULFILLED'],
    ]);
    expect(warehouse.reserve).toHaveBeenCalledTimes(1);
  });

  it('marks the order FAILED with the reason when the warehouse refuses it', async () => {
    const orders = fakeOrders('PENDING');
    const outcome = await fulfilment(
      orders,
      fakeWarehouse({ outcome: 'rejected', reason: 'warehouse refused the order (status 409)' }),
    )(event());

    expect(outcome).toEqual({ kind: 'done', result: 'failed' });
    expect(orders.current()).toMatchObject({
      status: 'FAILED',
      failureReason: 'warehouse refused the order (status 409)',
    });
  });

  it('leaves the message for a retry when the warehouse is unavailable', async () => {
    const orders = fakeOrders('PENDING');
    const outcome = await fulfilment(
      orders,
      fakeWarehouse({ outcome: 'unavailable', reason: 'warehouse unavailable (timeout)' }),
    )(event());

    expect(outcome).toEqual({ kind: 'retry', reason: 'warehouse unavailable (timeout)' });
    expect(orders.current()?.status).toBe('PROCESSING');
  });

  it('resumes an order left PROCESSING by a worker that stopped', async () => {
    const orders = fakeOrders('PROCESSING');
    const outcome = await fulfilment(orders, fakeWarehouse({ outcome: 'ok' }))(event());
    expect(outcome).toEqual({ kind: 'done', result: 'fulfilled' });
  });

  it.each(['FULFILLED', 'FAILED'] as const)(
    'does nothing for an order already %s',
    async (status) => {
      const orders = fakeOrders(status);
      const warehouse = fakeWarehouse({ outcome: 'ok' });

      const outcome = await fulfilment(orders, warehouse)(event());

      expect(outcome).toEqual({ kind: 'done', result: `already ${status.toLowerCase()}` });
      expect(warehouse.reserve).not.toHaveBeenCalled();
      expect(orders.transition).not.toHaveBeenCalled();
    },
  );

  it('never fulfils an order cancelled during its reservation, and releases the reservation', async () => {
    const orders = fakeOrders('PENDING');
    const warehouse = fakeWarehouse({ outcome: 'ok' });
    warehouse.reserve.mockImplementation(async () => {
      orders.cancelNow();
      return { outcome: 'ok' };
    });

    const outcome = await fulfilment(orders, warehouse)(event());

    expect(outcome).toEqual({ kind: 'done', result: 'cancelled' });
    expect(orders.current()?.status).toBe('CANCELLED');
    expect(warehouse.release).toHaveBeenCalledWith(orderId);
  });

  it('retries a release the warehouse could not take', async () => {
    const orders = fakeOrders('CANCELLED');
    const outcome = await fulfilment(
      orders,
      fakeWarehouse(
        { outcome: 'ok' },
        { outcome: 'unavailable', reason: 'warehouse unavailable (status 503)' },
      ),
    )(event('OrderCancelled'));
    expect(outcome).toEqual({ kind: 'retry', reason: 'warehouse unavailable (status 503)' });
  });

  it('rejects an event for an order that does not exist', async () => {
    const outcome = await fulfilment(
      fakeOrders(undefined),
      fakeWarehouse({ outcome: 'ok' }),
    )(event());
    expect(outcome).toEqual({ kind: 'reject', reason: 'order not found' });
  });

  it('rejects OrderCancelled for an order that is not cancelled', async () => {
    const outcome = await fulfilment(
      fakeOrders('PENDING'),
      fakeWarehouse({ outcome: 'ok' }),
    )(event('OrderCancelled'));
    expect(outcome).toEqual({
      kind: 'reject',
      reason: 'OrderCancelled for an order that is PENDING',
    });
  });
});
