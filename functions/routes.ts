/**
 * The orders API's routes: one Lambda function per route. The API stack builds its resources,
 * methods, functions, grants and throttles from this table; the OpenAPI generator documents it;
 * the local runtime serves what the synthesized template says (and a test checks the two agree).
 */
export type OrdersScope = 'orders.read' | 'orders.write' | 'orders.read.all' | 'incidents.operate';

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

/**
 * The operators' scope: incident routes (triage review, paging acknowledgement). Only the stage's
 * operator client holds it; it grants no access to orders.
 */
export const INCIDENTS_SCOPE: OrdersScope = 'incidents.operate';

/** What an incident-triage route does with the triage records. */
export type TriageAccess = 'read' | 'review' | 'start';

/** DynamoDB actions a route may be granted on the orders table. */
export type OrdersTableAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:Query'
  | 'dynamodb:DescribeTable';

/**
 * Problem codes a response may carry, by HTTP status: `{ 409: ['INVALID_STATE'] }`. The OpenAPI
 * document lists exactly these, and the contract test fails on any other status or code.
 */
export type ProblemTable = Readonly<Partial<Record<number, readonly string[]>>>;

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
  /**
   * Problems this route's handler answers with, beyond those of every route
   * ({@link HANDLER_PROBLEMS}) and of API Gateway itself ({@link GATEWAY_PROBLEMS}).
   */
  readonly problems: ProblemTable;
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
    readonly pricing?: boolean;
    /** Reads SKUs from the catalog table (`dynamodb:BatchGetItem` only). */
    readonly catalog?: boolean;
    /** Reads (`read`) or also acknowledges and resolves (`write`) paging incidents. */
    readonly incidentsTable?: 'read' | 'write';
    /** Reads or reviews triage records, or starts a triage run (see `cdk/constructs/triage.ts`). */
    readonly triage?: TriageAccess;
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

export type RouteId =
  | 'createOrder'
  | 'getOrder'
  | 'listOrders'
  | 'cancelOrder'
  | 'health'
  | 'listIncidents'
  | 'getIncident'
  | 'acknowledgeIncident'
  | 'resolveIncident'
  | 'listTriagedIncidents'
  | 'getTriagedIncident'
  | 'reviewHypothesis'
  | 'startTriage';

/**
 * The routes that take no credential, as {@link ROUTES} says (a unit test holds the two equal).
 * A function decides from this set whether its route is authenticated, so that its bundle does
 * not carry the whole table; a route not listed is authenticated (fails closed).
 */
export const PUBLIC_ROUTES: ReadonlySet<RouteId> = /* @__PURE__ */ new Set<RouteId>(['health']);

export const ROUTES: readonly RouteDefinition[] = [
  {
    id: 'createOrder',
    method: 'POST',
    path: '/orders',
    entry: 'functions/orders/create-order.ts',
    summary: 'Create an order (idempotent with an Idempotency-Key header)',
    auth: { type: 'oauth', scopes: ['orders.write'] },
    problems: {
      400: ['MALFORMED_JSON'],
      409: ['IDEMPOTENCY_IN_PROGRESS', 'PRICE_CHANGED'],
      413: ['PAYLOAD_TOO_LARGE'],
      415: ['UNSUPPORTED_MEDIA_TYPE'],
      422: ['IDEMPOTENCY_KEY_REUSED', 'UNKNOWN_SKU'],
    },
    access: {
      // GetItem: a retry whose first attempt committed but did not save its response reads the order.
      // No queue: the table's stream carries the order to fulfilment (the outbox).
      ordersTable: ['dynamodb:PutItem', 'dynamodb:GetItem'],
      idempotencyTable: true,
      pricing: true,
      catalog: true,
    },
  },
  {
    id: 'getOrder',
    method: 'GET',
    path: '/orders/{orderId}',
    entry: 'functions/orders/get-order.ts',
    summary: 'Read one order',
    auth: { type: 'oauth', scopes: ['orders.read', 'orders.read.all'] },
    problems: { 404: ['ORDER_NOT_FOUND'] },
    access: { ordersTable: ['dynamodb:GetItem'] },
  },
  {
    id: 'listOrders',
    method: 'GET',
    path: '/orders',
    entry: 'functions/orders/list-orders.ts',
    summary: "List a customer's orders, newest first",
    auth: { type: 'oauth', scopes: ['orders.read', 'orders.read.all'] },
    problems: { 400: ['INVALID_CURSOR'] },
    access: { ordersTable: [], ordersIndexes: true, cursorSecret: true },
  },
  {
    id: 'cancelOrder',
    method: 'POST',
    path: '/orders/{orderId}/cancel',
    entry: 'functions/orders/cancel-order.ts',
    summary: 'Cancel an order that is PENDING or PROCESSING',
    auth: { type: 'oauth', scopes: ['orders.write'] },
    problems: {
      400: ['MALFORMED_JSON'],
      404: ['ORDER_NOT_FOUND'],
      409: ['INVALID_STATE'],
      413: ['PAYLOAD_TOO_LARGE'],
      415: ['UNSUPPORTED_MEDIA_TYPE'],
    },
    access: { ordersTable: ['dynamodb:UpdateItem', 'dynamodb:GetItem'] },
  },
  {
    id: 'health',
    method: 'GET',
    path: '/health',
    entry: 'functions/health/health.ts',
    summary: 'Check that the service and DynamoDB are reachable',
    auth: { type: 'public' },
    problems: {},
    // The table's status, never its items: no item read, no use of the data key.
    access: { ordersTable: ['dynamodb:DescribeTable'] },
  },
  {
    id: 'listIncidents',
    method: 'GET',
    path: '/incidents',
    entry: 'functions/incidents/list-incidents.ts',
    summary: 'List the open paging incidents (operators)',
    auth: { type: 'oauth', scopes: [INCIDENTS_SCOPE] },
    problems: {},
    access: { ordersTable: [], incidentsTable: 'read' },
  },
  {
    id: 'getIncident',
    method: 'GET',
    path: '/incidents/{incidentId}',
    entry: 'functions/incidents/get-incident.ts',
    summary: 'Read one paging incident (operators)',
    auth: { type: 'oauth', scopes: [INCIDENTS_SCOPE] },
    problems: { 404: ['INCIDENT_NOT_FOUND'] },
    access: { ordersTable: [], incidentsTable: 'read' },
  },
  {
    id: 'acknowledgeIncident',
    method: 'POST',
    path: '/incidents/{incidentId}/ack',
    entry: 'functions/incidents/acknowledge-incident.ts',
    summary: 'Acknowledge an open incident: escalation stops (operators)',
    auth: { type: 'oauth', scopes: [INCIDENTS_SCOPE] },
    problems: {
      400: ['MALFORMED_JSON'],
      404: ['INCIDENT_NOT_FOUND'],
      409: ['INVALID_STATE'],
      413: ['PAYLOAD_TOO_LARGE'],
      415: ['UNSUPPORTED_MEDIA_TYPE'],
    },
    access: { ordersTable: [], incidentsTable: 'write' },
  },
  {
    id: 'resolveIncident',
    method: 'POST',
    path: '/incidents/{incidentId}/resolve',
    entry: 'functions/incidents/resolve-incident.ts',
    summary: 'Resolve an incident (operators)',
    auth: { type: 'oauth', scopes: [INCIDENTS_SCOPE] },
    problems: {
      400: ['MALFORMED_JSON'],
      404: ['INCIDENT_NOT_FOUND'],
      409: ['INVALID_STATE'],
      413: ['PAYLOAD_TOO_LARGE'],
      415: ['UNSUPPORTED_MEDIA_TYPE'],
    },
    access: { ordersTable: [], incidentsTable: 'write' },
  },
  // Incident triage, for the operator client only (docs/triage.md).
  {
    id: 'listTriagedIncidents',
    method: 'GET',
    path: '/triage/incidents',
    entry: 'functions/triage/list-incidents.ts',
    summary: 'List triaged incidents, newest first',
    auth: { type: 'oauth', scopes: [INCIDENTS_SCOPE] },
    problems: { 400: ['INVALID_CURSOR'] },
    access: { ordersTable: [], triage: 'read' },
  },
  {
    id: 'getTriagedIncident',
    method: 'GET',
    path: '/triage/incidents/{incidentId}',
    entry: 'functions/triage/get-incident.ts',
    summary: 'Read one triaged incident: its evidence, hypotheses and reviews',
    auth: { type: 'oauth', scopes: [INCIDENTS_SCOPE] },
    problems: { 404: ['INCIDENT_NOT_FOUND'] },
    access: { ordersTable: [], triage: 'read' },
  },
  {
    id: 'reviewHypothesis',
    method: 'POST',
    path: '/triage/incidents/{incidentId}/hypotheses/{hypothesisId}/review',
    entry: 'functions/triage/review-hypothesis.ts',
    summary: 'Accept or reject one hypothesis, with a reason (audited)',
    auth: { type: 'oauth', scopes: [INCIDENTS_SCOPE] },
    problems: {
      400: ['MALFORMED_JSON'],
      404: ['INCIDENT_NOT_FOUND', 'HYPOTHESIS_NOT_FOUND'],
      413: ['PAYLOAD_TOO_LARGE'],
      415: ['UNSUPPORTED_MEDIA_TYPE'],
    },
    access: { ordersTable: [], triage: 'review' },
  },
  {
    id: 'startTriage',
    method: 'POST',
    path: '/triage/incidents/{incidentId}/runs',
    entry: 'functions/triage/start-triage.ts',
    summary: 'Start triage of an incident (its alarm name and opening time) again',
    auth: { type: 'oauth', scopes: [INCIDENTS_SCOPE] },
    problems: {},
    access: { ordersTable: [], triage: 'start' },
  },
];

/**
 * What every route's handler chain may answer: a repeated query parameter (400), an injected
 * fault in stages that allow fault injection (503), an unexpected error (500, no internals).
 */
export const HANDLER_PROBLEMS: ProblemTable = {
  400: ['VALIDATION_FAILED'],
  500: ['INTERNAL'],
  503: ['SERVICE_UNAVAILABLE'],
};

/** Which routes an API Gateway answer can reach. */
export type GatewayProblemScope = 'all' | 'authorized' | 'apiKey';

export interface GatewayProblem {
  /** `AWS::ApiGateway::GatewayResponse` ResponseType. */
  readonly type: string;
  /** Problem code of the response body. */
  readonly code: string;
  /** Statuses clients see with this response on this API. */
  readonly statuses: readonly number[];
  /**
   * Status set on the gateway response, where API Gateway's default is not the one to answer.
   * @default - API Gateway's default for the type
   */
  readonly statusCode?: number;
  readonly scope: GatewayProblemScope;
}

/**
 * API Gateway's own answers, in the problem shape of the handlers. The API stack defines one
 * gateway response per entry; the OpenAPI document lists each on the routes it can reach; the
 * local runtime answers from the synthesized gateway responses.
 */
export const GATEWAY_PROBLEMS: readonly GatewayProblem[] = [
  { type: 'UNAUTHORIZED', code: 'UNAUTHORIZED', statuses: [401], scope: 'authorized' },
  { type: 'ACCESS_DENIED', code: 'FORBIDDEN', statuses: [403], scope: 'authorized' },
  { type: 'INVALID_API_KEY', code: 'FORBIDDEN', statuses: [403], scope: 'apiKey' },
  // With no IAM-authorized methods, this is what an unknown route or method gets: say 404, not 403.
  {
    type: 'MISSING_AUTHENTICATION_TOKEN',
    code: 'ROUTE_NOT_FOUND',
    statuses: [404],
    statusCode: 404,
    scope: 'all',
  },
  { type: 'RESOURCE_NOT_FOUND', code: 'ROUTE_NOT_FOUND', statuses: [404], scope: 'all' },
  { type: 'THROTTLED', code: 'THROTTLED', statuses: [429], scope: 'all' },
  { type: 'QUOTA_EXCEEDED', code: 'QUOTA_EXCEEDED', statuses: [429], scope: 'apiKey' },
  { type: 'REQUEST_TOO_LARGE', code: 'PAYLOAD_TOO_LARGE', statuses: [413], scope: 'all' },
  { type: 'BAD_REQUEST_PARAMETERS', code: 'VALIDATION_FAILED', statuses: [400], scope: 'all' },
  { type: 'BAD_REQUEST_BODY', code: 'VALIDATION_FAILED', statuses: [400], scope: 'all' },
  { type: 'WAF_FILTERED', code: 'FORBIDDEN', statuses: [403], scope: 'all' },
  // Every other 4xx of API Gateway's; none is expected on this API's methods.
  { type: 'DEFAULT_4XX', code: 'BAD_REQUEST', statuses: [], scope: 'all' },
  // A function that throws or returns a malformed response is a 502; a gateway fault a 500.
  { type: 'DEFAULT_5XX', code: 'INTERNAL', statuses: [500, 502], scope: 'all' },
  // The 29-second integration timeout: the request may or may not have taken effect.
  { type: 'INTEGRATION_TIMEOUT', code: 'GATEWAY_TIMEOUT', statuses: [504], scope: 'all' },
];

/** Whether a gateway answer can reach a route. */
export const gatewayProblemReaches = (problem: GatewayProblem, route: RouteDefinition): boolean =>
  problem.scope === 'all' || route.auth.type === 'oauth';
