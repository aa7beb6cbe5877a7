/**
 * The orders API's routes: one Lambda function per route. The API stack builds its resources,
 * methods, functions, grants and throttles from this table; the OpenAPI generator documents it;
 * the local runtime serves what the synthesized template says (and a test checks the two agree).
 */
export type OrdersScope = 'orders.read' | 'orders.write';

/** DynamoDB actions a route may be granted on the orders table. */
export type OrdersTableAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:Query'
  | 'dynamodb:DescribeTable';

export interface RouteDefinition {
  /** Stable id: construct ids, metric dimensions, fault-injection targets, OpenAPI operationId. */
  readonly id: RouteId;
  readonly method: 'GET' | 'POST';
  /** API Gateway path, with `{param}` placeholders. */
  readonly path: string;
  /** Handler file, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly summary: string;
  /** `public` routes need no credential; others need an OAuth token with one of these scopes and an API key. */
  readonly auth:
    | { readonly type: 'public' }
    | { readonly type: 'oauth'; readonly scopes: readonly OrdersScope[] };
  /** What the function may touch: drives its IAM grants and environment. */
  readonly access: {
    readonly ordersTable: readonly OrdersTableAction[];
    /** Queries the per-customer index (needs `dynamodb:Query` on the index). */
    readonly ordersByCustomerIndex?: boolean;
    readonly idempotencyTable?: boolean;
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
      // No queue: the table's stream carries the order to fulfilment (the outbox).
      ordersTable: ['dynamodb:PutItem'],
      idempotencyTable: true,
      pricing: true,
    },
  },
  {
    id: 'getOrder',
    method: 'GET',
    path: '/orders/{orderId}',
    entry: 'functions/orders/get-order.ts',
    summary: 'Read one order',
    auth: { type: 'oauth', scopes: ['orders.read'] },
    access: { ordersTable: ['dynamodb:GetItem'] },
  },
  {
    id: 'listOrders',
    method: 'GET',
    path: '/orders',
    entry: 'functions/orders/list-orders.ts',
    summary: "List a customer's orders, newest first",
    auth: { type: 'oauth', scopes: ['orders.read'] },
    access: { ordersTable: [], ordersByCustomerIndex: true },
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
    // The table's status, never its items: no item read, no use of the data key.
    access: { ordersTable: ['dynamodb:DescribeTable'] },
  },
];
