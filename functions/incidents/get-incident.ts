import { requireCaller } from '#commons/caller';
import { httpRoute, json } from '#commons/http';
import * as validators from '#commons/validators';
import { incidentErrors, incidentsRepository } from './operator.ts';
import { toIncident } from './repository.ts';

const incidents = incidentsRepository();

/** GET /incidents/{incidentId}: the incident, open or not, or 404. */
export const handler = httpRoute(
  { routeId: 'getIncident', path: validators.incidentPath },
  async ({ path, caller }) => {
    requireCaller(caller);
    const incident = await incidents.get(path.incidentId);
    if (!incident) throw incidentErrors.notFound(path.incidentId);
    return json(200, toIncident(incident));
  },
);
