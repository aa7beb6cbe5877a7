/**
 * Pull request rules, Danger-style: pure functions over what a PR changes, each returning
 * warnings (annotations) or failures (the PR check fails). `ops/pr-rules/cli.ts` feeds them
 * from `git diff` in CI.
 */

export interface ChangedFile {
  readonly path: string;
  readonly status: 'added' | 'modified' | 'deleted' | 'renamed';
  readonly additions: number;
  readonly deletions: number;
  /** The lines the PR adds to the file (without the leading `+`). */
  readonly addedLines: readonly string[];
}

export interface PullRequest {
  readonly files: readonly ChangedFile[];
  /** The PR description, when known (the template's sections are checked). */
  readonly body?: string;
}

export interface RuleResult {
  readonly rule: string;
  readonly level: 'warn' | 'fail';
  readonly message: string;
}

/** Changed lines above which a PR is hard to review well. */
export const LARGE_PR_LINES = 600;

const isInfra = (path: string) => path.startsWith('cdk/');
const isDocs = (path: string) =>
  path.startsWith('docs/') ||
  path.startsWith('runbooks/') ||
  path === 'README.md' ||
  path.endsWith('/README.md');
const ALARM_CODE = /\bnew (Composite)?Alarm\(|\.createAlarm\(|\bnew CfnAlarm\(/;

export type Rule = (pr: PullRequest) => RuleResult[];

/** Infrastructure changes should say, in docs or a runbook, what operators will see. */
export const infraWithoutDocs: Rule = (pr) => {
  const infra = pr.files.filter((file) => isInfra(file.path));
  if (infra.length === 0 || pr.files.some((file) => isDocs(file.path))) return [];
  return [
    {
      rule: 'infra-without-docs',
      level: 'warn',
      message: `Infrastructure changed (${infra.map((file) => file.path).join(', ')}) with no docs/ or runbooks/ change: does an operator need to know?`,
    },
  ];
};

/** Every new alarm needs a runbook: whoever it pages must know what to do. */
export const alarmWithoutRunbook: Rule = (pr) => {
  const withAlarms = pr.files.filter(
    (file) =>
      file.status !== 'deleted' &&
      /\.ts$/.test(file.path) &&
      !file.path.startsWith('tests/') &&
      file.addedLines.some((line) => ALARM_CODE.test(line)),
  );
  const runbookAdded = pr.files.some(
    (file) =>
      file.path.startsWith('runbooks/') && file.path.endsWith('.md') && file.status !== 'deleted',
  );
  if (withAlarms.length === 0 || runbookAdded) return [];
  return [
    {
      rule: 'alarm-without-runbook',
      level: 'fail',
      message: `New alarm code in ${withAlarms.map((file) => file.path).join(', ')} but no runbook added or changed under runbooks/: write runbooks/<alarm id>.md and link it from the alarm description`,
    },
  ];
};

/** Large PRs get shallow reviews. */
export const largePullRequest: Rule = (pr) => {
  const lines = pr.files
    .filter(
      (file) => file.path !== 'package-lock.json' && !file.path.startsWith('.github/workflows/'),
    )
    .reduce((sum, file) => sum + file.additions + file.deletions, 0);
  return lines > LARGE_PR_LINES
    ? [
        {
          rule: 'large-pr',
          level: 'warn',
          message: `${lines} lines changed (over ${LARGE_PR_LINES}, lock file and generated workflows aside): consider splitting this PR`,
        },
      ]
    : [];
};

/** `.github/workflows/` is generated: edits belong in `pipelines/workflows/`. */
export const workflowEditedDirectly: Rule = (pr) => {
  const generated = pr.files.filter((file) => file.path.startsWith('.github/workflows/'));
  const sources = new Set(
    pr.files
      .filter((file) => file.path.startsWith('pipelines/workflows/'))
      .map((file) => file.path.split('/').pop()),
  );
  const orphans = generated.filter((file) => !sources.has(file.path.split('/').pop()));
  return orphans.length === 0
    ? []
    : [
        {
          rule: 'workflow-edited-directly',
          level: 'fail',
          message: `${orphans.map((file) => file.path).join(', ')} changed without its source in pipelines/workflows/: edit the source and run npm run pipelines:sync`,
        },
      ];
};

/** The PR template's rollback plan is the one section a reviewer cannot fill in for the author. */
export const missingRollbackPlan: Rule = (pr) => {
  if (pr.body === undefined) return [];
  const section = /##\s*Rollback plan\s*\n([\s\S]*?)(\n##\s|$)/i.exec(pr.body)?.[1] ?? '';
  const text = section.replace(/<!--[\s\S]*?-->/g, '').trim();
  return text.length > 0
    ? []
    : [
        {
          rule: 'rollback-plan',
          level: 'warn',
          message: 'The "Rollback plan" section of the PR description is empty',
        },
      ];
};

export const RULES: readonly Rule[] = [
  infraWithoutDocs,
  alarmWithoutRunbook,
  largePullRequest,
  workflowEditedDirectly,
  missingRollbackPlan,
];

export const evaluatePullRequest = (
  pr: PullRequest,
  rules: readonly Rule[] = RULES,
): RuleResult[] => rules.flatMap((rule) => rule(pr));

/** Parses `git diff --numstat` and `git diff --unified=0` output into changed files. */
export const parseGitDiff = (
  numstat: string,
  nameStatus: string,
  unified: string,
): ChangedFile[] => {
  const statuses = new Map<string, ChangedFile['status']>();
  for (const line of nameStatus.split('\n').filter(Boolean)) {
    const [code = '', ...paths] = line.split('\t');
    const path = paths[paths.length - 1] ?? '';
    statuses.set(
      path,
      code.startsWith('A')
        ? 'added'
        : code.startsWith('D')
          ? 'deleted'
          : code.startsWith('R')
            ? 'renamed'
            : 'modified',
    );
  }
  const added = new Map<string, string[]>();
  let current: string | undefined;
  for (const line of unified.split('\n')) {
    const header = /^\+\+\+ (?:b\/)?(.*)$/.exec(line);
    if (header) {
      current = header[1] === '/dev/null' ? undefined : header[1];
      continue;
    }
    if (current && line.startsWith('+')) {
      const list = added.get(current) ?? [];
      list.push(line.slice(1));
      added.set(current, list);
    }
  }
  return numstat
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [additions = '0', deletions = '0', ...rest] = line.split('\t');
      const path = rest.join('\t').replace(/^.*\{.* => (.*)\}.*$/, '$1');
      return {
        path,
        status: statuses.get(path) ?? 'modified',
        additions: Number.parseInt(additions, 10) || 0,
        deletions: Number.parseInt(deletions, 10) || 0,
        addedLines: added.get(path) ?? [],
      };
    });
};
