import { requireCaller } from '#commons/caller';
import { httpRoute, json } from '#commons/http';
import { incidentsRepository } from './operator.ts';
import { toIncident } from './repository.ts';

const incidents = incidentsRepository();

/** GET /incidents: the open incidents (OPEN or ACKNOWLEDGED), newest first. */
export const handler = httpRoute({ routeId: 'listIncidents' }, async ({ caller }) => {
  requireCaller(caller);
  const open = await incidents.listOpen();
  return json(200, { incidents: open.map(toIncident) });
});
