import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { IncidentRecord, Review } from '#triage/run';

/**
 * Triage records in their own table. One item per incident (`INCIDENT#<id>` / `RECORD`), listed
 * newest first through the `byOpened` index; one audit item per review decision
 * (`INCIDENT#<id>` / `REVIEW#<time>#<hypothesis>`), written in the same transaction that records
 * the decision on the hypothesis, so the two can never disagree. Every item expires by TTL.
 */

const INCIDENTS_PARTITION = 'INCIDENTS';

export interface AuditEntry extends Review {
  readonly hypothesisId: string;
}

/** The attributes a page of incidents lists: no evidence bundle, which can be large. */
const SUMMARY_ATTRIBUTES = [
  'incidentId',
  'alarmName',
  'openedAt',
  'triagedAt',
  'hypotheses',
] as const;

/** The projection of a page's query, built once. */
const SUMMARY_PROJECTION = {
  ProjectionExpression: SUMMARY_ATTRIBUTES.map((name) => `#${name}`).join(', '),
  ExpressionAttributeNames: Object.fromEntries(
    SUMMARY_ATTRIBUTES.map((name) => [`#${name}`, name]),
  ),
};

/** An incident as a page lists it. */
export type IncidentSummary = Pick<IncidentRecord, (typeof SUMMARY_ATTRIBUTES)[number]>;

export interface IncidentPage {
  readonly items: IncidentSummary[];
  readonly nextKey?: Record<string, unknown>;
}

export class UnknownHypothesisError extends Error {
  override readonly name = 'UnknownHypothesisError';
}

const keyOf = (incidentId: string) => ({ pk: `INCIDENT#${incidentId}`, sk: 'RECORD' });

export class TriageStore {
  constructor(
    private readonly documents: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly tableName: string,
    private readonly byOpenedIndex: string,
  ) {}

  /** Stores (or, when triage runs again, replaces) an incident's record. */
  async put(record: IncidentRecord, retentionDays: number): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keyOf(record.incidentId),
          gsi1pk: INCIDENTS_PARTITION,
          gsi1sk: `${record.openedAt}#${record.incidentId}`,
          ...record,
          // Stored as text: its evidence holds empty strings and deep shapes DynamoDB need not index.
          bundle: JSON.stringify(record.bundle),
          expiresAt: Math.floor(Date.parse(record.triagedAt) / 1000) + retentionDays * 86_400,
        },
      }),
    );
  }

  async get(incidentId: string): Promise<IncidentRecord | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: keyOf(incidentId), ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  /** The review decisions of an incident, oldest first: its audit trail. */
  async audit(incidentId: string): Promise<AuditEntry[]> {
    const { Items } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :review)',
        ExpressionAttributeValues: { ':pk': keyOf(incidentId).pk, ':review': 'REVIEW#' },
      }),
    );
    return (Items ?? []).map((item) => ({
      hypothesisId: String(item.hypothesisId),
      decision: item.decision as Review['decision'],
      reason: String(item.reason),
      by: String(item.by),
      at: String(item.at),
    }));
  }

  async list(limit: number, startKey?: Record<string, unknown>): Promise<IncidentPage> {
    const page = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: this.byOpenedIndex,
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': INCIDENTS_PARTITION },
        ScanIndexForward: false,
        Limit: limit,
        ...(startKey && { ExclusiveStartKey: startKey }),
        // Neither read over the wire nor parsed: the evidence bundle is for the incident's page.
        ...SUMMARY_PROJECTION,
      }),
    );
    return {
      items: (page.Items ?? []).map(toSummary),
      ...(page.LastEvaluatedKey && { nextKey: page.LastEvaluatedKey }),
    };
  }

  /**
   * Records a decision on one hypothesis and its audit entry in one transaction. A later
   * decision on the same hypothesis replaces the first on the record; both stay in the audit.
   */
  async review(
    record: IncidentRecord,
    hypothesisId: string,
    review: Review,
    retentionDays: number,
  ): Promise<void> {
    const index = record.hypotheses.findIndex((h) => h.id === hypothesisId);
    if (index < 0) throw new UnknownHypothesisError(hypothesisId);
    const key = keyOf(record.incidentId);
    await this.documents.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: this.tableName,
              Key: key,
              UpdateExpression: `SET hypotheses[${index}].review = :review`,
              // The record may have been replaced by a new run: only the same hypothesis counts.
              ConditionExpression: `hypotheses[${index}].id = :id AND triagedAt = :triagedAt`,
              ExpressionAttributeValues: {
                ':review': review,
                ':id': hypothesisId,
                ':triagedAt': record.triagedAt,
              },
            },
          },
          {
            Put: {
              TableName: this.tableName,
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
  }
}

const toSummary = (item: Record<string, unknown>): IncidentSummary =>
  Object.fromEntries(
    SUMMARY_ATTRIBUTES.map((name) => [name, item[name]]),
  ) as unknown as IncidentSummary;

const fromItem = (item: Record<string, unknown>): IncidentRecord => {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, expiresAt: _e, bundle, ...rest } = item;
  return {
    ...(rest as unknown as IncidentRecord),
    bundle: typeof bundle === 'string' ? JSON.parse(bundle) : (bundle as IncidentRecord['bundle']),
  };
};
