import { compiledValidator } from './validation.ts';
import * as compiled from './validators/compiled.js';

/**
 * One validator per zod schema of validators/sources.ts, compiled (validators/compiled.js, written
 * by `npm run openapi`): `import * as validators from '#commons/validators'` and use
 * `validators.<name>`. Each is its own export, marked pure, so a function's bundle keeps only the
 * ones it uses.
 */
export const createOrderRequest = /* @__PURE__ */ compiledValidator(
  'createOrderRequest',
  compiled.createOrderRequestInput,
  undefined,
  compiled.createOrderRequestSchema,
);
export const cancelOrderRequest = /* @__PURE__ */ compiledValidator(
  'cancelOrderRequest',
  compiled.cancelOrderRequestInput,
  undefined,
  compiled.cancelOrderRequestSchema,
);
export const listOrdersQuery = /* @__PURE__ */ compiledValidator(
  'listOrdersQuery',
  compiled.listOrdersQueryInput,
  compiled.listOrdersQueryOutput,
  compiled.listOrdersQuerySchema,
);
export const orderPath = /* @__PURE__ */ compiledValidator(
  'orderPath',
  compiled.orderPathInput,
  undefined,
  compiled.orderPathSchema,
);
export const idempotencyKey = /* @__PURE__ */ compiledValidator(
  'idempotencyKey',
  compiled.idempotencyKeyInput,
  undefined,
  compiled.idempotencyKeySchema,
);
export const consumers = /* @__PURE__ */ compiledValidator(
  'consumers',
  compiled.consumersInput,
  undefined,
  compiled.consumersSchema,
);
export const pricingQuote = /* @__PURE__ */ compiledValidator(
  'pricingQuote',
  compiled.pricingQuoteInput,
  undefined,
  compiled.pricingQuoteSchema,
);
export const cursorPayload = /* @__PURE__ */ compiledValidator(
  'cursorPayload',
  compiled.cursorPayloadInput,
  undefined,
  compiled.cursorPayloadSchema,
);
export const faultSettings = /* @__PURE__ */ compiledValidator(
  'faultSettings',
  compiled.faultSettingsInput,
  undefined,
  compiled.faultSettingsSchema,
);
export const incidentPath = /* @__PURE__ */ compiledValidator(
  'incidentPath',
  compiled.incidentPathInput,
  undefined,
  compiled.incidentPathSchema,
);
export const incidentActionRequest = /* @__PURE__ */ compiledValidator(
  'incidentActionRequest',
  compiled.incidentActionRequestInput,
  undefined,
  compiled.incidentActionRequestSchema,
);
export const triagedIncidentsQuery = /* @__PURE__ */ compiledValidator(
  'triagedIncidentsQuery',
  compiled.triagedIncidentsQueryInput,
  compiled.triagedIncidentsQueryOutput,
  compiled.triagedIncidentsQuerySchema,
);
export const hypothesisPath = /* @__PURE__ */ compiledValidator(
  'hypothesisPath',
  compiled.hypothesisPathInput,
  undefined,
  compiled.hypothesisPathSchema,
);
export const reviewRequest = /* @__PURE__ */ compiledValidator(
  'reviewRequest',
  compiled.reviewRequestInput,
  undefined,
  compiled.reviewRequestSchema,
);
