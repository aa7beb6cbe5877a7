/**
 * getTriagedIncident's Powertools-only twin: the same GetCommand of the record and Query of its
 * audit trail, side by side, instrumented by hand.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './dynamodb.ts';
import { instrumented, json } from './powertools.ts';
import { recordKey, recordView, triageTable } from './triage.ts';

export const handler = instrumented(async (event) => {
  const incidentId = event.pathParameters?.incidentId;
  if (incidentId === undefined) return json(400, { message: 'incidentId is required' });
  const key = recordKey(incidentId);
  const [{ Item }, { Items = [] }] = await Promise.all([
    documentClient.send(new GetCommand({ TableName: triageTable, Key: key, ConsistentRead: true })),
    documentClient.send(
      new QueryCommand({
        TableName: triageTable,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :review)',
        ExpressionAttributeValues: { ':pk': key.pk, ':review': 'REVIEW#' },
      }),
    ),
  ]);
  if (Item === undefined) return json(404, { message: 'Incident not found' });
  const reviews = Items.map(({ pk: _pk, sk: _sk, expiresAt: _e, ...review }) => review);
  return json(200, { ...recordView(Item), reviews });
});
