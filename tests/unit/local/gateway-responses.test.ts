import { beforeAll, describe, expect, it } from 'vitest';
import {
  API_GATEWAY_DEFAULT_STATUS,
  createGatewayResponder,
  type GatewayResponseSpec,
  readGatewayResponses,
} from '#local/gateway-responses';
import { GATEWAY_PROBLEMS } from '#routes';
import { synthesizeStage } from '../../../cdk/synth.ts';

const spec = (
  responseType: string,
  overrides: Partial<GatewayResponseSpec> = {},
): GatewayResponseSpec => ({
  stackName: 'Api',
  logicalId: `${responseType}Response`,
  restApiLogicalId: 'OrdersApi',
  responseType,
  headers: {},
  templates: {
    'application/json': `{"error":{"code":"${responseType}_CODE","message":$context.error.messageString,"details":[]}}`,
  },
  ...overrides,
});

const answer = { message: 'Nope "quoted"', requestId: 'req-1' };

describe('local API Gateway responses, from the synthesized template', () => {
  let responses: GatewayResponseSpec[];

  // Synthesizing a stage takes over 10 s on a loaded machine.
  beforeAll(() => {
    responses = readGatewayResponses(synthesizeStage('dev', { bundle: false }).stacks);
  }, 120_000);

  it('reads every gateway response of the API, with its status, literal headers and template', () => {
    expect(responses.map((response) => response.responseType).sort()).toEqual(
      GATEWAY_PROBLEMS.map((problem) => problem.type).sort(),
    );
    expect(
      responses.find((response) => response.responseType === 'MISSING_AUTHENTICATION_TOKEN'),
    ).toMatchObject({ statusCode: 404, headers: { 'Cache-Control': 'no-store' } });
  });

  it("answers each response type with the status, code and headers the template's response defines", () => {
    const respond = createGatewayResponder(responses);
    let checked = 0;

    for (const response of responses) {
      const status = response.statusCode ?? API_GATEWAY_DEFAULT_STATUS[response.responseType];
      if (status === undefined) continue; // DEFAULT_4XX/5XX: checked through the answers below
      const code = /"code":"([A-Z_]+)"/.exec(response.templates['application/json'] ?? '')?.[1];

      const result = respond({ responseType: response.responseType, ...answer });

      expect(result.status, response.responseType).toBe(status);
      expect(JSON.parse(result.body)).toEqual({
        error: { code, message: answer.message, details: [] },
      });
      expect(result.headers).toMatchObject(response.headers);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it('answers a function that throws with 502 and the DEFAULT_5XX code, as API Gateway does', () => {
    const result = createGatewayResponder(responses)({ status: 502, ...answer });

    expect(result).toMatchObject({ answeredBy: 'DEFAULT_5XX', status: 502 });
    expect(JSON.parse(result.body).error.code).toBe('INTERNAL');
  });

  it('answers a function that runs past the integration timeout with 504 GATEWAY_TIMEOUT', () => {
    const result = createGatewayResponder(responses)({
      responseType: 'INTEGRATION_TIMEOUT',
      ...answer,
    });

    expect(result.status).toBe(504);
    expect(JSON.parse(result.body).error.code).toBe('GATEWAY_TIMEOUT');
  });
});

describe('gateway response rules', () => {
  it('falls back to DEFAULT_4XX for a type the template does not define, keeping its status', () => {
    const respond = createGatewayResponder([spec('DEFAULT_4XX')]);

    const result = respond({ responseType: 'THROTTLED', ...answer });

    expect(result).toMatchObject({ answeredBy: 'DEFAULT_4XX', status: 429 });
    expect(JSON.parse(result.body).error.code).toBe('DEFAULT_4XX_CODE');
  });

  it('applies a status set on DEFAULT_5XX to every 5xx answer without a response of its own', () => {
    const respond = createGatewayResponder([spec('DEFAULT_5XX', { statusCode: 500 })]);

    expect(respond({ status: 502, ...answer }).status).toBe(500);
  });

  it("answers API Gateway's built-in body when the template defines no response", () => {
    const result = createGatewayResponder([])({ responseType: 'UNAUTHORIZED', ...answer });

    expect(result.status).toBe(401);
    expect(JSON.parse(result.body)).toEqual({ message: answer.message });
  });

  it('refuses templates with gateway responses of two REST APIs', () => {
    expect(() =>
      createGatewayResponder([
        spec('DEFAULT_4XX'),
        spec('DEFAULT_5XX', { restApiLogicalId: 'Other' }),
      ]),
    ).toThrow(/2 REST APIs/);
  });
});
