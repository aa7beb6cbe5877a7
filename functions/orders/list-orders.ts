import { documentClient } from '#clients/dynamodb';
import { requireCaller } from '#commons/caller';
import { createCursorCodec, secretsManagerKey } from '#commons/cursor';
import { env } from '#commons/env';
import { httpRoute, json } from '#commons/http';
import { DEFAULT_PAGE_SIZE } from '#commons/limits';
import { OrdersRepository, toOrder } from '#commons/orders-repository';
import * as validators from '#commons/validators';

const orders = new OrdersRepository(documentClient, env.ordersTable(), {
  byOwner: env.ordersByOwnerIndex(),
  byCustomer: env.ordersByCustomerIndex(),
});
const cursors = createCursorCodec(secretsManagerKey(env.cursorSecretArn()));

/**
 * GET /orders?customerId=…&limit=…&cursor=…: a customer's orders, newest first; the caller's own
 * orders, or every consumer's with orders.read.all.
 */
export const handler = httpRoute(
  { routeId: 'listOrders', query: validators.listOrdersQuery },
  async ({ query, caller }) => {
    const reader = requireCaller(caller);
    const startKey =
      query.cursor === undefined
        ? undefined
        : await cursors.decode(query.cursor, reader, query.customerId);
    const page = await orders.listByCustomer(
      reader,
      query.customerId,
      query.limit ?? DEFAULT_PAGE_SIZE,
      startKey,
    );
    return json(200, {
      items: page.items.map((order) => toOrder(order, reader.consumer)),
      nextCursor: page.nextKey
        ? await cursors.encode(page.nextKey, reader, query.customerId)
        : null,
    });
  },
);
