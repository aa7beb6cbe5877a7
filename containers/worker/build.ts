/**
 * Bundles the worker into one ESM file with esbuild: only the code and the production
 * dependencies it imports (Powertools, the AWS SDK clients, zod), so the image needs no
 * node_modules. Used by the Dockerfile's build stage and by the benchmark.
 *
 *   node --import tsx containers/worker/build.ts [outdir]   (default containers/worker/dist)
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The worker image's esbuild settings, everything but the entry and output: one ESM file for
 * Node 22, minified, with a source map without sources. The worker benchmark bundles its bare
 * SQS receiver with these too, so both sides of its comparison are built alike.
 */
export const WORKER_BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  // CommonJS dependencies (the X-Ray SDK) call require().
  banner: {
    js: "import{createRequire}from'node:module';const require=createRequire(import.meta.url);",
  },
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** Builds `dist/worker.mjs` (with a source map) into `outdir`; resolves its path. */
export const buildWorker = async (outdir = join(here, 'dist')): Promise<string> => {
  const outfile = join(resolve(outdir), 'worker.mjs');
  await build({ ...WORKER_BUILD_OPTIONS, entryPoints: [join(here, 'src', 'main.ts')], outfile });
  return outfile;
};

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const file = await buildWorker(process.argv[2]);
  console.log(`Built ${file} in ${Date.now() - started} ms`);
}
