import { describe, expect, it } from 'vitest';
import {
  type ConsumerConfig,
  cloudWatchRoleProblems,
  getStageConfig,
  limitsProblems,
  reservedConcurrencyProblems,
  STAGE_NAMES,
  STAGES,
  type StageConfig,
} from '#config/stages';

describe('getStageConfig', () => {
  it('rejects an unknown stage with a one-line message naming the valid stages', () => {
    // Act
    const act = () => getStageConfig('nope');

    // Assess
    expect(act).toThrow(/^Unknown stage 'nope': pass -c stage=<dev\|staging\|prod\|all>/);
    expect(() => getStageConfig('nope')).not.toThrow(/\n/);
  });

  it.each([undefined, ''])('rejects a missing stage (%j), naming every valid value', (name) => {
    expect(() => getStageConfig(name)).toThrow(
      /^No stage given: pass -c stage=<dev\|staging\|prod\|all>, e\.g\. npx cdk synth -c stage=dev$/,
    );
  });

  it('overrides only the account when one is passed', () => {
    // Act
    const config = getStageConfig('staging', { account: '123456789012' });

    // Assess
    expect(config.env).toEqual({ account: '123456789012', region: STAGES.staging.env.region });
    expect(config.api).toBe(STAGES.staging.api);
  });

  it('rejects an account that is not 12 digits', () => {
    expect(() => getStageConfig('dev', { account: 'abc' })).toThrow(/^Invalid account 'abc'/);
  });
});

describe('consumers', () => {
  it('gives dev at least two consumers that create orders, so ownership is exercised locally', () => {
    const writers = STAGES.dev.consumers.filter((c) => c.scopes.includes('orders.write'));

    expect(writers.length).toBeGreaterThanOrEqual(2);
  });

  it.each(STAGE_NAMES)(
    'grants orders.read.all in %s only to reporting, which writes nothing',
    (stage) => {
      const readAll = STAGES[stage].consumers.filter((c) => c.scopes.includes('orders.read.all'));

      expect(readAll.map((c) => c.name)).toEqual(['reporting']);
      expect(readAll[0]?.scopes).not.toContain('orders.write');
    },
  );

  it.each(STAGE_NAMES)('names %s consumers so they can own orders (no #, unique)', (stage) => {
    const names = STAGES[stage].consumers.map((c) => c.name);

    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z][a-z0-9-]{0,31}$/);
  });
});

describe('account-wide settings', () => {
  const inAccount = (name: 'dev' | 'staging' | 'prod', account: string) => ({
    ...STAGES[name],
    env: { ...STAGES[name].env, account },
  });

  it('lets every shipped stage own the API Gateway CloudWatch role of its own account', () => {
    expect(cloudWatchRoleProblems(Object.values(STAGES))).toEqual([]);
  });

  it('refuses two stages that both own the CloudWatch role of one account', () => {
    // Act
    const problems = cloudWatchRoleProblems([
      inAccount('dev', '123456789012'),
      inAccount('staging', '123456789012'),
    ]);

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(/^Account 123456789012\/eu-west-1: stages dev, staging all own/),
    ]);
  });

  it('accepts one owner per account when stages share it', () => {
    const staging = inAccount('staging', '123456789012');
    expect(
      cloudWatchRoleProblems([
        inAccount('dev', '123456789012'),
        { ...staging, api: { ...staging.api, ownsAccountCloudWatchRole: false } },
      ]),
    ).toEqual([]);
  });

  it('keeps the shipped reservations well inside the unreserved minimum', () => {
    expect(reservedConcurrencyProblems(Object.values(STAGES))).toEqual([]);
    // Every stage in one account still fits a default quota of 1000.
    expect(
      reservedConcurrencyProblems(STAGE_NAMES.map((name) => inAccount(name, '123456789012'))),
    ).toEqual([]);
  });

  it('sums reservations over the stages of one account against its quota', () => {
    // Prepare
    const small = (name: 'dev' | 'staging') => {
      const config = inAccount(name, '123456789012');
      return { ...config, lambda: { ...config.lambda, accountConcurrency: 150 } };
    };

    // Act
    const problems = reservedConcurrencyProblems([small('dev'), small('staging')]);

    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/reserve 77 of a Lambda concurrency quota of 150/);
    expect(problems[0]).not.toMatch(/\n/);
  });
});

describe('limitsProblems', () => {
  const dev = STAGES.dev;

  it.each(STAGE_NAMES)('finds the %s throttles, quotas and concurrency consistent', (name) => {
    expect(limitsProblems(STAGES[name])).toEqual([]);
  });

  it('refuses a method throttle above the stage throttle', () => {
    // Prepare
    const config: StageConfig = {
      ...dev,
      api: { ...dev.api, methodThrottles: { getOrder: { rateLimit: 80, burstLimit: 10 } } },
    };

    // Act / Assess
    expect(limitsProblems(config)).toContainEqual(
      expect.stringMatching(
        /api\.methodThrottles\.getOrder \(80\/s, burst 10\) exceeds the stage throttle \(50\/s/,
      ),
    );
  });

  it('refuses a quota the consumer throttle can never reach', () => {
    // Prepare
    const [first, ...rest] = dev.consumers;
    const config: StageConfig = {
      ...dev,
      consumers: [
        { ...(first as ConsumerConfig), quota: { limit: 20 * 86_400 + 1, period: 'DAY' } },
        ...rest,
      ],
    };

    // Act / Assess
    expect(limitsProblems(config)).toEqual([
      expect.stringMatching(
        /consumer storefront's quota \(1728001 per DAY\) is more than its throttle lets through/,
      ),
    ]);
  });

  it("refuses a reservation that cannot hold its route's rate at the sizing duration", () => {
    // Prepare: 20 requests/s × 2 s = 40 concurrent executions, 20 reserved.
    const config: StageConfig = { ...dev, lambda: { ...dev.lambda, sizingDurationMs: 2000 } };

    // Act / Assess
    expect(limitsProblems(config)).toContainEqual(
      expect.stringMatching(
        /createOrder may receive 20 requests\/s, which needs 40 concurrent executions at 2000 ms but only 20 are reserved/,
      ),
    );
  });

  it('refuses provisioned concurrency with min above max or a target outside 0.1–0.9', () => {
    // Prepare
    const config: StageConfig = {
      ...dev,
      lambda: {
        ...dev.lambda,
        provisionedConcurrency: { createOrder: { min: 5, max: 2, targetUtilization: 0.95 } },
      },
    };

    // Act
    const problems = limitsProblems(config);

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(/min 5 above max 2/),
      expect.stringMatching(/targetUtilization must be between 0\.1 and 0\.9, got 0\.95/),
    ]);
  });
});
