/**
 * listTriagedIncidents' Powertools-only twin: the same Query of the newest-first index, each
 * record summed up by its top hypothesis and reviews, instrumented by hand.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './dynamodb.ts';
import { instrumented, json } from './powertools.ts';
import { byOpenedIndex, triageTable } from './triage.ts';

interface Hypothesis {
  readonly review?: { readonly decision: string };
}

export const handler = instrumented(async (event) => {
  const limit = Number(event.queryStringParameters?.limit ?? 20);
  const cursor = event.queryStringParameters?.cursor;
  const { Items = [], LastEvaluatedKey } = await documentClient.send(
    new QueryCommand({
      TableName: triageTable,
      IndexName: byOpenedIndex,
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': 'INCIDENTS' },
      ScanIndexForward: false,
      Limit: limit,
      ...(cursor && {
        ExclusiveStartKey: JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')),
      }),
    }),
  );
  return json(200, {
    items: Items.map((item) => {
      const hypotheses = (item.hypotheses ?? []) as Hypothesis[];
      return {
        incidentId: item.incidentId,
        alarmName: item.alarmName,
        openedAt: item.openedAt,
        triagedAt: item.triagedAt,
        topHypothesis: hypotheses[0] ?? null,
        reviewed: hypotheses.filter((h) => h.review).length,
        accepted: hypotheses.filter((h) => h.review?.decision === 'accepted').length,
      };
    }),
    nextCursor: LastEvaluatedKey
      ? Buffer.from(JSON.stringify(LastEvaluatedKey)).toString('base64url')
      : null,
  });
});
