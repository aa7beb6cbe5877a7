/**
 * createOrder's Powertools-only twin: Powertools idempotency on the Idempotency-Key header (its
 * DynamoDB persistence layer), with the payload check the route uses too (a hash of the parsed
 * body, so a reused key with another body is refused), the catalog read (one BatchGetCommand),
 * the pricing quote (a fetch) and the order's write, instrumented by hand. No validation: the
 * body is trusted.
 */
import { randomUUID } from 'node:crypto';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { BatchGetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { documentClient, dynamoDbClient } from './dynamodb.ts';
import { instrumented, json, logger, metrics, requireEnv } from './powertools.ts';

const ordersTable = requireEnv('ORDERS_TABLE_NAME');
const catalogTable = requireEnv('CATALOG_TABLE_NAME');
const pricingUrl = requireEnv('PRICING_URL');

interface OrderBody {
  readonly customerId: string;
  readonly currency: string;
  readonly items: readonly { readonly sku: string; readonly quantity: number }[];
}

const persistenceStore = new DynamoDBPersistenceLayer({
  tableName: requireEnv('IDEMPOTENCY_TABLE_NAME'),
  awsSdkV3Client: dynamoDbClient,
});

const createOrder = async (event: APIGatewayProxyEvent) => {
  const body = JSON.parse(event.body ?? '{}') as OrderBody;
  const { Responses = {} } = await documentClient.send(
    new BatchGetCommand({
      RequestItems: { [catalogTable]: { Keys: body.items.map(({ sku }) => ({ sku })) } },
    }),
  );
  const prices = new Map(
    (Responses[catalogTable] ?? []).map((entry) => [
      entry.sku as string,
      (entry.prices as Record<string, number>)[body.currency] ?? 0,
    ]),
  );
  const lines = body.items.map((item) => ({ ...item, unitPriceCents: prices.get(item.sku) ?? 0 }));
  const response = await fetch(`${pricingUrl}/quote`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ currency: body.currency, items: lines }),
    signal: AbortSignal.timeout(1000),
  });
  const quote = (await response.json()) as { subtotalCents: number; totalCents: number };
  const now = new Date().toISOString();
  const order = {
    orderId: `ord_${randomUUID().replaceAll('-', '')}`,
    customerId: body.customerId,
    status: 'PENDING',
    currency: body.currency,
    items: lines,
    ...quote,
    createdAt: now,
    updatedAt: now,
  };
  await documentClient.send(
    new PutCommand({
      TableName: ordersTable,
      Item: order,
      ConditionExpression: 'attribute_not_exists(orderId)',
    }),
  );
  logger.info('Order created', { orderId: order.orderId });
  metrics.addMetric('OrdersCreated', MetricUnit.Count, 1);
  return json(201, order);
};

export const handler = instrumented(
  makeIdempotent(createOrder, {
    persistenceStore,
    config: new IdempotencyConfig({
      eventKeyJmesPath: 'headers."Idempotency-Key"',
      payloadValidationJmesPath: 'powertools_json(body)',
    }),
  }),
);
