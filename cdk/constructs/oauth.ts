import type { OrdersScope } from '#routes';

/** Identifier of the Cognito resource server that owns the orders scopes. */
export const RESOURCE_SERVER_IDENTIFIER = 'orders';

/** Every scope the resource server declares, with the description shown in Cognito. */
export const ORDERS_SCOPES: Readonly<Record<OrdersScope, string>> = {
  'orders.read': 'Read orders',
  'orders.write': 'Create and cancel orders',
};

/**
 * The one mapping from a route-table scope (`orders.read`) to the OAuth scope string in access
 * tokens and in the authorizer's AuthorizationScopes (`orders/orders.read`): Cognito prefixes
 * custom scopes with the resource server identifier.
 */
export const oauthScope = (scope: OrdersScope): string => `${RESOURCE_SERVER_IDENTIFIER}/${scope}`;
