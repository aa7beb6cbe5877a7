import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { buildOpenApiDocument } from './document.ts';
import { renderValidators, VALIDATORS_DTS, VALIDATORS_JS } from './validators.ts';

/**
 * `npm run openapi`: writes docs/openapi.json from the zod schemas and the route table, and the
 * validators compiled from the same schemas that the functions run (functions/commons/validators).
 */
export const OPENAPI_PATH = resolve(import.meta.dirname, '../../docs/openapi.json');

export const renderOpenApi = (): string => `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  await mkdir(dirname(OPENAPI_PATH), { recursive: true });
  await writeFile(OPENAPI_PATH, renderOpenApi());
  console.log(`Wrote ${OPENAPI_PATH}`);
  const { js, dts } = renderValidators();
  await writeFile(VALIDATORS_JS, js);
  await writeFile(VALIDATORS_DTS, dts);
  console.log(`Wrote ${VALIDATORS_JS} and its declarations`);
}
