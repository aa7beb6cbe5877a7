/**
 * Environment variables of the triage functions (the SNS-triggered run and the operator routes).
 * The triage construct and the handlers both import these.
 */
export const TRIAGE_ENV = {
  table: 'TRIAGE_TABLE_NAME',
  byOpenedIndex: 'TRIAGE_BY_OPENED_INDEX',
  settings: 'TRIAGE_SETTINGS',
  chatTopicArn: 'TRIAGE_CHAT_TOPIC_ARN',
  logGroups: 'TRIAGE_LOG_GROUPS',
  functionName: 'TRIAGE_FUNCTION_NAME',
  /** `<guardrail id>|<version>`. */
  guardrail: 'TRIAGE_GUARDRAIL',
  deploymentsParameter: 'TRIAGE_DEPLOYMENTS_PARAMETER',
} as const;

export type TriageEnvName = (typeof TRIAGE_ENV)[keyof typeof TRIAGE_ENV];

/** A required variable, or an error naming it. */
export const requiredEnv = (name: TriageEnvName): string => {
  const value = process.env[name];
  if (value === undefined || value === '')
    throw new Error(
      `Missing environment variable ${name}: the stack sets it on the triage functions`,
    );
  return value;
};
