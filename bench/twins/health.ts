/** health's Powertools-only twin: the same DescribeTable of the orders table, instrumented by hand. */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { dynamoDbClient } from './dynamodb.ts';
import { instrumented, json, requireEnv } from './powertools.ts';

const tableName = requireEnv('ORDERS_TABLE_NAME');

export const handler = instrumented(async () => {
  const started = performance.now();
  const { Table } = await dynamoDbClient.send(new DescribeTableCommand({ TableName: tableName }), {
    abortSignal: AbortSignal.timeout(2000),
  });
  const ok = Table?.TableStatus === 'ACTIVE';
  const latencyMs = Math.round(performance.now() - started);
  return json(ok ? 200 : 503, {
    status: ok ? 'ok' : 'unavailable',
    checks: { dynamodb: { status: ok ? 'ok' : 'error', latencyMs } },
  });
});
