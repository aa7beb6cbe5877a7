import { HttpError } from '#commons/errors';
import { httpRoute, json } from '#commons/http';
import * as validators from '#commons/validators';
import { triageStore } from './operator.ts';

const store = triageStore();

export const incidentNotFound = (incidentId: string) =>
  new HttpError(404, 'INCIDENT_NOT_FOUND', `No triaged incident ${incidentId}`, [
    { path: 'path.incidentId', message: 'List incidents with GET /triage/incidents' },
  ]);

/** GET /triage/incidents/{incidentId}: the record, its redacted evidence and its audit trail. */
export const handler = httpRoute(
  { routeId: 'getTriagedIncident', path: validators.incidentPath },
  async ({ path }) => {
    const [record, reviews] = await Promise.all([
      store.get(path.incidentId),
      store.audit(path.incidentId),
    ]);
    if (!record) throw incidentNotFound(path.incidentId);
    return json(200, { ...record, reviews });
  },
);
