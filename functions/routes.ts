/**
 * The orders API's routes: one Lambda function per route. The API stack builds its resources,
 * methods, functions, grants and throttles from this table; the OpenAPI generator documents it;
 * the local runtime serves what the synthesized template says (and a test checks the two agree).
 */
export type OrdersScope = 'orders.read' | 'orders.write' | 'orders.read.all';

/** Identifier of the Cognito resource server that owns the orders scopes. */
export const RESOURCE_SERVER_IDENTIFIER = 'orders';

/**
 * The one mapping from a route-table scope (`orders.read`) to the OAuth scope string in access
 * tokens and in the authorizer's AuthorizationScopes (`orders/orders.read`): Cognito prefixes
 * custom scopes with the resource server identifier.
 */
export const oauthScope = (scope: OrdersScope): string => `${RESOURCE_SERVER_IDENTIFIER}/${scope}`;

/**
 * The scope that lifts ownership: its holder reads every consumer's orders. Only a consumer
 * whose stage config lists it can get a token with it; it grants no writes.
 */
export const READ_ALL_SCOPE: OrdersScope = 'orders.read.all';

/** DynamoDB actions a route may be granted on the orders table. */
export type OrdersTableAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:Query';

export interface RouteDefinition {
  /** Stable id: construct ids, metric dimensions, fault-injection targets, OpenAPI operationId. */
  readonly id: RouteId;
  readonly method: 'GET' | 'POST';
  /** API Gateway path, with `{param}` placeholders. */
  readonly path: string;
  /** Handler file, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly summary: string;
  /**
   * `public` routes need no credential; others need an OAuth token with one of these scopes and
   * the API key of the token's consumer, and answer only for that consumer's orders.
   */
  readonly auth:
    | { readonly type: 'public' }
    | { readonly type: 'oauth'; readonly scopes: readonly OrdersScope[] };
  /** What the function may touch: drives its IAM grants and environment. */
  readonly access: {
    readonly ordersTable: readonly OrdersTableAction[];
    /**
     * Queries the per-owner-and-customer index (every consumer's own orders) and the
     * per-customer index (orders.read.all), each needing `dynamodb:Query` on that index.
     */
    readonly ordersIndexes?: boolean;
    /** Reads the key that signs pagination cursors. */
    readonly cursorSecret?: boolean;
    readonly idempotencyTable?: boolean;
    readonly fulfilmentQueue?: boolean;
    readonly pricing?: boolean;
  };
}

/**
 * Template metadata the API stack puts on each route's function, and the local runtime reads to
 * find its handler.
 */
export const FUNCTION_METADATA = {
  routeId: 'orders:routeId',
  entry: 'orders:entry',
} as const;

/**
 * Template metadata on each consumer's Cognito app client and API key: the consumer's name, so
 * the local runtime can pair them (and name them) as the stage config does.
 */
export const CONSUMER_METADATA = 'orders:consumer';

export type RouteId = 'createOrder' | 'getOrder' | 'listOrders' | 'cancelOrder' | 'health';

export const ROUTES: readonly RouteDefinition[] = [
  {
    id: 'createOrder',
    method: 'POST',
    path: '/orders',
    entry: 'functions/orders/create-order.ts',
    summary: 'Create an order (idempotent with an Idempotency-Key header)',
    auth: { type: 'oauth', scopes: ['orders.write'] },
    access: {
      // GetItem: a retry whose first attempt committed but did not save its response reads the order.
      ordersTable: ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem'],
      idempotencyTable: true,
      fulfilmentQueue: true,
      pricing: true,
    },
  },
  {
    id: 'getOrder',
    method: 'GET',
    path: '/orders/{orderId}',
    entry: 'functions/orders/get-order.ts',
    summary: 'Read one order',
    auth: { type: 'oauth', scopes: ['orders.read', 'orders.read.all'] },
    access: { ordersTable: ['dynamodb:GetItem'] },
  },
  {
    id: 'listOrders',
    method: 'GET',
    path: '/orders',
    entry: 'functions/orders/list-orders.ts',
    summary: "List a customer's orders, newest first",
    auth: { type: 'oauth', scopes: ['orders.read', 'orders.read.all'] },
    access: { ordersTable: [], ordersIndexes: true, cursorSecret: true },
  },
  {
    id: 'cancelOrder',
    method: 'POST',
    path: '/orders/{orderId}/cancel',
    entry: 'functions/orders/cancel-order.ts',
    summary: 'Cancel an order that is PENDING or PROCESSING',
    auth: { type: 'oauth', scopes: ['orders.write'] },
    access: { ordersTable: ['dynamodb:UpdateItem', 'dynamodb:GetItem'] },
  },
  {
    id: 'health',
    method: 'GET',
    path: '/health',
    entry: 'functions/health/health.ts',
    summary: 'Check that the service and DynamoDB are reachable',
    auth: { type: 'public' },
    access: { ordersTable: ['dynamodb:GetItem'] },
  },
];
