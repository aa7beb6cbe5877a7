import { documentClient } from '#clients/dynamodb';
import type { TriageSettings } from '#triage/run';
import { requiredEnv, TRIAGE_ENV } from './env-names.ts';
import { TriageStore } from './store.ts';

/**
 * What the operator routes (list, get, review) need of triage: its settings and its store. Kept
 * apart from runtime.ts, whose context sources and their clients only the triage run needs, so
 * a route's bundle carries neither (nor the schemas those sources parse alarms with).
 */

/** The stack's triage settings (JSON), as the functions get them. */
export interface TriageEnvSettings extends Omit<TriageSettings, 'model'> {
  readonly model?: TriageSettings['model'];
  readonly retentionDays: number;
  readonly comprehend: boolean;
  readonly services: readonly string[];
  /** Runbooks: a base URL serving `<alarm id>.md` (raw Markdown). */
  readonly runbookRawBaseUrl: string;
  readonly logsTimeoutMs: number;
}

export const triageStore = (): TriageStore =>
  new TriageStore(
    documentClient,
    requiredEnv(TRIAGE_ENV.table),
    requiredEnv(TRIAGE_ENV.byOpenedIndex),
  );

export const triageSettings = (): TriageEnvSettings => JSON.parse(requiredEnv(TRIAGE_ENV.settings));
