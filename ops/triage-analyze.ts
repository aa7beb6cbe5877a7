/**
 * `npm run --silent triage:analyze -- <bundle.json>`: the baseline analyzer's hypotheses for a
 * context bundle (or an evaluation scenario holding one under `bundle`), as JSON on stdout.
 */
import { readFile } from 'node:fs/promises';
import { analyze } from '#triage/analyzer';
import { parseBundle } from '#triage/bundle';
import { mergeHypotheses } from '#triage/output';
import { CliError, parseCliArgs, runCli } from './cli.ts';

const USAGE = 'npm run --silent triage:analyze -- <bundle.json>';

await runCli('triage:analyze', async () => {
  const { positionals } = parseCliArgs(USAGE, {});
  const [file] = positionals;
  if (file === undefined || positionals.length > 1)
    throw new CliError(`give exactly one bundle file. Usage: ${USAGE}`, 2);
  const text = await readFile(file, 'utf8').catch(() => {
    throw new CliError(`cannot read ${file}: check the path. Usage: ${USAGE}`);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not JSON: pass a bundle exported from an incident record`);
  }
  const wrapped = json as { bundle?: unknown };
  let bundle: ReturnType<typeof parseBundle>;
  try {
    bundle = parseBundle(
      wrapped && typeof wrapped === 'object' && 'bundle' in wrapped ? wrapped.bundle : json,
    );
  } catch (error) {
    throw new CliError(`${file}: ${(error as Error).message}`);
  }
  const hypotheses = mergeHypotheses([], analyze(bundle));
  process.stdout.write(
    `${JSON.stringify({ incidentId: bundle.incidentId, hypotheses }, null, 2)}\n`,
  );
  return 0;
});
