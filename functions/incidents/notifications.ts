/**
 * What the escalation functions read and send: CloudWatch alarm notifications (metric and
 * composite alarms publish the same top-level fields), the escalation tiers the stack describes
 * (`ESCALATION_TIERS`), and the pages they send.
 */
import { createHash } from 'node:crypto';

/**
 * Template metadata the stack puts on the escalation functions: their handler file, which the
 * local runtime reads to run them.
 */
export const INCIDENT_FUNCTION_METADATA = 'incidents:entry';

export interface AlarmNotification {
  readonly AlarmName: string;
  readonly AlarmDescription?: string | null;
  readonly NewStateValue: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
  readonly OldStateValue?: string;
  readonly NewStateReason: string;
  /** `2026-11-27T13:06:12.345+0000` */
  readonly StateChangeTime: string;
  readonly AlarmArn?: string;
}

/** The notification in an SNS message, or a one-line reason why the message is not one. */
export const parseAlarmNotification = (
  message: string,
): { notification: AlarmNotification } | { problem: string } => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return { problem: 'the message is not JSON, so not a CloudWatch alarm notification' };
  }
  const value = parsed as Partial<AlarmNotification> | null;
  if (
    typeof value?.AlarmName !== 'string' ||
    typeof value.StateChangeTime !== 'string' ||
    !['ALARM', 'OK', 'INSUFFICIENT_DATA'].includes(String(value.NewStateValue))
  )
    return {
      problem:
        'the message lacks AlarmName, StateChangeTime or a NewStateValue of ALARM, OK or INSUFFICIENT_DATA',
    };
  if (Number.isNaN(Date.parse(isoTime(value.StateChangeTime))))
    return { problem: `StateChangeTime '${value.StateChangeTime}' is not a time` };
  return { notification: value as AlarmNotification };
};

/** CloudWatch's `+0000` offset as ISO 8601 UTC with milliseconds: `2026-11-27T13:06:12.345Z`. */
export const isoTime = (stateChangeTime: string): string => {
  const parsed = Date.parse(stateChangeTime.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(parsed) ? stateChangeTime : new Date(parsed).toISOString();
};

export interface TierTarget {
  readonly name: string;
  readonly afterMinutes: number;
  readonly topicArn: string;
}

export const parseTiers = (raw: string): readonly TierTarget[] => {
  const tiers = JSON.parse(raw) as TierTarget[];
  if (!Array.isArray(tiers) || tiers.length === 0)
    throw new Error('ESCALATION_TIERS must be a non-empty JSON list of tiers');
  return tiers;
};

/**
 * The escalation execution's name: derived from the incident id, so a redelivered notification
 * starts no second execution (Step Functions answers a repeated name and input with the first).
 */
export const executionName = (incidentId: string): string =>
  `incident-${createHash('sha256').update(incidentId).digest('hex').slice(0, 48)}`;

/** SNS subjects: at most 100 printable ASCII characters. */
export const subject = (text: string): string => text.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
