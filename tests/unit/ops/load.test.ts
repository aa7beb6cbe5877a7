import { describe, expect, it } from 'vitest';
import { CliError } from '#ops/cli';
import { deployedCredentials, main } from '#ops/load';

describe('npm run load (a deployed stage)', () => {
  it('takes client credentials from the environment', () => {
    // Prepare
    const env = {
      LOAD_API_KEY: 'key',
      LOAD_TOKEN_URL: 'https://auth.example.com/oauth2/token',
      LOAD_CLIENT_ID: 'id',
      LOAD_CLIENT_SECRET: 'secret',
    };

    // Act / Assess
    expect(deployedCredentials(env)).toEqual(env);
  });

  it('accepts a ready token instead of client credentials', () => {
    expect(deployedCredentials({ LOAD_API_KEY: 'key', LOAD_TOKEN: 't' })).toEqual({
      LOAD_API_KEY: 'key',
      LOAD_TOKEN: 't',
    });
  });

  it('names every missing variable on one line', () => {
    // Act
    const act = () => deployedCredentials({ LOAD_API_KEY: 'key' });

    // Assess
    expect(act).toThrow(CliError);
    expect(act).toThrow(/^set LOAD_TOKEN_URL, LOAD_CLIENT_ID, LOAD_CLIENT_SECRET \(/);
  });

  it.each([
    [['smoke'], /--target is required/],
    [['--target', 'example.com', 'smoke'], /--target must be the API's URL/],
    [
      ['--target', 'https://api.example.com', 'burst'],
      /unknown scenario 'burst': pick one of smoke, steady, spike, soak/,
    ],
    [['--target', 'https://api.example.com', 'smoke', '--stage', 'qa'], /unknown stage 'qa'/],
  ])('refuses %j before running anything', async (args, message) => {
    await expect(main(args, {})).rejects.toThrow(message);
  });
});
