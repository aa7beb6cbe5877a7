/**
 * API Gateway's own answers, as the synthesized template defines them
 * (`AWS::ApiGateway::GatewayResponse`): when the local runtime rejects a request before any
 * function runs (no route, no token, bad API key, body too large) or a function fails or times
 * out, it answers with the status, headers and body the deployed API would.
 */
import { isRecord, type StackTemplate, TemplateError } from './template.ts';

/**
 * API Gateway's status for each response type when the template sets none (AWS documentation,
 * "Gateway response types for API Gateway"). The two defaults have none: they keep the status of
 * the answer they stand in for.
 */
export const API_GATEWAY_DEFAULT_STATUS: Readonly<Record<string, number | undefined>> = {
  ACCESS_DENIED: 403,
  API_CONFIGURATION_ERROR: 500,
  AUTHORIZER_CONFIGURATION_ERROR: 500,
  AUTHORIZER_FAILURE: 500,
  BAD_REQUEST_BODY: 400,
  BAD_REQUEST_PARAMETERS: 400,
  DEFAULT_4XX: undefined,
  DEFAULT_5XX: undefined,
  EXPIRED_TOKEN: 403,
  INTEGRATION_FAILURE: 504,
  INTEGRATION_TIMEOUT: 504,
  INVALID_API_KEY: 403,
  INVALID_SIGNATURE: 403,
  MISSING_AUTHENTICATION_TOKEN: 403,
  QUOTA_EXCEEDED: 429,
  REQUEST_TOO_LARGE: 413,
  RESOURCE_NOT_FOUND: 404,
  THROTTLED: 429,
  UNAUTHORIZED: 401,
  UNSUPPORTED_MEDIA_TYPE: 415,
  WAF_FILTERED: 403,
};

/** One gateway response of the template. */
export interface GatewayResponseSpec {
  readonly stackName: string;
  readonly logicalId: string;
  readonly restApiLogicalId: string;
  readonly responseType: string;
  /** `StatusCode`, when the template sets one. */
  readonly statusCode?: number;
  /** Literal response headers (`gatewayresponse.header.X: "'value'"`). */
  readonly headers: Readonly<Record<string, string>>;
  /** `ResponseTemplates` by content type. */
  readonly templates: Readonly<Record<string, string>>;
}

/** What happened, in API Gateway's terms. */
export interface GatewayAnswerInput {
  /**
   * The response type API Gateway uses for it. Omitted for failures that have none of their own
   * (a function that throws or returns a malformed response: 502), which take the default of
   * their class.
   */
  readonly responseType?: string;
  /** The status before any customization. @default the type's default status */
  readonly status?: number;
  /** `$context.error.message`. */
  readonly message: string;
  readonly requestId: string;
}

export interface GatewayAnswer {
  /** The response type whose definition answered (the type itself, or `DEFAULT_4XX`/`_5XX`). */
  readonly answeredBy: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const HEADER_PREFIX = 'gatewayresponse.header.';

/** Every gateway response in the templates. */
export const readGatewayResponses = (stacks: readonly StackTemplate[]): GatewayResponseSpec[] => {
  const specs: GatewayResponseSpec[] = [];
  for (const { stackName, template } of stacks) {
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      if (resource.Type !== 'AWS::ApiGateway::GatewayResponse') continue;
      const where = `${stackName}.${logicalId}`;
      const props = resource.Properties ?? {};
      const responseType = props.ResponseType;
      if (typeof responseType !== 'string' || !(responseType in API_GATEWAY_DEFAULT_STATUS))
        throw new TemplateError(`${where}: unknown ResponseType ${JSON.stringify(responseType)}`);
      const restApi = isRecord(props.RestApiId) ? props.RestApiId.Ref : undefined;
      if (typeof restApi !== 'string')
        throw new TemplateError(`${where}: RestApiId must be a Ref to a RestApi of the stack`);
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(
        isRecord(props.ResponseParameters) ? props.ResponseParameters : {},
      )) {
        // Only literal values ('value') are played; mapped ones (method.request.header.X) are not.
        if (key.startsWith(HEADER_PREFIX) && typeof value === 'string' && /^'.*'$/s.test(value))
          headers[key.slice(HEADER_PREFIX.length)] = value.slice(1, -1);
      }
      const templates: Record<string, string> = {};
      for (const [type, body] of Object.entries(
        isRecord(props.ResponseTemplates) ? props.ResponseTemplates : {},
      )) {
        if (typeof body === 'string') templates[type] = body;
      }
      specs.push({
        stackName,
        logicalId,
        restApiLogicalId: restApi,
        responseType,
        ...(props.StatusCode !== undefined && { statusCode: Number(props.StatusCode) }),
        headers,
        templates,
      });
    }
  }
  return specs;
};

/** The `$context` variables a gateway response template may use, as local values. */
const renderTemplate = (template: string, input: GatewayAnswerInput, type: string): string =>
  template.replace(/\$(?:\{context\.([\w.]+)\}|context\.([\w.]+))/g, (whole, braced, plain) => {
    switch (braced ?? plain) {
      case 'error.messageString':
        return JSON.stringify(input.message);
      case 'error.message':
        return input.message;
      case 'error.responseType':
        return type;
      case 'requestId':
      case 'extendedRequestId':
        return input.requestId;
      default:
        return whole;
    }
  });

/**
 * Answers as API Gateway does with these gateway responses: the type's own definition if the
 * template has one, else `DEFAULT_4XX` or `DEFAULT_5XX` by the status class, else API Gateway's
 * built-in `{"message": ...}`. A status set on the definition wins; one set on a default applies
 * to every answer of its class.
 */
export const createGatewayResponder = (
  specs: readonly GatewayResponseSpec[],
): ((input: GatewayAnswerInput) => GatewayAnswer) => {
  const apis = new Set(specs.map((spec) => spec.restApiLogicalId));
  if (apis.size > 1)
    throw new TemplateError(
      `Gateway responses of ${apis.size} REST APIs (${[...apis].join(', ')}); the local runtime serves one`,
    );
  const byType = new Map(specs.map((spec) => [spec.responseType, spec]));
  return (input) => {
    const type = input.responseType;
    const baseStatus = input.status ?? (type ? API_GATEWAY_DEFAULT_STATUS[type] : undefined);
    if (baseStatus === undefined)
      throw new Error(`A gateway answer of type ${String(type)} needs a status`);
    const fallbackType = baseStatus >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX';
    const own = type ? byType.get(type) : undefined;
    const fallback = byType.get(fallbackType);
    const spec = own ?? fallback;
    const status = own?.statusCode ?? fallback?.statusCode ?? baseStatus;
    const template = spec?.templates['application/json'];
    const body =
      template === undefined
        ? JSON.stringify({ message: input.message })
        : renderTemplate(template, input, type ?? fallbackType);
    return {
      answeredBy: spec?.responseType ?? fallbackType,
      status,
      headers: { 'content-type': 'application/json', ...spec?.headers },
      body,
    };
  };
};
