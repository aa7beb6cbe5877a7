/** What the triage twins share: the triage table, its keys, and a record as the API shows it. */
import { requireEnv } from './powertools.ts';

export const triageTable = requireEnv('TRIAGE_TABLE_NAME');
export const byOpenedIndex = requireEnv('TRIAGE_BY_OPENED_INDEX');

/** The key of an incident's triage record. */
export const recordKey = (incidentId: string) => ({ pk: `INCIDENT#${incidentId}`, sk: 'RECORD' });

/** A stored record without its keys and TTL, its evidence bundle parsed from its JSON text. */
export const recordView = (item: Record<string, unknown>) => {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, expiresAt: _e, bundle, ...rest } = item;
  return { ...rest, bundle: typeof bundle === 'string' ? JSON.parse(bundle) : bundle };
};
