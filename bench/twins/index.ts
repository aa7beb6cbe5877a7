import type { RouteId } from '#routes';

/**
 * Each route's Powertools-only twin: the second baseline of `npm run bench`. A route without one
 * is reported as such (a new route needs a twin here to be judged).
 */
export const TWIN_ENTRIES: Readonly<Partial<Record<RouteId, string>>> = {
  createOrder: 'bench/twins/create-order.ts',
  getOrder: 'bench/twins/get-order.ts',
  listOrders: 'bench/twins/list-orders.ts',
  cancelOrder: 'bench/twins/cancel-order.ts',
  health: 'bench/twins/health.ts',
  listIncidents: 'bench/twins/list-incidents.ts',
  getIncident: 'bench/twins/get-incident.ts',
  acknowledgeIncident: 'bench/twins/acknowledge-incident.ts',
  resolveIncident: 'bench/twins/resolve-incident.ts',
  listTriagedIncidents: 'bench/twins/list-triaged-incidents.ts',
  getTriagedIncident: 'bench/twins/get-triaged-incident.ts',
  reviewHypothesis: 'bench/twins/review-hypothesis.ts',
  startTriage: 'bench/twins/start-triage.ts',
};
