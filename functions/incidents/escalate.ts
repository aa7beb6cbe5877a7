import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { requireEnv } from '#commons/env';
import { ENV } from '#commons/env-names';
import { logger, tracer } from '#powertools';
import { parseTiers, subject } from './notifications.ts';
import { incidentsRepository } from './operator.ts';

const incidents = incidentsRepository();
const tiers = parseTiers(requireEnv(ENV.escalationTiers));
const sns = tracer.captureAWSv3Client(new SNSClient({}));

export interface EscalateInput {
  readonly incidentId: string;
  /** Index of the escalation tier to page. */
  readonly tier: number;
}

export interface EscalateResult {
  /** Whether the incident is still unacknowledged, so later tiers are still due. */
  readonly continue: boolean;
  readonly paged: boolean;
}

/**
 * A step of the escalation state machine: pages tier `tier` if the incident is still OPEN (not
 * acknowledged, resolved or closed) and that tier has not been paged yet. The page is sent
 * before it is recorded, so a retried step may page twice but never skips a page.
 */
export const handler = async (input: EscalateInput): Promise<EscalateResult> => {
  const tier = tiers[input.tier];
  if (tier === undefined) throw new Error(`No escalation tier ${input.tier}`);
  const incident = await incidents.get(input.incidentId);
  if (incident === undefined || incident.status !== 'OPEN') {
    logger.info('Escalation stops', {
      incidentId: input.incidentId,
      status: incident?.status ?? 'missing',
    });
    return { continue: false, paged: false };
  }
  if (incident.tier >= input.tier) return { continue: true, paged: false };
  const at = new Date().toISOString();
  await sns.send(
    new PublishCommand({
      TopicArn: tier.topicArn,
      Subject: subject(`Page (${tier.name}): ${incident.alarmName}`),
      Message: JSON.stringify({
        type: 'Page',
        tier: tier.name,
        incidentId: incident.id,
        alarmName: incident.alarmName,
        openedAt: incident.openedAt,
        reason: incident.reason,
        description: incident.description ?? null,
        acknowledge: `POST /incidents/${encodeURIComponent(incident.id)}/ack`,
      }),
    }),
  );
  const recorded = await incidents.recordPage(incident.id, input.tier, tier.name, at);
  logger.info('Paged', { incidentId: incident.id, tier: tier.name, recorded });
  return { continue: true, paged: true };
};
