import { type OrdersScope, oauthScope, RESOURCE_SERVER_IDENTIFIER } from '#routes';

export { oauthScope, RESOURCE_SERVER_IDENTIFIER };

/** Every scope the resource server declares, with the description shown in Cognito. */
export const ORDERS_SCOPES: Readonly<Record<OrdersScope, string>> = {
  'orders.read': "Read the calling consumer's own orders",
  'orders.write': "Create orders and cancel the calling consumer's own orders",
  'orders.read.all': "Read every consumer's orders (reporting); grants no writes",
  'incidents.operate':
    'Operate incidents: read, acknowledge and resolve paging incidents; read triage, review hypotheses, start triage; no order data',
};
