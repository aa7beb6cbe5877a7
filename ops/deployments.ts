/**
 * The deployments record (`Orders-<stage>-Deployments`): one item per deploy of a service to a
 * stage, written by `npm run record:deployment`, read by `npm run dora` and by triage.
 */
export type DeploymentStatus = 'succeeded' | 'failed' | 'rolled-back';

export interface DeploymentEvent {
  /** `<service>#<stage>` */
  readonly pk: string;
  /** `<ISO deployedAt>#<commit>`: sorts by time, unique per commit. */
  readonly sk: string;
  readonly service: string;
  readonly stage: string;
  readonly version: string;
  readonly commit: string;
  readonly deployedAt: string;
  readonly status: DeploymentStatus;
  /**
   * The commits the deploy shipped, newest first, each `<sha> <ISO commit time> <subject>`:
   * readable as evidence, and the commit time gives the DORA lead time.
   */
  readonly changes?: readonly string[];
}

export const DEPLOYMENT_STATUSES: readonly DeploymentStatus[] = [
  'succeeded',
  'failed',
  'rolled-back',
];

/** Builds the item, with its keys, from what the pipeline knows. */
export const deploymentEvent = (input: {
  service: string;
  stage: string;
  version: string;
  commit: string;
  deployedAt: string;
  status: DeploymentStatus;
  changes?: readonly string[];
}): DeploymentEvent => ({
  pk: `${input.service}#${input.stage}`,
  sk: `${input.deployedAt}#${input.commit}`,
  ...input,
  ...(input.changes && input.changes.length > 0
    ? { changes: [...input.changes] }
    : { changes: undefined }),
});

/** One `changes` entry: `<sha> <ISO commit time> <subject>`. */
export const formatChange = (sha: string, committedAt: string, subject: string): string =>
  `${sha} ${committedAt} ${subject}`;

/** The commit time of a `changes` entry, or undefined when it has none. */
export const changeCommittedAt = (change: string): Date | undefined => {
  const iso = change.split(' ')[1];
  if (!iso) return undefined;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
};
