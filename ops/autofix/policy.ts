/**
 * The guardrails of AI auto-fix: what a proposed fix may touch and what it must carry before it
 * is offered for review. Pure; `ops/autofix/cli.ts` applies it and docs/ai-autofix.md explains it.
 */

export interface ProposedFile {
  readonly path: string;
  readonly additions: number;
  readonly deletions: number;
}

export interface GateRun {
  readonly id: string;
  readonly result: 'passed' | 'failed' | 'unavailable' | 'skipped';
}

export interface Proposal {
  /** `deterministic` (lint fix, format) or `bedrock` (a model's patch). */
  readonly source: 'deterministic' | 'bedrock';
  readonly files: readonly ProposedFile[];
  /** Files the pull request itself changed: a model's patch may touch only these. */
  readonly prFiles: readonly string[];
  /** The gates re-run on the fixed tree. */
  readonly gates: readonly GateRun[];
  readonly commitMessage: string;
  /** How it will land. */
  readonly delivery: { readonly draft: boolean; readonly autoMerge: boolean };
}

export interface PolicyDecision {
  readonly allowed: boolean;
  readonly violations: readonly string[];
}

/** Largest fix, in changed lines, a reviewer is asked to check. */
export const MAX_DIFF_LINES = 200;
export const MAX_FILES = 10;

/** Gates that must pass on the fixed tree before anything is proposed. */
export const REQUIRED_GATES = ['lint', 'typecheck', 'tests'] as const;

/** Trailers every auto-fix commit carries. */
export const TRAILER_TOOL = 'Autofix-Tool';
export const TRAILER_MODEL = 'Autofix-Model';

/**
 * Paths no automated fix may touch, with why: infrastructure and IAM (what the service may do),
 * workflows and pipelines (what CI may do, this policy included), secrets and the scanners'
 * own configuration (what would hide a finding).
 */
export const DENIED_PATHS: ReadonlyArray<{ readonly pattern: RegExp; readonly why: string }> = [
  { pattern: /^cdk\//, why: 'infrastructure as code' },
  { pattern: /(^|\/)[^/]*(iam|polic(y|ies)|permissions?)[^/]*$/i, why: 'IAM' },
  { pattern: /^\.github\//, why: 'workflows' },
  { pattern: /^pipelines\//, why: 'workflow sources' },
  { pattern: /^ops\/autofix\//, why: 'the auto-fix guardrails themselves' },
  { pattern: /^\.ci\//, why: 'the CI entry point' },
  { pattern: /(^|\/)\.env(\..*)?$|\.(pem|key|p12|pfx)$|(^|\/)secrets?(\/|\.)/i, why: 'secrets' },
  {
    pattern:
      /^\.(semgrep\.yml|gitleaks\.toml|checkov\.yaml|cfnlintrc\.yaml)$|^biome\.json$|^sonar-project\.properties$/,
    why: 'scanner configuration',
  },
  { pattern: /(^|\/)Dockerfile$|^containers\/.*\/build\.ts$/, why: 'image build' },
  { pattern: /^package(-lock)?\.json$|^local\/requirements\.txt$/, why: 'dependencies' },
];

/** Why a path is off limits, or undefined when a fix may touch it. */
export const deniedReason = (path: string): string | undefined =>
  DENIED_PATHS.find(({ pattern }) => pattern.test(path))?.why;

const trailerValue = (message: string, key: string): string | undefined =>
  new RegExp(`^${key}:[ \\t]*(\\S.*)$`, 'm').exec(message)?.[1]?.trim();

/** Checks a proposal against every guardrail; allowed only when there is no violation. */
export const evaluateProposal = (proposal: Proposal): PolicyDecision => {
  const violations: string[] = [];
  if (proposal.files.length === 0) violations.push('the proposal changes nothing');
  for (const file of proposal.files) {
    const why = deniedReason(file.path);
    if (why) violations.push(`${file.path}: ${why} is never changed automatically`);
    if (proposal.source === 'bedrock' && !proposal.prFiles.includes(file.path))
      violations.push(
        `${file.path}: a model's patch may only touch files the pull request changed`,
      );
  }
  const lines = proposal.files.reduce((sum, file) => sum + file.additions + file.deletions, 0);
  if (lines > MAX_DIFF_LINES)
    violations.push(`${lines} changed lines: over the ${MAX_DIFF_LINES}-line limit`);
  if (proposal.files.length > MAX_FILES)
    violations.push(`${proposal.files.length} files: over the ${MAX_FILES}-file limit`);
  for (const gate of REQUIRED_GATES) {
    const run = proposal.gates.find((candidate) => candidate.id === gate);
    if (!run) violations.push(`gate ${gate} was not re-run`);
    else if (run.result !== 'passed')
      violations.push(`gate ${gate} ${run.result} on the fixed tree`);
  }
  for (const gate of proposal.gates)
    if (gate.result === 'failed' && !(REQUIRED_GATES as readonly string[]).includes(gate.id))
      violations.push(`gate ${gate.id} failed on the fixed tree`);
  const tool = trailerValue(proposal.commitMessage, TRAILER_TOOL);
  const model = trailerValue(proposal.commitMessage, TRAILER_MODEL);
  if (!tool) violations.push(`the commit message has no ${TRAILER_TOOL} trailer`);
  if (!model) violations.push(`the commit message has no ${TRAILER_MODEL} trailer`);
  if (proposal.source === 'bedrock' && model === 'none')
    violations.push(`a model's patch must name the model in ${TRAILER_MODEL}`);
  if (!proposal.delivery.draft) violations.push('a fix lands only as a draft pull request');
  if (proposal.delivery.autoMerge) violations.push('a fix is never merged automatically');
  return { allowed: violations.length === 0, violations };
};

/** The commit message of a fix: a subject, what ran, and the trailers naming tool and model. */
export const commitMessage = (input: {
  readonly subject: string;
  readonly tool: string;
  readonly model?: string;
  readonly fixers: readonly string[];
}): string =>
  [
    input.subject,
    '',
    `Proposed automatically for human review. Fixers: ${input.fixers.join(', ')}.`,
    '',
    `${TRAILER_TOOL}: ${input.tool}`,
    `${TRAILER_MODEL}: ${input.model ?? 'none'}`,
  ].join('\n');

/** One line of the audit log (JSON Lines): who proposed what, on what evidence, and the decision. */
export const auditEntry = (input: {
  readonly at: string;
  readonly pullRequestHead: string;
  readonly proposal: Proposal;
  readonly decision: PolicyDecision;
  readonly tool: string;
  readonly model?: string;
}): string =>
  JSON.stringify({
    at: input.at,
    head: input.pullRequestHead,
    source: input.proposal.source,
    tool: input.tool,
    model: input.model ?? 'none',
    files: input.proposal.files.map((file) => file.path),
    changedLines: input.proposal.files.reduce(
      (sum, file) => sum + file.additions + file.deletions,
      0,
    ),
    gates: Object.fromEntries(input.proposal.gates.map((gate) => [gate.id, gate.result])),
    allowed: input.decision.allowed,
    violations: input.decision.violations,
  });
