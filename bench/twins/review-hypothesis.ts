/**
 * reviewHypothesis' Powertools-only twin: the same GetCommand of the record, then the same
 * transaction (the decision on the hypothesis and its audit entry), the accuracy metric and the
 * log line, instrumented by hand.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './dynamodb.ts';
import { clientIdOf, instrumented, json, logger, metrics, requireEnv } from './powertools.ts';
import { recordKey, triageTable } from './triage.ts';

const { retentionDays } = JSON.parse(requireEnv('TRIAGE_SETTINGS')) as { retentionDays: number };

export const handler = instrumented(async (event) => {
  const incidentId = event.pathParameters?.incidentId;
  const hypothesisId = event.pathParameters?.hypothesisId;
  if (incidentId === undefined || hypothesisId === undefined)
    return json(400, { message: 'incidentId and hypothesisId are required' });
  const { decision, reason } = JSON.parse(event.body ?? '{}') as {
    decision: 'accepted' | 'rejected';
    reason: string;
  };
  const key = recordKey(incidentId);
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: triageTable, Key: key, ConsistentRead: true }),
  );
  if (Item === undefined) return json(404, { message: 'Incident not found' });
  const hypotheses = (Item.hypotheses ?? []) as { id: string }[];
  const index = hypotheses.findIndex((h) => h.id === hypothesisId);
  if (index < 0) return json(404, { message: 'Hypothesis not found' });
  const review = { decision, reason, by: clientIdOf(event), at: new Date().toISOString() };
  await documentClient.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: triageTable,
            Key: key,
            UpdateExpression: `SET hypotheses[${index}].review = :review`,
            ConditionExpression: `hypotheses[${index}].id = :id AND triagedAt = :triagedAt`,
            ExpressionAttributeValues: {
              ':review': review,
              ':id': hypothesisId,
              ':triagedAt': Item.triagedAt,
            },
          },
        },
        {
          Put: {
            TableName: triageTable,
            Item: {
              pk: key.pk,
              sk: `REVIEW#${review.at}#${hypothesisId}`,
              hypothesisId,
              ...review,
              expiresAt: Math.floor(Date.parse(review.at) / 1000) + retentionDays * 86_400,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    }),
  );
  metrics.addMetric('TriageHypothesisAccepted', MetricUnit.NoUnit, decision === 'accepted' ? 1 : 0);
  logger.info('Hypothesis reviewed', { incidentId, hypothesisId, decision, by: review.by });
  return json(200, { ...hypotheses[index], review });
});
