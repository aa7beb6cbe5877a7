import { randomUUID } from 'node:crypto';
import { documentClient } from '#clients/dynamodb';
import { requireCaller } from '#commons/caller';
import { CatalogRepository, CatalogUnavailableError, priceFromCatalog } from '#commons/catalog';
import { env } from '#commons/env';
import { httpErrors } from '#commons/errors';
import { eventAttributes } from '#commons/event-origin';
import { httpRoute, json } from '#commons/http';
import { idempotentRoute } from '#commons/idempotency';
import { emitMetric } from '#commons/metrics';
import {
  type OrderRecord,
  OrdersRepository,
  ownerCustomerKey,
  toOrder,
} from '#commons/orders-repository';
import { createPricingClient } from '#commons/pricing';
import { CircuitBreaker } from '#commons/resilient-http';
import * as validators from '#commons/validators';
import { logger } from '#powertools';

const orders = new OrdersRepository(documentClient, env.ordersTable());
const catalog = new CatalogRepository(documentClient, env.catalogTable());
// One breaker per execution environment: warm invocations share what earlier ones learned.
const pricingBreaker = new CircuitBreaker({
  failureThreshold: env.pricingBreakerFailureThreshold(),
  openMs: env.pricingBreakerOpenMs(),
  onStateChange: (from, to) => logger.warn('Pricing circuit breaker changed state', { from, to }),
});
const pricing = createPricingClient({
  baseUrl: env.pricingUrl(),
  timeoutMs: env.pricingTimeoutMs(),
  maxRetries: env.pricingMaxRetries(),
  breaker: pricingBreaker,
});

const created = (order: OrderRecord) =>
  json(201, toOrder(order, order.owner), { location: `/orders/${order.orderId}` });

/**
 * POST /orders: prices the order from the catalog (one BatchGetItem; unknown SKUs are 422, a
 * price the client showed that is no longer the catalog's is 409), asks the pricing service for
 * its promotion (catalog prices without discount when it is slow, down or contradicts the
 * catalog) and stores it as PENDING. Storing it is the only write: the orders table's stream,
 * through the outbox pipe, tells fulfilment (`OrderCreated`), so a crash after the write still
 * leads to exactly one message, and no message ever names an order that was not stored.
 */
export const handler = httpRoute(
  {
    routeId: 'createOrder',
    body: validators.createOrderRequest,
    idempotency: idempotentRoute({
      replayCommitted: async (orderId) => {
        const order = await orders.get(orderId);
        return order && created(order);
      },
    }),
  },
  async ({ body, idempotency, caller }) => {
    const { consumer } = requireCaller(caller);
    let entries: Awaited<ReturnType<CatalogRepository['getMany']>>;
    try {
      entries = await catalog.getMany(body.items.map((item) => item.sku));
    } catch (error) {
      if (!(error instanceof CatalogUnavailableError)) throw error;
      logger.error('Catalog read incomplete', { unprocessed: error.unprocessed });
      throw httpErrors.serviceUnavailable();
    }
    const lines = priceFromCatalog(body.currency, body.items, entries);

    const price = await pricing.quote(body.currency, lines);
    if (price.source === 'catalog') {
      logger.warn('Pricing quote not used: catalog prices, no promotion', {
        reason: price.fallbackReason,
        attempts: price.attempts,
        breakerState: pricing.breakerState(),
      });
    }

    const now = new Date().toISOString();
    const order = {
      orderId: `ord_${randomUUID().replaceAll('-', '')}`,
      customerId: body.customerId,
      owner: consumer,
      ownerCustomer: ownerCustomerKey(consumer, body.customerId),
      status: 'PENDING',
      currency: body.currency,
      items: lines,
      subtotalCents: price.subtotalCents,
      discountCents: price.discountCents,
      totalCents: price.totalCents,
      pricingSource: price.source,
      createdAt: now,
      updatedAt: now,
      contact: body.contact,
      ...eventAttributes('OrderCreated'),
    } satisfies OrderRecord;
    await orders.create(order, idempotency?.commitWrite(order.orderId));

    logger.info('Order created', { orderId: order.orderId, pricingSource: price.source });
    emitMetric('OrdersCreated');
    emitMetric('OrderValue', order.totalCents);
    return created(order);
  },
);
