import type { ValidationResult } from '../validation.ts';
import { VALIDATED_SCHEMAS, type ValidatedSchemaName } from './sources.ts';

/**
 * zod's answer for a value the compiled validator rejected. Loaded on the first rejection only
 * (commons/validation.ts), so a function starts without zod.
 */
export const explain = (name: ValidatedSchemaName, value: unknown): ValidationResult<unknown> => {
  const result = VALIDATED_SCHEMAS[name].safeParse(value);
  return result.success
    ? { success: true, data: result.data }
    : {
        success: false,
        issues: result.error.issues.map(({ path, message }) => ({ path, message })),
      };
};
