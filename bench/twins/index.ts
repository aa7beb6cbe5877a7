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
};
