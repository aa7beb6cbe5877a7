import type { APIGatewayProxyEvent } from 'aws-lambda';
import { oauthScope, READ_ALL_SCOPE } from '../routes.ts';
import { httpErrors } from './errors.ts';
import type { Validated } from './validators/sources.ts';
import * as validators from './validators.ts';

/** Who is calling an authenticated route, as the handlers see it. */
export interface Caller {
  /** Consumer name from the stage config: the owner recorded on the orders it creates. */
  readonly consumer: string;
  /** OAuth client id of the token. */
  readonly clientId: string;
  /** The token carries `orders.read.all`: the caller may read every consumer's orders. */
  readonly readsAll: boolean;
}

/** One consumer as the stack describes it to the functions (`ORDERS_CONSUMERS`). */
export type ConsumerBinding = Validated['consumers'][number];

/** Parses the stack's consumer list; a malformed one fails the function's start, loudly. */
export const parseConsumers = (raw: string): ReadonlyMap<string, ConsumerBinding> => {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error('ORDERS_CONSUMERS is not JSON: the stack sets it to the list of consumers');
  }
  const consumers = validators.consumers.check(json);
  if (consumers === undefined)
    throw new Error(
      'ORDERS_CONSUMERS is malformed: the stack sets it to a list of { name, clientId, apiKeyId }',
    );
  return new Map(consumers.map((consumer) => [consumer.clientId, consumer]));
};

const READ_ALL = oauthScope(READ_ALL_SCOPE);

/**
 * Resolves the caller of an authenticated route from what API Gateway verified: the token's
 * client (authorizer claims) and the API key (`requestContext.identity.apiKeyId`). API Gateway
 * checks each on its own, and a usage-plan key is not tied to a Cognito client, so this refuses
 * a token of one consumer sent with the API key of another, and a client the stage does not know.
 */
export const resolveCaller = (
  event: APIGatewayProxyEvent,
  consumers: ReadonlyMap<string, ConsumerBinding>,
): Caller => {
  const claims = event.requestContext?.authorizer?.claims as Record<string, unknown> | undefined;
  const clientId = typeof claims?.client_id === 'string' ? claims.client_id : undefined;
  const consumer = clientId === undefined ? undefined : consumers.get(clientId);
  if (clientId === undefined || consumer === undefined)
    throw httpErrors.forbidden('The access token does not belong to a consumer of this API');
  if (event.requestContext.identity?.apiKeyId !== consumer.apiKeyId)
    throw httpErrors.forbidden("The API key does not belong to the access token's consumer");
  const scopes = typeof claims?.scope === 'string' ? claims.scope.split(' ') : [];
  return { consumer: consumer.name, clientId, readsAll: scopes.includes(READ_ALL) };
};

/** The caller of an authenticated route; the chain always sets it there. */
export const requireCaller = (caller: Caller | undefined): Caller => {
  if (caller === undefined)
    throw httpErrors.forbidden('This route needs an authenticated consumer');
  return caller;
};
