/** Header a replayed response carries, so clients can tell a replay from a first execution. */
export const REPLAY_HEADER = 'idempotent-replayed';

/**
 * Request and response header carrying the correlation id: sent by a caller to follow its own
 * id through the logs, and returned on every response.
 */
export const CORRELATION_ID_HEADER = 'x-correlation-id';
