import { documentClient } from '#clients/dynamodb';
import type { Caller } from '#commons/caller';
import { requireEnv } from '#commons/env';
import { ENV } from '#commons/env-names';
import { HttpError } from '#commons/errors';
import { json } from '#commons/http';
import { type ActionOutcome, IncidentsRepository, toIncident } from './repository.ts';

/** The incidents table as the operator routes and the escalation functions use it. */
export const incidentsRepository = (): IncidentsRepository => {
  const days = Number(requireEnv(ENV.incidentRetentionDays));
  if (!Number.isInteger(days) || days < 1)
    throw new Error(`${ENV.incidentRetentionDays} must be a whole number of days, got '${days}'`);
  return new IncidentsRepository(
    documentClient,
    requireEnv(ENV.incidentsTable),
    days * 24 * 60 * 60,
  );
};

export const incidentErrors = {
  notFound: (id: string) =>
    new HttpError(404, 'INCIDENT_NOT_FOUND', `Incident ${id} was not found`, [
      {
        path: 'path.incidentId',
        message: 'No incident has this id: list open ones with GET /incidents',
      },
    ]),
  invalidState: (action: string, status: string) =>
    new HttpError(409, 'INVALID_STATE', `An incident that is ${status} cannot be ${action}`, [
      { path: 'status', message: `The incident is ${status}` },
    ]),
};

/** The audit record of an operator action: the calling consumer, its client, the time, a note. */
export const actionBy = (caller: Caller, note: string | undefined) => ({
  by: caller.consumer,
  clientId: caller.clientId,
  at: new Date().toISOString(),
  ...(note !== undefined && { note }),
});

/** 200 with the incident, or the problem that says why the action was refused. */
export const answerAction = (id: string, action: string, result: ActionOutcome) => {
  switch (result.outcome) {
    case 'not-found':
      throw incidentErrors.notFound(id);
    case 'invalid-state':
      throw incidentErrors.invalidState(action, result.status);
    case 'done':
      return json(200, toIncident(result.incident));
  }
};
