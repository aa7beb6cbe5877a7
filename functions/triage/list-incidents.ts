import { HttpError } from '#commons/errors';
import { httpRoute, json } from '#commons/http';
import * as validators from '#commons/validators';
import { triageStore } from './operator.ts';

const store = triageStore();

const encodeCursor = (key: Record<string, unknown>): string =>
  Buffer.from(JSON.stringify(key)).toString('base64url');

/** A cursor is the index key of the last item of a page; anything else is refused. */
const decodeCursor = (cursor: string): Record<string, unknown> => {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    const fields = Object.keys(key).sort().join(',');
    if (fields === 'gsi1pk,gsi1sk,pk,sk' && Object.values(key).every((v) => typeof v === 'string'))
      return key;
  } catch {
    // Falls through to the 400.
  }
  throw new HttpError(400, 'INVALID_CURSOR', 'The cursor is not valid', [
    { path: 'query.cursor', message: 'Pass the nextCursor of a previous page, unchanged' },
  ]);
};

/** GET /triage/incidents: triaged incidents, newest first, with their top hypothesis. */
export const handler = httpRoute(
  { routeId: 'listTriagedIncidents', query: validators.triagedIncidentsQuery },
  async ({ query }) => {
    const page = await store.list(
      query.limit ?? 20,
      query.cursor ? decodeCursor(query.cursor) : undefined,
    );
    return json(200, {
      items: page.items.map((record) => ({
        incidentId: record.incidentId,
        alarmName: record.alarmName,
        openedAt: record.openedAt,
        triagedAt: record.triagedAt,
        topHypothesis: record.hypotheses[0] ?? null,
        reviewed: record.hypotheses.filter((h) => h.review).length,
        accepted: record.hypotheses.filter((h) => h.review?.decision === 'accepted').length,
      })),
      nextCursor: page.nextKey ? encodeCursor(page.nextKey) : null,
    });
  },
);
