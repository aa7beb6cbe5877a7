import { describe, expect, it } from 'vitest';
import { getStageConfig, STAGES } from '#config/stages';

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
