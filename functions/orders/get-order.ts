import { documentClient } from '#clients/dynamodb';
import { requireCaller } from '#commons/caller';
import { env } from '#commons/env';
import { httpErrors } from '#commons/errors';
import { httpRoute, json } from '#commons/http';
import { OrdersRepository, toOrder } from '#commons/orders-repository';
import * as validators from '#commons/validators';

const orders = new OrdersRepository(documentClient, env.ordersTable());

/** GET /orders/{orderId}: 200 with the order if the caller may see it, else 404. */
export const handler = httpRoute(
  { routeId: 'getOrder', path: validators.orderPath },
  async ({ path, caller }) => {
    const reader = requireCaller(caller);
    const order = await orders.getFor(path.orderId, reader);
    if (!order) throw httpErrors.orderNotFound(path.orderId);
    return json(200, toOrder(order, reader.consumer));
  },
);
