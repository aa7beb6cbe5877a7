import * as z from 'zod/mini';
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
import { oauthScope, ROUTES, type RouteDefinition, type RouteId } from '../routes.ts';

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

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is not valid (see error.details)',
  401: 'Missing or invalid bearer token',
  403: "Missing API key, an API key of another consumer than the token's, or the token lacks the scope",
  404: "No such order, or another consumer's order (ORDER_NOT_FOUND)",
  409: 'The order is not in a state that allows this, or the same Idempotency-Key is in progress',
  413: 'The body is larger than the limit',
  415: 'The body is not application/json',
  422: 'The Idempotency-Key was used with a different body',
  429: 'Throttled or over quota',
  500: 'Unexpected error (no internals are returned)',
  503: 'A dependency is unavailable; retry later',
};

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
  };
  readonly errors: readonly number[];
}

/** Per route: its request and responses. A Record, so a new route without docs fails to compile. */
const OPERATIONS: Record<RouteId, Operation> = {
  createOrder: {
    headers: { 'Idempotency-Key': { schema: IdempotencyKeySchema, required: false } },
    body: { schema: CreateOrderRequestSchema, required: true },
    success: { status: 201, description: 'The order was created', schema: OrderSchema },
    errors: [400, 409, 413, 415, 422, 503],
  },
  getOrder: {
    params: OrderPathSchema,
    success: { status: 200, description: 'The order', schema: OrderSchema },
    errors: [400, 404],
  },
  listOrders: {
    query: ListOrdersQuerySchema,
    success: {
      status: 200,
      description: "A page of the customer's orders",
      schema: OrderPageSchema,
    },
    errors: [400],
  },
  cancelOrder: {
    params: OrderPathSchema,
    body: { schema: CancelOrderRequestSchema, required: false },
    success: { status: 200, description: 'The cancelled order', schema: OrderSchema },
    errors: [400, 404, 409, 413, 415],
  },
  health: {
    success: { status: 200, description: 'The service and DynamoDB answer', schema: HealthSchema },
    errors: [],
  },
};

/** Named components, by the side of the exchange they describe (defaults differ: input vs output). */
const REQUEST_COMPONENTS = {
  CreateOrderRequest: CreateOrderRequestSchema,
  CancelOrderRequest: CancelOrderRequestSchema,
  LineItem: LineItemSchema,
} as const;
const RESPONSE_COMPONENTS = {
  Order: OrderSchema,
  OrderPage: OrderPageSchema,
  Problem: ProblemSchema,
  Health: HealthSchema,
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

const parameters = (location: 'path' | 'query', object: z.ZodMiniObject | undefined) => {
  if (!object) return [];
  const json = z.toJSONSchema(object, { target: 'openapi-3.0', io: 'input' }) as {
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

const pathOperation = (route: RouteDefinition) => {
  const operation = OPERATIONS[route.id];
  const secured = route.auth.type === 'oauth';
  const errors = [
    ...new Set([...operation.errors, ...(secured ? [401, 403, 429] : []), 500]),
  ].sort();
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
  ];
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
    responses: {
      [operation.success.status]: {
        description: operation.success.description,
        content: jsonContent(schemaRef(operation.success.schema, 'output')),
      },
      ...(route.id === 'health'
        ? {
            503: {
              description: 'DynamoDB is unreachable',
              content: jsonContent(schemaRef(HealthSchema, 'output')),
            },
          }
        : {}),
      ...Object.fromEntries(
        errors.map((status) => [
          status,
          {
            description: ERROR_DESCRIPTIONS[status] ?? 'Error',
            content: jsonContent(schemaRef(ProblemSchema, 'output')),
          },
        ]),
      ),
    },
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
