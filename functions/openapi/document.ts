import {
  extendZodWithOpenApi,
  OpenAPIRegistry,
  OpenApiGeneratorV3,
  type RouteConfig,
  zodToOpenAPIRegistry,
} from '@asteasolutions/zod-to-openapi/dist/index.mjs';
import { z } from 'zod';
import {
  CancelOrderRequestSchema,
  CreateOrderRequestSchema,
  HealthSchema,
  IdempotencyKeySchema,
  LineItemSchema,
  ListOrdersQuerySchema,
  OrderPageSchema,
  OrderPathSchema,
  OrderSchema,
  ProblemSchema,
} from '../commons/schemas.ts';
import { ROUTES, type RouteDefinition, type RouteId } from '../routes.ts';

// The package has no `exports` map, so plain imports load its CommonJS build, which sees another
// copy of zod; the ESM build shares the handlers' zod.
/**
 * The OpenAPI 3 document, generated from the same zod schemas the handlers validate with and
 * the same route table the API stack is built from: there is no second, hand-written spec.
 */
extendZodWithOpenApi(z);

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is not valid (see error.details)',
  401: 'Missing or invalid bearer token',
  403: 'Missing API key, or the token lacks the scope',
  404: 'No such order',
  409: 'The order is not in a state that allows this, or the same Idempotency-Key is in progress',
  413: 'The body is larger than the limit',
  415: 'The body is not application/json',
  422: 'The Idempotency-Key was used with a different body',
  429: 'Throttled or over quota',
  500: 'Unexpected error (no internals are returned)',
  503: 'A dependency is unavailable; retry later',
};

type Operation = Pick<RouteConfig, 'request'> & {
  readonly success: {
    readonly status: number;
    readonly description: string;
    readonly schema: z.ZodType;
  };
  readonly errors: readonly number[];
};

const OrderIdParams = OrderPathSchema;

/** Per route: its request and responses. A Record, so a new route without docs fails to compile. */
const OPERATIONS: Record<RouteId, Operation> = {
  createOrder: {
    request: {
      headers: z.object({
        'Idempotency-Key': IdempotencyKeySchema.optional().openapi({
          description:
            'Makes the request safe to retry: the same key and body return the original response',
        }),
      }),
      body: {
        required: true,
        content: { 'application/json': { schema: CreateOrderRequestSchema } },
      },
    },
    success: { status: 201, description: 'The order was created', schema: OrderSchema },
    errors: [400, 409, 413, 415, 422, 503],
  },
  getOrder: {
    request: { params: OrderIdParams },
    success: { status: 200, description: 'The order', schema: OrderSchema },
    errors: [400, 404],
  },
  listOrders: {
    request: { query: ListOrdersQuerySchema },
    success: {
      status: 200,
      description: "A page of the customer's orders",
      schema: OrderPageSchema,
    },
    errors: [400],
  },
  cancelOrder: {
    request: {
      params: OrderIdParams,
      body: {
        required: false,
        content: { 'application/json': { schema: CancelOrderRequestSchema } },
      },
    },
    success: { status: 200, description: 'The cancelled order', schema: OrderSchema },
    errors: [400, 404, 409, 413, 415],
  },
  health: {
    success: { status: 200, description: 'The service and DynamoDB answer', schema: HealthSchema },
    errors: [],
  },
};

/**
 * Named components. The schemas are built before zod is extended with `.openapi()` (handlers
 * never load this module), so they are named through the generator's metadata registry.
 */
const COMPONENTS: Record<string, z.ZodType> = {
  Order: OrderSchema,
  OrderPage: OrderPageSchema,
  CreateOrderRequest: CreateOrderRequestSchema,
  CancelOrderRequest: CancelOrderRequestSchema,
  LineItem: LineItemSchema,
  Problem: ProblemSchema,
  Health: HealthSchema,
};

const problem = (status: number) => ({
  description: ERROR_DESCRIPTIONS[status] ?? 'Error',
  content: { 'application/json': { schema: ProblemSchema } },
});

const pathOperation = (route: RouteDefinition): RouteConfig => {
  const operation = OPERATIONS[route.id];
  const secured = route.auth.type === 'oauth';
  const errors = [...operation.errors, ...(secured ? [401, 403, 429] : []), 500];
  return {
    method: route.method.toLowerCase() as RouteConfig['method'],
    path: route.path,
    operationId: route.id,
    summary: route.summary,
    tags: [route.id === 'health' ? 'health' : 'orders'],
    security:
      route.auth.type === 'oauth'
        ? [{ oauth2: route.auth.scopes.map((scope) => `orders/${scope}`), apiKey: [] }]
        : [],
    request: operation.request,
    responses: {
      [operation.success.status]: {
        description: operation.success.description,
        content: { 'application/json': { schema: operation.success.schema } },
      },
      ...(route.id === 'health'
        ? {
            503: {
              description: 'DynamoDB is unreachable',
              content: { 'application/json': { schema: HealthSchema } },
            },
          }
        : {}),
      ...Object.fromEntries([...new Set(errors)].sort().map((status) => [status, problem(status)])),
    },
  };
};

/** Builds the document. `serverUrl` is where the API is served. */
export const buildOpenApiDocument = (serverUrl = 'http://127.0.0.1:3000') => {
  const registry = new OpenAPIRegistry();
  for (const [refId, schema] of Object.entries(COMPONENTS)) {
    zodToOpenAPIRegistry.add(schema, { _internal: { refId } });
  }
  registry.registerComponent('securitySchemes', 'oauth2', {
    type: 'oauth2',
    description: 'Client-credentials access token from the stage Cognito user pool',
    flows: {
      clientCredentials: {
        tokenUrl: 'https://<your-domain>.auth.<region>.amazoncognito.com/oauth2/token',
        scopes: {
          'orders/orders.read': 'Read orders',
          'orders/orders.write': 'Create and cancel orders',
        },
      },
    },
  });
  registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'x-api-key',
    description: "The consumer's usage-plan key: meters and throttles, does not authenticate",
  });
  for (const route of ROUTES) registry.registerPath(pathOperation(route));
  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'Orders API',
      version: '1.0.0',
      description:
        'Create, read, list and cancel orders. Every error has the body {"error":{"code","message","details"}}.',
    },
    servers: [{ url: serverUrl }],
  });
};
