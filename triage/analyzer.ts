import {
  type ContextBundle,
  type Evidence,
  evidenceOf,
  type MetricData,
  type Point,
} from './bundle.ts';
import type { Category, ProposedHypothesis } from './hypothesis.ts';

/**
 * The baseline analyzer: deterministic rules over a context bundle, no model. It is the fallback
 * when Bedrock is off, slow or refuses, and the cross-check of the model's answer (each merged
 * hypothesis says which of the two proposed it).
 */

interface Window {
  readonly start: number;
  readonly end: number;
}

const windowOf = (bundle: ContextBundle): Window => ({
  start: Date.parse(bundle.window.start),
  end: Date.parse(bundle.window.end),
});

const during = (points: readonly Point[], window: Window) =>
  points.filter((p) => Date.parse(p.t) >= window.start).map((p) => p.v);
const before = (points: readonly Point[], window: Window) =>
  points.filter((p) => Date.parse(p.t) < window.start).map((p) => p.v);
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const mean = (values: readonly number[]) => (values.length === 0 ? 0 : sum(values) / values.length);
const max = (values: readonly number[]) => (values.length === 0 ? 0 : Math.max(...values));

/** Whether a series went up in the window: some activity, and at least `factor` × before. */
const rose = (metric: MetricData, window: Window, factor = 2): boolean => {
  const now = during(metric.points, window);
  const then = before(metric.points, window);
  return sum(now) > 0 && max(now) >= factor * Math.max(mean(then), 1e-9);
};
const active = (metric: MetricData, window: Window): boolean =>
  sum(during(metric.points, window)) > 0;

const metrics = (bundle: ContextBundle, names: RegExp) =>
  evidenceOf(bundle, 'metric').filter((e) => names.test(e.data.metricName));

/** Log evidence (top lines and fingerprints) whose text matches. */
const logsMatching = (bundle: ContextBundle, pattern: RegExp): Evidence[] => [
  ...evidenceOf(bundle, 'fingerprint').filter((e) => pattern.test(e.data.example)),
  ...evidenceOf(bundle, 'log').filter((e) => pattern.test(e.data.message)),
];

const ids = (evidence: readonly Evidence[]): string[] => [...new Set(evidence.map((e) => e.id))];

const alarmEvidence = (bundle: ContextBundle) => evidenceOf(bundle, 'alarm').slice(0, 1);

/** Confidence from the number of independent signals: 1 → 0.45, 2 → 0.65, 3+ → 0.8. */
const confidenceOf = (signals: number, bonus = 0): number =>
  Math.min(0.95, [0, 0.45, 0.65, 0.8][Math.min(signals, 3)] ?? 0.8) + bonus;

const runbookSection = (bundle: ContextBundle, pattern: RegExp): string | undefined =>
  evidenceOf(bundle, 'runbook')
    .flatMap((e) => e.data.sections)
    .find((section) => pattern.test(section.heading))?.heading;

const hypothesis = (
  bundle: ContextBundle,
  category: Category,
  title: string,
  evidence: readonly Evidence[],
  signals: number,
  nextSteps: readonly string[],
  runbook: RegExp,
  bonus = 0,
): ProposedHypothesis => {
  const section = runbookSection(bundle, runbook);
  return {
    title,
    category,
    confidence: Number(confidenceOf(signals, bonus).toFixed(2)),
    evidenceIds: ids([...evidence, ...alarmEvidence(bundle)]),
    nextSteps: [...nextSteps],
    ...(section !== undefined && { runbookSection: section }),
  };
};

type Rule = (bundle: ContextBundle, window: Window) => ProposedHypothesis | undefined;

const faultInjection: Rule = (bundle, window) => {
  const config = evidenceOf(bundle, 'config').filter(
    (e) => e.data.name === 'fault-injection' && e.data.active,
  );
  const injected = metrics(bundle, /^FaultsInjected$/).filter((e) => active(e.data, window));
  const logs = logsMatching(bundle, /injected (fault|error|latency)|fault.?injection/i);
  const signals = [config, injected, logs].filter((list) => list.length > 0).length;
  if (config.length === 0 && injected.length === 0) return undefined;
  return hypothesis(
    bundle,
    'fault-injection',
    'Fault injection is switched on and is failing or slowing requests',
    [...config, ...injected, ...logs],
    signals,
    [
      'Read the fault-injection parameter and set "enabled": false unless a drill is running',
      'Confirm with the team whether a drill is in progress before turning it off',
    ],
    /fault|drill/i,
    config.length > 0 ? 0.1 : 0,
  );
};

const deployment: Rule = (bundle, window) => {
  const recent = evidenceOf(bundle, 'deployment').filter((e) => {
    const at = Date.parse(e.data.deployedAt);
    return e.data.status !== 'failed' && at <= window.end && at >= window.start - 2 * 3600_000;
  });
  const latest = recent.sort(
    (a, b) => Date.parse(b.data.deployedAt) - Date.parse(a.data.deployedAt),
  )[0];
  if (!latest) return undefined;
  const deployedAt = Date.parse(latest.data.deployedAt);
  const newErrors = evidenceOf(bundle, 'fingerprint').filter(
    (e) => e.data.countBefore === 0 && e.data.count >= 3,
  );
  const errorsRose = metrics(bundle, /^(ServerErrors|5XXError|Errors)$/).filter(
    (e) =>
      e.data.points.some((p) => Date.parse(p.t) >= deployedAt && p.v > 0) && rose(e.data, window),
  );
  const close = window.end - deployedAt <= 45 * 60_000;
  const signals = 1 + (newErrors.length > 0 ? 1 : 0) + (errorsRose.length > 0 ? 1 : 0);
  if (signals === 1 && !close) return undefined;
  return hypothesis(
    bundle,
    'deployment',
    `Regression from deployment ${latest.data.version} (${latest.data.commit.slice(0, 7)})`,
    [latest, ...newErrors, ...errorsRose],
    signals,
    [
      `Compare errors before and after ${latest.data.deployedAt}; roll back ${latest.data.version} if they started with it`,
      'Read the changes of the deployment for the failing route',
    ],
    /deploy|roll ?back|release/i,
    close ? 0.05 : -0.1,
  );
};

const dependency: Rule = (bundle, window) => {
  const errors = metrics(bundle, /^(DownstreamErrors|PricingFallback|PricingCircuitOpen)$/).filter(
    (e) => active(e.data, window),
  );
  const latency = metrics(bundle, /^DownstreamLatency$/).filter((e) => rose(e.data, window, 2));
  const logs = logsMatching(
    bundle,
    /ECONNRESET|ETIMEDOUT|ECONNREFUSED|socket hang up|circuit (is )?open|upstream|(pricing|warehouse).*(fail|timeout|timed out|error|5\d\d)/i,
  );
  const traces = evidenceOf(bundle, 'trace').filter((e) =>
    /pricing|warehouse|remote|http/i.test(e.data.root),
  );
  const signals = [errors, latency, logs, traces].filter((list) => list.length > 0).length;
  if (signals === 0 || (errors.length === 0 && latency.length === 0 && signals < 2))
    return undefined;
  return hypothesis(
    bundle,
    'dependency',
    'A dependency (pricing or warehouse) is failing or slow',
    [...errors, ...latency, ...logs, ...traces],
    signals,
    [
      "Check the dependency's status and its latency on the dashboard",
      'Confirm the circuit breaker opened and the fallback is serving',
    ],
    /dependen|pricing|warehouse|downstream/i,
  );
};

const capacity: Rule = (bundle, window) => {
  const throttles = metrics(
    bundle,
    /^(Throttles|ThrottledRequests|ReadThrottleEvents|WriteThrottleEvents|ThrottleCount)$/,
  ).filter((e) => active(e.data, window));
  const logs = logsMatching(
    bundle,
    /Throttl|ProvisionedThroughputExceeded|TooManyRequests|Rate exceeded|RequestLimitExceeded|429/i,
  );
  const signals = [throttles, logs].filter((list) => list.length > 0).length;
  if (signals === 0) return undefined;
  return hypothesis(
    bundle,
    'capacity',
    'Throttling: a Lambda, DynamoDB or API Gateway limit is being hit',
    [...throttles, ...logs],
    signals,
    [
      'Find which limit throttles (Lambda reserved concurrency, DynamoDB, API Gateway usage plan)',
      'Raise the limit in the stage config or shed the traffic that causes it',
    ],
    /throttl|capacity|limit|scal/i,
  );
};

const coldStart: Rule = (bundle, window) => {
  const starts = metrics(bundle, /^(ColdStart|ConcurrentExecutions)$/).filter((e) =>
    rose(e.data, window, 3),
  );
  const logs = logsMatching(
    bundle,
    /Init Duration|INIT_REPORT|cold.?start|ReservedFunctionConcurrentInvocationLimitExceeded|concurrency limit|Task timed out/i,
  );
  const signals = [starts, logs].filter((list) => list.length > 0).length;
  if (signals === 0) return undefined;
  return hypothesis(
    bundle,
    'cold-start',
    'Cold starts or the concurrency limit slow or refuse requests',
    [...starts, ...logs],
    signals,
    [
      'Compare init duration and concurrent executions with the reserved concurrency',
      'Consider provisioned concurrency or a higher reservation for the route',
    ],
    /cold|concurren|latency/i,
  );
};

const poison: Rule = (bundle, window) => {
  const dlq = metrics(bundle, /^ApproximateNumberOfMessagesVisible$/).filter(
    (e) => /dlq|dead/i.test(Object.values(e.data.dimensions).join(' ')) && active(e.data, window),
  );
  const failed = metrics(bundle, /^Failed$/).filter((e) => active(e.data, window));
  const logs = logsMatching(
    bundle,
    /poison|dead.?letter|\bDLQ\b|malformed message|moved to the DLQ/i,
  );
  const signals = [dlq, failed, logs].filter((list) => list.length > 0).length;
  if (dlq.length === 0 && signals < 2) return undefined;
  return hypothesis(
    bundle,
    'poison-messages',
    'Poison messages are failing in the worker and filling the DLQ',
    [...dlq, ...failed, ...logs],
    signals,
    [
      'Read a few DLQ messages and the worker log line giving each reason',
      'Fix or discard them; redrive only after the cause is fixed',
    ],
    /dlq|dead|poison|queue/i,
  );
};

const errorSurge: Rule = (bundle) => {
  const prints = evidenceOf(bundle, 'fingerprint');
  const total = prints.reduce((a, e) => a + e.data.count, 0);
  const surging = prints.filter(
    (e) =>
      e.data.count >= 5 &&
      e.data.count >= 3 * (e.data.countBefore + 1) &&
      e.data.count >= 0.5 * total,
  );
  const top = surging[0];
  if (!top) return undefined;
  return hypothesis(
    bundle,
    'error-surge',
    `One error surges: ${top.data.example.slice(0, 80)}`,
    [top],
    top.data.countBefore === 0 ? 2 : 1,
    [
      `Open the log query for fingerprint ${top.data.fingerprint} and read a full example`,
      'Find the route and input that trigger it',
    ],
    /error|fingerprint|log/i,
  );
};

const RULES: readonly Rule[] = [
  faultInjection,
  deployment,
  dependency,
  capacity,
  coldStart,
  poison,
  errorSurge,
];

/**
 * The rules' hypotheses for a bundle, most confident first. When no rule matches, one low
 * confidence `other` hypothesis citing the alarm says so, so the incident never shows nothing.
 */
export const analyze = (bundle: ContextBundle): ProposedHypothesis[] => {
  const window = windowOf(bundle);
  const found = RULES.map((rule) => rule(bundle, window))
    .filter((h): h is ProposedHypothesis => h !== undefined)
    .sort((a, b) => b.confidence - a.confidence);
  const alarm = alarmEvidence(bundle);
  if (found.length > 0 || alarm.length === 0) return found;
  return [
    {
      title: 'No known pattern matched the evidence',
      category: 'other',
      confidence: 0.1,
      evidenceIds: ids(alarm),
      nextSteps: [
        'Open the dashboard and the runbook of the alarm',
        'Check the sources the bundle marks as timed out or failed',
      ],
    },
  ];
};
