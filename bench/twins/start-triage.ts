/**
 * startTriage's Powertools-only twin: the same asynchronous Invoke of the triage function, through
 * a traced Lambda client (and no DynamoDB client, as the route has none), instrumented by hand.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { clientIdOf, instrumented, json, requireEnv, tracer } from './powertools.ts';

const lambda = tracer.captureAWSv3Client(new LambdaClient({}));
const functionName = requireEnv('TRIAGE_FUNCTION_NAME');

export const handler = instrumented(async (event) => {
  const incidentId = event.pathParameters?.incidentId;
  if (incidentId === undefined) return json(400, { message: 'incidentId is required' });
  await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: Buffer.from(
        JSON.stringify({ source: 'operator', incidentId, requestedBy: clientIdOf(event) }),
      ),
    }),
  );
  return json(
    202,
    { incidentId, status: 'started' },
    { location: `/triage/incidents/${encodeURIComponent(incidentId)}` },
  );
});
