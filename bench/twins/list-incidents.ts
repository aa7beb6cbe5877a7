/** listIncidents' Powertools-only twin: the same Query of the open-incidents index, by hand. */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './dynamodb.ts';
import { incidentsTable, incidentView } from './incidents.ts';
import { instrumented, json } from './powertools.ts';

export const handler = instrumented(async () => {
  const { Items = [] } = await documentClient.send(
    new QueryCommand({
      TableName: incidentsTable,
      IndexName: 'open',
      KeyConditionExpression: 'openKey = :open',
      ExpressionAttributeValues: { ':open': 'open' },
      ScanIndexForward: false,
      Limit: 100,
    }),
  );
  return json(200, { incidents: Items.map(incidentView) });
});
