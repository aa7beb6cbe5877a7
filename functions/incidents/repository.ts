import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Incident, IncidentStatus } from './schemas.ts';

/**
 * The incidents table. Two kinds of item share its one key, `id`:
 * - an incident, `<alarm name>#<ISO time opened>`;
 * - an alarm's open-incident marker, `alarm#<alarm name>`, holding the id of its open incident.
 *   Opening an incident puts both in one transaction on the condition that the marker is absent,
 *   so repeated ALARM notifications of an open incident never open (or page) a second one.
 * Open incidents carry `openKey` (`open`), the partition key of the sparse `open` index the list
 * route queries; resolving or closing removes it and sets the TTL.
 */
export const OPEN_INDEX = 'open';
const OPEN = 'open';

/** The id of an incident: `<alarm name>#<ISO time opened>`. */
export const incidentId = (alarmName: string, openedAt: string): string =>
  `${alarmName}#${openedAt}`;

const markerId = (alarmName: string): string => `alarm#${alarmName}`;

interface ActionRecord {
  readonly by: string;
  readonly clientId: string;
  readonly at: string;
  readonly note?: string;
}

export interface IncidentItem {
  readonly id: string;
  readonly kind: 'incident';
  readonly alarmName: string;
  readonly openedAt: string;
  readonly status: IncidentStatus;
  readonly reason: string;
  readonly description?: string;
  /** Index of the last escalation tier paged; -1 before the first page. */
  readonly tier: number;
  readonly pages: readonly { readonly tier: string; readonly at: string }[];
  readonly acknowledged?: ActionRecord;
  readonly resolved?: ActionRecord;
  readonly closedAt?: string;
  readonly openKey?: string;
  readonly expiresAt?: number;
}

export const toIncident = (item: IncidentItem): Incident => ({
  incidentId: item.id,
  alarmName: item.alarmName,
  status: item.status,
  openedAt: item.openedAt,
  reason: item.reason,
  ...(item.description !== undefined && { description: item.description }),
  pages: [...item.pages],
  ...(item.acknowledged && { acknowledged: item.acknowledged }),
  ...(item.resolved && { resolved: item.resolved }),
  ...(item.closedAt && { closedAt: item.closedAt }),
});

export type OpenOutcome =
  | { readonly outcome: 'opened'; readonly incident: IncidentItem }
  /** The same notification again (same alarm and time): its incident is this one. */
  | { readonly outcome: 'redelivered'; readonly incident: IncidentItem }
  /** Another incident of the alarm is open: no new incident, no page. */
  | { readonly outcome: 'already-open'; readonly openIncidentId: string };

export type ActionOutcome =
  | { readonly outcome: 'done'; readonly incident: IncidentItem }
  | { readonly outcome: 'not-found' }
  | { readonly outcome: 'invalid-state'; readonly status: IncidentStatus };

const cancelled = (error: unknown): boolean => error instanceof TransactionCanceledException;

const isConditionFailure = (error: unknown): boolean =>
  (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';

export class IncidentsRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Seconds a resolved or closed incident is kept. */
    private readonly retentionSeconds: number,
  ) {}

  async get(id: string): Promise<IncidentItem | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { id }, ConsistentRead: true }),
    );
    return Item?.kind === 'incident' ? (Item as IncidentItem) : undefined;
  }

  /** Open incidents (OPEN or ACKNOWLEDGED), newest first. */
  async listOpen(limit = 100): Promise<IncidentItem[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: OPEN_INDEX,
        KeyConditionExpression: 'openKey = :open',
        ExpressionAttributeValues: { ':open': OPEN },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (Items ?? []) as IncidentItem[];
  }

  /** The id of the alarm's open incident, if it has one. */
  async openIncidentOf(alarmName: string): Promise<string | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { id: markerId(alarmName) },
        ConsistentRead: true,
      }),
    );
    return typeof Item?.incidentId === 'string' ? Item.incidentId : undefined;
  }

  /** Opens an incident for an alarm that went into ALARM, unless one is open already. */
  async open(input: {
    alarmName: string;
    openedAt: string;
    reason: string;
    description?: string;
  }): Promise<OpenOutcome> {
    const id = incidentId(input.alarmName, input.openedAt);
    const incident: IncidentItem = {
      id,
      kind: 'incident',
      alarmName: input.alarmName,
      openedAt: input.openedAt,
      status: 'OPEN',
      reason: input.reason,
      ...(input.description !== undefined && { description: input.description }),
      tier: -1,
      pages: [],
      openKey: OPEN,
    };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { id: markerId(input.alarmName), incidentId: id },
                ConditionExpression: 'attribute_not_exists(id)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: incident,
                ConditionExpression: 'attribute_not_exists(id)',
              },
            },
          ],
        }),
      );
      return { outcome: 'opened', incident };
    } catch (error) {
      if (!cancelled(error)) throw error;
    }
    const openId = await this.openIncidentOf(input.alarmName);
    if (openId === id) {
      const existing = await this.get(id);
      if (existing) return { outcome: 'redelivered', incident: existing };
    }
    return { outcome: 'already-open', openIncidentId: openId ?? id };
  }

  /** Records that escalation tier `tier` (named `tierName`) was paged; false if it is not due. */
  async recordPage(id: string, tier: number, tierName: string, at: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id },
          UpdateExpression: 'SET tier = :tier, pages = list_append(pages, :page)',
          ConditionExpression: '#status = :open AND tier < :tier',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':tier': tier,
            ':page': [{ tier: tierName, at }],
            ':open': 'OPEN',
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** OPEN → ACKNOWLEDGED: escalation stops; the incident stays open until resolved or OK. */
  async acknowledge(id: string, action: ActionRecord): Promise<ActionOutcome> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id },
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
      return { outcome: 'done', incident: Attributes as IncidentItem };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return this.whyNot(id);
    }
  }

  /** OPEN or ACKNOWLEDGED → RESOLVED, and the alarm's marker goes: its next ALARM opens a new one. */
  async resolve(id: string, action: ActionRecord): Promise<ActionOutcome> {
    return this.finish(id, 'RESOLVED', { resolved: action }, action.at);
  }

  /** The alarm returned to OK: its open incident, if any, is CLOSED. */
  async close(alarmName: string, at: string): Promise<IncidentItem | undefined> {
    const id = await this.openIncidentOf(alarmName);
    if (id === undefined) return undefined;
    const result = await this.finish(id, 'CLOSED', { closedAt: at }, at);
    return result.outcome === 'done' ? result.incident : undefined;
  }

  private async finish(
    id: string,
    status: 'RESOLVED' | 'CLOSED',
    fields: Record<string, unknown>,
    at: string,
  ): Promise<ActionOutcome> {
    const current = await this.get(id);
    if (current === undefined) return { outcome: 'not-found' };
    if (current.status !== 'OPEN' && current.status !== 'ACKNOWLEDGED')
      return { outcome: 'invalid-state', status: current.status };
    const expiresAt = Math.floor(Date.parse(at) / 1000) + this.retentionSeconds;
    const names = Object.keys(fields);
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: { id },
                UpdateExpression: `SET #status = :status, expiresAt = :expiresAt, ${names
                  .map((name) => `${name} = :${name}`)
                  .join(', ')} REMOVE openKey`,
                ConditionExpression: '#status IN (:open, :acknowledged)',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':status': status,
                  ':expiresAt': expiresAt,
                  ':open': 'OPEN',
                  ':acknowledged': 'ACKNOWLEDGED',
                  ...Object.fromEntries(names.map((name) => [`:${name}`, fields[name]])),
                },
              },
            },
            {
              Delete: {
                TableName: this.tableName,
                Key: { id: markerId(current.alarmName) },
                ConditionExpression: 'attribute_not_exists(id) OR incidentId = :id',
                ExpressionAttributeValues: { ':id': id },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (!cancelled(error)) throw error;
      return this.whyNot(id);
    }
    const { openKey: _open, ...rest } = current;
    return { outcome: 'done', incident: { ...rest, ...fields, status, expiresAt } as IncidentItem };
  }

  private async whyNot(id: string): Promise<ActionOutcome> {
    const current = await this.get(id);
    return current === undefined
      ? { outcome: 'not-found' }
      : { outcome: 'invalid-state', status: current.status };
  }
}
