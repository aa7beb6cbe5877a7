/**
 * Saved CloudWatch Logs Insights queries (query definitions in the console's "Saved queries"),
 * declared once: the stacks create them and the dashboards' log widgets run them.
 *
 * Every log line is Powertools JSON, so fields are addressed by name: `level`, `message`,
 * `service`, `correlation_id`, `route` (functions), `orderId` and `eventType` (worker), and on
 * errors `error.name`, `error.message` and `errorFingerprint` (see
 * `functions/commons/fingerprint.ts`). API Gateway's access log lines carry `requestId`, which is
 * the correlation id of a request that did not send one. A test runs the handlers and the worker
 * and checks that every field a query names is one their log lines really carry.
 */

/** Which log groups a query runs over. */
export type LogSource = 'functions' | 'worker' | 'apiAccess';

export interface SavedQuery {
  /** Stable id; the saved query is named `<app>/<stage>/<id>`. */
  readonly id: string;
  readonly title: string;
  readonly sources: readonly LogSource[];
  readonly query: string;
  /** What it is for, shown in docs/observability.md. */
  readonly purpose: string;
}

/** The placeholder an operator replaces in the correlation query. */
export const CORRELATION_PLACEHOLDER = 'PASTE-CORRELATION-ID';

export const SAVED_QUERIES: readonly SavedQuery[] = [
  {
    id: 'errors-by-fingerprint',
    title: 'Top error fingerprints',
    sources: ['functions', 'worker'],
    purpose:
      'Errors grouped by fingerprint (normalised message plus top stack frame), most frequent first, with one example each.',
    query: [
      'fields @timestamp, errorFingerprint, error.name, error.message, service, route',
      '| filter level = "ERROR" and ispresent(errorFingerprint)',
      '| stats count(*) as errors, latest(error.message) as example, latest(errorSignature) as signature, latest(@timestamp) as last by errorFingerprint, service',
      '| sort errors desc',
      '| limit 20',
    ].join('\n'),
  },
  {
    id: 'slowest-requests',
    title: 'Slowest invocations',
    sources: ['functions'],
    purpose: "The 25 slowest Lambda invocations, from each function's REPORT line.",
    query: [
      'filter @type = "REPORT"',
      '| fields @timestamp, @log, @requestId, @duration, @billedDuration, @maxMemoryUsed',
      '| sort @duration desc',
      '| limit 25',
    ].join('\n'),
  },
  {
    id: 'cold-starts',
    title: 'Cold starts per function',
    sources: ['functions'],
    purpose: 'How often each function cold-starts and how long its init takes.',
    query: [
      'filter @type = "REPORT" and ispresent(@initDuration)',
      '| stats count(*) as coldStarts, avg(@initDuration) as avgInitMs, max(@initDuration) as maxInitMs by @log',
      '| sort coldStarts desc',
    ].join('\n'),
  },
  {
    id: 'follow-correlation-id',
    title: 'One request across API and worker',
    sources: ['functions', 'worker', 'apiAccess'],
    purpose: `Every line about one request, API to worker, oldest first: replace ${CORRELATION_PLACEHOLDER} with the x-correlation-id the API returned.`,
    query: [
      'fields @timestamp, @log, service, level, message, route, eventType, orderId, status',
      `| filter correlation_id = "${CORRELATION_PLACEHOLDER}" or requestId = "${CORRELATION_PLACEHOLDER}"`,
      '| sort @timestamp asc',
      '| limit 200',
    ].join('\n'),
  },
];
