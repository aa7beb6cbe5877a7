import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Repository } from 'aws-cdk-lib/aws-ecr';
import { describe, expect, it } from 'vitest';
import { STAGES, type StageConfig } from '#config/stages';
import { synthesized } from '#tests/unit/cdk/helpers';
import { DeploymentsStack } from '../../../../cdk/stacks/deployments-stack.ts';
import {
  autofixSubject,
  deploySubject,
  GITHUB_OIDC_AUDIENCE,
  GITHUB_OIDC_HOST,
  GithubOidcStack,
} from '../../../../cdk/stacks/github-oidc-stack.ts';

interface TrustStatement {
  readonly Action: string;
  readonly Effect: string;
  readonly Condition: Record<string, Record<string, string | string[]>>;
}

/** A role's trust policy statements (the deploy role unless named). */
const trustOf = (template: Template, logicalIdPrefix = 'DeployRole'): TrustStatement[] => {
  const roles = Object.entries(template.findResources('AWS::IAM::Role')).filter(([id]) =>
    id.startsWith(logicalIdPrefix),
  );
  expect(roles).toHaveLength(1);
  return roles[0]?.[1].Properties.AssumeRolePolicyDocument.Statement as TrustStatement[];
};

/**
 * Evaluates the trust policy's conditions as STS does for `sts:AssumeRoleWithWebIdentity`:
 * every `StringEquals` key must match the token's claim exactly, and `StringLike` keys by glob.
 */
const canAssume = (statements: TrustStatement[], claims: { sub: string; aud: string }): boolean =>
  statements.some((statement) => {
    if (statement.Effect !== 'Allow' || statement.Action !== 'sts:AssumeRoleWithWebIdentity')
      return false;
    const claimOf = (key: string) =>
      key === `${GITHUB_OIDC_HOST}:sub`
        ? claims.sub
        : key === `${GITHUB_OIDC_HOST}:aud`
          ? claims.aud
          : undefined;
    const equals = Object.entries(statement.Condition.StringEquals ?? {}).every(([key, value]) =>
      (Array.isArray(value) ? value : [value]).includes(claimOf(key) ?? '\u0000'),
    );
    const like = Object.entries(statement.Condition.StringLike ?? {}).every(([key, value]) =>
      (Array.isArray(value) ? value : [value]).some((pattern) =>
        new RegExp(
          `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '.*')
            .replace(/\?/g, '.')}$`,
        ).test(claimOf(key) ?? '\u0000'),
      ),
    );
    return equals && like;
  });

describe('GithubOidcStack', () => {
  const dev = synthesized('dev');
  const template = Template.fromStack(dev.built.githubOidc);
  const { githubRepository: repo, branch, environment } = STAGES.dev.pipeline;

  it('creates the GitHub OIDC provider for the STS audience', () => {
    template.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: `https://${GITHUB_OIDC_HOST}`,
      ClientIdList: [GITHUB_OIDC_AUDIENCE],
    });
  });

  it('trusts only the repository, branch and environment of the stage', () => {
    // Act
    const trust = trustOf(template);

    // Assess
    expect(canAssume(trust, { sub: deploySubject(STAGES.dev), aud: GITHUB_OIDC_AUDIENCE })).toBe(
      true,
    );
    expect(deploySubject(STAGES.dev)).toBe(
      `repo:${repo}:environment:${environment}:ref:refs/heads/${branch}`,
    );
  });

  it.each([
    [
      'another repository',
      `repo:someone-else/${repo.split('/')[1]}:environment:${environment}:ref:refs/heads/${branch}`,
    ],
    [
      'a fork with the same name',
      `repo:${repo}-fork:environment:${environment}:ref:refs/heads/${branch}`,
    ],
    ['another branch', `repo:${repo}:environment:${environment}:ref:refs/heads/feature`],
    [
      'a branch whose name extends it',
      `repo:${repo}:environment:${environment}:ref:refs/heads/${branch}-x`,
    ],
    ['another environment', `repo:${repo}:environment:prod:ref:refs/heads/${branch}`],
    ['a pull request', `repo:${repo}:pull_request`],
    ['a job without an environment', `repo:${repo}:ref:refs/heads/${branch}`],
  ])('refuses a token from %s', (_, sub) => {
    expect(canAssume(trustOf(template), { sub, aud: GITHUB_OIDC_AUDIENCE })).toBe(false);
  });

  it('refuses a token for another audience', () => {
    expect(canAssume(trustOf(template), { sub: deploySubject(STAGES.dev), aud: 'other' })).toBe(
      false,
    );
  });

  it('matches the sub claim exactly, with no wildcard', () => {
    const [statement] = trustOf(template);
    expect(statement?.Condition.StringLike).toBeUndefined();
    expect(JSON.stringify(statement?.Condition)).not.toContain('*');
  });

  it('gives each stage a role trusting only that stage environment', () => {
    for (const name of ['staging', 'prod'] as const) {
      const trust = trustOf(Template.fromStack(synthesized(name).built.githubOidc));
      expect(
        canAssume(trust, { sub: deploySubject(STAGES[name]), aud: GITHUB_OIDC_AUDIENCE }),
      ).toBe(true);
      expect(canAssume(trust, { sub: deploySubject(STAGES.dev), aud: GITHUB_OIDC_AUDIENCE })).toBe(
        false,
      );
    }
  });

  it('lets the role assume the CDK bootstrap roles and nothing else through STS', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'CdkBootstrapRoles',
            Action: ['sts:AssumeRole', 'sts:TagSession'],
            Resource: [
              Match.stringLikeRegexp(':role/cdk-hnb659fds-deploy-role-'),
              Match.stringLikeRegexp(':role/cdk-hnb659fds-file-publishing-role-'),
              Match.stringLikeRegexp(':role/cdk-hnb659fds-image-publishing-role-'),
              Match.stringLikeRegexp(':role/cdk-hnb659fds-lookup-role-'),
            ],
          }),
        ]),
      },
    });
  });

  it('allows no action wildcard and no admin policy', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const actions = policies.flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap(
        (statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]),
      ),
    );
    expect(actions.length).toBeGreaterThan(5);
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    template.resourcePropertiesCountIs(
      'AWS::IAM::Role',
      { ManagedPolicyArns: Match.anyValue() },
      0,
    );
  });

  it('imports the provider instead of creating it when another stage of the account owns it', () => {
    // Prepare
    const config: StageConfig = {
      ...STAGES.staging,
      pipeline: { ...STAGES.staging.pipeline, ownsOidcProvider: false },
    };
    const app = new App({ builtinCloudFormationValidation: false });
    const deps = new Stack(app, 'Deps', { env: config.env });
    const deployments = new DeploymentsStack(app, 'Deployments', { env: config.env, config });

    // Act: the stack alone, without synthesizing the whole stage
    const githubOidc = new GithubOidcStack(app, 'GithubOidc', {
      env: config.env,
      config,
      repository: new Repository(deps, 'Repo'),
      deploymentsTable: deployments.table,
      deploymentsTableParameter: deployments.tableNameParameter,
    });
    const imported = Template.fromStack(githubOidc);

    // Assess
    imported.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    expect(JSON.stringify(trustOf(imported))).toContain(`oidc-provider/${GITHUB_OIDC_HOST}`);
  });
});

describe('GithubOidcStack auto-fix role', () => {
  const dev = synthesized('dev');
  const template = Template.fromStack(dev.built.githubOidc);
  const { githubRepository: repo, branch, autofix } = STAGES.dev.pipeline;

  it('is trusted only by the auto-fix environment of the repository, from its branch', () => {
    // Act
    const trust = trustOf(template, 'AutofixRole');
    const sub = autofixSubject(STAGES.dev);

    // Assess
    expect(sub).toBe(`repo:${repo}:environment:${autofix?.environment}:ref:refs/heads/${branch}`);
    expect(canAssume(trust, { sub: sub ?? '', aud: GITHUB_OIDC_AUDIENCE })).toBe(true);
    for (const other of [
      deploySubject(STAGES.dev),
      `repo:${repo}:environment:${autofix?.environment}:ref:refs/heads/feature`,
      `repo:someone-else/x:environment:${autofix?.environment}:ref:refs/heads/${branch}`,
      `repo:${repo}:pull_request`,
    ])
      expect(canAssume(trust, { sub: other, aud: GITHUB_OIDC_AUDIENCE })).toBe(false);
    expect(canAssume(trustOf(template), { sub: sub ?? '', aud: GITHUB_OIDC_AUDIENCE })).toBe(false);
  });

  it('may only invoke the configured model, in the stage region', () => {
    const policies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) =>
      id.startsWith('AutofixRole'),
    );

    expect(policies).toHaveLength(1);
    expect(policies[0]?.[1].Properties.PolicyDocument.Statement).toEqual([
      {
        Sid: 'InvokeAutofixModel',
        Effect: 'Allow',
        Action: 'bedrock:InvokeModel',
        Resource: `arn:aws:bedrock:${STAGES.dev.env.region}::foundation-model/${autofix?.bedrockModelId}`,
      },
    ]);
  });

  it('exists only in stages that configure auto-fix', () => {
    expect(STAGES.prod.pipeline.autofix).toBeUndefined();
    // Deploy and drill roles everywhere; the auto-fix role where configured.
    Template.fromStack(synthesized('prod').built.githubOidc).resourceCountIs('AWS::IAM::Role', 2);
    template.resourceCountIs('AWS::IAM::Role', 3);
  });
});

describe('GithubOidcStack restore drill role', () => {
  const dev = synthesized('dev');
  const template = Template.fromStack(dev.built.githubOidc);
  const statements = () => {
    const policies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) =>
      id.startsWith('DrillRole'),
    );
    expect(policies).toHaveLength(1);
    return policies[0]?.[1].Properties.PolicyDocument.Statement as Array<{
      Sid: string;
      Action: string | string[];
      Resource: unknown;
      Condition?: unknown;
    }>;
  };
  const actions = (statement: { Action: string | string[] }) =>
    Array.isArray(statement.Action) ? statement.Action : [statement.Action];
  const table = (name: string) =>
    `arn:aws:dynamodb:${STAGES.dev.env.region}:${STAGES.dev.env.account}:table/${name}`;

  it('is trusted like the deploy role: the stage environment of the repository, from its branch', () => {
    const trust = trustOf(template, 'DrillRole');

    expect(canAssume(trust, { sub: deploySubject(STAGES.dev), aud: GITHUB_OIDC_AUDIENCE })).toBe(
      true,
    );
    expect(
      canAssume(trust, {
        sub: `repo:${STAGES.dev.pipeline.githubRepository}:pull_request`,
        aud: GITHUB_OIDC_AUDIENCE,
      }),
    ).toBe(false);
  });

  it('writes and deletes only the drill scratch tables, never a source table', () => {
    const writes = [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteTable',
    ];
    const writing = statements().filter((statement) =>
      actions(statement).some((action) => writes.includes(action)),
    );

    expect(writing.map((statement) => statement.Resource)).toEqual([
      table(`${STAGES.dev.appName}-dev-dr-drill-*`),
    ]);
    expect(JSON.stringify(statements())).not.toMatch(/"dynamodb:\*"|"Action":"\*"/);
  });

  it('restores only from the stage tables and their backups, and publishes only drill metrics', () => {
    const restore = statements().find((statement) => statement.Sid === 'RestoreFromStageTables');
    const metrics = statements().find((statement) => statement.Sid === 'DrillMetrics');

    expect(restore?.Resource).toEqual([
      table(`${STAGES.dev.appName}-dev-*`),
      table(`${STAGES.dev.appName}-dev-*/backup/*`),
    ]);
    expect(metrics?.Condition).toEqual({
      StringEquals: { 'cloudwatch:namespace': `${STAGES.dev.appName}/DR` },
    });
    // The tables' key, only as DynamoDB uses it for the restored copy.
    const keys = statements().find((statement) => statement.Sid === 'TableKeysThroughDynamoDb');
    expect(keys?.Condition).toEqual({
      StringEquals: { 'kms:ViaService': `dynamodb.${STAGES.dev.env.region}.amazonaws.com` },
    });
  });
});

describe('DeploymentsStack', () => {
  const template = Template.fromStack(synthesized('prod').built.deployments);

  it('keys deployments by service and stage, then time and commit, encrypted with PITR', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
  });

  it('publishes the table name at /<appName>/<stage>/deployments/table-name', () => {
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/Orders/prod/deployments/table-name',
    });
  });
});
