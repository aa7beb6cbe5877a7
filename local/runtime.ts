/**
 * The offline orders API: API Gateway and Lambda emulated in-process, AWS data services in moto.
 *
 * Everything comes from the synthesized templates: the emulator is provisioned from them, each
 * route's handler is found through its function's `orders:entry` metadata and gets the
 * function's environment resolved to the local resources, and requests are authorized as the
 * deployed methods are (Cognito scopes through a local token issuer, API keys).
 *
 * One runtime per process: handlers read their environment once, at module load.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { StageName } from '#config/stages';
import { type LocalAlarms, startLocalAlarms } from './alarms.ts';
import { buildProxyEvent, createRouteMatcher, header, readApiKeys } from './api-gateway.ts';
import { createLocalTokenIssuer, type IssueTokenOptions, type LocalTokenIssuer } from './auth.ts';
import { SAMPLE_CATALOG_FILE, seedLocalCatalog } from './catalog.ts';
import { createLocalCloudWatch, tapLambdaLogs } from './cloudwatch.ts';
import { readAppClients, startTokenEndpoint } from './cognito.ts';
import { readDashboards, startDashboardServer } from './dashboards.ts';
import { captureMetricsOutput, type EmfSink } from './emf.ts';
import { startEmulator } from './emulator.ts';
import { type LocalEscalation, prepareLocalEscalation } from './escalation.ts';
import {
  createGatewayResponder,
  type GatewayAnswerInput,
  type GatewayResponseSpec,
  readGatewayResponses,
} from './gateway-responses.ts';
import { createLambdaContext } from './lambda-context.ts';
import { REPO_ROOT } from './paths.ts';
import { type RunningPipes, startPipes } from './pipes.ts';
import { type PricingStub, type PricingStubConfig, startPricingStub } from './pricing-stub.ts';
import {
  LOCAL_CREDENTIALS,
  type ProvisionedStage,
  provisionStage,
  synthesizeLocalStage,
} from './provision.ts';
import { type ApiRoute, type StackTemplate, TemplateResolver } from './template.ts';
import { prepareLocalTriage, readTriageFunction } from './triage.ts';
import { startWarehouseStub, type WarehouseStub } from './warehouse-stub.ts';
import { startLocalWorker } from './worker.ts';
import { startXRayDaemon, traceHeaderFor, withTraceHeader } from './xray.ts';

/** API Gateway's payload limit; handlers enforce their own, smaller one. */
export const API_GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
/** API Gateway's integration timeout. */
const API_GATEWAY_TIMEOUT_MS = 29_000;

export interface LocalRuntimeOptions {
  /** Port of the API on 127.0.0.1; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Use this emulator instead of starting one (it is then left running on stop). */
  readonly emulatorEndpoint?: string;
  /**
   * Catalog file loaded into the stage's catalog table at start; `false` loads none.
   * @default the sample catalog, ops/catalog/sample.json
   */
  readonly catalogFile?: string | false;
  /** Initial pricing stub behaviour; change it later with `POST {pricingUrl}/__config`. */
  readonly pricing?: Partial<PricingStubConfig>;
  /** Stage whose templates are served. @default 'dev' */
  readonly stage?: StageName;
  /** Templates to serve instead of synthesizing `stage`. */
  readonly stacks?: readonly StackTemplate[];
  /**
   * Powertools log level of the handlers. Their JSON logs share stdout with the request log,
   * so only warnings and errors show by default. @default process.env.LOG_LEVEL ?? 'WARN'
   */
  readonly handlerLogLevel?: string;
  /**
   * Share of requests (and worker messages) logged at DEBUG whatever the level: the stage's
   * sampling is left out locally, where the console shows every line.
   * @default process.env.POWERTOOLS_LOGGER_SAMPLE_RATE ?? '0'
   */
  readonly handlerLogSampleRate?: string;
  /** Where the one-line-per-request log goes. @default console.log */
  readonly log?: (line: string) => void;
  /**
   * Receives the metrics (EMF documents) handlers print, instead of the console. This is the
   * seam for local metrics. @default drops them
   */
  readonly onMetrics?: EmfSink;
  /**
   * Also run the fulfilment worker (a child process, see `local/worker.ts`) with a warehouse
   * stub. @default false
   */
  readonly worker?: boolean;
  /**
   * Evaluate the templates' alarms and publish their notifications (`local/alarms.ts`);
   * `false` turns it off. @default on, with LOCAL_ALARM_TIME_SCALE (1: real time)
   */
  readonly alarms?: false | { readonly timeScale?: number; readonly intervalMs?: number };
  /**
   * Play the paging escalation (`local/escalation.ts`); `false` turns it off.
   * @default on, with LOCAL_ESCALATION_MINUTE_MS (60000: real time)
   */
  readonly escalation?: false | { readonly minuteMs?: number };
}

/** One consumer of the stage: its app client (id, secret, scopes) and its API key. */
export interface LocalConsumer {
  readonly name: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** OAuth scopes its client may be granted, e.g. `orders/orders.read`. */
  readonly scopes: readonly string[];
  /** Value for the `x-api-key` header. */
  readonly apiKey: string;
  readonly apiKeyId: string;
}

export interface LocalRuntime {
  /** Base URL of the API, e.g. `http://127.0.0.1:3000`. */
  readonly apiUrl: string;
  /** The token endpoint, as the user pool's domain serves it: `POST {tokenUrl}`. */
  readonly tokenUrl: string;
  /** Every consumer of the stage config, in its order. */
  readonly consumers: readonly LocalConsumer[];
  /** The first consumer's API key. */
  readonly apiKey: string;
  /** A token of the first consumer with all its scopes, valid as long as its client's tokens. */
  readonly token: string;
  readonly pricingUrl: string;
  readonly emulatorEndpoint: string;
  /** The local CloudWatch dashboards page (the stacks' dashboards, drawn from emulator metrics). */
  readonly dashboardUrl: string;
  readonly stage: StageName;
  readonly routes: readonly ApiRoute[];
  /** The template's gateway responses: how the runtime answers for API Gateway itself. */
  readonly gatewayResponses: readonly GatewayResponseSpec[];
  readonly provisioned: ProvisionedStage;
  readonly pricing: PricingStub;
  /** SKUs loaded into the catalog table at start. */
  readonly catalogSkus: number;
  /** The template's EventBridge Pipes (the orders outbox), played against the emulator. */
  readonly pipes: RunningPipes;
  /** The fulfilment worker and its warehouse stub, when started with `worker: true`. */
  readonly worker?: { readonly healthUrl: string; readonly warehouse: WarehouseStub };
  /** The alarms evaluated locally, unless turned off. */
  readonly alarms?: LocalAlarms;
  /** The paging escalation played locally, unless turned off. */
  readonly escalation?: LocalEscalation;
  /**
   * Mints a token from the local issuer, for the first consumer unless `clientId` says otherwise
   * (other scopes, client or expiry; no checks, unlike the token endpoint).
   */
  issueToken(options?: IssueTokenOptions): Promise<string>;
  stop(): Promise<void>;
}

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

interface LoadedRoute {
  readonly route: ApiRoute;
  readonly handler?: Handler;
}

/** Variables of the template that make no sense in-process or that the runtime chooses itself. */
const LOCALLY_OVERRIDDEN = new Set([
  'NODE_OPTIONS',
  'POWERTOOLS_LOG_LEVEL',
  'POWERTOOLS_LOGGER_SAMPLE_RATE',
  'PRICING_URL',
]);

let active = false;

const problemBody = (code: string, message: string, details: unknown = []): string =>
  JSON.stringify({ error: { code, message, details } });

class BodyTooLarge extends Error {}

/** Reads the body up to `limit` bytes; past it, drains the rest and throws {@link BodyTooLarge}. */
const readBody = async (request: IncomingMessage, limit: number): Promise<Buffer> => {
  const declared = Number(request.headers['content-length'] ?? 0);
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = declared > limit;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) tooLarge = true;
    if (!tooLarge) chunks.push(chunk as Buffer);
  }
  if (tooLarge) throw new BodyTooLarge();
  return Buffer.concat(chunks);
};

const setEnv = (values: Record<string, string>): (() => void) => {
  const previous = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(values)) {
    previous.set(name, process.env[name]);
    process.env[name] = value;
  }
  return () => {
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
};

const loadHandler = async (route: ApiRoute): Promise<Handler | undefined> => {
  const fn = route.function;
  if (fn === undefined) return undefined;
  const file = join(REPO_ROOT, fn.entry);
  if (!existsSync(file)) {
    throw new Error(
      `Route ${route.method} ${route.path}: handler file ${fn.entry} (orders:entry of ${fn.logicalId}) does not exist`,
    );
  }
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const handler = module[fn.handlerExport] ?? module.handler;
  if (typeof handler !== 'function') {
    throw new Error(
      `Route ${route.method} ${route.path}: ${fn.entry} does not export '${fn.handlerExport}'`,
    );
  }
  return handler as Handler;
};

const withTimeout = async <T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
};

const clock = (): string => new Date().toISOString().slice(11, 23);

/**
 * Starts the offline API: emulator (unless given), provisioning from the templates, pricing
 * stub, local token issuer and the HTTP server. `stop()` undoes all of it.
 */
export const startLocalRuntime = async (
  options: LocalRuntimeOptions = {},
): Promise<LocalRuntime> => {
  if (active)
    throw new Error(
      'A local runtime is already running in this process: handlers can be loaded only once',
    );
  active = true;
  const stage = options.stage ?? 'dev';
  const log = options.log ?? ((line: string) => console.log(line));
  const cleanups: (() => Promise<void> | void)[] = [];
  const stopAll = async (): Promise<void> => {
    while (cleanups.length > 0) {
      const cleanup = cleanups.pop();
      try {
        await cleanup?.();
      } catch (error) {
        console.error(`local runtime: cleanup failed: ${String(error)}`);
      }
    }
    active = false;
  };

  try {
    // Synthesis and the emulator's start are independent and both take a while: overlap them.
    // allSettled, so whatever did start is stopped when another part fails.
    const [emulatorResult, stacksResult, issuerResult, pricingResult] = await Promise.allSettled([
      options.emulatorEndpoint === undefined ? startEmulator() : undefined,
      options.stacks ?? synthesizeLocalStage(stage),
      createLocalTokenIssuer(),
      startPricingStub(options.pricing),
    ]);
    const emulator = emulatorResult.status === 'fulfilled' ? emulatorResult.value : undefined;
    if (emulator) cleanups.push(() => emulator.stop());
    if (pricingResult.status === 'fulfilled') cleanups.push(() => pricingResult.value.stop());
    for (const result of [emulatorResult, stacksResult, issuerResult, pricingResult]) {
      if (result.status === 'rejected') throw result.reason;
    }
    const stacks = (stacksResult as PromiseFulfilledResult<readonly StackTemplate[]>).value;
    const issuer = (issuerResult as PromiseFulfilledResult<LocalTokenIssuer>).value;
    const pricing = (pricingResult as PromiseFulfilledResult<PricingStub>).value;
    const emulatorEndpoint = emulator?.endpoint ?? (options.emulatorEndpoint as string);

    const provisioned = await provisionStage(emulatorEndpoint, stage, { stacks });
    const catalogFile = options.catalogFile ?? SAMPLE_CATALOG_FILE;
    const catalogSkus =
      catalogFile === false
        ? 0
        : await seedLocalCatalog(emulatorEndpoint, provisioned, catalogFile);
    const pipes = await startPipes(emulatorEndpoint, stacks, { region: provisioned.region });
    cleanups.push(() => pipes.stop());
    const functionEnv = Object.fromEntries(
      Object.entries(provisioned.functionEnv).filter(([name]) => !LOCALLY_OVERRIDDEN.has(name)),
    );
    const handlerLogSampleRate =
      options.handlerLogSampleRate ?? process.env.POWERTOOLS_LOGGER_SAMPLE_RATE ?? '0';
    const escalation =
      options.escalation === false
        ? undefined
        : await prepareLocalEscalation({
            resolver: new TemplateResolver(stacks, {
              endpoint: emulatorEndpoint,
              region: provisioned.region,
            }),
            endpoint: emulatorEndpoint,
            region: provisioned.region,
            log,
            ...options.escalation,
          });
    if (escalation) cleanups.push(() => escalation.stop());
    const restoreEnv = setEnv({
      ...escalation?.env,
      ...functionEnv,
      AWS_ENDPOINT_URL: emulatorEndpoint,
      AWS_REGION: provisioned.region,
      AWS_DEFAULT_REGION: provisioned.region,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      PRICING_URL: pricing.url,
      POWERTOOLS_LOG_LEVEL: options.handlerLogLevel ?? process.env.LOG_LEVEL ?? 'WARN',
      POWERTOOLS_LOGGER_SAMPLE_RATE: handlerLogSampleRate,
      // No X-Ray daemon locally.
      POWERTOOLS_TRACE_ENABLED: 'false',
      // Metrics on, as deployed, whatever the embedding process set: the runtime captures them.
      POWERTOOLS_METRICS_DISABLED: 'false',
      // The SDK's Node-version notice would otherwise print once per process.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    cleanups.push(restoreEnv);
    const handlerLogLevel = options.handlerLogLevel ?? process.env.LOG_LEVEL ?? 'WARN';
    // CloudWatch as played locally: EMF and per-request metrics, and log lines, into the emulator.
    const cloudwatch = createLocalCloudWatch({
      endpoint: emulatorEndpoint,
      region: provisioned.region,
    });
    cleanups.push(() => cloudwatch.stop());
    const resolver = new TemplateResolver(stacks, {
      endpoint: emulatorEndpoint,
      region: provisioned.region,
    });
    const dashboardServer = await startDashboardServer({
      dashboards: readDashboards(stacks, resolver),
      endpoint: emulatorEndpoint,
      region: provisioned.region,
      cloudwatch,
    });
    cleanups.push(() => dashboardServer.stop());
    cleanups.push(tapLambdaLogs(stacks, resolver, cloudwatch));
    const alarms =
      options.alarms === false
        ? undefined
        : startLocalAlarms({
            resolver,
            endpoint: emulatorEndpoint,
            region: provisioned.region,
            cloudwatch,
            log,
            ...options.alarms,
          });
    if (alarms) cleanups.push(() => alarms.stop());
    const restoreOutput = captureMetricsOutput({
      onEmf: (record) => {
        cloudwatch.putEmf(record);
        options.onMetrics?.(record);
      },
      // Shown only when the handlers' logs are: they explain metrics, not requests.
      ...(/^(DEBUG|TRACE|INFO)$/i.test(handlerLogLevel) && {
        onDiagnostic: (line: string) => console.error(line),
      }),
    });
    cleanups.push(restoreOutput);

    // The triage function on the page topic, and Lambda's Invoke API for it (local/triage.ts).
    const triageFunction = readTriageFunction(stacks, resolver);
    if (triageFunction) {
      const prepared = await prepareLocalTriage(triageFunction, {
        endpoint: emulatorEndpoint,
        region: provisioned.region,
        log,
      });
      cleanups.push(setEnv(prepared.environment));
      const triage = await prepared.start();
      cleanups.push(() => triage.stop());
    }

    // Handlers read their environment at load: import them only now.
    const loaded: LoadedRoute[] = [];
    for (const route of provisioned.routes)
      loaded.push({ route, handler: await loadHandler(route) });
    const handlers = new Map(loaded.map((entry) => [entry.route, entry.handler]));
    await escalation?.start();
    const match = createRouteMatcher(provisioned.routes);
    const binaryMediaTypes = stacks.flatMap(({ template }) =>
      Object.values(template.Resources ?? {})
        .filter((resource) => resource.Type === 'AWS::ApiGateway::RestApi')
        .flatMap((resource) =>
          Array.isArray(resource.Properties?.BinaryMediaTypes)
            ? resource.Properties.BinaryMediaTypes
            : [],
        )
        .map((type: unknown) => String(type).replace('~1', '/')),
    );

    const gatewayResponses = readGatewayResponses(stacks);
    const gatewayResponse = createGatewayResponder(gatewayResponses);

    // Consumers: each app client paired with the API key of the same consumer, as the stack made them.
    const apiKeys = readApiKeys(resolver);
    const appClients = readAppClients(resolver);
    const consumers: LocalConsumer[] = appClients.flatMap((client) => {
      const key = apiKeys.find((candidate) => candidate.name === client.name);
      return key
        ? [
            {
              name: client.name,
              clientId: client.clientId,
              clientSecret: client.clientSecret,
              scopes: client.scopes,
              apiKey: key.value,
              apiKeyId: key.id,
            },
          ]
        : [];
    });
    const first = consumers[0];
    if (first === undefined)
      throw new Error(
        'The templates define no consumer (a Cognito app client and an API key with orders:consumer metadata)',
      );
    const tokenEndpoint = await startTokenEndpoint(appClients, issuer);
    cleanups.push(() => tokenEndpoint.stop());
    const issueToken = (tokenOptions: IssueTokenOptions = {}) =>
      issuer.issueToken({ clientId: first.clientId, scopes: first.scopes, ...tokenOptions });
    const token = await issueToken();

    const apiNames = new Map(
      stacks.flatMap(({ stackName, template }) =>
        Object.entries(template.Resources ?? {})
          .filter(([, resource]) => resource.Type === 'AWS::ApiGateway::RestApi')
          .map(([logicalId, resource]) => [
            `${stackName}/${logicalId}`,
            String(resolver.resolve(stackName, resource.Properties?.Name ?? logicalId)),
          ]),
      ),
    );
    /** What one request met, for the API Gateway and Lambda metrics AWS would publish. */
    interface RequestTrace {
      route?: ApiRoute;
      durationMs?: number;
      functionError?: boolean;
    }

    const handle = async (
      request: IncomingMessage,
      response: ServerResponse,
      requestId: string,
      trace: RequestTrace,
    ): Promise<number> => {
      const send = (status: number, body: string, headers: Record<string, string> = {}): number => {
        response.writeHead(status, {
          'content-type': 'application/json',
          'x-amzn-requestid': requestId,
          ...headers,
        });
        response.end(body);
        return status;
      };
      /** API Gateway's own answer, from the template's gateway responses. */
      const sendGateway = (answer: Omit<GatewayAnswerInput, 'requestId'>): number => {
        const { status, headers, body } = gatewayResponse({ ...answer, requestId });
        return send(status, body, headers);
      };
      const method = (request.method ?? 'GET').toUpperCase();
      const url = new URL(request.url ?? '/', 'http://localhost');

      let body: Buffer;
      try {
        body = await readBody(request, API_GATEWAY_MAX_BODY_BYTES);
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          return sendGateway({
            responseType: 'REQUEST_TOO_LARGE',
            message: 'Request body exceeds the 10 MB API Gateway limit',
          });
        }
        throw error;
      }

      const found = match(method, url.pathname);
      if (found.kind !== 'found') {
        if (url.pathname === '/openapi.json' && method === 'GET') {
          const file = join(REPO_ROOT, 'docs', 'openapi.json');
          if (!existsSync(file)) {
            return send(
              404,
              problemBody('NOT_FOUND', 'docs/openapi.json does not exist yet: run npm run openapi'),
            );
          }
          return send(200, await readFile(file, 'utf8'));
        }
        // API Gateway answers an unknown method as it does an unknown path: without IAM
        // authorization, that is its "missing authentication token" response.
        return sendGateway({
          responseType: 'MISSING_AUTHENTICATION_TOKEN',
          message: `No route for ${method} ${url.pathname}`,
        });
      }
      const { route } = found.match;
      trace.route = route;

      if (route.mock) {
        response.writeHead(route.mock.statusCode, {
          'x-amzn-requestid': requestId,
          ...route.mock.headers,
        });
        response.end();
        return route.mock.statusCode;
      }

      let claims: Record<string, string> | undefined;
      if (route.authorizationType === 'COGNITO_USER_POOLS') {
        const verdict = await issuer.verify(
          header(request.headers, 'authorization'),
          route.authorizationScopes,
        );
        if (!verdict.ok) {
          return sendGateway({
            responseType: verdict.status === 401 ? 'UNAUTHORIZED' : 'ACCESS_DENIED',
            message: verdict.message,
          });
        }
        claims = verdict.claims;
      } else if (route.authorizationType !== 'NONE') {
        return send(
          500,
          problemBody(
            'NOT_EMULATED',
            `Authorization type ${route.authorizationType} is not emulated locally`,
          ),
        );
      }
      const sentKey = header(request.headers, 'x-api-key');
      const apiKey = apiKeys.find((key) => key.value === sentKey);
      if (route.apiKeyRequired && apiKey === undefined) {
        return sendGateway({
          responseType: 'INVALID_API_KEY',
          message: sentKey ? 'Invalid API key' : 'Missing API key: send the x-api-key header',
        });
      }

      const handler = handlers.get(route);
      const fn = route.function;
      if (handler === undefined || fn === undefined) {
        return send(
          500,
          problemBody('NOT_EMULATED', `${method} ${route.path} has no Lambda handler`),
        );
      }
      const event = buildProxyEvent({
        match: found.match,
        method,
        path: url.pathname,
        searchParams: url.searchParams,
        rawHeaders: request.rawHeaders,
        body,
        sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
        stage,
        requestId,
        ...(route.apiKeyRequired && apiKey && { apiKey }),
        ...(claims && { claims }),
        binaryMediaTypes,
      });
      const timeoutMs = Math.min(fn.timeoutSeconds * 1000, API_GATEWAY_TIMEOUT_MS);
      const startedAt = Date.now();
      const context = createLambdaContext(fn.functionName, {
        getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - startedAt)),
      });
      let result: APIGatewayProxyResult | 'timeout';
      const traceHeader = traceHeaderFor(header(request.headers, 'x-amzn-trace-id'));
      try {
        result = await withTimeout(
          withTraceHeader(traceHeader, () => handler(event, context)),
          timeoutMs,
        );
        trace.durationMs = Date.now() - startedAt;
      } catch (error) {
        trace.durationMs = Date.now() - startedAt;
        trace.functionError = true;
        // Lambda reports an unhandled error; API Gateway answers 502 without details.
        console.error(
          `[${requestId}] ${fn.routeId} threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
        return sendGateway({ status: 502, message: 'Internal server error' });
      }
      if (result === 'timeout') {
        trace.functionError = true;
        return sendGateway({
          responseType: 'INTEGRATION_TIMEOUT',
          message: `The ${fn.routeId} function timed out after ${timeoutMs} ms`,
        });
      }
      if (typeof result !== 'object' || result === null || !Number.isInteger(result.statusCode)) {
        trace.functionError = true;
        console.error(`[${requestId}] ${fn.routeId} returned a malformed proxy response`);
        return sendGateway({ status: 502, message: 'Malformed Lambda proxy response' });
      }
      const headers: Record<string, string | string[]> = {
        'x-amzn-requestid': requestId,
        'x-amzn-trace-id': traceHeader,
      };
      for (const [name, value] of Object.entries(result.headers ?? {}))
        headers[name.toLowerCase()] = String(value);
      for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
        headers[name.toLowerCase()] = values.map(String);
      }
      response.writeHead(result.statusCode, headers);
      response.end(
        result.body === undefined
          ? undefined
          : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'),
      );
      return result.statusCode;
    };

    const server: Server = createServer((request, response) => {
      const requestId = randomUUID();
      const startedAt = performance.now();
      const trace: RequestTrace = {};
      void handle(request, response, requestId, trace)
        .catch((error: unknown) => {
          console.error(
            `[${requestId}] local runtime error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          );
          if (!response.headersSent) {
            response.writeHead(500, { 'content-type': 'application/json' });
            response.end(problemBody('INTERNAL_ERROR', 'Local runtime error'));
          }
          return 500;
        })
        .then((status) => {
          const ms = Math.round(performance.now() - startedAt);
          const { route } = trace;
          if (route && !route.mock) {
            cloudwatch.recordRequest({
              apiName: apiNames.get(`${route.stackName}/${route.restApiLogicalId}`) ?? 'unknown',
              stage,
              method: route.method,
              resource: route.path,
              status,
              latencyMs: performance.now() - startedAt,
              ...(route.function && { functionName: route.function.functionName }),
              ...(trace.durationMs !== undefined && { durationMs: trace.durationMs }),
              ...(trace.functionError && { functionError: true }),
            });
          }
          log(`${clock()} ${request.method} ${request.url} ${status} ${ms}ms ${requestId}`);
        });
    });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const { port } = server.address() as AddressInfo;

    let worker: LocalRuntime['worker'];
    if (options.worker) {
      const warehouse = await startWarehouseStub();
      cleanups.push(() => warehouse.stop());
      const xrayDaemon = await startXRayDaemon({
        endpoint: emulatorEndpoint,
        region: provisioned.region,
      });
      cleanups.push(() => xrayDaemon.stop());
      const process = await startLocalWorker({
        xrayDaemonAddress: xrayDaemon.address,
        onEmf: (record) => cloudwatch.putEmf(record),
        onLogLine: (logGroup, line) => cloudwatch.putLog(logGroup, line),
        stacks,
        endpoint: emulatorEndpoint,
        region: provisioned.region,
        warehouseUrl: warehouse.url,
        logLevel: handlerLogLevel,
        logSampleRate: handlerLogSampleRate,
        log,
      });
      // Stopped before the emulator and the stubs: it drains against them.
      cleanups.push(async () => {
        await process.stop();
      });
      worker = { healthUrl: process.healthUrl, warehouse };
    }

    return {
      apiUrl: `http://127.0.0.1:${port}`,
      tokenUrl: tokenEndpoint.url,
      consumers,
      apiKey: first.apiKey,
      token,
      pricingUrl: pricing.url,
      emulatorEndpoint,
      dashboardUrl: dashboardServer.url,
      stage,
      routes: provisioned.routes,
      gatewayResponses,
      provisioned,
      pricing,
      catalogSkus,
      pipes,
      ...(worker && { worker }),
      ...(alarms && { alarms }),
      ...(escalation && { escalation }),
      issueToken,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
};
