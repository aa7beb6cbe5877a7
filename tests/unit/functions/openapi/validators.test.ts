import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  renderValidators,
  VALIDATORS_DTS,
  VALIDATORS_JS,
} from '../../../../functions/openapi/validators.ts';

describe('compiled validators (functions/commons/validators)', () => {
  const rendered = renderValidators();

  it('are what the zod schemas compile to now: run `npm run openapi` after changing a schema', async () => {
    expect(await readFile(VALIDATORS_JS, 'utf8')).toBe(rendered.js);
    expect(await readFile(VALIDATORS_DTS, 'utf8')).toBe(rendered.dts);
  });

  it('need no module at run time: no Ajv runtime, no zod', () => {
    expect(rendered.js).not.toMatch(/\brequire\(|^import /m);
  });
});
