/** getIncident's Powertools-only twin: the same consistent GetCommand, instrumented by hand. */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './dynamodb.ts';
import { incidentsTable, incidentView } from './incidents.ts';
import { instrumented, json } from './powertools.ts';

export const handler = instrumented(async (event) => {
  const incidentId = event.pathParameters?.incidentId;
  if (incidentId === undefined) return json(400, { message: 'incidentId is required' });
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: incidentsTable, Key: { id: incidentId }, ConsistentRead: true }),
  );
  if (Item?.kind !== 'incident') return json(404, { message: 'Incident not found' });
  return json(200, incidentView(Item));
});
