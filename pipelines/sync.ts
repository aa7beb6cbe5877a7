/**
 * GitHub reads workflows from `.github/workflows/`; their sources live in `pipelines/workflows/`.
 * `npm run pipelines:sync` writes each source there with a header that says where it comes
 * from; `npm run pipelines:sync -- --check` fails when the two differ (a unit test checks too).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SOURCE_DIR = 'pipelines/workflows';
export const TARGET_DIR = '.github/workflows';

/** The generated file's text for one source file. */
export const renderWorkflow = (file: string, source: string): string =>
  `# Generated from ${SOURCE_DIR}/${file} by npm run pipelines:sync: edit the source, not this file.\n${source}`;

/** Every workflow the sources say `.github/workflows/` must hold, by file name. */
export const expectedWorkflows = (root = REPO_ROOT): Map<string, string> =>
  new Map(
    readdirSync(join(root, SOURCE_DIR))
      .filter((file) => /\.ya?ml$/.test(file))
      .sort()
      .map((file) => [
        file,
        renderWorkflow(file, readFileSync(join(root, SOURCE_DIR, file), 'utf8')),
      ]),
  );

/** Files that differ, are missing or are extra in `.github/workflows/`; empty when in sync. */
export const workflowDrift = (root = REPO_ROOT): string[] => {
  const expected = expectedWorkflows(root);
  const targetDir = join(root, TARGET_DIR);
  const actual = existsSync(targetDir)
    ? readdirSync(targetDir).filter((file) => /\.ya?ml$/.test(file))
    : [];
  const problems: string[] = [];
  for (const [file, text] of expected) {
    const path = join(targetDir, file);
    if (!existsSync(path)) problems.push(`${TARGET_DIR}/${file} is missing`);
    else if (readFileSync(path, 'utf8') !== text)
      problems.push(`${TARGET_DIR}/${file} differs from ${SOURCE_DIR}/${file}`);
  }
  for (const file of actual) {
    if (!expected.has(file)) problems.push(`${TARGET_DIR}/${file} has no source in ${SOURCE_DIR}/`);
  }
  return problems;
};

/** Rewrites `.github/workflows/` from the sources; returns the files written. */
export const syncWorkflows = (root = REPO_ROOT): string[] => {
  const targetDir = join(root, TARGET_DIR);
  mkdirSync(targetDir, { recursive: true });
  const expected = expectedWorkflows(root);
  for (const file of readdirSync(targetDir)) {
    if (/\.ya?ml$/.test(file) && !expected.has(file)) rmSync(join(targetDir, file));
  }
  for (const [file, text] of expected) writeFileSync(join(targetDir, file), text);
  return [...expected.keys()];
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const drift = workflowDrift();
    if (drift.length > 0) {
      console.error(`pipelines:sync: ${drift.join('; ')}: run npm run pipelines:sync`);
      process.exitCode = 1;
    } else console.log(`${TARGET_DIR} matches ${SOURCE_DIR}`);
  } else {
    const files = syncWorkflows();
    console.log(`Wrote ${files.length} workflows to ${TARGET_DIR}: ${files.join(', ')}`);
  }
}
