import { documentClient } from '#clients/dynamodb';
import { decodeCursor, encodeCursor } from '#commons/cursor';
import { env } from '#commons/env';
import { httpRoute, json } from '#commons/http';
import { OrdersRepository, toOrder } from '#commons/orders-repository';
import { DEFAULT_PAGE_SIZE, ListOrdersQuerySchema } from '#commons/schemas';

const orders = new OrdersRepository(documentClient, env.ordersTable(), env.ordersByCustomerIndex());

/** GET /orders?customerId=…&limit=…&cursor=…: a customer's orders, newest first. */
export const handler = httpRoute(
  { routeId: 'listOrders', query: ListOrdersQuerySchema },
  async ({ query }) => {
    const startKey =
      query.cursor === undefined ? undefined : decodeCursor(query.cursor, query.customerId);
    const page = await orders.listByCustomer(
      query.customerId,
      query.limit ?? DEFAULT_PAGE_SIZE,
      startKey,
    );
    return json(200, {
      items: page.items.map(toOrder),
      nextCursor: page.nextKey ? encodeCursor(page.nextKey) : null,
    });
  },
);
