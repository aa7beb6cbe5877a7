import { resolve } from 'node:path';
import AjvModule from 'ajv';
import standaloneModule from 'ajv/dist/standalone/index.js';
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { VALIDATED_SCHEMAS, type ValidatedSchemaName } from '../commons/validators/sources.ts';

/**
 * Compiles the zod schemas the functions validate against (commons/validators/sources.ts) into
 * plain JavaScript, so that no validation library loads when a function starts: zod converts each
 * schema to JSON Schema (as for the OpenAPI document), and Ajv's standalone mode turns that into
 * code with no dependency. `npm run openapi` writes it beside the document; a unit test fails
 * when either is stale.
 *
 * JSON Schema checks a value but does not transform it, so each validator also gets a shape that
 * says how to build the value zod would output from a valid input: keys in the schema's order
 * (the idempotency hash of a body depends on it), unknown keys of non-strict objects dropped, and
 * query text parsed to the number the schema pipes it into (checked again, against the output
 * schema, after parsing). Refinements JSON Schema cannot express (commons/order-rules.ts) are
 * applied by the runtime (commons/validation.ts).
 *
 * And each gets zod's own messages, from zod's locale, for every keyword that can reject a value,
 * by Ajv schema path, so the runtime explains a rejection exactly as zod would.
 */

export const VALIDATORS_DIR = resolve(import.meta.dirname, '../commons/validators');
export const VALIDATORS_JS = resolve(VALIDATORS_DIR, 'compiled.js');
export const VALIDATORS_DTS = resolve(VALIDATORS_DIR, 'compiled.d.ts');

type JsonSchema = {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly additionalProperties?: JsonSchema | boolean;
  readonly items?: JsonSchema;
  readonly [keyword: string]: unknown;
};

/**
 * How to build the output from a valid input: `o` an object (keys in this order), `r` a record
 * (every key), `a` an array, `n` text to parse as a number, `i` an integer, `0` the value as it
 * is.
 */
export type Shape =
  | { readonly o: Readonly<Record<string, Shape>> }
  | { readonly r: Shape }
  | { readonly a: Shape }
  | { readonly n: 1 }
  | { readonly i: 1 }
  | 0;

/**
 * Copies a JSON Schema without what Ajv has no use for (descriptions) and without the messages
 * this module annotates it with (`x-message`), which it collects into `messages` by schema path,
 * as Ajv reports it (`#/properties/items/items/properties/quantity/minimum`).
 */
const compile = (schema: unknown, messages: Record<string, string>, at = '#'): unknown => {
  if (Array.isArray(schema)) return schema.map((item) => compile(item, messages, at));
  if (schema === null || typeof schema !== 'object') return schema;
  const node = schema as JsonSchema;
  Object.assign(messages, nodeMessages(node, at));
  const out: Record<string, unknown> = {};
  for (const [keyword, child] of Object.entries(node)) {
    if (keyword === 'description' || keyword === '$schema' || keyword === X_MESSAGE) continue;
    if (keyword === 'properties' && child && typeof child === 'object') {
      out.properties = Object.fromEntries(
        Object.entries(child).map(([name, sub]) => [
          name,
          compile(sub, messages, `${at}/properties/${name}`),
        ]),
      );
    } else if (keyword === 'items' || keyword === 'additionalProperties') {
      out[keyword] = compile(child, messages, `${at}/${keyword}`);
    } else {
      out[keyword] = child;
    }
  }
  return out;
};

/** Where the zod schemas give a message of their own, it is kept on the JSON Schema node. */
const X_MESSAGE = 'x-message';

const locale = en();
/** zod's English message for an issue, from zod's own locale. */
const zodMessage = (issue: Record<string, unknown>): string => {
  const message = locale.localeError(issue as never);
  return typeof message === 'string' ? message : (message?.message ?? '');
};

const originOf = (node: JsonSchema): string =>
  node.type === 'integer' ? 'number' : typeof node.type === 'string' ? node.type : 'value';

/** What zod says when a value of this node is missing. */
const missingMessage = (node: JsonSchema): string =>
  Array.isArray(node.enum)
    ? zodMessage({ code: 'invalid_value', values: node.enum, input: undefined })
    : zodMessage({
        code: 'invalid_type',
        expected:
          node.type === 'integer'
            ? 'number'
            : typeof node.additionalProperties === 'object' && !node.properties
              ? 'record'
              : node.type,
        input: undefined,
      });

/** zod's message for each keyword of a node that can reject a value, by Ajv schema path. */
const nodeMessages = (node: JsonSchema, at: string): Record<string, string> => {
  const messages: Record<string, string> = {};
  const origin = originOf(node);
  const bound = (code: string, key: string, value: unknown, inclusive = true) => ({
    code,
    origin,
    [key]: value,
    inclusive,
  });
  const add = (keyword: string, issue: Record<string, unknown>) => {
    if (node[keyword] !== undefined && messages[`${at}/${keyword}`] === undefined)
      messages[`${at}/${keyword}`] = zodMessage(issue);
  };
  // zod's own bounds of an int are reported as such (see validation.ts), not as these.
  const safeBound = (value: unknown) =>
    node.type === 'integer' && Math.abs(Number(value)) === Number.MAX_SAFE_INTEGER;
  if (safeBound(node.minimum)) messages[`${at}/minimum`] = '';
  if (safeBound(node.maximum)) messages[`${at}/maximum`] = '';
  add('minimum', bound('too_small', 'minimum', node.minimum));
  add('exclusiveMinimum', bound('too_small', 'minimum', node.exclusiveMinimum, false));
  add('maximum', bound('too_big', 'maximum', node.maximum));
  add('exclusiveMaximum', bound('too_big', 'maximum', node.exclusiveMaximum, false));
  add('minLength', bound('too_small', 'minimum', node.minLength));
  add('maxLength', bound('too_big', 'maximum', node.maxLength));
  add('minItems', bound('too_small', 'minimum', node.minItems));
  add('maxItems', bound('too_big', 'maximum', node.maxItems));
  add('enum', { code: 'invalid_value', values: node.enum });
  add('const', { code: 'invalid_value', values: [node.const] });
  if (typeof node.pattern === 'string') {
    messages[`${at}/pattern`] =
      typeof node[X_MESSAGE] === 'string'
        ? node[X_MESSAGE]
        : zodMessage({
            code: 'invalid_format',
            format: typeof node.format === 'string' ? node.format : 'regex',
            pattern: String(new RegExp(node.pattern)),
          });
  }
  // zod runs a length check on any value that has a length, even one of the wrong type: what it
  // says then, for a string and for an array, by the bound it compares with.
  const min = node.minLength ?? node.minItems;
  const max = node.maxLength ?? node.maxItems;
  for (const origin of ['string', 'array']) {
    if (typeof min === 'number')
      messages[`${at}/length<${min}/${origin}`] = zodMessage({
        code: 'too_small',
        origin,
        minimum: min,
        inclusive: true,
      });
    if (typeof max === 'number')
      messages[`${at}/length>${max}/${origin}`] = zodMessage({
        code: 'too_big',
        origin,
        maximum: max,
        inclusive: true,
      });
  }
  for (const name of Array.isArray(node.required) ? (node.required as string[]) : [])
    messages[`${at}/required/${name}`] = missingMessage(node.properties?.[name] ?? {});
  return messages;
};

interface ZodCheckDef {
  readonly check?: string;
  readonly format?: string;
  readonly error?: (issue: unknown) => unknown;
}
interface ZodNode {
  readonly _zod: {
    readonly def: ZodCheckDef & { readonly checks?: readonly { _zod: { def: ZodCheckDef } }[] };
  };
}

/**
 * Keeps the message a zod schema gives its pattern (`z.regex(pattern, message)`) on the JSON
 * Schema node. A message of its own on any other check is not carried over: the generator
 * refuses it rather than answer with a different message than zod.
 */
const keepMessages = (ctx: { zodSchema: unknown; jsonSchema: Record<string, unknown> }) => {
  const def = (ctx.zodSchema as ZodNode)._zod.def;
  const checks = [def, ...(def.checks ?? []).map((check) => check._zod.def)];
  for (const check of checks) {
    if (check.error === undefined || check.check === 'describe') continue;
    if (check.check !== 'string_format' && !(check === def && def.format)) {
      throw new Error(
        `A zod check (${check.check}) has a message of its own, which the compiled validators do not carry: see functions/openapi/validators.ts`,
      );
    }
    const message = check.error({});
    if (typeof message === 'string' && typeof ctx.jsonSchema.pattern === 'string')
      ctx.jsonSchema[X_MESSAGE] = message;
  }
};

const toJson = (schema: z.ZodMiniType, io: 'input' | 'output'): JsonSchema =>
  z.toJSONSchema(schema, { target: 'draft-7', io, override: keepMessages } as never) as JsonSchema;

const isNumeric = (schema: JsonSchema | undefined) =>
  schema?.type === 'integer' || schema?.type === 'number';

const shapeOf = (input: JsonSchema, output: JsonSchema): Shape => {
  if (input.type === 'string' && isNumeric(output)) return { n: 1 };
  if (input.type === 'integer') return { i: 1 };
  if (input.properties) {
    const o: Record<string, Shape> = {};
    for (const [key, property] of Object.entries(input.properties))
      o[key] = shapeOf(property, output.properties?.[key] ?? {});
    return { o };
  }
  if (typeof input.additionalProperties === 'object') {
    const out = output.additionalProperties;
    return { r: shapeOf(input.additionalProperties, typeof out === 'object' ? out : {}) };
  }
  if (input.items) return { a: shapeOf(input.items, output.items ?? {}) };
  return 0;
};

const parsesNumbers = (shape: Shape): boolean =>
  shape !== 0 &&
  ('n' in shape ||
    ('o' in shape && Object.values(shape.o).some(parsesNumbers)) ||
    ('r' in shape && parsesNumbers(shape.r)) ||
    ('a' in shape && parsesNumbers(shape.a)));

/** A JSON value of each kind zod names, for the invalid-type messages. */
const SAMPLE_INPUTS: Readonly<Record<string, unknown>> = {
  string: '',
  number: 0,
  boolean: false,
  null: null,
  array: [],
  object: {},
  undefined: undefined,
};
const EXPECTED_TYPES = ['string', 'number', 'int', 'boolean', 'array', 'object', 'record'];

/** zod's message for a value of the wrong type, with the two types' names put in. */
const INVALID_TYPE_TEMPLATE = 'Invalid input: expected {expected}, received {received}';

/**
 * zod's messages for a value of the wrong type, for every expected type and every JSON type, as
 * one template and the names it holds for (the 49 messages in full would be ~3 KiB in every
 * function's bundle). Fails if any of zod's messages does not follow the template.
 */
const invalidTypeMessages = () => {
  const received = Object.keys(SAMPLE_INPUTS);
  for (const expected of EXPECTED_TYPES) {
    for (const [receivedName, input] of Object.entries(SAMPLE_INPUTS)) {
      const message = zodMessage({ code: 'invalid_type', expected, input });
      const filled = INVALID_TYPE_TEMPLATE.replace('{expected}', expected).replace(
        '{received}',
        receivedName,
      );
      if (message !== filled)
        throw new Error(
          `zod's message for a ${receivedName} where a ${expected} is expected is "${message}", not "${filled}": give the validators that message`,
        );
    }
  }
  return { template: INVALID_TYPE_TEMPLATE, expected: EXPECTED_TYPES, received };
};

/** Messages that depend on the value: zod's, for every case a JSON value can produce. */
const commonMessages = () => {
  const marker = '\u2063';
  const prefix = (message: string) => message.slice(0, message.indexOf(`"${marker}"`));
  return {
    invalidType: invalidTypeMessages(),
    unrecognizedKey: prefix(zodMessage({ code: 'unrecognized_keys', keys: [marker] })),
    unrecognizedKeys: prefix(zodMessage({ code: 'unrecognized_keys', keys: [marker, marker] })),
    aboveSafeInteger: zodMessage({
      code: 'too_big',
      origin: 'int',
      maximum: Number.MAX_SAFE_INTEGER,
      inclusive: true,
    }),
    belowSafeInteger: zodMessage({
      code: 'too_small',
      origin: 'int',
      minimum: Number.MIN_SAFE_INTEGER,
      inclusive: true,
    }),
  };
};

// CommonJS modules: under Node's ESM loader their default export is `module.exports`.
const Ajv = AjvModule.default;
const standaloneCode = standaloneModule.default;

const HEADER = `// Generated by \`npm run openapi\` from functions/commons/validators/sources.ts: do not edit.
// Ajv standalone validators of the JSON Schemas of the zod schemas, and zod's messages, with no
// dependencies.
`;

/** How Ajv's standalone code refers to its runtime's string length (in code points). */
const AJV_UCS2LENGTH = 'require("ajv/dist/runtime/ucs2length").default';

/**
 * The validators' own string length, in place of Ajv's runtime one, so they keep no dependency:
 * code points, a surrogate pair counting once and a lone surrogate once, as JSON Schema's
 * `minLength`/`maxLength` and zod count. A function declaration, so the code above may use it.
 */
const CODE_POINT_LENGTH = `/** A string's length in code points (a surrogate pair counts once), as JSON Schema and zod count it. */
export function codePointLength(text) {
  let length = text.length;
  for (let index = 0; index < text.length - 1; index++) {
    if ((text.charCodeAt(index) & 0xfc00) === 0xd800 && (text.charCodeAt(index + 1) & 0xfc00) === 0xdc00) {
      length--;
      index++;
    }
  }
  return length;
}`;

export interface RenderedValidators {
  readonly js: string;
  readonly dts: string;
}

/** The validators module and its type declarations, as `npm run openapi` writes them. */
export const renderValidators = (): RenderedValidators => {
  const ajv = new Ajv({
    code: { source: true, esm: true, lines: true },
    // Every reason, as zod gives every issue; Ajv's own messages are not used.
    allErrors: true,
    messages: false,
    useDefaults: true,
    // String lengths in code points, as JSON Schema (and so the OpenAPI document) and zod count
    // them; patterns without the u flag, as zod compiles them.
    unicode: true,
    unicodeRegExp: false,
    // Formats (email…) are checked by the pattern zod puts beside them.
    validateFormats: false,
    strict: true,
    logger: false,
  });
  const exports: Record<string, string> = {};
  const schemas: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(VALIDATED_SCHEMAS) as [
    ValidatedSchemaName,
    z.ZodMiniType,
  ][]) {
    const inputMessages: Record<string, string> = {};
    const outputMessages: Record<string, string> = {};
    const inputJson = toJson(schema, 'input');
    const outputJson = toJson(schema, 'output');
    const shape = shapeOf(inputJson, outputJson);
    const checksOutput = parsesNumbers(shape);
    ajv.addSchema(compile(inputJson, inputMessages) as JsonSchema, `${name}Input`);
    exports[`${name}Input`] = `${name}Input`;
    if (checksOutput) {
      ajv.addSchema(compile(outputJson, outputMessages) as JsonSchema, `${name}Output`);
      exports[`${name}Output`] = `${name}Output`;
    }
    schemas[name] = {
      shape,
      output: checksOutput,
      messages: { input: inputMessages, ...(checksOutput && { output: outputMessages }) },
    };
  }
  const code = standaloneCode(ajv, exports)
    .replaceAll(AJV_UCS2LENGTH, 'codePointLength')
    // A pattern is built where it is declared; marked pure, a bundle drops the unused ones.
    .replaceAll(/^const (pattern\d+) = new RegExp\(/gm, 'const $1 = /* @__PURE__ */ new RegExp(');
  if (/\brequire\(/.test(code))
    throw new Error('The compiled validators need the Ajv runtime: avoid the keyword that does');
  const names = Object.keys(schemas);
  // One export per schema, so a function's bundle keeps only the validators it uses.
  const js = `${HEADER}${code}\n\n${CODE_POINT_LENGTH}\n\n${names
    .map((name) => `export const ${name}Schema = ${JSON.stringify(schemas[name])};\n`)
    .join('')}\nexport const MESSAGES = ${JSON.stringify(commonMessages())};\n`;
  const dts = `${HEADER}
/** One reason Ajv rejected a value (its messages are off: zod's are in the schemas and MESSAGES). */
export interface CompiledError {
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly keyword: string;
  readonly params: Readonly<Record<string, unknown>>;
}
/** An Ajv standalone validator: true when the value is valid (it may add schema defaults to it). */
export type CompiledValidator = ((value: unknown) => boolean) & {
  errors?: readonly CompiledError[] | null;
};
/**
 * How to build the output from a valid input: \`o\` an object (keys in this order), \`r\` a record,
 * \`a\` an array, \`n\` text to parse as a number, \`i\` an integer, \`0\` the value as it is.
 */
export type Shape =
  | { readonly o: Readonly<Record<string, Shape>> }
  | { readonly r: Shape }
  | { readonly a: Shape }
  | { readonly n: 1 }
  | { readonly i: 1 }
  | 0;
/** zod's message for each rejecting keyword, by Ajv schema path. */
export type Messages = Readonly<Record<string, string>>;
export interface CompiledSchema {
  readonly shape: Shape;
  /** Whether the output (query text parsed to numbers) is checked again by a second validator. */
  readonly output: boolean;
  readonly messages: { readonly input: Messages; readonly output?: Messages };
}
${Object.keys(exports)
  .map((name) => `export declare const ${name}: CompiledValidator;`)
  .join('\n')}
${names.map((name) => `export declare const ${name}Schema: CompiledSchema;`).join('\n')}
/** A string's length in code points (a surrogate pair counts once), as JSON Schema and zod count it. */
export declare function codePointLength(text: string): number;
export declare const MESSAGES: {
  /** For a value of the wrong type; the types as zod names them. */
  readonly invalidType: {
    /** With \`{expected}\` and \`{received}\` to fill in, for the types listed below. */
    readonly template: string;
    readonly expected: readonly string[];
    readonly received: readonly string[];
  };
  readonly unrecognizedKey: string;
  readonly unrecognizedKeys: string;
  readonly aboveSafeInteger: string;
  readonly belowSafeInteger: string;
};
`;
  return { js, dts };
};
