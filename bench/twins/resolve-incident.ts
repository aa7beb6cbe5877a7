/**
 * resolveIncident's Powertools-only twin: the same consistent GetCommand, then the same
 * transaction (the incident RESOLVED with its TTL, its alarm's open marker deleted), by hand.
 */
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './dynamodb.ts';
import { incidentsTable, incidentView } from './incidents.ts';
import { clientIdOf, instrumented, json, logger, requireEnv } from './powertools.ts';

const retentionSeconds = Number(requireEnv('INCIDENT_RETENTION_DAYS')) * 24 * 60 * 60;

export const handler = instrumented(async (event) => {
  const incidentId = event.pathParameters?.incidentId;
  if (incidentId === undefined) return json(400, { message: 'incidentId is required' });
  const { note } = (event.body ? JSON.parse(event.body) : {}) as { note?: string };
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: incidentsTable, Key: { id: incidentId }, ConsistentRead: true }),
  );
  if (Item?.kind !== 'incident') return json(404, { message: 'Incident not found' });
  if (Item.status !== 'OPEN' && Item.status !== 'ACKNOWLEDGED')
    return json(409, { message: `The incident is ${Item.status}` });
  const clientId = clientIdOf(event);
  const at = new Date().toISOString();
  const resolved = { by: clientId, clientId, at, ...(note !== undefined && { note }) };
  const expiresAt = Math.floor(Date.parse(at) / 1000) + retentionSeconds;
  await documentClient.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: incidentsTable,
            Key: { id: incidentId },
            UpdateExpression:
              'SET #status = :status, expiresAt = :expiresAt, resolved = :resolved REMOVE openKey',
            ConditionExpression: '#status IN (:open, :acknowledged)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':status': 'RESOLVED',
              ':expiresAt': expiresAt,
              ':resolved': resolved,
              ':open': 'OPEN',
              ':acknowledged': 'ACKNOWLEDGED',
            },
          },
        },
        {
          Delete: {
            TableName: incidentsTable,
            Key: { id: `alarm#${Item.alarmName}` },
            ConditionExpression: 'attribute_not_exists(id) OR incidentId = :id',
            ExpressionAttributeValues: { ':id': incidentId },
          },
        },
      ],
    }),
  );
  logger.info('Incident resolved', { incidentId, by: clientId });
  return json(200, incidentView({ ...Item, status: 'RESOLVED', resolved }));
});
