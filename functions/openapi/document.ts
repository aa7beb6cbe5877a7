import * as z from 'zod/mini';
import { CORRELATION_ID_HEADER, REPLAY_HEADER } from '../commons/headers.ts';
import {
  CancelOrderRequestSchema,
  ContactSchema,
  CreateOrderRequestSchema,
  HealthSchema,
  IdempotencyKeySchema,
  LineItemSchema,
  ListOrdersQuerySchema,
  OrderLineRequestSchema,
  OrderPageSchema,
  OrderPathSchema,
  OrderSchema,
  ProblemSchema,
} from '../commons/schemas.ts';
import {
  IncidentActionRequestSchema,
  IncidentListSchema,
  IncidentPathSchema,
  IncidentSchema,
} from '../incidents/schemas.ts';
import {
  GATEWAY_PROBLEMS,
  gatewayProblemReaches,
  HANDLER_PROBLEMS,
  oauthScope,
  type ProblemTable,
  ROUTES,
  type RouteDefinition,
  type RouteId,
} from '../routes.ts';
import {
  HypothesisPathSchema,
  HypothesisSchema,
  ListIncidentsQuerySchema,
  ReviewRequestSchema,
  IncidentPageSchema as TriagedIncidentPageSchema,
  IncidentPathSchema as TriagedIncidentPathSchema,
  IncidentSchema as TriagedIncidentSchema,
  TriageStartedSchema,
} from '../triage/schemas.ts';

/**
 * The OpenAPI 3 document, generated from the same zod schemas the handlers validate with and
 * the same route table the API stack is built from: there is no second, hand-written spec.
 *
 * zod converts each schema to JSON Schema itself (`z.toJSONSchema`, OpenAPI 3.0 dialect); this
 * module only lays the result out as paths, parameters and components. A generator library
 * would need the classic zod API, which the handlers avoid for cold-start time (commons/zod.ts).
 */

type JsonSchema = Record<string, unknown>;
type Schema = z.ZodMiniType;

/** What each status means to a client; the codes a route answers with follow in the document. */
const STATUS_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is not valid (see error.details)',
  401: 'Missing, expired or invalid bearer token',
  403: "Missing or wrong API key, an API key of another consumer than the token's, a token without the scope, or blocked by the firewall",
  404: "Not found: no such order or another consumer's order (ORDER_NOT_FOUND), no such incident (INCIDENT_NOT_FOUND), or no such route or method",
  409: 'Conflicts with the current state',
  413: 'The body is larger than the limit',
  415: 'The body is not application/json',
  422: 'Understood but not processable',
  429: 'Throttled or over quota; retry later',
  500: 'Unexpected error (no internals are returned)',
  502: 'The function failed (no internals are returned)',
  503: 'A dependency is unavailable, or a fault was injected; retry later',
  504: 'The function did not answer within 29 s; the request may have taken effect',
};

/** An OpenAPI link: a later request that takes its parameters from this response. */
interface Link {
  readonly operationId: RouteId;
  readonly parameters: Readonly<Record<string, string>>;
  readonly description: string;
}

interface Operation {
  readonly params?: z.ZodMiniObject;
  readonly query?: z.ZodMiniObject;
  readonly headers?: Readonly<
    Record<string, { readonly schema: Schema; readonly required: boolean }>
  >;
  readonly body?: { readonly schema: Schema; readonly required: boolean };
  readonly success: {
    readonly status: number;
    readonly description: string;
    readonly schema: Schema;
    /** Response headers, by name: whether every such response carries it, and what it is. */
    readonly headers?: Readonly<
      Record<string, { readonly required: boolean; readonly description: string }>
    >;
    readonly links?: Readonly<Record<string, Link>>;
  };
  /** Another body the route answers with, besides problems (health's own 503). */
  readonly alternative?: {
    readonly status: number;
    readonly description: string;
    readonly schema: Schema;
  };
}

const orderIdFromBody = { orderId: '$response.body#/orderId' } as const;
const GET_ORDER_LINK: Link = {
  operationId: 'getOrder',
  parameters: orderIdFromBody,
  description: 'Read the order back',
};
const LIST_CUSTOMER_ORDERS_LINK: Link = {
  operationId: 'listOrders',
  parameters: { customerId: '$response.body#/customerId' },
  description: "List the customer's orders",
};
const CANCEL_ORDER_LINK: Link = {
  operationId: 'cancelOrder',
  parameters: orderIdFromBody,
  description: 'Cancel the order',
};

/** Per route: its request and success response. A Record, so a new route without docs fails to compile. */
const OPERATIONS: Record<RouteId, Operation> = {
  createOrder: {
    headers: { 'Idempotency-Key': { schema: IdempotencyKeySchema, required: false } },
    body: { schema: CreateOrderRequestSchema, required: true },
    success: {
      status: 201,
      description: 'The order was created (or, for a repeated Idempotency-Key, replayed)',
      schema: OrderSchema,
      headers: {
        Location: { required: true, description: 'Path of the new order' },
        [REPLAY_HEADER]: {
          required: false,
          description:
            '`true` when this is the stored response of an earlier request with the same Idempotency-Key',
        },
      },
      links: {
        GetOrder: GET_ORDER_LINK,
        CancelOrder: CANCEL_ORDER_LINK,
        ListCustomerOrders: LIST_CUSTOMER_ORDERS_LINK,
      },
    },
  },
  getOrder: {
    params: OrderPathSchema,
    success: {
      status: 200,
      description: 'The order',
      schema: OrderSchema,
      links: { CancelOrder: CANCEL_ORDER_LINK },
    },
  },
  listOrders: {
    query: ListOrdersQuerySchema,
    success: {
      status: 200,
      description: "A page of the customer's orders",
      schema: OrderPageSchema,
    },
  },
  cancelOrder: {
    params: OrderPathSchema,
    body: { schema: CancelOrderRequestSchema, required: false },
    success: {
      status: 200,
      description: 'The cancelled order',
      schema: OrderSchema,
      links: { GetOrder: GET_ORDER_LINK },
    },
  },
  health: {
    success: { status: 200, description: 'The service and DynamoDB answer', schema: HealthSchema },
    alternative: { status: 503, description: 'DynamoDB is unreachable', schema: HealthSchema },
  },
  listIncidents: {
    success: {
      status: 200,
      description: 'The open incidents (OPEN or ACKNOWLEDGED), newest first',
      schema: IncidentListSchema,
    },
  },
  getIncident: {
    params: IncidentPathSchema,
    success: { status: 200, description: 'The incident', schema: IncidentSchema },
  },
  acknowledgeIncident: {
    params: IncidentPathSchema,
    body: { schema: IncidentActionRequestSchema, required: false },
    success: {
      status: 200,
      description: 'The acknowledged incident: no further tier is paged',
      schema: IncidentSchema,
    },
  },
  resolveIncident: {
    params: IncidentPathSchema,
    body: { schema: IncidentActionRequestSchema, required: false },
    success: { status: 200, description: 'The resolved incident', schema: IncidentSchema },
  },
  listTriagedIncidents: {
    query: ListIncidentsQuerySchema,
    success: {
      status: 200,
      description: 'A page of triaged incidents',
      schema: TriagedIncidentPageSchema,
    },
  },
  getTriagedIncident: {
    params: TriagedIncidentPathSchema,
    success: { status: 200, description: 'The triaged incident', schema: TriagedIncidentSchema },
  },
  reviewHypothesis: {
    params: HypothesisPathSchema,
    body: { schema: ReviewRequestSchema, required: true },
    success: {
      status: 200,
      description: 'The hypothesis with its review',
      schema: HypothesisSchema,
    },
  },
  startTriage: {
    params: TriagedIncidentPathSchema,
    success: {
      status: 202,
      description: 'Triage started; read the incident when it is stored',
      schema: TriageStartedSchema,
      headers: { Location: { required: true, description: 'Path of the incident' } },
    },
  },
};

/**
 * Every problem a route can answer with, by status: its own, those of the handler chain, and
 * API Gateway's that reach it. Sorted, without duplicates.
 */
export const routeProblems = (route: RouteDefinition): Record<number, string[]> => {
  const merged = new Map<number, Set<string>>();
  const add = (table: ProblemTable) => {
    for (const [status, codes] of Object.entries(table)) {
      const set = merged.get(Number(status)) ?? new Set<string>();
      for (const code of codes ?? []) set.add(code);
      merged.set(Number(status), set);
    }
  };
  add(route.problems);
  add(HANDLER_PROBLEMS);
  for (const problem of GATEWAY_PROBLEMS) {
    if (!gatewayProblemReaches(problem, route)) continue;
    add(Object.fromEntries(problem.statuses.map((status) => [status, [problem.code]])));
  }
  return Object.fromEntries(
    [...merged.entries()]
      .filter(([, codes]) => codes.size > 0)
      .sort(([a], [b]) => a - b)
      .map(([status, codes]) => [status, [...codes].sort()]),
  );
};

/** Named components, by the side of the exchange they describe (defaults differ: input vs output). */
const REQUEST_COMPONENTS = {
  CreateOrderRequest: CreateOrderRequestSchema,
  CancelOrderRequest: CancelOrderRequestSchema,
  OrderLineRequest: OrderLineRequestSchema,
  Contact: ContactSchema,
  IncidentActionRequest: IncidentActionRequestSchema,
  ReviewRequest: ReviewRequestSchema,
} as const;
const RESPONSE_COMPONENTS = {
  Order: OrderSchema,
  LineItem: LineItemSchema,
  Contact: ContactSchema,
  OrderPage: OrderPageSchema,
  Problem: ProblemSchema,
  Health: HealthSchema,
  Incident: IncidentSchema,
  IncidentList: IncidentListSchema,
  TriagedIncidentPage: TriagedIncidentPageSchema,
  TriagedIncident: TriagedIncidentSchema,
  Hypothesis: HypothesisSchema,
} as const;

const COMPONENT_REF = '#/components/schemas/';

const withoutDialect = ({ $schema: _dialect, ...schema }: JsonSchema): JsonSchema => schema;

/** JSON Schemas of a set of named schemas, referring to each other by `$ref`. */
const components = (named: Readonly<Record<string, Schema>>, io: 'input' | 'output') => {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'openapi-3.0',
    io,
    uri: (id) => `${COMPONENT_REF}${id}`,
  }) as { schemas: Record<string, JsonSchema> };
  // OpenAPI 3.0 schema objects have no `$id`: components are addressed by their key.
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $id: _id, ...schema }]) => [id, withoutDialect(schema)]),
  );
};

/** A schema used in an operation: a `$ref` when it is a component, inline otherwise. */
const schemaRef = (schema: Schema, io: 'input' | 'output'): JsonSchema => {
  const named = io === 'input' ? REQUEST_COMPONENTS : RESPONSE_COMPONENTS;
  const id = Object.entries(named).find(([, candidate]) => candidate === schema)?.[0];
  return id
    ? { $ref: `${COMPONENT_REF}${id}` }
    : withoutDialect(z.toJSONSchema(schema, { target: 'openapi-3.0', io }) as JsonSchema);
};

/**
 * Path and query parameters arrive as text; each is documented as the value it is parsed to
 * (`limit` is an integer from 1 to 100, not a string of digits).
 */
const parameters = (location: 'path' | 'query', object: z.ZodMiniObject | undefined) => {
  if (!object) return [];
  const json = z.toJSONSchema(object, { target: 'openapi-3.0', io: 'output' }) as {
    properties: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(json.properties).map(([name, schema]) => ({
    name,
    in: location,
    required: location === 'path' || (json.required ?? []).includes(name),
    ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
    schema,
  }));
};

const jsonContent = (schema: JsonSchema) => ({ 'application/json': { schema } });

/** The problem body, its `error.code` narrowed to the codes this response can carry. */
const problemSchema = (codes: readonly string[]): JsonSchema => ({
  allOf: [
    { $ref: `${COMPONENT_REF}Problem` },
    {
      type: 'object',
      properties: {
        error: { type: 'object', properties: { code: { type: 'string', enum: [...codes] } } },
      },
    },
  ],
});

/**
 * The correlation id, as a request header: documented as free text because an invalid value is
 * ignored rather than refused, so no value makes a request fail.
 */
const CORRELATION_ID_PARAMETER = {
  name: 'X-Correlation-Id',
  in: 'header',
  required: false,
  description:
    'Optional id to follow this request through the service logs, the fulfilment queue and the worker. Used when it is 1–128 letters, digits, `.`, `_`, `:` or `-`; any other value is ignored (never an error) and the API request id is used instead. Returned as the `x-correlation-id` response header.',
  schema: { type: 'string' },
} as const;

/** The correlation id on a response: every answer of the service's functions carries it. */
const correlationResponseHeader = (required: boolean) => ({
  [CORRELATION_ID_HEADER]: {
    description: required
      ? 'The correlation id of this request: the valid X-Correlation-Id sent, else the API request id'
      : "The correlation id of this request, on every answer of the service's functions; API Gateway's own answers (missing or invalid credentials, throttling) carry x-amzn-requestid instead",
    required,
    schema: { type: 'string' },
  },
});

const problemResponse = (status: number, codes: readonly string[]) => ({
  description: `${STATUS_DESCRIPTIONS[status] ?? 'Error'}. Codes: ${codes.join(', ')}`,
  headers: correlationResponseHeader(false),
  content: jsonContent(problemSchema(codes)),
});

const pathOperation = (route: RouteDefinition) => {
  const operation = OPERATIONS[route.id];
  const { success, alternative } = operation;
  const headerParameters = Object.entries(operation.headers ?? {}).map(([name, header]) => {
    const schema = schemaRef(header.schema, 'input');
    return {
      name,
      in: 'header',
      required: header.required,
      ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
      schema,
    };
  });
  const allParameters = [
    ...parameters('path', operation.params),
    ...parameters('query', operation.query),
    ...headerParameters,
    CORRELATION_ID_PARAMETER,
  ];
  const responses: Record<string, unknown> = {
    [success.status]: {
      description: success.description,
      headers: {
        ...Object.fromEntries(
          Object.entries(success.headers ?? {}).map(([name, header]) => [
            name,
            {
              description: header.description,
              required: header.required,
              schema: { type: 'string' },
            },
          ]),
        ),
        ...correlationResponseHeader(true),
      },
      content: jsonContent(schemaRef(success.schema, 'output')),
      ...(success.links
        ? {
            links: Object.fromEntries(
              Object.entries(success.links).map(([name, link]) => [name, { ...link }]),
            ),
          }
        : {}),
    },
  };
  for (const [status, codes] of Object.entries(routeProblems(route))) {
    const problem = problemResponse(Number(status), codes);
    responses[status] =
      alternative?.status === Number(status)
        ? {
            description: `${alternative.description}; or a problem (${codes.join(', ')})`,
            headers: correlationResponseHeader(true),
            content: jsonContent({
              anyOf: [schemaRef(alternative.schema, 'output'), problemSchema(codes)],
            }),
          }
        : problem;
  }
  if (alternative && responses[alternative.status] === undefined) {
    responses[alternative.status] = {
      description: alternative.description,
      headers: correlationResponseHeader(true),
      content: jsonContent(schemaRef(alternative.schema, 'output')),
    };
  }
  return {
    operationId: route.id,
    summary: route.summary,
    tags: [route.id === 'health' ? 'health' : 'orders'],
    // Alternatives: API Gateway admits a token holding any one of the method's scopes.
    security:
      route.auth.type === 'oauth'
        ? route.auth.scopes.map((scope) => ({ oauth2: [oauthScope(scope)], apiKey: [] }))
        : [],
    ...(allParameters.length > 0 ? { parameters: allParameters } : {}),
    ...(operation.body
      ? {
          requestBody: {
            required: operation.body.required,
            content: jsonContent(schemaRef(operation.body.schema, 'input')),
          },
        }
      : {}),
    responses,
  };
};

export type OpenApiOperation = ReturnType<typeof pathOperation>;

export interface OpenApiDocument {
  readonly openapi: string;
  readonly info: Record<string, string>;
  readonly servers: readonly { readonly url: string }[];
  readonly paths: Record<string, Partial<Record<'get' | 'post', OpenApiOperation>>>;
  readonly components: Record<string, unknown>;
}

/** Builds the document. `serverUrl` is where the API is served. */
export const buildOpenApiDocument = (serverUrl = 'http://127.0.0.1:3000'): OpenApiDocument => {
  const paths: OpenApiDocument['paths'] = {};
  for (const route of ROUTES) {
    paths[route.path] = {
      ...paths[route.path],
      [route.method.toLowerCase() as 'get' | 'post']: pathOperation(route),
    };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Orders API',
      version: '1.0.0',
      description:
        'Create, read, list and cancel orders. Every error has the body {"error":{"code","message","details"}}.',
    },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      schemas: {
        ...components(REQUEST_COMPONENTS, 'input'),
        ...components(RESPONSE_COMPONENTS, 'output'),
      },
      securitySchemes: {
        oauth2: {
          type: 'oauth2',
          description: 'Client-credentials access token from the stage Cognito user pool',
          flows: {
            clientCredentials: {
              tokenUrl: 'https://<your-domain>.auth.<region>.amazoncognito.com/oauth2/token',
              scopes: {
                'orders/orders.read': "Read the calling consumer's own orders",
                'orders/orders.write': "Create orders and cancel the calling consumer's own orders",
                'orders/orders.read.all': "Read every consumer's orders (reporting)",
              },
            },
          },
        },
        apiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'x-api-key',
          description: "The consumer's usage-plan key: meters and throttles, does not authenticate",
        },
      },
    },
  };
};
