import { randomUUID } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { documentClient } from '#clients/dynamodb';
import { env } from '#commons/env';
import { eventAttributes } from '#commons/event-origin';
import { httpRoute, json } from '#commons/http';
import { idempotentRoute } from '#commons/idempotency';
import { type OrderRecord, OrdersRepository, toOrder } from '#commons/orders-repository';
import { createPricingClient } from '#commons/pricing';
import { CreateOrderRequestSchema } from '#commons/schemas';
import { logger, metrics } from '#powertools';

const orders = new OrdersRepository(documentClient, env.ordersTable());
const pricing = createPricingClient({
  baseUrl: env.pricingUrl(),
  timeoutMs: env.pricingTimeoutMs(),
  maxRetries: env.pricingMaxRetries(),
});

/**
 * POST /orders: prices the order (with fallback) and stores it as PENDING. Storing it is the only
 * write: the orders table's stream, through the outbox pipe, tells fulfilment (`OrderCreated`),
 * so a crash after the write still leads to exactly one message, and no message ever names an
 * order that was not stored.
 */
export const handler = httpRoute(
  { routeId: 'createOrder', body: CreateOrderRequestSchema, idempotency: idempotentRoute() },
  async ({ body }) => {
    const price = await pricing.quote(body.currency, body.items);
    if (price.source === 'fallback') {
      logger.warn('Pricing unavailable, using list prices', {
        reason: price.fallbackReason,
        attempts: price.attempts,
      });
      metrics.addMetric('PricingFallback', MetricUnit.Count, 1);
    }
    if (price.attempts > 1)
      metrics.addMetric('PricingRetries', MetricUnit.Count, price.attempts - 1);

    const now = new Date().toISOString();
    const order = {
      orderId: `ord_${randomUUID().replaceAll('-', '')}`,
      customerId: body.customerId,
      status: 'PENDING',
      currency: body.currency,
      items: body.items,
      subtotalCents: price.subtotalCents,
      discountCents: price.discountCents,
      totalCents: price.totalCents,
      pricingSource: price.source,
      createdAt: now,
      updatedAt: now,
      ...eventAttributes('OrderCreated'),
    } satisfies OrderRecord;
    await orders.create(order);

    logger.info('Order created', { orderId: order.orderId, pricingSource: price.source });
    metrics.addMetric('OrdersCreated', MetricUnit.Count, 1);
    return json(201, toOrder(order), { location: `/orders/${order.orderId}` });
  },
);
