/** What the paging-incident twins share: the incidents table and the incident as the API shows it. */
import { requireEnv } from './powertools.ts';

export const incidentsTable = requireEnv('INCIDENTS_TABLE_NAME');

/** A stored incident without the attributes only the table uses (kind, tier, index key, TTL). */
export const incidentView = (item: Record<string, unknown>) => {
  const { id, kind: _kind, tier: _tier, openKey: _openKey, expiresAt: _expiresAt, ...rest } = item;
  return { incidentId: id, ...rest };
};
