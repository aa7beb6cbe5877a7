/**
 * The runbooks of the SLO burn-rate alarms, `runbooks/slo-<slo>-<window>.md`, rendered from the
 * SLO definitions, the burn-rate policy and what an operator does for each SLO. The safety
 * alarms' runbooks are written by hand. After changing an SLO or this file:
 *
 *   npx tsx slos/runbooks.ts --write
 *
 * (a test fails while a rendered runbook differs from the file).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SLOS } from './definitions.ts';
import { BURN_RATE_POLICY, type BurnRateWindow, type SloDefinition, type SloId } from './spec.ts';

/** What an operator opens, checks and does for one SLO. */
interface SloPlaybook {
  readonly look: readonly string[];
  readonly diagnose: readonly string[];
  readonly mitigate: readonly string[];
}

const FAULT_OFF =
  'Turn fault injection off if a drill left it on (dev and staging only; prod builds without it): `aws ssm put-parameter --overwrite --name /Orders/$STAGE/fault-injection --value \'{"enabled":false}\'`. The functions re-read it after their cache time (`FAULT_INJECTION_CACHE_SECONDS`).';
const WORKER_FAULTS =
  'Fault injection acts on the API routes only, not on the worker; but a drill that fails creates leaves less to fulfil, so turn it off if one is running (`/Orders/$STAGE/fault-injection`, `{"enabled":false}`).';
const ROLLBACK =
  'A deployment in the last hours? Roll back: check out the previous release commit and `npx cdk deploy -c stage=$STAGE Orders-$STAGE-Api` (functions) or pass its `-c workerImageTag=` (worker). Roll back first, investigate after.';

const PLAYBOOKS: Readonly<Record<SloId, SloPlaybook>> = {
  'create-availability': {
    look: [
      'Dashboard `Orders-$STAGE-service-overview`: the POST /orders row (requests, 5xx, latency) and the createOrder function (errors, throttles, duration).',
      'Logs Insights saved query `errors-by-fingerprint` over the createOrder log group: which error, since when.',
    ],
    diagnose: [
      'Is it every request or some? 5xx on every create points at a dependency (DynamoDB, the idempotency table, the catalog table) or a bad deployment; a share of them at throttling or one SKU path.',
      'Throttles on the createOrder function or DynamoDB throttle alarms firing at the same time: capacity, not code.',
      'The pricing service is a soft dependency (orders fall back to catalog prices): its failures must not cause 5xx; if they do, that is the bug.',
      'A drill left running shows as `Injecting an error` log lines (field `faultInjection`) and the `FaultErrorInjected` metric.',
    ],
    mitigate: [
      ROLLBACK,
      FAULT_OFF,
      "Throttled: raise the function's reserved concurrency or the API stage throttle in `cdk/config/stages.ts` and deploy the Api stack.",
    ],
  },
  'read-availability': {
    look: [
      'Dashboard `Orders-$STAGE-service-overview`: the GET /orders/{orderId} and GET /orders rows and their functions.',
      'Logs Insights `errors-by-fingerprint` over the getOrder and listOrders log groups.',
    ],
    diagnose: [
      'Both routes failing: the orders table (throttling, a KMS key problem: `AccessDeniedException`/`KMSInvalidStateException` in the logs) or a deployment.',
      'Only listOrders: the byCustomer index or cursor handling (a 5xx on a bad cursor is a bug: it must be a 400).',
      "Check the `dynamodb-throttles-orders` alarm and the table's consumed capacity.",
    ],
    mitigate: [
      ROLLBACK,
      FAULT_OFF,
      'Orders table throttled on one hot customer: consider a limit on the listing client; on-demand tables adapt within minutes.',
    ],
  },
  'create-latency': {
    look: [
      'Dashboard `Orders-$STAGE-service-overview`: POST /orders latency (p50, p99), createOrder duration and cold starts.',
      'Logs Insights `slowest-requests` and `cold-starts` over the createOrder log group; X-Ray traces of the slow requests (segment times per dependency).',
    ],
    diagnose: [
      'Which segment is slow in the traces: the pricing call (its timeout and retries bound it), DynamoDB, or the function itself (cold starts after a deployment or a scale-out).',
      'Latency only at p99 with many cold starts: a traffic jump; provisioned concurrency may be needed.',
      'A latency fault left on by a drill shows as `Injecting latency` log lines and the `FaultLatencyInjected` metric.',
    ],
    mitigate: [
      ROLLBACK,
      FAULT_OFF,
      'A slow pricing service: the circuit breaker should open; if not, lower the pricing timeout in the stage config and deploy.',
    ],
  },
  'fulfilment-success': {
    look: [
      'Dashboard `Orders-$STAGE-service-overview`: the worker row (processed, failed, retried, queue depth, DLQ).',
      "The worker's log group: failures by error fingerprint (`errors-by-fingerprint`), and the `dlq-fulfilment-not-empty` alarm.",
    ],
    diagnose: [
      'Failures from the warehouse service (timeouts, 5xx, the breaker open) or from the orders table (conditional check failures on state transitions are expected for cancelled orders, not counted as failures).',
      'A new worker image? The `WorkerErrors` deployment alarm rolls a bad deployment back on its own; check the ECS service events.',
      'Malformed messages land in the DLQ with their reason logged.',
    ],
    mitigate: [
      ROLLBACK,
      'Warehouse down: failed messages retry and then wait in the DLQ; once it is back, redrive the DLQ (runbook `dlq-fulfilment-not-empty`).',
      WORKER_FAULTS,
    ],
  },
  'fulfilment-freshness': {
    look: [
      'Dashboard `Orders-$STAGE-service-overview`: queue depth and age of the oldest message, running tasks, backlog per task, FulfilmentTime.',
      'ECS service events of `Orders-$STAGE-Worker` (tasks failing to start, deployments in progress).',
    ],
    diagnose: [
      'Backlog growing with few tasks: scaling is capped (`worker.maxTasks`) or tasks do not start (image pull, health check); see `worker-no-running-tasks`.',
      "Backlog normal but FulfilmentTime high: the warehouse is slow, or the outbox pipe delivers late (the pipe's metrics and the `dlq-outbox-not-empty` alarm).",
    ],
    mitigate: [
      ROLLBACK,
      'Raise `worker.maxTasks` for the stage and deploy the Worker stack; or `aws ecs update-service --desired-count` for an immediate bump (the next deploy resets it).',
      WORKER_FAULTS,
    ],
  },
};

const WINDOW_TEXT: Readonly<Record<BurnRateWindow['id'], { urgency: string; escalate: string }>> = {
  'page-fast': {
    urgency:
      'a fast burn: at this rate 2% of the 30-day budget goes in an hour and the whole budget in about two days. Act now.',
    escalate:
      'Acknowledge the page. No mitigation in 15 minutes, or users clearly affected beyond this SLO: escalate to the secondary on call, then to the engineering manager. Open an incident channel; after recovery, write the postmortem.',
  },
  'page-slow': {
    urgency:
      'a sustained burn: at this rate 5% of the budget goes in six hours. Act within the hour.',
    escalate:
      'Acknowledge the page. Not understood within an hour: escalate to the secondary on call. Postmortem if more than 10% of the budget was spent.',
  },
  ticket: {
    urgency:
      'a slow burn: at this rate the whole budget goes before the 30 days end. Handle it in working hours.',
    escalate:
      'Work it as a ticket in business hours; raise it at the next service review if the budget is below 50%, and consider freezing risky releases until it recovers.',
  },
};

const indicatorText = (slo: SloDefinition): string =>
  slo.indicator.kind === 'ratio'
    ? `bad events / valid events, from ${[...slo.indicator.bad, ...slo.indicator.valid]
        .map((source) =>
          source.kind === 'apiMethod'
            ? `API Gateway \`${source.metric}\` of ${source.route}`
            : `the worker's \`${source.metric}\``,
        )
        .filter((text, index, all) => all.indexOf(text) === index)
        .join(', ')}`
    : `the share of \`${slo.indicator.goodPercent.metric}\` samples over the threshold (100 − \`${slo.indicator.goodPercent.stat}\`)`;

/** The runbook of one SLO's alarm in one window. */
export const renderSloRunbook = (slo: SloDefinition, window: BurnRateWindow): string => {
  const playbook = PLAYBOOKS[slo.id];
  const text = WINDOW_TEXT[window.id];
  const id = `slo-${slo.id}-${window.id}`;
  const overrides = Object.entries(slo.stageOverrides ?? {})
    .map(
      ([stage, override]) =>
        `${stage}: ${override?.target === undefined ? 'off' : `${(override.target * 100).toFixed(2)}%`}`,
    )
    .join(', ');
  const list = (items: readonly string[]) => items.map((item) => `- ${item}`).join('\n');
  return `# Runbook: ${id}

Alarm \`Orders-$STAGE-${id}\` (composite, severity **${window.severity}**). Generated from
\`slos/definitions.ts\` and \`slos/runbooks.ts\`; edit those, then \`npx tsx slos/runbooks.ts --write\`.

## What it means

${slo.displayName}: ${slo.description}. Objective ${(slo.objective.target * 100).toFixed(2)}% over a rolling 30 days${overrides ? ` (${overrides})` : ''}. SLI: ${indicatorText(slo)}.

The error ratio divided by the budget (1 − target) has been at least **${window.burnRate}×** over
the last ${window.longWindowMinutes >= 120 ? `${window.longWindowMinutes / 60} h` : `${window.longWindowMinutes} min`} **and** the last ${window.shortWindowMinutes >= 120 ? `${window.shortWindowMinutes / 60} h` : `${window.shortWindowMinutes} min`} (the short window makes it reset soon
after recovery): ${text.urgency} Windows with fewer than ${slo.minValidEventsPerHour} valid events an hour do not count
(low-traffic guard).${window.id === 'page-fast' ? '' : ` While the faster alarm of this SLO is in ALARM, this one's notification is suppressed.`}

## User impact

${slo.userImpact}

## Look

${list([
  ...playbook.look,
  `The window alarms \`Orders-$STAGE-${id}-long\` and \`-short\` show the burn rate in each window; the \`Orders-$STAGE-slo\` dashboard shows the SLI and the budget left.`,
])}

## Diagnose

${list(playbook.diagnose)}

## Mitigate

${list(playbook.mitigate)}

## Escalate

${text.escalate}
`;
};

/** Every SLO runbook: file name (under `runbooks/`) → content. */
export const sloRunbooks = (): Map<string, string> =>
  new Map(
    SLOS.flatMap((slo) =>
      BURN_RATE_POLICY.map(
        (window) => [`slo-${slo.id}-${window.id}.md`, renderSloRunbook(slo, window)] as const,
      ),
    ),
  );

if (import.meta.url === `file://${process.argv[1]}` && process.argv.includes('--write')) {
  const directory = join(import.meta.dirname, '..', 'runbooks');
  for (const [file, content] of sloRunbooks()) writeFileSync(join(directory, file), content);
  console.error(`wrote ${sloRunbooks().size} runbooks to ${directory}`);
}
