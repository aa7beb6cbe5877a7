import { documentClient } from '#clients/dynamodb';
import { env } from '#commons/env';
import { httpErrors } from '#commons/errors';
import { httpRoute, json } from '#commons/http';
import { OrdersRepository, toOrder } from '#commons/orders-repository';
import { OrderPathSchema } from '#commons/schemas';

const orders = new OrdersRepository(documentClient, env.ordersTable());

/** GET /orders/{orderId}: 200 with the order, or 404. */
export const handler = httpRoute(
  { routeId: 'getOrder', path: OrderPathSchema },
  async ({ path }) => {
    const order = await orders.get(path.orderId);
    if (!order) throw httpErrors.notFound(`Order ${path.orderId}`);
    return json(200, toOrder(order));
  },
);
