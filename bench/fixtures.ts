import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { RouteId } from '#routes';

/** Requests and stored data the per-request benchmark uses; every request takes the happy path. */
export const ORDER_ID = 'ord_0123456789abcdef0123456789abcdef';
export const CUSTOMER_ID = 'cust-bench';
const CLIENT_ID = 'bench-client';

const ITEMS = [
  { sku: 'SKU-1', quantity: 2, unitPriceCents: 1250 },
  { sku: 'SKU-2', quantity: 1, unitPriceCents: 4999 },
];
/** A delivery contact, as every new order carries (fictional: a reserved example.org address). */
const CONTACT = {
  name: 'Bench Recipient',
  email: 'bench@example.org',
  phone: '+447700900000',
  address: { line1: '1 Bench Road', city: 'Benchton', postcode: 'BE1 1AA', country: 'GB' },
};
const SUBTOTAL_CENTS = ITEMS.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);

/** The catalog table's entries for {@link ITEMS}: the prices the order asserts are current. */
export const CATALOG_ITEMS = ITEMS.map(({ sku, unitPriceCents }) => ({
  sku,
  active: true,
  prices: { EUR: unitPriceCents },
}));

/** Catalog table name of the benchmark environment (see env.ts). */
export const CATALOG_TABLE = 'bench-catalog';

/** The pricing service's answer for {@link ITEMS}: consistent, so no fallback is taken. */
export const PRICING_QUOTE = {
  subtotalCents: SUBTOTAL_CENTS,
  discountCents: 0,
  totalCents: SUBTOTAL_CENTS,
};

/** An order as the table stores it. */
export const storedOrder = (status = 'PENDING') => ({
  orderId: ORDER_ID,
  customerId: CUSTOMER_ID,
  owner: 'bench',
  ownerCustomer: `bench#${CUSTOMER_ID}`,
  status,
  currency: 'EUR',
  items: ITEMS,
  subtotalCents: SUBTOTAL_CENTS,
  discountCents: 0,
  totalCents: SUBTOTAL_CENTS,
  pricingSource: 'quote',
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  contact: CONTACT,
});

/** Incidents and triage table names of the benchmark environment (see env.ts). */
export const INCIDENTS_TABLE = 'bench-incidents';
export const TRIAGE_TABLE = 'bench-triage';
export const TRIAGE_BY_OPENED_INDEX = 'byOpened';

const OPENED_AT = '2025-01-01T00:00:00.000Z';
const INCIDENT_ALARM = 'Orders-bench-alarm';
/** A paging incident's id: `<alarm name>#<ISO time it opened>`. */
const INCIDENT_ID = `${INCIDENT_ALARM}#${OPENED_AT}`;
const TRIAGE_ALARM = 'Orders-bench-slo-create-availability-page-fast';
/** An incident id of the triage routes: `<alarm name>#<ISO time>`. */
const TRIAGE_INCIDENT_ID = `${TRIAGE_ALARM}#${OPENED_AT}`;

/**
 * A paging incident as the incidents table stores it: open, first tier paged. The mocks answer
 * every read with it, so acknowledging or resolving it succeeds on every request.
 */
export const storedIncident = (status = 'OPEN') => ({
  id: INCIDENT_ID,
  kind: 'incident',
  alarmName: INCIDENT_ALARM,
  openedAt: OPENED_AT,
  status,
  reason:
    'Threshold Crossed: 1 out of the last 1 datapoints [12.0] was greater than the threshold (5.0)',
  description: 'Orders API 5xx above 5 a minute',
  tier: 0,
  pages: [{ tier: 'primary', at: OPENED_AT }],
  ...(status === 'OPEN' || status === 'ACKNOWLEDGED' ? { openKey: 'open' } : {}),
});

/** The incident after an acknowledgement by the benchmark's operator client. */
export const acknowledgedIncident = () => ({
  ...storedIncident('ACKNOWLEDGED'),
  acknowledged: { by: 'bench', clientId: CLIENT_ID, at: '2025-01-01T00:05:00.000Z' },
});

/**
 * A triage record as the triage table stores it (keys, index keys, the evidence bundle as JSON
 * text): two pieces of evidence, two ranked hypotheses, the first reviewed once.
 */
export const storedTriageRecord = () => ({
  pk: `INCIDENT#${TRIAGE_INCIDENT_ID}`,
  sk: 'RECORD',
  gsi1pk: 'INCIDENTS',
  gsi1sk: `${OPENED_AT}#${TRIAGE_INCIDENT_ID}`,
  incidentId: TRIAGE_INCIDENT_ID,
  alarmName: TRIAGE_ALARM,
  openedAt: OPENED_AT,
  triagedAt: '2025-01-01T00:01:00.000Z',
  stage: 'bench',
  bundle: JSON.stringify({
    version: 1,
    incidentId: TRIAGE_INCIDENT_ID,
    alarmName: TRIAGE_ALARM,
    window: { start: '2024-12-31T23:30:00.000Z', end: OPENED_AT },
    evidence: [
      {
        id: 'alarm-1',
        source: 'alarm',
        summary: `${TRIAGE_ALARM} is in ALARM`,
        data: {
          kind: 'alarm',
          alarmName: TRIAGE_ALARM,
          state: 'ALARM',
          reason: 'Threshold Crossed',
          composite: false,
        },
      },
      {
        id: 'deployments-1',
        source: 'deployments',
        summary: 'orders 1.4.2 deployed 12 minutes before the alarm',
        data: {
          kind: 'deployment',
          service: 'orders',
          version: '1.4.2',
          commit: '0123456789abcdef0123456789abcdef01234567',
          deployedAt: '2024-12-31T23:48:00.000Z',
          status: 'succeeded',
          changes: ['createOrder: new validator'],
        },
      },
    ],
    sources: { alarm: { status: 'ok', ms: 40 }, deployments: { status: 'ok', ms: 55 } },
  }),
  hypotheses: [
    {
      id: 'h-1',
      title: 'The deployment before the alarm broke order creation',
      category: 'deployment',
      confidence: 0.7,
      evidenceIds: ['alarm-1', 'deployments-1'],
      nextSteps: ['Roll back orders 1.4.2'],
      source: 'baseline',
      review: { decision: 'accepted', reason: 'rolled back', by: 'bench', at: OPENED_AT },
    },
    {
      id: 'h-2',
      title: 'A dependency failed',
      category: 'dependency',
      confidence: 0.2,
      evidenceIds: ['alarm-1'],
      nextSteps: ['Check the pricing service'],
      source: 'baseline',
    },
  ],
  model: {
    outcome: 'disabled',
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    attempts: 0,
    ms: 0,
    dropped: [],
  },
  redactions: {},
  links: {
    dashboard: 'https://console.aws.amazon.com/cloudwatch/home#dashboards',
    runbook: 'https://example.org/runbooks/slo-create-availability.md',
    logQuery: 'https://console.aws.amazon.com/cloudwatch/home#logsV2:logs-insights',
  },
  expiresAt: 1_738_368_000,
});

/** A review decision in a triage record's audit trail, as the triage table stores it. */
export const storedTriageReview = () => ({
  pk: `INCIDENT#${TRIAGE_INCIDENT_ID}`,
  sk: `REVIEW#${OPENED_AT}#h-1`,
  hypothesisId: 'h-1',
  decision: 'accepted',
  reason: 'rolled back',
  by: 'bench',
  at: OPENED_AT,
  expiresAt: 1_738_368_000,
});

interface RequestShape {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly resource: string;
  readonly pathParameters?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly scope: string;
}

const REQUESTS: Readonly<Record<RouteId | 'baseline', () => RequestShape>> = {
  baseline: () => ({
    method: 'GET',
    path: `/orders/${ORDER_ID}`,
    resource: '/orders/{orderId}',
    pathParameters: { orderId: ORDER_ID },
    scope: 'orders/orders.read',
  }),
  getOrder: () => REQUESTS.baseline(),
  listOrders: () => ({
    method: 'GET',
    path: '/orders',
    resource: '/orders',
    query: { customerId: CUSTOMER_ID, limit: '20' },
    scope: 'orders/orders.read',
  }),
  createOrder: () => ({
    method: 'POST',
    path: '/orders',
    resource: '/orders',
    body: { customerId: CUSTOMER_ID, currency: 'EUR', items: ITEMS, contact: CONTACT },
    // A fresh key each time: every request is a first execution, never a replay.
    headers: { 'Idempotency-Key': randomUUID() },
    scope: 'orders/orders.write',
  }),
  cancelOrder: () => ({
    method: 'POST',
    path: `/orders/${ORDER_ID}/cancel`,
    resource: '/orders/{orderId}/cancel',
    pathParameters: { orderId: ORDER_ID },
    body: { reason: 'benchmark' },
    scope: 'orders/orders.write',
  }),
  health: () => ({ method: 'GET', path: '/health', resource: '/health', scope: '' }),
  listIncidents: () => ({
    method: 'GET',
    path: '/incidents',
    resource: '/incidents',
    scope: 'orders/incidents.operate',
  }),
  getIncident: () => incidentRequest('GET', ''),
  acknowledgeIncident: () => incidentRequest('POST', '/ack'),
  resolveIncident: () => incidentRequest('POST', '/resolve'),
  listTriagedIncidents: () => ({
    method: 'GET',
    path: '/triage/incidents',
    resource: '/triage/incidents',
    scope: 'orders/incidents.operate',
  }),
  getTriagedIncident: () => ({
    method: 'GET',
    path: `/triage/incidents/${encodeURIComponent(TRIAGE_INCIDENT_ID)}`,
    resource: '/triage/incidents/{incidentId}',
    pathParameters: { incidentId: TRIAGE_INCIDENT_ID },
    scope: 'orders/incidents.operate',
  }),
  reviewHypothesis: () => ({
    method: 'POST',
    path: `/triage/incidents/${encodeURIComponent(TRIAGE_INCIDENT_ID)}/hypotheses/h-1/review`,
    resource: '/triage/incidents/{incidentId}/hypotheses/{hypothesisId}/review',
    pathParameters: { incidentId: TRIAGE_INCIDENT_ID, hypothesisId: 'h-1' },
    body: { decision: 'accepted', reason: 'benchmark' },
    scope: 'orders/incidents.operate',
  }),
  startTriage: () => ({
    method: 'POST',
    path: `/triage/incidents/${encodeURIComponent(TRIAGE_INCIDENT_ID)}/runs`,
    resource: '/triage/incidents/{incidentId}/runs',
    pathParameters: { incidentId: TRIAGE_INCIDENT_ID },
    scope: 'orders/incidents.operate',
  }),
};

function incidentRequest(method: 'GET' | 'POST', action: '' | '/ack' | '/resolve'): RequestShape {
  return {
    method,
    path: `/incidents/${encodeURIComponent(INCIDENT_ID)}${action}`,
    resource: `/incidents/{incidentId}${action}`,
    pathParameters: { incidentId: INCIDENT_ID },
    ...(method === 'POST' && { body: {} }),
    scope: 'orders/incidents.operate',
  };
}

/** A REST API (v1) proxy event, as API Gateway sends it after the Cognito authorizer. */
export const apiEvent = (target: RouteId | 'baseline'): APIGatewayProxyEvent => {
  const request = REQUESTS[target]();
  const headers: Record<string, string> = {
    Accept: 'application/json',
    Host: 'api.bench.invalid',
    'User-Agent': 'bench/1.0',
    'X-Forwarded-For': '203.0.113.10',
    ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }),
    ...request.headers,
  };
  const query = request.query ?? null;
  return {
    resource: request.resource,
    path: request.path,
    httpMethod: request.method,
    headers,
    multiValueHeaders: Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, [value]]),
    ),
    queryStringParameters: query,
    multiValueQueryStringParameters: query
      ? Object.fromEntries(Object.entries(query).map(([name, value]) => [name, [value]]))
      : null,
    pathParameters: request.pathParameters ?? null,
    stageVariables: null,
    body: request.body === undefined ? null : JSON.stringify(request.body),
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'benchapi',
      authorizer: request.scope ? { claims: { client_id: CLIENT_ID, scope: request.scope } } : null,
      httpMethod: request.method,
      identity: {
        apiKeyId: 'bench-key',
        sourceIp: '203.0.113.10',
        userAgent: 'bench/1.0',
      } as APIGatewayProxyEvent['requestContext']['identity'],
      path: `/bench${request.path}`,
      protocol: 'HTTP/1.1',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'bench',
      resourcePath: request.resource,
      stage: 'bench',
    },
  };
};
