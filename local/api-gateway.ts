/**
 * The parts of API Gateway (REST, v1) the local runtime reproduces in-process: matching a
 * request to a method of the template, and building the Lambda proxy event a handler receives.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { CONSUMER_METADATA } from '#routes';
import type { ApiRoute, TemplateResolver } from './template.ts';

/** An API key of the template, with its local id and a fresh value. */
export interface LocalApiKey {
  /** The consumer it belongs to (`orders:consumer` metadata), or the logical id. */
  readonly name: string;
  /** Same value the template's `Ref` to the key resolves to locally (what `apiKeyId` carries). */
  readonly id: string;
  /** What a client sends in `x-api-key`. */
  readonly value: string;
}

/** Every enabled `AWS::ApiGateway::ApiKey` of the templates. */
export const readApiKeys = (resolver: TemplateResolver): LocalApiKey[] =>
  resolver.stacks.flatMap(({ stackName, template }) =>
    Object.entries(template.Resources ?? {})
      .filter(
        ([, resource]) =>
          resource.Type === 'AWS::ApiGateway::ApiKey' && resource.Properties?.Enabled !== false,
      )
      .map(([logicalId, resource]) => {
        const name = resource.Metadata?.[CONSUMER_METADATA];
        return {
          name: typeof name === 'string' ? name : logicalId,
          id: String(resolver.resolve(stackName, { Ref: logicalId })),
          value: `local-${randomBytes(16).toString('hex')}`,
        };
      }),
  );

export interface RouteMatch {
  readonly route: ApiRoute;
  readonly pathParameters: Record<string, string>;
}

export type MatchResult =
  | { readonly kind: 'found'; readonly match: RouteMatch }
  | { readonly kind: 'method-not-allowed'; readonly allowed: readonly string[] }
  | { readonly kind: 'not-found' };

interface CompiledPath {
  readonly regex: RegExp;
  readonly names: readonly string[];
  /** Literal segments win over `{param}` ones, as in API Gateway. */
  readonly specificity: number;
  readonly routes: ApiRoute[];
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const safeDecode = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

/** Compiles the template's resource paths into matchers (`{id}` one segment, `{proxy+}` the rest). */
export const createRouteMatcher = (
  routes: readonly ApiRoute[],
): ((method: string, path: string) => MatchResult) => {
  const byPath = new Map<string, CompiledPath>();
  for (const route of routes) {
    const existing = byPath.get(route.path);
    if (existing) {
      existing.routes.push(route);
      continue;
    }
    const names: string[] = [];
    let specificity = 0;
    const segments = route.path
      .split('/')
      .filter(Boolean)
      .map((segment) => {
        const greedy = /^\{(.+)\+\}$/.exec(segment);
        if (greedy?.[1]) {
          names.push(greedy[1]);
          return '(.+)';
        }
        const param = /^\{(.+)\}$/.exec(segment);
        if (param?.[1]) {
          names.push(param[1]);
          return '([^/]+)';
        }
        specificity++;
        return escapeRegex(segment);
      });
    byPath.set(route.path, {
      regex: new RegExp(`^/${segments.join('/')}$`),
      names,
      specificity,
      routes: [route],
    });
  }
  const compiled = [...byPath.values()].sort((a, b) => b.specificity - a.specificity);

  return (method, rawPath) => {
    const path = rawPath.length > 1 ? rawPath.replace(/\/+$/, '') : rawPath;
    for (const candidate of compiled) {
      const found = candidate.regex.exec(path);
      if (!found) continue;
      const route = candidate.routes.find((r) => r.method === method || r.method === 'ANY');
      if (!route)
        return { kind: 'method-not-allowed', allowed: candidate.routes.map((r) => r.method) };
      const pathParameters: Record<string, string> = {};
      candidate.names.forEach((name, index) => {
        pathParameters[name] = safeDecode(found[index + 1] ?? '');
      });
      return { kind: 'found', match: { route, pathParameters } };
    }
    return { kind: 'not-found' };
  };
};

export interface ProxyEventInput {
  readonly match: RouteMatch;
  readonly method: string;
  /** Request path without the query string, as sent. */
  readonly path: string;
  readonly searchParams: URLSearchParams;
  /** `IncomingMessage.rawHeaders`: names with their original case, repeated names kept. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly stage: string;
  readonly requestId: string;
  /** The API key the request sent, when the method requires one. */
  readonly apiKey?: Pick<LocalApiKey, 'id' | 'value'>;
  readonly claims?: Record<string, string>;
  /** Content types API Gateway passes base64-encoded (the RestApi's BinaryMediaTypes). */
  readonly binaryMediaTypes?: readonly string[];
}

const multiValue = (pairs: Iterable<[string, string]>): Record<string, string[]> | null => {
  const result: Record<string, string[]> = {};
  let any = false;
  for (const [key, value] of pairs) {
    any = true;
    const list = result[key] ?? [];
    list.push(value);
    result[key] = list;
  }
  return any ? result : null;
};

const lastValues = (multi: Record<string, string[]> | null): Record<string, string> | null =>
  multi === null
    ? null
    : Object.fromEntries(Object.entries(multi).map(([key, values]) => [key, values.at(-1) ?? '']));

const headerPairs = (rawHeaders: readonly string[]): [string, string][] => {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2)
    pairs.push([rawHeaders[i] as string, rawHeaders[i + 1] as string]);
  return pairs;
};

const isBinary = (
  contentType: string | undefined,
  binaryMediaTypes: readonly string[],
): boolean => {
  if (contentType === undefined || binaryMediaTypes.length === 0) return false;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return binaryMediaTypes.some((pattern) => {
    const wanted = pattern.toLowerCase();
    if (wanted === '*/*') return true;
    if (wanted.endsWith('/*')) return type.startsWith(wanted.slice(0, -1));
    return type === wanted;
  });
};

/** A REST API (v1) Lambda proxy event, shaped as API Gateway sends it. */
export const buildProxyEvent = (input: ProxyEventInput): APIGatewayProxyEvent => {
  const { match, method, path, stage, requestId } = input;
  const multiValueHeaders = multiValue(headerPairs(input.rawHeaders)) ?? {};
  const headers = lastValues(multiValueHeaders) ?? {};
  const multiValueQueryStringParameters = multiValue(input.searchParams.entries());
  const contentType = Object.entries(headers).find(
    ([name]) => name.toLowerCase() === 'content-type',
  )?.[1];
  const binary = isBinary(contentType, input.binaryMediaTypes ?? []);
  const hasBody = input.body.length > 0;
  const now = new Date();
  const userAgent =
    Object.entries(headers).find(([name]) => name.toLowerCase() === 'user-agent')?.[1] ?? null;
  return {
    resource: match.route.path,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: lastValues(multiValueQueryStringParameters),
    multiValueQueryStringParameters,
    pathParameters: Object.keys(match.pathParameters).length > 0 ? match.pathParameters : null,
    stageVariables: null,
    body: hasBody ? input.body.toString(binary ? 'base64' : 'utf8') : null,
    isBase64Encoded: hasBody && binary,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      authorizer: input.claims ? { claims: input.claims } : null,
      domainName: 'localhost',
      domainPrefix: 'localhost',
      extendedRequestId: randomUUID(),
      httpMethod: method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: input.apiKey?.value ?? null,
        apiKeyId: input.apiKey?.id ?? null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: input.sourceIp,
        user: null,
        userAgent,
        userArn: null,
      },
      path: `/${stage}${path}`,
      protocol: 'HTTP/1.1',
      requestId,
      requestTime: now.toUTCString(),
      requestTimeEpoch: now.getTime(),
      resourceId: match.route.methodLogicalId,
      resourcePath: match.route.path,
      stage,
    },
  };
};

/** Header lookup on Node's lower-cased headers. */
export const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};
