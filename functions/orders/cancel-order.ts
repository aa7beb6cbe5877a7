import { documentClient } from '#clients/dynamodb';
import { requireCaller } from '#commons/caller';
import { env } from '#commons/env';
import { httpErrors } from '#commons/errors';
import { eventAttributes } from '#commons/event-origin';
import { httpRoute, json } from '#commons/http';
import { emitMetric } from '#commons/metrics';
import { OrdersRepository, toOrder } from '#commons/orders-repository';
import * as validators from '#commons/validators';
import { logger } from '#powertools';

const orders = new OrdersRepository(documentClient, env.ordersTable());
const retentionSeconds = env.cancelledRetentionDays() * 24 * 60 * 60;

/**
 * POST /orders/{orderId}/cancel: only the caller's own orders (another consumer's is 404), only
 * from PENDING or PROCESSING, else 409.
 * The cancelling write records `OrderCancelled`, which the outbox sends to fulfilment.
 */
export const handler = httpRoute(
  {
    routeId: 'cancelOrder',
    path: validators.orderPath,
    body: validators.cancelOrderRequest,
    bodyOptional: true,
  },
  async ({ path, body, caller }) => {
    const { consumer } = requireCaller(caller);
    const now = new Date();
    const expiresAt = Math.floor(now.getTime() / 1000) + retentionSeconds;
    const result = await orders.cancel(
      path.orderId,
      consumer,
      now.toISOString(),
      expiresAt,
      eventAttributes('OrderCancelled'),
      body.reason,
    );
    switch (result.outcome) {
      case 'not-found':
        throw httpErrors.orderNotFound(path.orderId);
      case 'invalid-state':
        throw httpErrors.invalidState(
          `Only PENDING or PROCESSING orders can be cancelled`,
          result.status,
        );
      case 'cancelled':
        logger.info('Order cancelled', { orderId: path.orderId });
        emitMetric('OrdersCancelled');
        return json(200, toOrder(result.order, consumer));
    }
  },
);
