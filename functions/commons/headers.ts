/** Header a replayed response carries, so clients can tell a replay from a first execution. */
export const REPLAY_HEADER = 'idempotent-replayed';
