import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { STAGES } from '#config/stages';
import { computeDora } from '#ops/dora';
import { readIncidents, toIncidentRecord } from '#ops/dora-incidents';

const ssm = mockClient(SSMClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const clients = {
  ssm: new SSMClient({ region: 'eu-west-1' }),
  documents: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
};
const from = new Date('2026-11-01T00:00:00Z');
const to = new Date('2026-11-11T00:00:00Z');
const by = { by: 'alice', clientId: 'ops', at: '2026-11-03T10:40:00.000Z' };

afterEach(() => {
  ssm.reset();
  dynamo.reset();
});

describe('incidents from the stage table', () => {
  it('finds the table through the SSM parameter the Api stack reads, and follows every page', async () => {
    // Prepare
    ssm
      .on(GetParameterCommand, { Name: '/Orders/prod/incidents/table-name' })
      .resolves({ Parameter: { Value: 'Orders-prod-Alerting-Incidents-ABC' } });
    dynamo
      .on(ScanCommand)
      .resolvesOnce({
        Items: [
          {
            id: 'Orders-prod-slo-read#2026-11-04T10:05:00.000Z',
            openedAt: '2026-11-04T10:05:00.000Z',
            closedAt: '2026-11-04T11:35:00.000Z',
          },
        ],
        LastEvaluatedKey: { id: 'page-1' },
      })
      .resolvesOnce({
        Items: [
          {
            id: 'Orders-prod-slo-create#2026-11-03T10:10:00.000Z',
            openedAt: '2026-11-03T10:10:00.000Z',
            resolved: by,
          },
          {
            id: 'Orders-prod-latency#2026-11-06T00:00:00.000Z',
            openedAt: '2026-11-06T00:00:00.000Z',
          },
        ],
      });

    // Act
    const records = await readIncidents(clients, STAGES.prod, from, to);

    // Assess
    expect(records).toEqual([
      {
        id: 'Orders-prod-slo-create#2026-11-03T10:10:00.000Z',
        stage: 'prod',
        openedAt: '2026-11-03T10:10:00.000Z',
        resolvedAt: '2026-11-03T10:40:00.000Z',
      },
      {
        id: 'Orders-prod-slo-read#2026-11-04T10:05:00.000Z',
        stage: 'prod',
        openedAt: '2026-11-04T10:05:00.000Z',
        resolvedAt: '2026-11-04T11:35:00.000Z',
      },
      {
        id: 'Orders-prod-latency#2026-11-06T00:00:00.000Z',
        stage: 'prod',
        openedAt: '2026-11-06T00:00:00.000Z',
      },
    ]);
    const scans = dynamo.commandCalls(ScanCommand).map((call) => call.args[0].input);
    expect(scans).toHaveLength(2);
    expect(scans[0]).toMatchObject({
      TableName: 'Orders-prod-Alerting-Incidents-ABC',
      ExpressionAttributeValues: {
        ':incident': 'incident',
        ':from': '2026-11-01T00:00:00.000Z',
        ':to': '2026-11-11T00:00:00.000Z',
      },
    });
    expect(scans[1]?.ExclusiveStartKey).toEqual({ id: 'page-1' });
    // Time to restore from the table: 30 min and 90 min resolved, one open.
    const report = computeDora([], records, from, to, 'prod');
    expect(report.mttrHours).toBe(1);
    expect(report.incidents).toEqual({ total: 3, open: 1 });
  });

  it('takes the time a person resolved it over the time its alarm closed it', () => {
    expect(
      toIncidentRecord(
        {
          id: 'a#t',
          openedAt: '2026-11-03T10:00:00.000Z',
          resolved: by,
          closedAt: '2026-11-03T12:00:00.000Z',
        },
        'dev',
      ).resolvedAt,
    ).toBe(by.at);
  });

  it('says which stack to deploy, or to pass a file, when the parameter is missing', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'nope', $metadata: {} }));

    await expect(readIncidents(clients, STAGES.dev, from, to)).rejects.toThrow(
      'SSM parameter /Orders/dev/incidents/table-name not found: deploy Orders-dev-Alerting first, or pass --incidents <file.json>',
    );
    expect(dynamo.commandCalls(ScanCommand)).toHaveLength(0);
  });
});
