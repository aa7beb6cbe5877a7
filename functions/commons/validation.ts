import { duplicateSkus } from './order-rules.ts';
import type { Shape } from './validators/compiled.js';
import * as compiled from './validators/compiled.js';
import type { Validated, ValidatedSchemaName } from './validators/sources.ts';

/**
 * Validation as the functions run it: the compiled validators (validators/compiled.js, generated
 * from the zod schemas by `npm run openapi`) decide, with no validation library loaded at start.
 * They give no reasons: a rejected value is explained by zod itself, loaded on the first rejection
 * only, so the problem details are the ones zod gives, word for word.
 */

/** One reason a value was rejected, as zod reports it. */
export interface ValidationIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

export type ValidationResult<T> =
  | { readonly success: true; readonly data: T }
  | { readonly success: false; readonly issues: readonly ValidationIssue[] };

/** A compiled schema: checks a value and returns what the zod schema would output for it. */
export interface Validator<T> {
  readonly name: ValidatedSchemaName;
  /** The output for a valid value (defaults added, query numbers parsed), else undefined. */
  check(value: unknown): T | undefined;
}

const build = (value: unknown, shape: Shape): unknown => {
  if (shape === 0 || value === null || value === undefined) return value;
  if ('n' in shape) return Number(value);
  if ('a' in shape) return (value as unknown[]).map((item) => build(item, shape.a));
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if ('r' in shape) {
    for (const [key, item] of Object.entries(source)) out[key] = build(item, shape.r);
    return out;
  }
  for (const [key, child] of Object.entries(shape.o))
    if (source[key] !== undefined) out[key] = build(source[key], child);
  return out;
};

/** What JSON Schema cannot say, checked on the output (the zod schemas refine the same way). */
const REFINEMENTS: { readonly [K in ValidatedSchemaName]?: (value: Validated[K]) => boolean } = {
  createOrderRequest: (order) => duplicateSkus(order.items).length === 0,
};

const functions = compiled as unknown as Record<string, compiled.CompiledValidator | undefined>;

const validator = <K extends ValidatedSchemaName>(name: K): Validator<Validated[K]> => {
  const input = functions[`${name}Input`];
  const output = functions[`${name}Output`];
  const { shape } = compiled.SHAPES[name];
  const refine = REFINEMENTS[name] as ((value: Validated[K]) => boolean) | undefined;
  if (!input) throw new Error(`No compiled validator ${name}: run npm run openapi`);
  return {
    name,
    check(value) {
      if (!input(value)) return undefined;
      const data = build(value, shape) as Validated[K];
      if (output && !output(data)) return undefined;
      if (refine && !refine(data)) return undefined;
      return data;
    },
  };
};

/** Every compiled validator, by the name of its zod schema in validators/sources.ts. */
export const validators: { readonly [K in ValidatedSchemaName]: Validator<Validated[K]> } = {
  createOrderRequest: validator('createOrderRequest'),
  cancelOrderRequest: validator('cancelOrderRequest'),
  listOrdersQuery: validator('listOrdersQuery'),
  orderPath: validator('orderPath'),
  idempotencyKey: validator('idempotencyKey'),
  consumers: validator('consumers'),
  pricingQuote: validator('pricingQuote'),
  cursorPayload: validator('cursorPayload'),
  faultSettings: validator('faultSettings'),
};

/**
 * Validates like `schema.safeParse(value)`: the compiled check first; on a rejection, zod's own
 * answer (its issues; or, should the two ever disagree, its verdict, zod being the source of truth).
 */
export const validate = async <T>(
  validator: Validator<T>,
  value: unknown,
): Promise<ValidationResult<T>> => {
  const data = validator.check(value);
  if (data !== undefined) return { success: true, data };
  const { explain } = await import('./validators/explain.ts');
  return explain(validator.name, value) as ValidationResult<T>;
};
