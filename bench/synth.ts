import { fork, spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Keeps the CDK CLI off the network: no notices, no version check, no telemetry. */
const CLI_ENV = {
  CDK_DISABLE_VERSION_CHECK: 'true',
  CDK_DISABLE_CLI_TELEMETRY: 'true',
};

export interface CliSynthResult {
  readonly stage: string;
  /** Wall clock of `npx cdk synth -c stage=<stage> -q`, seconds. */
  readonly wallSeconds: number;
  /** Sum of the synth's esbuild runs ("esbuild: bundled N functions … in T ms"), seconds. */
  readonly esbuildSeconds: number;
  /** Functions bundled by those runs (each run bundles every function with one set of constants). */
  readonly functionsBundled: number;
}

/**
 * Times one `cdk synth` per stage, one after another, as CI runs it. Each writes to its own
 * directory under `bench/.out`, so the project's `cdk.out` is left alone.
 */
export const timeCliSynth = async (
  repoRoot: string,
  stages: readonly string[],
  outDir: string,
): Promise<CliSynthResult[]> => {
  const results: CliSynthResult[] = [];
  for (const stage of stages) {
    const output = path.join(outDir, `cdk.out-${stage}`);
    const args = ['cdk', 'synth', '-c', `stage=${stage}`, '-q', '--no-notices', '--output', output];
    const started = performance.now();
    const log = await new Promise<string>((resolve, reject) => {
      const child = spawn('npx', args, {
        cwd: repoRoot,
        env: { ...process.env, ...CLI_ENV },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      child.on('error', reject);
      child.on('close', (code) => {
        if (code === 0) resolve(text);
        else reject(new Error(`npx ${args.join(' ')} exited with ${code}:\n${text.slice(-4000)}`));
      });
    });
    const wallSeconds = (performance.now() - started) / 1000;
    const runs = [...log.matchAll(/esbuild: bundled (\d+) functions? .* in (\d+) ms/g)].map(
      (match) => ({ functions: Number(match[1]), ms: Number(match[2]) }),
    );
    results.push({
      stage,
      wallSeconds,
      esbuildSeconds: runs.reduce((sum, run) => sum + run.ms, 0) / 1000,
      functionsBundled: runs.reduce((sum, run) => sum + run.functions, 0),
    });
  }
  return results;
};

export interface InMemorySynthResult {
  /** Seconds to import `cdk/synth.ts` (aws-cdk-lib, cdk-nag, the stacks). */
  readonly importSeconds: number;
  /** Per stage: `synthesizeStage(stage)` (no bundling, no cdk-nag), seconds. */
  readonly stages: readonly { readonly stage: string; readonly seconds: number }[];
  /** Per stage: the same with cdk-nag's AwsSolutionsChecks, as the app entry applies them. */
  readonly withNag: readonly { readonly stage: string; readonly seconds: number }[];
  /** One stage with cdk-nag and CDK's built-in CloudFormation validation, as the CLI synth runs. */
  readonly withNagAndValidation?: { readonly stage: string; readonly seconds: number };
}

const workerFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'synth-worker.ts');

/**
 * Times the in-memory synthesis `cdk/synth.ts` exports, in a child under tsx. Returns undefined
 * when the project has no `cdk/synth.ts`.
 */
export const timeInMemorySynth = async (
  repoRoot: string,
  stages: readonly string[],
): Promise<InMemorySynthResult | undefined> => {
  try {
    await access(path.join(repoRoot, 'cdk/synth.ts'));
  } catch {
    return undefined;
  }
  return new Promise((resolve, reject) => {
    const child = fork(workerFile, [...stages], {
      cwd: repoRoot,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8000);
    });
    let message: InMemorySynthResult | { error: string } | null | undefined;
    child.on('message', (received) => {
      message = received as InMemorySynthResult | { error: string } | null;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (message === undefined) reject(new Error(`synth worker exited with ${code}:\n${stderr}`));
      else if (message === null) resolve(undefined);
      else if ('error' in message) reject(new Error(`synth worker failed: ${message.error}`));
      else resolve(message);
    });
  });
};
