import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { dynamoDbClient } from '#clients/dynamodb';
import { env } from '#commons/env';
import { httpRoute, json } from '#commons/http';
import type { Health } from '#commons/schemas';
import { logger } from '#powertools';

const tableName = env.ordersTable();
/** A health check must answer well within API Gateway's 29 s, even when DynamoDB hangs. */
const PROBE_TIMEOUT_MS = 2000;

/**
 * Asks DynamoDB for the orders table's status: proves the service reaches DynamoDB and the table
 * takes traffic, without reading an item (so the public route needs no use of the data key).
 */
const tableIsActive = async (signal: AbortSignal): Promise<boolean> => {
  const { Table } = await dynamoDbClient.send(new DescribeTableCommand({ TableName: tableName }), {
    abortSignal: signal,
  });
  // UPDATING tables (a new index, a stream change) still serve reads and writes.
  return Table?.TableStatus === 'ACTIVE' || Table?.TableStatus === 'UPDATING';
};

/** GET /health: 200 when the orders table is active, 503 naming the failed check otherwise. */
export const handler = httpRoute({ routeId: 'health' }, async () => {
  const started = performance.now();
  let ok = true;
  try {
    ok = await tableIsActive(AbortSignal.timeout(PROBE_TIMEOUT_MS));
    if (!ok) logger.error('Health check failed: the orders table is not active');
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
