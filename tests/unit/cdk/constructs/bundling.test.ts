import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '#routes';
import { esbuildOptions, lambdaCode, stageDefines } from '../../../../cdk/constructs/bundling.ts';
import { REPO_ROOT } from '../../../../cdk/constructs/orders-function.ts';

/** Bundles a handler in memory, as the function constructs do for a stage, and returns its code. */
const bundle = async (entry: string, faultInjectionAllowed: boolean): Promise<string> => {
  const result = await build({
    ...esbuildOptions(
      join(REPO_ROOT, entry),
      join(REPO_ROOT, 'cdk.out', 'test.mjs'),
      faultInjectionAllowed,
    ),
    sourcemap: false,
    write: false,
  });
  return result.outputFiles?.[0]?.text ?? '';
};

describe('Lambda bundling', () => {
  it("stages each function's bundle at synth, shared only by functions with the same entry and constants", () => {
    const outdir = mkdtempSync(join(tmpdir(), 'bundling-'));
    try {
      const app = new App({ outdir });
      const stack = new Stack(app, 'Bundles');
      const entry = join(REPO_ROOT, 'tests/fixtures/bundling/handler.ts');
      const fn = (id: string, faultInjectionAllowed: boolean) =>
        new LambdaFunction(stack, id, {
          code: lambdaCode(entry, faultInjectionAllowed),
          handler: 'index.handler',
          runtime: Runtime.NODEJS_22_X,
        });
      fn('Prod', false);
      fn('AlsoProd', false);
      fn('Dev', true);

      // Act
      const template = app.synth().getStackByName('Bundles').template as {
        Resources: Record<string, { Type: string; Properties: { Code: { S3Key: string } } }>;
      };

      // Assess: one asset per distinct bundle, each an ESM bundle with its source map.
      const keys = Object.entries(template.Resources)
        .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
        .map(([id, resource]) => [id.replace(/[0-9A-F]{8}$/, ''), resource.Properties.Code.S3Key]);
      const key = Object.fromEntries(keys);
      expect(key.Prod).toBe(key.AlsoProd);
      expect(key.Dev).not.toBe(key.Prod);
      const staged = (s3Key: string) => join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`);
      expect(existsSync(join(staged(key.Prod), 'index.mjs.map'))).toBe(true);
      expect(readFileSync(join(staged(key.Prod), 'index.mjs'), 'utf8')).toContain('compiled out');
      expect(readFileSync(join(staged(key.Dev), 'index.mjs'), 'utf8')).toContain('possible');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('fixes FAULT_INJECTION_ALLOWED to "false" only for stages that do not allow fault injection', () => {
    expect(stageDefines(false)).toEqual({
      'process.env.FAULT_INJECTION_ALLOWED': '"false"',
      'process.env.SENTRY_ENABLED': '"false"',
    });
    expect(stageDefines(true)).toEqual({ 'process.env.SENTRY_ENABLED': '"false"' });
  });

  it('bundles the Sentry SDK only for stages that enable Sentry', async () => {
    // Act: the metafile lists every file esbuild read into the bundle.
    const inputs = async (sentryEnabled: boolean) => {
      const result = await build({
        ...esbuildOptions(
          join(REPO_ROOT, 'functions/orders/get-order.ts'),
          join(REPO_ROOT, 'cdk.out', 'test.mjs'),
          false,
          sentryEnabled,
        ),
        sourcemap: false,
        write: false,
        metafile: true,
      });
      return Object.keys(result.metafile.inputs);
    };
    const [off, on] = await Promise.all([inputs(false), inputs(true)]);

    // Assess
    expect(off.filter((input) => input.includes('@sentry/'))).toEqual([]);
    expect(off.filter((input) => input.endsWith('commons/sentry.ts'))).toEqual([]);
    expect(on.some((input) => input.includes('@sentry/aws-serverless/'))).toBe(true);
    expect(on.some((input) => input.endsWith('commons/sentry.ts'))).toBe(true);
  });

  it('leaves the fault-injection code and the SSM client out of bundles for such stages', async () => {
    const [withFaults, withoutFaults] = await Promise.all([
      bundle('functions/orders/get-order.ts', true),
      bundle('functions/orders/get-order.ts', false),
    ]);

    expect(withFaults).toContain('GetParameter');
    expect(withoutFaults).not.toContain('GetParameter');
    expect(withoutFaults).not.toContain('fault-injection parameter');
    expect(withoutFaults.length).toBeLessThan(withFaults.length - 100_000);
  });

  it('keeps zod out of every API function: they run validators compiled from its schemas', async () => {
    // Act: the files esbuild read into each route's bundle, as a prod stage builds it.
    const withZod: string[] = [];
    for (const route of ROUTES) {
      const result = await build({
        ...esbuildOptions(
          join(REPO_ROOT, route.entry),
          join(REPO_ROOT, 'cdk.out', 'test.mjs'),
          false,
        ),
        sourcemap: false,
        write: false,
        metafile: true,
      });
      // Files read but tree-shaken away contribute no bytes: only what the bundle carries counts.
      const carried = Object.values(result.metafile.outputs).flatMap((output) =>
        Object.entries(output.inputs)
          .filter(([, input]) => input.bytesInOutput > 0)
          .map(([file]) => file),
      );
      if (carried.some((file) => /node_modules\/zod\//.test(file))) withZod.push(route.id);
    }

    // Assess
    expect(ROUTES.length).toBeGreaterThan(10);
    expect(withZod).toEqual([]);
  }, 60_000);

  it('bundles zod/mini without the locales of the classic API', async () => {
    const code = await bundle('functions/orders/get-order.ts', false);

    // The German locale's words: present only when every locale is bundled.
    expect(code).not.toContain('Ungültige Eingabe');
    expect(code).toContain('Too big');
  });
});
