import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { type BuildOptions, buildSync } from 'esbuild';
import { ROUTES } from '#routes';

/**
 * esbuild settings for every Lambda bundle. The function constructs bundle with them
 * ({@link lambdaCode}), and the benchmark builds with the very same settings, so the sizes and
 * init times it reports are those of what is deployed.
 */
export const LAMBDA_NODE_TARGET = 'node22';

/**
 * ESM bundles need `require` for the few CommonJS dependencies that call it (the AWS X-Ray SDK
 * under Powertools Tracer); this banner provides it.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/**
 * Build-time constants for a stage. Where the stage does not allow fault injection, the bundle
 * is built with `FAULT_INJECTION_ALLOWED` fixed to "false": the fault-injection code and the SSM
 * client it loads are dropped from the bundle, so such a stage cannot inject faults whatever its
 * environment says, and its functions start faster. `SENTRY_ENABLED` is always fixed: "false"
 * drops the Sentry hook and SDK from the bundle (which is then the same as without the hook),
 * "true" bundles them, for stages that name a Sentry DSN secret.
 */
export const stageDefines = (
  faultInjectionAllowed: boolean,
  sentryEnabled = false,
): Record<string, string> => ({
  ...(faultInjectionAllowed
    ? {}
    : { 'process.env.FAULT_INJECTION_ALLOWED': JSON.stringify('false') }),
  'process.env.SENTRY_ENABLED': JSON.stringify(String(sentryEnabled)),
});

export const LAMBDA_BUNDLING = {
  format: 'esm',
  target: LAMBDA_NODE_TARGET,
  minify: true,
  sourceMap: true,
  /**
   * Maps point at file and line without embedding the sources: `--enable-source-maps` parses the
   * map at load, and the sources made it several times larger (about 60 ms of init per function).
   */
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  /** The nodejs22.x runtime ships AWS SDK v3, but bundling pins the version we test with. */
  externalModules: [] as string[],
} as const;

/**
 * The esbuild options the functions are bundled with ({@link lambdaCode}), from {@link LAMBDA_BUNDLING} and a stage's
 * {@link stageDefines}: the benchmark and the bundling tests build with these, so what they
 * measure and check is what the CDK deploys (minus the asset hash).
 */
export const esbuildOptions = (
  entry: string,
  outfile: string,
  faultInjectionAllowed: boolean,
  sentryEnabled = false,
): BuildOptions => ({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: LAMBDA_BUNDLING.format,
  target: LAMBDA_BUNDLING.target,
  minify: LAMBDA_BUNDLING.minify,
  sourcemap: LAMBDA_BUNDLING.sourceMap,
  sourcesContent: LAMBDA_BUNDLING.sourcesContent,
  mainFields: [...LAMBDA_BUNDLING.mainFields],
  banner: { js: LAMBDA_BUNDLING.banner },
  external: [...LAMBDA_BUNDLING.externalModules],
  define: stageDefines(faultInjectionAllowed, sentryEnabled),
  logLevel: 'warning',
});

/** Repository root: function entries are relative to it. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The entries of the functions that serve no route (the routes' are in `functions/routes.ts`). */
export const OPS_FUNCTION_ENTRIES = {
  triage: 'functions/triage/on-page.ts',
  escalate: 'functions/incidents/escalate.ts',
  onAlarm: 'functions/incidents/on-alarm.ts',
  validateRestore: 'functions/backup/validate-restore.ts',
} as const;

/** Every function entry of the app, absolute: a synth bundles them together (see {@link lambdaCode}). */
const FUNCTION_ENTRIES: readonly string[] = [
  ...new Set([...ROUTES.map(({ entry }) => entry), ...Object.values(OPS_FUNCTION_ENTRIES)]),
].map((entry) => join(REPO_ROOT, entry));

/** One line per esbuild run, on the synth's standard error (the benchmark sums them). */
const reportBundled = (functions: number, constants: string, started: number) =>
  process.stderr.write(
    `esbuild: bundled ${functions} function${functions === 1 ? '' : 's'} with ${constants} in ${Math.round(performance.now() - started)} ms\n`,
  );

/** Per set of build-time constants: the directory holding every entry's bundle, once built. */
const batches = new Map<string, string>();

/**
 * Bundles every function entry with these constants in one esbuild run (esbuild reads and parses
 * the modules they share once: about half the time of one run per entry) into a directory next
 * to `outputDir` (CDK's bundling directory, inside the cloud assembly, where `NodejsFunction`
 * bundled too; removed when the synth ends), and returns where `entry`'s `index.mjs` is.
 */
const batchBundle = (
  entry: string,
  outputDir: string,
  faultInjectionAllowed: boolean,
  sentryEnabled: boolean,
): string => {
  const key = JSON.stringify(stageDefines(faultInjectionAllowed, sentryEnabled));
  let dir = batches.get(key);
  if (dir === undefined) {
    dir = mkdtempSync(join(dirname(outputDir), 'lambda-bundles-'));
    const built = dir;
    process.once('exit', () => rmSync(built, { recursive: true, force: true }));
    const {
      entryPoints: _one,
      outfile: _file,
      ...options
    } = esbuildOptions(entry, join(dir, 'index.mjs'), faultInjectionAllowed, sentryEnabled);
    const started = performance.now();
    buildSync({
      ...options,
      entryPoints: Object.fromEntries(
        FUNCTION_ENTRIES.map((file, index) => [`${index}/index`, file]),
      ),
      outdir: dir,
      outExtension: { '.js': '.mjs' },
    });
    reportBundled(FUNCTION_ENTRIES.length, key, started);
    batches.set(key, dir);
  }
  return join(dir, String(FUNCTION_ENTRIES.indexOf(entry)));
};

/**
 * A function's code for a stage: `entry` bundled by esbuild's JavaScript API with
 * {@link esbuildOptions}, in the synth's own process, into `index.mjs` (handler
 * `index.handler`). The first function of a stage bundles every function of the app with the
 * same constants at once; the others copy their bundle. An entry missing from the lists above is
 * bundled on its own.
 *
 * Why not `NodejsFunction`'s bundling, which takes the same options: it runs
 * `npx --no-install esbuild` once per function, and npm's start-up, then one esbuild run per
 * function, made most of the synth time once the app had 33 bundles (38 s for every stage;
 * docs/benchmarks.md). Like it, the asset's hash is that of the bundle, CDK stages each distinct
 * bundle once per synth (two functions with the same entry and constants share one), and a synth
 * that skips bundling (`aws:cdk:bundling-stacks`) runs no esbuild.
 */
export const lambdaCode = (
  entry: string,
  faultInjectionAllowed: boolean,
  sentryEnabled = false,
): Code =>
  Code.fromAsset(dirname(entry), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by CDK, never pulled: bundling is local, and a failed build throws.
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
      // Not run either; it names the bundle in CDK's cache key, so that only functions with the
      // same entry and build-time constants share a bundle.
      command: [
        'esbuild',
        relative(REPO_ROOT, entry),
        JSON.stringify(stageDefines(faultInjectionAllowed, sentryEnabled)),
      ],
      local: {
        tryBundle: (outputDir) => {
          if (!FUNCTION_ENTRIES.includes(entry)) {
            const started = performance.now();
            buildSync(
              esbuildOptions(
                entry,
                join(outputDir, 'index.mjs'),
                faultInjectionAllowed,
                sentryEnabled,
              ),
            );
            reportBundled(1, relative(REPO_ROOT, entry), started);
            return true;
          }
          const built = batchBundle(entry, outputDir, faultInjectionAllowed, sentryEnabled);
          for (const file of ['index.mjs', 'index.mjs.map'])
            copyFileSync(join(built, file), join(outputDir, file));
          return true;
        },
      },
    },
  });
