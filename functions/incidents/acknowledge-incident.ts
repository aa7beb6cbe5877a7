import { requireCaller } from '#commons/caller';
import { httpRoute } from '#commons/http';
import * as validators from '#commons/validators';
import { logger } from '#powertools';
import { actionBy, answerAction, incidentsRepository } from './operator.ts';

const incidents = incidentsRepository();

/**
 * POST /incidents/{incidentId}/ack: OPEN → ACKNOWLEDGED, recording who and when. Escalation
 * stops: no later tier is paged. 404 for an unknown id, 409 unless the incident is OPEN.
 */
export const handler = httpRoute(
  {
    routeId: 'acknowledgeIncident',
    path: validators.incidentPath,
    body: validators.incidentActionRequest,
    bodyOptional: true,
  },
  async ({ path, body, caller }) => {
    const action = actionBy(requireCaller(caller), body.note);
    const result = await incidents.acknowledge(path.incidentId, action);
    if (result.outcome === 'done')
      logger.info('Incident acknowledged', { incidentId: path.incidentId, by: action.by });
    return answerAction(path.incidentId, 'acknowledged', result);
  },
);
