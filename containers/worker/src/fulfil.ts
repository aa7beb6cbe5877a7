import type { OrderEvent } from '#commons/events';
import type { OrderRecord } from '#commons/orders-repository';
import type { FulfilmentOrders } from './orders.ts';
import type { Warehouse } from './warehouse.ts';

/**
 * What became of one message:
 * - `done`: handled (or nothing left to do); delete it;
 * - `retry`: a transient failure; leave it on the queue to come back later (and reach the DLQ
 *   after the queue's maxReceiveCount);
 * - `reject`: it can never be handled (missing order, impossible state); move it to the DLQ now.
 */
export type Outcome =
  | {
      readonly kind: 'done';
      readonly result: string;
      /** Set when this message fulfilled the order: time since the order was created. */
      readonly fulfilmentMs?: number;
    }
  | { readonly kind: 'retry'; readonly reason: string }
  | { readonly kind: 'reject'; readonly reason: string };

export interface FulfilmentDeps {
  readonly orders: FulfilmentOrders;
  readonly warehouse: Warehouse;
  /** @default () => new Date().toISOString() */
  readonly now?: () => string;
}

/** Transitions one event may need: PENDING → PROCESSING → FULFILLED|FAILED, with re-reads. */
const MAX_STEPS = 6;

/**
 * Applies one order event. Safe to run any number of times, concurrently too: every status
 * change is conditional on the status it leaves, the warehouse reservation is keyed by order id,
 * and a cancelled order is never fulfilled (a cancel that wins the race releases the
 * reservation).
 */
export const createFulfilment = ({
  orders,
  warehouse,
  now = () => new Date().toISOString(),
}: FulfilmentDeps) => {
  const release = async (orderId: string, result: string): Promise<Outcome> => {
    const released = await warehouse.release(orderId);
    if (released.outcome === 'unavailable') return { kind: 'retry', reason: released.reason };
    return { kind: 'done', result };
  };

  const created = async (orderId: string): Promise<Outcome> => {
    let order: OrderRecord | undefined = await orders.get(orderId);
    for (let step = 0; step < MAX_STEPS; step++) {
      if (order === undefined) return { kind: 'reject', reason: 'order not found' };
      switch (order.status) {
        case 'FULFILLED':
        case 'FAILED':
          return { kind: 'done', result: `already ${order.status.toLowerCase()}` };
        case 'CANCELLED':
          // Whether or not a reservation was made before the cancel, releasing is idempotent.
          return release(orderId, 'cancelled');
        case 'PENDING': {
          const moved = await orders.transition(orderId, 'PENDING', 'PROCESSING', now());
          order = moved.ok ? { ...order, status: 'PROCESSING' } : moved.current;
          break;
        }
        case 'PROCESSING': {
          const reserved = await warehouse.reserve(orderId, order.items);
          if (reserved.outcome === 'unavailable') return { kind: 'retry', reason: reserved.reason };
          const failed = reserved.outcome === 'rejected';
          const fulfilledAt = now();
          const moved = await orders.transition(
            orderId,
            'PROCESSING',
            failed ? 'FAILED' : 'FULFILLED',
            fulfilledAt,
            failed ? reserved.reason : undefined,
          );
          if (moved.ok) {
            if (failed) return { kind: 'done', result: 'failed' };
            const fulfilmentMs = Date.parse(fulfilledAt) - Date.parse(order.createdAt);
            return {
              kind: 'done',
              result: 'fulfilled',
              ...(Number.isFinite(fulfilmentMs) && { fulfilmentMs: Math.max(0, fulfilmentMs) }),
            };
          }
          order = moved.current;
          break;
        }
        default:
          return { kind: 'reject', reason: `unknown order status ${String(order.status)}` };
      }
    }
    return { kind: 'retry', reason: 'order kept changing while it was being fulfilled' };
  };

  const cancelled = async (orderId: string): Promise<Outcome> => {
    const order = await orders.get(orderId);
    if (order === undefined) return { kind: 'reject', reason: 'order not found' };
    if (order.status !== 'CANCELLED')
      return { kind: 'reject', reason: `OrderCancelled for an order that is ${order.status}` };
    return release(orderId, 'released');
  };

  return (event: OrderEvent): Promise<Outcome> =>
    event.type === 'OrderCreated' ? created(event.orderId) : cancelled(event.orderId);
};

export type Fulfil = ReturnType<typeof createFulfilment>;
