import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { SENTRY_DSN_SECRET_ENV } from '#commons/env-names';
import { STAGE_NAMES, STAGES, type StageConfig } from '#config/stages';
import { logicalId, statementsOfRole } from '#tests/unit/cdk/helpers';
import { OrdersFunction } from '../../../../cdk/constructs/orders-function.ts';

/** One function for `config` in a bare stack, bundling skipped. */
const synth = (config: StageConfig) => {
  const app = new App({
    context: { 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  const stack = new Stack(app, 'Test', { env: config.env });
  const fn = new OrdersFunction(stack, 'Fn', {
    routeId: 'health',
    entry: 'functions/health/health.ts',
    config,
  });
  const template = Template.fromStack(stack);
  const variables = Object.values(template.findResources('AWS::Lambda::Function'))[0]?.Properties
    .Environment.Variables as Record<string, unknown>;
  return { variables, statements: statementsOfRole(template, logicalId(fn.role ?? fn)) };
};

const secretStatements = (statements: ReturnType<typeof synth>['statements']) =>
  statements.filter((statement) =>
    [statement.Action].flat().some((a) => a.startsWith('secretsmanager:')),
  );

describe('OrdersFunction with Sentry', () => {
  it('is off in every stage unless the stage names a DSN secret', () => {
    for (const stage of STAGE_NAMES) {
      expect(STAGES[stage].observability?.sentryDsnSecretName).toBeUndefined();
    }
  });

  it('names the DSN secret and may read that secret only, when the stage names one', () => {
    // Prepare
    const config: StageConfig = {
      ...STAGES.prod,
      observability: { sentryDsnSecretName: 'orders/prod/sentry-dsn' },
    };

    // Act
    const { variables, statements } = synth(config);

    // Assess
    expect(variables[SENTRY_DSN_SECRET_ENV]).toBe('orders/prod/sentry-dsn');
    const secrets = secretStatements(statements);
    expect(secrets).toHaveLength(1);
    expect(secrets[0]?.Action).toBe('secretsmanager:GetSecretValue');
    expect(JSON.stringify(secrets[0]?.Resource)).toContain(':secret:orders/prod/sentry-dsn-??????');
    expect(JSON.stringify(secrets[0]?.Resource)).not.toContain('*');
  });

  it('has no Sentry variable and no secret access when the stage names none', () => {
    const { variables, statements } = synth(STAGES.prod);

    expect(Object.keys(variables)).not.toContain(SENTRY_DSN_SECRET_ENV);
    expect(secretStatements(statements)).toEqual([]);
  });
});
