import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { requireCaller } from '#commons/caller';
import { httpRoute, json } from '#commons/http';
import * as validators from '#commons/validators';
import { tracer } from '#powertools';
import { requiredEnv, TRIAGE_ENV } from './env-names.ts';
import type { StartTriageEvent } from './on-page.ts';

const lambda = tracer.captureAWSv3Client(new LambdaClient({}));
const functionName = requiredEnv(TRIAGE_ENV.functionName);

/**
 * POST /triage/incidents/{incidentId}/runs: triage an incident again (or for the first time). The
 * incident id names the alarm and when it opened; the triage function reads the alarm back and
 * stores the record as a page would. Asynchronous: 202, then read the incident.
 */
export const handler = httpRoute(
  { routeId: 'startTriage', path: validators.incidentPath },
  async ({ path, caller }) => {
    const operator = requireCaller(caller);
    const event: StartTriageEvent = {
      source: 'operator',
      incidentId: path.incidentId,
      requestedBy: operator.consumer,
    };
    await lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify(event)),
      }),
    );
    return json(
      202,
      { incidentId: path.incidentId, status: 'started' },
      { location: `/triage/incidents/${encodeURIComponent(path.incidentId)}` },
    );
  },
);
