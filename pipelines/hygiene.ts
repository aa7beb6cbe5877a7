/**
 * Rules every workflow follows, checked by the unit tests on `pipelines/workflows/`: actions
 * pinned by full commit SHA (with the release tag in a comment), no permissions unless a job
 * asks for them, and a concurrency group.
 */
import { parse } from 'yaml';

export interface WorkflowJob {
  readonly permissions?: unknown;
  readonly uses?: string;
  readonly needs?: string | string[];
  readonly environment?: unknown;
  readonly env?: Readonly<Record<string, string>>;
  readonly steps?: ReadonlyArray<{
    readonly name?: string;
    readonly if?: string;
    readonly env?: Readonly<Record<string, string>>;
    readonly uses?: string;
    readonly run?: string;
    readonly with?: Record<string, unknown>;
  }>;
}

export interface Workflow {
  readonly name?: string;
  readonly on?: unknown;
  readonly permissions?: unknown;
  readonly concurrency?: unknown;
  readonly jobs: Readonly<Record<string, WorkflowJob>>;
}

export const parseWorkflow = (text: string): Workflow => parse(text) as Workflow;

const PINNED = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/;

/** One line per hygiene problem of a workflow; empty when it follows every rule. */
export const hygieneProblems = (file: string, text: string): string[] => {
  const workflow = parseWorkflow(text);
  const problems: string[] = [];
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    const match = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
    if (!match) continue;
    const [, ref = '', rest = ''] = match;
    if (ref.startsWith('./')) continue;
    if (!PINNED.test(ref))
      problems.push(`${file}:${index + 1}: ${ref} is not pinned by a full commit SHA`);
    else if (!/#\s*v\d/.test(rest))
      problems.push(`${file}:${index + 1}: ${ref} has no '# v<tag>' comment naming the release`);
  }
  const permissions = workflow.permissions;
  if (
    typeof permissions !== 'object' ||
    permissions === null ||
    Object.keys(permissions).length > 0
  )
    problems.push(`${file}: top-level permissions must be {} (each job asks for what it needs)`);
  const isReusable =
    typeof workflow.on === 'object' && workflow.on !== null && 'workflow_call' in workflow.on;
  if (!isReusable && workflow.concurrency === undefined)
    problems.push(`${file}: no concurrency group`);
  for (const [id, job] of Object.entries(workflow.jobs ?? {})) {
    if (job.permissions === undefined)
      problems.push(`${file}: job ${id} does not declare its permissions`);
    if (job.permissions === 'write-all' || job.permissions === 'read-all')
      problems.push(`${file}: job ${id} uses ${job.permissions}: list the scopes it needs`);
  }
  return problems;
};

/** Every `run` script and `uses` reference of a workflow's jobs, as one text per job. */
export const jobTexts = (workflow: Workflow): Map<string, string> =>
  new Map(
    Object.entries(workflow.jobs).map(([id, job]) => [
      id,
      [
        job.uses ?? '',
        ...(job.steps ?? []).map(
          (step) => `${step.uses ?? ''}\n${step.run ?? ''}\n${JSON.stringify(step.with ?? {})}`,
        ),
      ].join('\n'),
    ]),
  );

/** The gate ids a workflow's jobs run through `npm run check -- --only a,b`. */
export const checkGatesRun = (workflow: Workflow): string[] =>
  [...jobTexts(workflow).values()].flatMap((text) =>
    [...text.matchAll(/npm run check -- --only ([\w,-]+)/g)].flatMap((match) =>
      (match[1] ?? '').split(','),
    ),
  );
