import { requireCaller } from '#commons/caller';
import { HttpError } from '#commons/errors';
import { httpRoute, json } from '#commons/http';
import { emitMetric } from '#commons/metrics';
import * as validators from '#commons/validators';
import { logger } from '#powertools';
import { incidentNotFound } from './get-incident.ts';
import { triageSettings, triageStore } from './operator.ts';
import { UnknownHypothesisError } from './store.ts';

const store = triageStore();
const { retentionDays } = triageSettings();

const hypothesisNotFound = (id: string) =>
  new HttpError(404, 'HYPOTHESIS_NOT_FOUND', `The incident has no hypothesis ${id}`, [
    { path: 'path.hypothesisId', message: 'Use an id from the incident’s hypotheses' },
  ]);

/**
 * POST /triage/incidents/{incidentId}/hypotheses/{hypothesisId}/review: an operator accepts or
 * rejects a hypothesis, with a reason. Who, when, what and why go to the audit trail in the same
 * transaction; the accuracy metric gets one sample (1 accepted, 0 rejected).
 */
export const handler = httpRoute(
  { routeId: 'reviewHypothesis', path: validators.hypothesisPath, body: validators.reviewRequest },
  async ({ path, body, caller }) => {
    const operator = requireCaller(caller);
    const record = await store.get(path.incidentId);
    if (!record) throw incidentNotFound(path.incidentId);
    const review = {
      decision: body.decision,
      reason: body.reason,
      by: operator.consumer,
      at: new Date().toISOString(),
    };
    try {
      await store.review(record, path.hypothesisId, review, retentionDays);
    } catch (error) {
      if (error instanceof UnknownHypothesisError) throw hypothesisNotFound(path.hypothesisId);
      throw error;
    }
    emitMetric('TriageHypothesisAccepted', body.decision === 'accepted' ? 1 : 0);
    logger.info('Hypothesis reviewed', {
      incidentId: path.incidentId,
      hypothesisId: path.hypothesisId,
      decision: body.decision,
      by: operator.consumer,
    });
    const hypothesis = record.hypotheses.find((h) => h.id === path.hypothesisId);
    return json(200, { ...hypothesis, review });
  },
);
