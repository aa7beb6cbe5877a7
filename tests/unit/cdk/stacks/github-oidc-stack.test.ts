import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Repository } from 'aws-cdk-lib/aws-ecr';
import { describe, expect, it } from 'vitest';
import { STAGES, type StageConfig } from '#config/stages';
import { synthesized } from '#tests/unit/cdk/helpers';
import { DeploymentsStack } from '../../../../cdk/stacks/deployments-stack.ts';
import {
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

/** The deploy role's trust policy statements. */
const trustOf = (template: Template): TrustStatement[] => {
  const roles = Object.values(template.findResources('AWS::IAM::Role'));
  expect(roles).toHaveLength(1);
  return roles[0]?.Properties.AssumeRolePolicyDocument.Statement as TrustStatement[];
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
