/**
 * The incident source of `npm run dora`: the stage's paging incidents table (the Alerting stack's
 * escalation; `functions/incidents/repository.ts` owns the item shape), found through the SSM
 * parameter the Api stack reads too. An incident is restored when a person resolved it or its
 * alarm went back to OK (closed), whichever the record holds.
 */

import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { StageConfig } from '#config/stages';
import { incidentParameterNames } from '../cdk/constructs/escalation.ts';
import type { IncidentItem } from '../functions/incidents/repository.ts';
import { CliError } from './cli.ts';
import type { IncidentRecord } from './dora.ts';

type StoredIncident = Pick<IncidentItem, 'id' | 'openedAt' | 'resolved' | 'closedAt'>;

/** An incident item as a DORA incident record of `stage`. */
export const toIncidentRecord = (item: StoredIncident, stage: string): IncidentRecord => {
  const restoredAt = item.resolved?.at ?? item.closedAt;
  return {
    id: item.id,
    stage,
    openedAt: item.openedAt,
    ...(restoredAt !== undefined && { resolvedAt: restoredAt }),
  };
};

/** The name of the stage's incidents table, from its SSM parameter. */
export const incidentsTableName = async (
  ssm: Pick<SSMClient, 'send'>,
  config: StageConfig,
): Promise<string> => {
  const name = incidentParameterNames(config).tableName;
  let value: string | undefined;
  try {
    value = (await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
  } catch (error) {
    if ((error as Error).name !== 'ParameterNotFound') throw error;
  }
  if (!value)
    throw new CliError(
      `SSM parameter ${name} not found: deploy ${config.appName}-${config.stage}-Alerting first, or pass --incidents <file.json>`,
    );
  return value;
};

/**
 * The incidents opened in `[from, to)`, read from the table. The table has no time index (its
 * key is the incident id), and it holds incidents for their retention period only, so a scan
 * with a filter is both the way and cheap enough; pages are followed to the end.
 */
export const readIncidents = async (
  clients: {
    readonly ssm: Pick<SSMClient, 'send'>;
    readonly documents: Pick<DynamoDBDocumentClient, 'send'>;
  },
  config: StageConfig,
  from: Date,
  to: Date,
): Promise<IncidentRecord[]> => {
  const table = await incidentsTableName(clients.ssm, config);
  const records: IncidentRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await clients.documents.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: '#kind = :incident AND openedAt >= :from AND openedAt < :to',
        ProjectionExpression: 'id, openedAt, resolved, closedAt',
        ExpressionAttributeNames: { '#kind': 'kind' },
        ExpressionAttributeValues: {
          ':incident': 'incident',
          ':from': from.toISOString(),
          ':to': to.toISOString(),
        },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of (page.Items ?? []) as StoredIncident[])
      records.push(toIncidentRecord(item, config.stage));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return records.sort((a, b) => a.openedAt.localeCompare(b.openedAt));
};
