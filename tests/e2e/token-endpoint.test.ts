import { describe, expect, inject, it } from 'vitest';
import { call, expectProblem, orderRequest, uniqueCustomer } from './http.ts';

/**
 * The local runtime's stand-in for the Cognito domain's token endpoint: the client-credentials
 * grant with HTTP Basic client authentication, for every consumer of the stage config, with the
 * requested scopes checked against the client's. A deployed stage's token endpoint is Cognito
 * itself, so this runs locally only.
 */
const local = inject('e2eTarget') === 'local';
const tokenUrl = inject('tokenUrl') ?? '';
const clients = inject('appClients');
const clientOf = (name: string) => {
  const client = clients.find((c) => c.name === name);
  if (!client) throw new Error(`no local consumer ${name}`);
  return client;
};

const requestToken = async (
  form: Record<string, string>,
  options: { basic?: string; contentType?: string } = {},
) => {
  const response = await fetch(tokenUrl, {
    method: 'POST',
    headers: {
      'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
      ...(options.basic !== undefined && {
        authorization: `Basic ${Buffer.from(options.basic).toString('base64')}`,
      }),
    },
    body: new URLSearchParams(form).toString(),
  });
  return {
    status: response.status,
    json: (await response.json()) as {
      access_token?: string;
      token_type?: string;
      expires_in?: number;
      error?: string;
    },
  };
};

const basicOf = (name: string): string => {
  const client = clientOf(name);
  return `${client.clientId}:${client.clientSecret}`;
};

describe.runIf(local)('POST /oauth2/token (local Cognito domain)', () => {
  it('issues a bearer token to every consumer of the stage config', async () => {
    expect(clients.map((c) => c.name)).toEqual([
      'storefront',
      'marketplace',
      'reporting',
      'oncall',
    ]);

    for (const client of clients) {
      const response = await requestToken(
        { grant_type: 'client_credentials' },
        { basic: basicOf(client.name) },
      );

      expect(response.status).toBe(200);
      expect(response.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
      expect(response.json.access_token?.split('.')).toHaveLength(3);
    }
  });

  it("issues tokens the API accepts with the same consumer's API key", async () => {
    const { json } = await requestToken(
      { grant_type: 'client_credentials' },
      { basic: basicOf('marketplace') },
    );

    const created = await call('/orders', {
      credentials: 'none',
      headers: {
        authorization: `Bearer ${json.access_token}`,
        'x-api-key': clientOf('marketplace').apiKey,
      },
      body: orderRequest(uniqueCustomer('token')),
    });

    expect(created.status, created.text).toBe(201);
    await call(`/orders/${(created.json as { orderId: string }).orderId}/cancel`, {
      as: 'marketplace',
      body: {},
    });
  });

  it('grants a narrower scope when asked, and the API enforces it', async () => {
    const { status, json } = await requestToken(
      { grant_type: 'client_credentials', scope: 'orders/orders.read' },
      { basic: basicOf('storefront') },
    );
    const headers = {
      authorization: `Bearer ${json.access_token}`,
      'x-api-key': clientOf('storefront').apiKey,
    };

    expect(status).toBe(200);
    const read = await call(`/orders?customerId=${uniqueCustomer('token')}`, {
      credentials: 'none',
      headers,
    });
    const write = await call('/orders', {
      credentials: 'none',
      headers,
      body: orderRequest(uniqueCustomer('token')),
    });
    expect(read.status, read.text).toBe(200);
    expectProblem(write, 403, 'FORBIDDEN');
  });

  it.each([
    ['storefront', 'orders/orders.read.all'],
    ['reporting', 'orders/orders.write'],
    ['storefront', 'orders/orders.read orders/not-a-scope'],
  ])(
    'refuses %s a scope its client is not allowed (%s): 400 invalid_scope',
    async (name, scope) => {
      const response = await requestToken(
        { grant_type: 'client_credentials', scope },
        { basic: basicOf(name) },
      );

      expect(response).toEqual({ status: 400, json: { error: 'invalid_scope' } });
    },
  );

  it.each([
    ['a wrong secret', () => `${clientOf('storefront').clientId}:wrong`],
    ['an unknown client', () => `nobody:${clientOf('storefront').clientSecret}`],
    ['no client authentication', () => undefined],
  ])('refuses %s: 400 invalid_client', async (_case, basic) => {
    const credentials = basic();
    const response = await requestToken(
      { grant_type: 'client_credentials' },
      credentials === undefined ? {} : { basic: credentials },
    );

    expect(response).toEqual({ status: 400, json: { error: 'invalid_client' } });
  });

  it('refuses another grant type: 400 unsupported_grant_type', async () => {
    const response = await requestToken(
      { grant_type: 'password', username: 'x', password: 'y' },
      { basic: basicOf('storefront') },
    );

    expect(response).toEqual({ status: 400, json: { error: 'unsupported_grant_type' } });
  });

  it('refuses a body that is not form-encoded, or has no grant type: 400 invalid_request', async () => {
    const json = await requestToken(
      { grant_type: 'client_credentials' },
      { basic: basicOf('storefront'), contentType: 'application/json' },
    );
    const empty = await requestToken({}, { basic: basicOf('storefront') });

    expect(json).toEqual({ status: 400, json: { error: 'invalid_request' } });
    expect(empty).toEqual({ status: 400, json: { error: 'invalid_request' } });
  });
});
