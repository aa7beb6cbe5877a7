import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { esbuildOptions } from '../cdk/constructs/bundling.ts';

/** One function to bundle: a route's handler or the baseline. */
export interface BundleTarget {
  readonly id: string;
  /** Handler file, relative to the repository root. */
  readonly entry: string;
  /**
   * Built as for a stage that names a Sentry DSN secret (the SDK bundled).
   * @default false
   */
  readonly sentry?: boolean;
}

/** Bytes a package contributes to a bundle, from esbuild's metafile. */
export interface PackageShare {
  readonly name: string;
  readonly bytes: number;
}

export interface BundleResult {
  readonly id: string;
  readonly entry: string;
  /** The bundle, `index.mjs` as `NodejsFunction` names it. */
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Largest contributors to the minified output, by package (own code is `(project)`). */
  readonly topPackages: readonly PackageShare[];
}

/**
 * The prod bundles: prod does not allow fault injection, so its code and the SSM client are
 * compiled out (dev and staging bundles carry them: about 240 KiB more).
 */
export const lambdaBuildOptions = (
  entry: string,
  outfile: string,
  sentry = false,
): BuildOptions => ({
  ...esbuildOptions(entry, outfile, false, sentry),
  metafile: true,
});

const packageOf = (input: string): string => {
  const marker = 'node_modules/';
  const at = input.lastIndexOf(marker);
  if (at === -1) return '(project)';
  const parts = input.slice(at + marker.length).split('/');
  const [first = '', second = ''] = parts;
  return first.startsWith('@') ? `${first}/${second}` : first;
};

const topPackages = (metafile: Metafile, outfile: string, limit: number): PackageShare[] => {
  const output = Object.entries(metafile.outputs).find(([file]) =>
    file.endsWith(path.basename(outfile)),
  );
  const totals = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.[1].inputs ?? {})) {
    const name = packageOf(input);
    totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
  }
  return [...totals.entries()]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, limit);
};

/** Bundles each target into `outDir/<id>/index.mjs` (concurrently: esbuild is fast) and measures it. */
export const buildBundles = (
  targets: readonly BundleTarget[],
  repoRoot: string,
  outDir: string,
): Promise<BundleResult[]> =>
  Promise.all(
    targets.map(async (target): Promise<BundleResult> => {
      const dir = path.join(outDir, target.id);
      await mkdir(dir, { recursive: true });
      const file = path.join(dir, 'index.mjs');
      const { metafile } = await build({
        ...lambdaBuildOptions(path.join(repoRoot, target.entry), file, target.sentry),
        absWorkingDir: repoRoot,
      });
      const code = await readFile(file);
      return {
        id: target.id,
        entry: target.entry,
        file,
        bytes: (await stat(file)).size,
        gzipBytes: gzipSync(code, { level: 9 }).length,
        topPackages: metafile ? topPackages(metafile, file, 8) : [],
      };
    }),
  );
