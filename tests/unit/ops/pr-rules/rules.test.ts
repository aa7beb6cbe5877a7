import { describe, expect, it } from 'vitest';
import {
  type ChangedFile,
  evaluatePullRequest,
  LARGE_PR_LINES,
  parseGitDiff,
} from '#ops/pr-rules/rules';

const file = (path: string, over: Partial<ChangedFile> = {}): ChangedFile => ({
  path,
  status: 'modified',
  additions: 5,
  deletions: 1,
  addedLines: [],
  ...over,
});
const rulesHit = (files: ChangedFile[], body?: string) =>
  evaluatePullRequest({ files, body }).map((result) => `${result.level}:${result.rule}`);

describe('PR rules', () => {
  it('warns on an infrastructure change without docs or runbook', () => {
    expect(rulesHit([file('cdk/stacks/api-stack.ts')])).toEqual(['warn:infra-without-docs']);
    expect(rulesHit([file('cdk/stacks/api-stack.ts'), file('docs/deploying.md')])).toEqual([]);
  });

  it('fails a new alarm without a runbook, and passes it with one', () => {
    const alarm = file('slos/alarms.ts', {
      addedLines: ["    const alarm = new Alarm(this, 'Dlq', {"],
    });
    expect(rulesHit([alarm])).toEqual(['fail:alarm-without-runbook']);
    expect(rulesHit([alarm, file('runbooks/dlq.md', { status: 'added' })])).toEqual([]);
    const inTest = file('tests/unit/x.test.ts', { addedLines: ['new Alarm(stack, "A", {})'] });
    expect(rulesHit([inTest])).toEqual([]);
  });

  it('warns on a large PR, not counting the lock file', () => {
    expect(rulesHit([file('functions/a.ts', { additions: LARGE_PR_LINES + 1 })])).toEqual([
      'warn:large-pr',
    ]);
    expect(rulesHit([file('package-lock.json', { additions: 5000 })])).toEqual([]);
  });

  it('fails a workflow edited without its source', () => {
    expect(rulesHit([file('.github/workflows/pr.yml')])).toEqual(['fail:workflow-edited-directly']);
    expect(
      rulesHit([file('.github/workflows/pr.yml'), file('pipelines/workflows/pr.yml')]),
    ).toEqual([]);
  });

  it('warns when the rollback plan is left empty', () => {
    const empty = '## Rollback plan\n<!-- how to undo -->\n\n## SLO impact\nnone';
    const filled = '## Rollback plan\nRevert; the canary rolls back by itself.\n';
    expect(rulesHit([file('functions/a.ts')], empty)).toEqual(['warn:rollback-plan']);
    expect(rulesHit([file('functions/a.ts')], filled)).toEqual([]);
  });

  it('reads changed files and added lines from git diff output', () => {
    const files = parseGitDiff(
      '3\t1\tcdk/x.ts\n10\t0\trunbooks/new.md\n',
      'M\tcdk/x.ts\nA\trunbooks/new.md\n',
      '+++ b/cdk/x.ts\n@@ -1 +1,3 @@\n+new Alarm(this, "A", {})\n+// b\n+++ b/runbooks/new.md\n+# New\n',
    );
    expect(files).toEqual([
      {
        path: 'cdk/x.ts',
        status: 'modified',
        additions: 3,
        deletions: 1,
        addedLines: ['new Alarm(this, "A", {})', '// b'],
      },
      {
        path: 'runbooks/new.md',
        status: 'added',
        additions: 10,
        deletions: 0,
        addedLines: ['# New'],
      },
    ]);
  });
});
