import { requireCaller } from '#commons/caller';
import { httpRoute } from '#commons/http';
import * as validators from '#commons/validators';
import { logger } from '#powertools';
import { actionBy, answerAction, incidentsRepository } from './operator.ts';

const incidents = incidentsRepository();

/**
 * POST /incidents/{incidentId}/resolve: OPEN or ACKNOWLEDGED → RESOLVED, recording who and when.
 * Escalation stops, and the alarm's next ALARM opens a new incident. 404 for an unknown id, 409
 * for an incident already resolved or closed.
 */
export const handler = httpRoute(
  {
    routeId: 'resolveIncident',
    path: validators.incidentPath,
    body: validators.incidentActionRequest,
    bodyOptional: true,
  },
  async ({ path, body, caller }) => {
    const action = actionBy(requireCaller(caller), body.note);
    const result = await incidents.resolve(path.incidentId, action);
    if (result.outcome === 'done')
      logger.info('Incident resolved', { incidentId: path.incidentId, by: action.by });
    return answerAction(path.incidentId, 'resolved', result);
  },
);
