import { documentClient } from '#clients/dynamodb';
import { env } from '#commons/env';
import { httpRoute, json } from '#commons/http';
import { OrdersRepository } from '#commons/orders-repository';
import type { Health } from '#commons/schemas';
import { logger } from '#powertools';

const orders = new OrdersRepository(documentClient, env.ordersTable());
/** A health check must answer well within API Gateway's 29 s, even when DynamoDB hangs. */
const PROBE_TIMEOUT_MS = 2000;

/** GET /health: 200 when DynamoDB answers, 503 naming the failed check otherwise. */
export const handler = httpRoute({ routeId: 'health' }, async () => {
  const started = performance.now();
  let ok = true;
  try {
    await orders.probe(AbortSignal.timeout(PROBE_TIMEOUT_MS));
  } catch (error) {
    ok = false;
    logger.error('Health check failed: DynamoDB unreachable', { error });
  }
  const latencyMs = Math.round(performance.now() - started);
  const health: Health = {
    status: ok ? 'ok' : 'unavailable',
    checks: { dynamodb: { status: ok ? 'ok' : 'error', latencyMs } },
  };
  return json(ok ? 200 : 503, health);
});
