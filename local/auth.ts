/**
 * The local stand-in for the Cognito user pool: an OAuth issuer that signs RS256 access tokens
 * with a key pair made at start, and verifies them the way API Gateway's Cognito authorizer does
 * (signature, issuer, expiry, token_use, scopes). The claims it hands to handlers look like the
 * ones Cognito delivers for a client-credentials token.
 */
import { randomUUID } from 'node:crypto';
import { type CryptoKey, errors, generateKeyPair, type JWTPayload, jwtVerify, SignJWT } from 'jose';

export const LOCAL_ISSUER = 'urn:orders:local-issuer';
export const LOCAL_CLIENT_ID = 'local-consumer';
/** Cognito resource-server scopes, as API Gateway methods list them. */
export const ALL_SCOPES = ['orders/orders.read', 'orders/orders.write'] as const;

export interface IssueTokenOptions {
  /** @default 'local-consumer' */
  readonly clientId?: string;
  /** @default both orders scopes */
  readonly scopes?: readonly string[];
  /** jose duration (`'12h'`) or seconds since the epoch. @default '12h' */
  readonly expiresIn?: string | number;
}

/** Cognito authorizer claims: every value is a string, as API Gateway passes them. */
export type AuthorizerClaims = Record<string, string>;

export type VerifyResult =
  | { readonly ok: true; readonly claims: AuthorizerClaims }
  | {
      readonly ok: false;
      readonly status: 401 | 403;
      readonly code: 'UNAUTHORIZED' | 'FORBIDDEN';
      readonly message: string;
    };

export interface LocalTokenIssuer {
  readonly issuer: string;
  issueToken(options?: IssueTokenOptions): Promise<string>;
  /**
   * Checks an `Authorization` header for a method needing any of `requiredScopes`
   * (API Gateway grants access when the token has at least one of the method's scopes).
   */
  verify(
    authorization: string | undefined,
    requiredScopes: readonly string[],
  ): Promise<VerifyResult>;
}

const unauthorized = (message: string): VerifyResult => ({
  ok: false,
  status: 401,
  code: 'UNAUTHORIZED',
  message,
});

/** Creates an issuer with a fresh RS256 key pair; tokens from another run never verify. */
export const createLocalTokenIssuer = async (): Promise<LocalTokenIssuer> => {
  const { privateKey, publicKey }: { privateKey: CryptoKey; publicKey: CryptoKey } =
    await generateKeyPair('RS256');
  const kid = randomUUID();
  return {
    issuer: LOCAL_ISSUER,
    issueToken: async (options = {}) => {
      const clientId = options.clientId ?? LOCAL_CLIENT_ID;
      return new SignJWT({
        client_id: clientId,
        scope: (options.scopes ?? ALL_SCOPES).join(' '),
        token_use: 'access',
        version: 2,
        auth_time: Math.floor(Date.now() / 1000),
      })
        .setProtectedHeader({ alg: 'RS256', kid })
        .setIssuer(LOCAL_ISSUER)
        .setSubject(clientId)
        .setIssuedAt()
        .setJti(randomUUID())
        .setExpirationTime(options.expiresIn ?? '12h')
        .sign(privateKey);
    },
    verify: async (authorization, requiredScopes) => {
      if (!authorization)
        return unauthorized('Missing Authorization header: send Authorization: Bearer <token>');
      const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
      const token = match?.[1];
      if (token === undefined) return unauthorized('Authorization header must be: Bearer <token>');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, publicKey, {
          issuer: LOCAL_ISSUER,
          algorithms: ['RS256'],
        }));
      } catch (error) {
        if (error instanceof errors.JWTExpired) return unauthorized('The access token has expired');
        return unauthorized('The access token is invalid');
      }
      if (payload.token_use !== 'access') return unauthorized('An access token is required');
      const granted = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
      if (requiredScopes.length > 0 && !requiredScopes.some((scope) => granted.includes(scope))) {
        return {
          ok: false,
          status: 403,
          code: 'FORBIDDEN',
          message: `The access token lacks the scope this route needs (one of: ${requiredScopes.join(', ')})`,
        };
      }
      const claims: AuthorizerClaims = {};
      for (const [key, value] of Object.entries(payload)) {
        claims[key] = typeof value === 'string' ? value : String(value);
      }
      return { ok: true, claims };
    },
  };
};
