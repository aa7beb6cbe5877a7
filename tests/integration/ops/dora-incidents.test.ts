import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { getStageConfig, type StageName } from '#config/stages';
import { incidentsTableName, readIncidents } from '#ops/dora-incidents';
import { IncidentsRepository } from '../../../functions/incidents/repository.ts';

/**
 * `npm run dora`'s incident source against real AWS APIs (the emulator by default, or whatever
 * AWS_ENDPOINT_URL points at): the table found through the stage's SSM parameter, incidents
 * written by the paging code itself. Incidents are dated in a window of their own, far in the
 * past, and deleted afterwards.
 */
const config = getStageConfig((process.env.STAGE_UNDER_TEST ?? 'dev') as StageName);
const ssm = new SSMClient({ maxAttempts: 1 });
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 1 }));
const written: string[] = [];
afterAll(async () => {
  const table = await incidentsTableName(ssm, config);
  for (const id of written)
    await documents.send(new DeleteCommand({ TableName: table, Key: { id } }));
});

describe('DORA incidents from the stage table', () => {
  it('reads the incidents opened in the window, resolved or closed ones with their restore time', async () => {
    // Prepare: a year of its own in 2001, so no other test's incident falls in the window
    const table = await incidentsTableName(ssm, config);
    const repository = new IncidentsRepository(documents, table, 3_600);
    const alarm = (name: string) =>
      `${config.appName}-${config.stage}-it-${name}-${randomUUID().slice(0, 8)}`;
    const opened = async (alarmName: string, openedAt: string) => {
      const result = await repository.open({ alarmName, openedAt, reason: 'threshold crossed' });
      if (result.outcome !== 'opened') throw new Error(`not opened: ${result.outcome}`);
      written.push(result.incident.id, `alarm#${alarmName}`);
      return result.incident;
    };
    const resolvedOne = await opened(alarm('resolved'), '2001-03-01T10:00:00.000Z');
    await repository.resolve(resolvedOne.id, {
      by: 'it',
      clientId: 'it',
      at: '2001-03-01T10:30:00.000Z',
    });
    const closedAlarm = alarm('closed');
    const closedOne = await opened(closedAlarm, '2001-03-02T10:00:00.000Z');
    await repository.close(closedAlarm, '2001-03-02T11:30:00.000Z');
    const openOne = await opened(alarm('open'), '2001-03-03T10:00:00.000Z');
    await opened(alarm('outside'), '2001-04-01T10:00:00.000Z');

    // Act
    const records = await readIncidents(
      { ssm, documents },
      config,
      new Date('2001-03-01T00:00:00Z'),
      new Date('2001-04-01T00:00:00Z'),
    );

    // Assess
    expect(records).toEqual([
      {
        id: resolvedOne.id,
        stage: config.stage,
        openedAt: '2001-03-01T10:00:00.000Z',
        resolvedAt: '2001-03-01T10:30:00.000Z',
      },
      {
        id: closedOne.id,
        stage: config.stage,
        openedAt: '2001-03-02T10:00:00.000Z',
        resolvedAt: '2001-03-02T11:30:00.000Z',
      },
      { id: openOne.id, stage: config.stage, openedAt: '2001-03-03T10:00:00.000Z' },
    ]);
  });
});
