/**
 * Child of the synth benchmark, under tsx: imports `cdk/synth.ts` and times `synthesizeStage`
 * for each stage given in argv (no asset bundling), then `buildStage` with cdk-nag if it is
 * exported, and once with CDK's built-in template validation as well. Sends the timings, or null when `synthesizeStage` is not exported, over IPC.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { InMemorySynthResult } from './synth.ts';
import { runWorker } from './worker-ipc.ts';

interface SynthModule {
  synthesizeStage?: (stage: never, options?: { bundle?: boolean }) => unknown;
  buildStage?: (
    stage: never,
    options?: { bundle?: boolean; nag?: boolean; validate?: boolean },
  ) => {
    app: { synth: () => unknown };
  };
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const seconds = (started: number) => (performance.now() - started) / 1000;

const main = async (): Promise<InMemorySynthResult | null> => {
  const stages = process.argv.slice(2);
  const importStarted = performance.now();
  const module = (await import(
    pathToFileURL(path.join(repoRoot, 'cdk/synth.ts')).href
  )) as SynthModule;
  const importSeconds = seconds(importStarted);
  const { synthesizeStage, buildStage } = module;
  if (typeof synthesizeStage !== 'function') return null;
  const timed = stages.map((stage) => {
    const started = performance.now();
    synthesizeStage(stage as never, { bundle: false });
    return { stage, seconds: seconds(started) };
  });
  const withNag =
    typeof buildStage === 'function'
      ? stages.map((stage) => {
          const started = performance.now();
          buildStage(stage as never, { bundle: false, nag: true }).app.synth();
          return { stage, seconds: seconds(started) };
        })
      : [];
  // CDK's built-in CloudFormation validation (a WebAssembly rule engine) runs in every CLI synth
  // unless turned off; timed for one stage only, as it takes seconds.
  const [first] = stages;
  let validation: { stage: string; seconds: number } | undefined;
  if (typeof buildStage === 'function' && first !== undefined) {
    const started = performance.now();
    buildStage(first as never, { bundle: false, nag: true, validate: true }).app.synth();
    validation = { stage: first, seconds: seconds(started) };
  }
  return {
    importSeconds,
    stages: timed,
    withNag,
    ...(validation ? { withNagAndValidation: validation } : {}),
  };
};

runWorker(main);
