import { afterEach, describe, expect, it, vi } from 'vitest';
import { CliError } from '#ops/cli';
import { main } from '#ops/preflight';

describe('npm run preflight', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const quiet = () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
  };

  it('fails with one line per placeholder, each saying where to set the value', async () => {
    // Prepare
    quiet();
    const lines: string[] = [];

    // Act
    const code = await main(['--stage', 'staging'], (line) => lines.push(line));

    // Assess
    expect(code).toBe(1);
    const perValue = lines.filter((line) => line.includes('is a placeholder'));
    expect(perValue.map((line) => line.split(':')[1]?.trim().split(' ')[0])).toEqual([
      'env.account',
      'api.corsAllowOrigins[0]',
      'pricing.url',
      'paging.subscriptions.page.https[0]',
      'paging.subscriptions.info.https[0]',
      'alerting.runbookBaseUrl',
      'pipeline.githubRepository',
    ]);
    for (const line of lines) expect(line).not.toMatch(/\n/);
    expect(perValue.every((line) => line.includes('cdk/config/stages.ts'))).toBe(true);
    expect(lines.at(-1)).toMatch(/FAILED, 7 placeholder/);
  });

  it('names the GitHub repository the deploy role trusts, and where to set it', async () => {
    // Prepare
    quiet();
    const lines: string[] = [];

    // Act
    await main(['--stage', 'prod', '--account', '123456789012'], (line) => lines.push(line));

    // Assess
    const repository = lines.find((line) => line.includes('pipeline.githubRepository'));
    expect(repository).toContain("'example-org/sre-serverless-platform'");
    expect(repository).toMatch(/GITHUB_REPOSITORY .* in cdk\/config\/stages\.ts/);
    expect(lines.some((line) => line.includes('alerting.runbookBaseUrl'))).toBe(true);
  });

  it('accepts the account to be passed with -c account=', async () => {
    quiet();
    const lines: string[] = [];

    await main(['--stage', 'dev', '--account', '123456789012'], (line) => lines.push(line));

    expect(lines.some((line) => line.includes('env.account'))).toBe(false);
    expect(lines.some((line) => line.includes('pricing.url'))).toBe(true);
  });

  it('passes with exit 0 once no placeholder is left', async () => {
    // Prepare
    quiet();
    vi.resetModules();
    vi.doMock('#config/placeholders', async (original) => ({
      ...(await original<typeof import('#config/placeholders')>()),
      findPlaceholders: () => [],
    }));
    const ready = await import('#ops/preflight');
    const lines: string[] = [];

    // Act
    const code = await ready.main(['--stage', 'prod'], (line) => lines.push(line));
    vi.doUnmock('#config/placeholders');

    // Assess
    expect(code).toBe(0);
    expect(lines).toEqual([]);
    expect(console.log).toHaveBeenCalledWith(expect.stringContaining('ready to deploy'));
  });

  it('rejects a stage or account it does not know, with the usage', async () => {
    await expect(main(['--stage', 'qa'])).rejects.toThrow(CliError);
    await expect(main(['--stage', 'qa'])).rejects.toThrow(/Unknown stage 'qa'.*Usage/);
    await expect(main(['--stage', 'dev', '--account', '12'])).rejects.toThrow(/12-digit/);
    await expect(main([])).rejects.toThrow(/--stage is required/);
  });
});
