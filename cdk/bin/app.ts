import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  cloudWatchRoleProblems,
  getStageConfig,
  reservedConcurrencyProblems,
  STAGE_NAMES,
  type StageConfig,
} from '#config/stages';
import { createOrdersService } from '../service.ts';
import { APP_CONTEXT } from '../synth.ts';

/**
 * App entry: `npx cdk synth -c stage=<dev|staging|prod|all> [-c account=<id>] [-c validate=true]`.
 * Context is read here, once; everything below receives the typed StageConfig.
 *
 * - `stage=all` puts every stage in one assembly (what CI synthesizes, and a pipeline deploys):
 *   one process, and stages with the same bundling settings share their bundles.
 * - `validate=true` adds CDK's built-in CloudFormation validation (a WASM engine, ~4 s per
 *   synth; with cdk.json's `validateAgainstDefaultRules` flag its findings fail the synth). Off
 *   by default to keep synth fast; cdk-nag, which also fails the synth, always runs.
 */
// The CLI's `-c` values, read once; the App that synthesizes is built with what they say.
const cliContext = new App({ autoSynth: false }).node;
const context = (key: string): string | undefined => {
  const value = cliContext.tryGetContext(key) as unknown;
  return value === undefined ? undefined : String(value);
};

let configs: StageConfig[];
try {
  const stage = context('stage');
  const account = context('account');
  if (stage === 'all') {
    if (account !== undefined)
      throw new Error('-c account= applies to one stage: pass -c stage=<dev|staging|prod> with it');
    configs = STAGE_NAMES.map((name) => getStageConfig(name));
  } else {
    configs = [getStageConfig(stage, { account })];
  }
  // The release to deploy: `-c workerImageTag=<semver>-<git sha>` (the pipeline passes it).
  const imageTag = context('workerImageTag');
  if (imageTag !== undefined) {
    if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?-[0-9a-f]{7,40}$/.test(imageTag))
      throw new Error(
        `Invalid workerImageTag '${imageTag}': pass -c workerImageTag=<semver>-<git sha>, e.g. 1.4.0-3f2b415`,
      );
    configs = configs.map((config) => ({ ...config, worker: { ...config.worker, imageTag } }));
  }

  // Account-wide settings: checked across every stage this app deploys.
  const problems = [...cloudWatchRoleProblems(configs), ...reservedConcurrencyProblems(configs)];
  if (problems.length > 0) throw new Error(problems.join('\n'));
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}

const app = new App({
  context: { ...APP_CONTEXT },
  builtinCloudFormationValidation: context('validate') === 'true',
});
for (const config of configs) createOrdersService(app, config);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
