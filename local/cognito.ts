/**
 * The local stand-in for the Cognito user pool's domain: one app client per
 * `AWS::Cognito::UserPoolClient` of the template (id, generated secret, allowed scopes, token
 * validity), and the OAuth2 token endpoint `POST /oauth2/token` for the client-credentials grant
 * with HTTP Basic client authentication, answering as the Cognito domain does. Tokens come from
 * the local issuer (`auth.ts`), which the local API Gateway verifies them with.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONSUMER_METADATA } from '#routes';
import type { LocalTokenIssuer } from './auth.ts';
import type { TemplateResolver } from './template.ts';

/** An app client of the user pool, with its local id and secret. */
export interface LocalAppClient {
  readonly stackName: string;
  readonly logicalId: string;
  /** The consumer it belongs to (`orders:consumer` metadata), or the logical id. */
  readonly name: string;
  /** Same value the template's `Ref` to the client resolves to locally. */
  readonly clientId: string;
  readonly clientSecret: string;
  /** `AllowedOAuthScopes`, e.g. `orders/orders.read`. */
  readonly scopes: readonly string[];
  /** Lifetime of its access tokens, in seconds. */
  readonly accessTokenSeconds: number;
}

const UNIT_SECONDS: Readonly<Record<string, number>> = {
  seconds: 1,
  minutes: 60,
  hours: 3600,
  days: 86_400,
};

/** Every client-credentials app client of the templates, each with a fresh local secret. */
export const readAppClients = (resolver: TemplateResolver): LocalAppClient[] => {
  const clients: LocalAppClient[] = [];
  for (const { stackName, template } of resolver.stacks) {
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      if (resource.Type !== 'AWS::Cognito::UserPoolClient') continue;
      const props = resolver.resolve(stackName, resource.Properties ?? {}) as Record<
        string,
        unknown
      >;
      const flows = Array.isArray(props.AllowedOAuthFlows) ? props.AllowedOAuthFlows : [];
      if (!flows.includes('client_credentials')) continue;
      const validity = Number(props.AccessTokenValidity ?? 60);
      const units = (props.TokenValidityUnits as Record<string, string> | undefined)?.AccessToken;
      const metadataName = resource.Metadata?.[CONSUMER_METADATA];
      clients.push({
        stackName,
        logicalId,
        name: typeof metadataName === 'string' ? metadataName : logicalId,
        clientId: String(resolver.resolve(stackName, { Ref: logicalId })),
        clientSecret: randomBytes(32).toString('base64url'),
        scopes: Array.isArray(props.AllowedOAuthScopes) ? props.AllowedOAuthScopes.map(String) : [],
        accessTokenSeconds: validity * (UNIT_SECONDS[units ?? 'minutes'] ?? 60),
      });
    }
  }
  return clients;
};

export interface TokenEndpoint {
  /** `http://127.0.0.1:<port>/oauth2/token` */
  readonly url: string;
  stop(): Promise<void>;
}

type TokenAnswer = { readonly status: number; readonly body: Record<string, unknown> };

const oauthError = (error: string): TokenAnswer => ({ status: 400, body: { error } });

const sameSecret = (given: string, expected: string): boolean => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/** Answers one token request the way the Cognito domain's token endpoint does. */
export const answerTokenRequest = async (
  request: {
    readonly method: string;
    readonly path: string;
    readonly contentType: string | undefined;
    readonly authorization: string | undefined;
    readonly body: string;
  },
  clients: readonly LocalAppClient[],
  issuer: LocalTokenIssuer,
): Promise<TokenAnswer> => {
  if (request.path !== '/oauth2/token') return { status: 404, body: { error: 'not_found' } };
  if (request.method !== 'POST') return { status: 405, body: { error: 'invalid_request' } };
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(request.contentType ?? ''))
    return oauthError('invalid_request');
  const form = new URLSearchParams(request.body);
  const grantType = form.get('grant_type');
  if (!grantType) return oauthError('invalid_request');

  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(request.authorization?.trim() ?? '');
  const decoded = basic?.[1] ? Buffer.from(basic[1], 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  const client =
    colon > 0 ? clients.find((c) => c.clientId === decoded.slice(0, colon)) : undefined;
  if (!client || !sameSecret(decoded.slice(colon + 1), client.clientSecret))
    return oauthError('invalid_client');
  if (grantType !== 'client_credentials') return oauthError('unsupported_grant_type');

  // No scope asked: every scope the client is allowed. Asked: each must be allowed.
  const asked = (form.get('scope') ?? '').split(' ').filter(Boolean);
  if (asked.some((scope) => !client.scopes.includes(scope))) return oauthError('invalid_scope');
  const scopes = asked.length > 0 ? [...new Set(asked)] : client.scopes;
  const token = await issuer.issueToken({
    clientId: client.clientId,
    scopes,
    expiresIn: Math.floor(Date.now() / 1000) + client.accessTokenSeconds,
  });
  return {
    status: 200,
    body: { access_token: token, expires_in: client.accessTokenSeconds, token_type: 'Bearer' },
  };
};

const readText = async (request: IncomingMessage, limit = 64 * 1024): Promise<string> => {
  let text = '';
  for await (const chunk of request) {
    text += String(chunk);
    if (text.length > limit) break;
  }
  return text;
};

/** Serves the token endpoint on its own port of 127.0.0.1, as the Cognito domain is its own host. */
export const startTokenEndpoint = async (
  clients: readonly LocalAppClient[],
  issuer: LocalTokenIssuer,
  port = 0,
): Promise<TokenEndpoint> => {
  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const answer = await answerTokenRequest(
        {
          method: (request.method ?? 'GET').toUpperCase(),
          path: url.pathname,
          contentType: request.headers['content-type'],
          authorization: request.headers.authorization,
          body: await readText(request),
        },
        clients,
        issuer,
      );
      response.writeHead(answer.status, {
        'content-type': 'application/json;charset=UTF-8',
        'cache-control': 'no-store',
      });
      response.end(JSON.stringify(answer.body));
    })().catch((error: unknown) => {
      console.error(`token endpoint: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end('{"error":"server_error"}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/oauth2/token`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
