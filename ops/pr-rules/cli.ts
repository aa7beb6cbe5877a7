/**
 * `npm run pr:rules -- --base <ref> [--body-file <file>] [--github]`: runs the PR rules over
 * `git diff <base>...HEAD`. Warnings are printed (as annotations with `--github`); any failure
 * exits 1. The PR workflow runs it on every pull request.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCliArgs, requireOption, runCli } from '../cli.ts';
import { evaluatePullRequest, parseGitDiff } from './rules.ts';

const USAGE = 'npm run pr:rules -- --base <git ref> [--body-file <file>] [--github]';

const git = (...args: string[]) =>
  execFileSync('git', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

const main = async (): Promise<number> => {
  const { values } = parseCliArgs(USAGE, {
    base: { type: 'string' },
    'body-file': { type: 'string' },
    github: { type: 'boolean', default: false },
  });
  const range = `${requireOption(values.base, 'base', USAGE)}...HEAD`;
  const files = parseGitDiff(
    git('diff', '--numstat', range),
    git('diff', '--name-status', range),
    git('diff', '--unified=0', range),
  );
  const body = values['body-file']
    ? readFileSync(values['body-file'], 'utf8')
    : process.env.PR_BODY;
  const results = evaluatePullRequest({ files, body });
  for (const result of results) {
    console.log(
      values.github
        ? `::${result.level === 'fail' ? 'error' : 'warning'} title=${result.rule}::${result.message}`
        : `${result.level.toUpperCase()} ${result.rule}: ${result.message}`,
    );
  }
  const failed = results.filter((result) => result.level === 'fail').length;
  console.log(
    `PR rules: ${files.length} files, ${results.length - failed} warnings, ${failed} failures`,
  );
  return failed > 0 ? 1 : 0;
};

if (process.argv[1] === fileURLToPath(import.meta.url)) await runCli('pr:rules', main);
