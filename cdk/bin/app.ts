import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { getStageConfig, type StageConfig } from '#config/stages';
import { createOrdersService } from '../service.ts';
import { APP_CONTEXT } from '../synth.ts';

/**
 * App entry: `npx cdk synth -c stage=<dev|staging|prod> [-c account=<id>]`.
 * Context is read here, once; everything below receives the typed StageConfig.
 */
const app = new App({ context: { ...APP_CONTEXT } });

let config: StageConfig;
try {
  const account = app.node.tryGetContext('account') as string | undefined;
  config = getStageConfig(app.node.tryGetContext('stage') as string | undefined, {
    account: account === undefined ? undefined : String(account),
  });
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}

createOrdersService(app, config);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
