import { afterEach, describe, expect, it, vi } from 'vitest';
import { CliError, createProgress, parseCliArgs, requireOption, runCli } from '#ops/cli';

describe('operator CLI helpers', () => {
  afterEach(() => {
    process.exitCode = undefined;
    vi.restoreAllMocks();
  });

  it('turns an unknown flag into a one-line usage error with exit code 2', () => {
    const parse = () =>
      parseCliArgs('npm run x -- --stage <s>', { stage: { type: 'string' } }, ['--nope']);
    expect(parse).toThrow(CliError);
    expect(parse).toThrow(/Unknown option '--nope'.*Usage: npm run x -- --stage <s>/);
  });

  it('names a missing required option', () => {
    expect(() => requireOption(undefined, 'stage', 'usage')).toThrow('--stage is required');
  });

  it('prints each step with its duration, and marks a failed one', async () => {
    const lines: string[] = [];
    const progress = createProgress((text) => lines.push(text));

    await progress.step('first', async () => 1);
    await expect(
      progress.step('second', async () => Promise.reject(new Error('x'))),
    ).rejects.toThrow('x');

    expect(lines.join('')).toMatch(
      /^\[1\] first \.\.\. done in \d+\.\d+ s\n\[2\] second \.\.\. failed after/,
    );
  });

  it('exits non-zero with one line for a CliError, and without a stack for anything else', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));

    await runCli('tool', async () => {
      throw new CliError('table missing: run npm start first', 3);
    });
    const code = process.exitCode;
    await runCli('tool', async () => {
      throw new Error('boom\n    at somewhere');
    });

    expect(code).toBe(3);
    expect(process.exitCode).toBe(1);
    expect(errors).toEqual([
      'tool: table missing: run npm start first',
      'tool: boom (re-run with DEBUG=1 for details)',
    ]);
  });
});
