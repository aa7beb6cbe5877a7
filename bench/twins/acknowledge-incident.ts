/**
 * acknowledgeIncident's Powertools-only twin: the same conditional UpdateCommand (OPEN →
 * ACKNOWLEDGED, with who and when), instrumented by hand.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './dynamodb.ts';
import { incidentsTable, incidentView } from './incidents.ts';
import { clientIdOf, instrumented, json, logger } from './powertools.ts';

export const handler = instrumented(async (event) => {
  const incidentId = event.pathParameters?.incidentId;
  if (incidentId === undefined) return json(400, { message: 'incidentId is required' });
  const { note } = (event.body ? JSON.parse(event.body) : {}) as { note?: string };
  const clientId = clientIdOf(event);
  const action = {
    by: clientId,
    clientId,
    at: new Date().toISOString(),
    ...(note !== undefined && { note }),
  };
  const { Attributes = {} } = await documentClient.send(
    new UpdateCommand({
      TableName: incidentsTable,
      Key: { id: incidentId },
      UpdateExpression: 'SET #status = :acknowledged, acknowledged = :action',
      ConditionExpression: 'kind = :incident AND #status = :open',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':acknowledged': 'ACKNOWLEDGED',
        ':action': action,
        ':incident': 'incident',
        ':open': 'OPEN',
      },
      ReturnValues: 'ALL_NEW',
    }),
  );
  logger.info('Incident acknowledged', { incidentId, by: clientId });
  return json(200, incidentView(Attributes));
});
