import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { metricAlarmMessage } from '../fixtures/alarms.ts';
import { call, RUN_ID } from './http.ts';

/**
 * The triage loop on the local runtime: an injected fault makes getOrder fail, an alarm
 * notification reaches the page topic, the triage function (played by local/triage.ts) runs, and
 * the incident with its baseline hypotheses is readable and reviewable through the operator API.
 * The page from the local alarm evaluation itself reaching triage is proven in paging.test.ts (a
 * runtime of its own, with compressed alarm periods). Here, on the shared runtime, the test
 * publishes the notification CloudWatch would send, so it knows the incident id up front and can
 * review its hypotheses without waiting for alarm windows.
 */
const local = inject('e2eTarget') === 'local';
const FAULT_PARAMETER = '/Orders/dev/fault-injection';
const PAGE_TOPIC_PARAMETER = '/Orders/dev/alerting/page-topic-arn';

const poll = async <T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 25_000,
): Promise<T> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
};

interface Incident {
  incidentId: string;
  hypotheses: Array<{
    id: string;
    category: string;
    source: string;
    evidenceIds: string[];
    review?: { by: string };
  }>;
  model: { outcome: string };
  bundle: {
    evidence: Array<{ id: string; source: string }>;
    sources: Record<string, { status: string; note?: string }>;
  };
  reviews: Array<{ hypothesisId: string; decision: string; reason: string; by: string }>;
}

describe.runIf(local)('incident triage on the local runtime', () => {
  const ssm = new SSMClient({ maxAttempts: 1 });
  const sns = new SNSClient({ maxAttempts: 1 });
  let previousFaults: string | undefined;
  const alarmName = `Orders-dev-e2e-getorder-5xx-${RUN_ID}`;
  const pathOf = (incidentId: string) => `/triage/incidents/${encodeURIComponent(incidentId)}`;
  /**
   * Pages with a new incident until the fault-injection parameter was read in time: when the
   * emulator is saturated (a loaded suite's Logs Insights query), every other source may miss its
   * 4 s budget, a degraded bundle the record reports as `timeout`. At most three pages.
   */
  const PAGES = 3;

  beforeAll(async () => {
    previousFaults = (await ssm.send(new GetParameterCommand({ Name: FAULT_PARAMETER }))).Parameter
      ?.Value;
    await ssm.send(
      new PutParameterCommand({
        Name: FAULT_PARAMETER,
        Overwrite: true,
        Type: 'String',
        Value: JSON.stringify({ enabled: true, routes: { getOrder: { errorRate: 1 } } }),
      }),
    );
  });

  afterAll(async () => {
    await ssm.send(
      new PutParameterCommand({
        Name: FAULT_PARAMETER,
        Overwrite: true,
        Type: 'String',
        Value: previousFaults ?? JSON.stringify({ enabled: false, routes: {} }),
      }),
    );
    // The handlers cache the parameter: wait until getOrder answers normally again.
    await poll('getOrder without the injected fault', async () => {
      const response = await call('/orders/ord_00000000000000000000000000000000');
      return response.status === 404 ? true : undefined;
    });
  });

  it('pages on the injected fault, triages it, and lets the operator review the hypotheses', async () => {
    // Prepare: the fault is live (handlers read the parameter within their cache time).
    await poll('an injected 503 on getOrder', async () => {
      const response = await call('/orders/ord_00000000000000000000000000000000');
      return response.status === 503 ? true : undefined;
    });
    const topicArn = (await ssm.send(new GetParameterCommand({ Name: PAGE_TOPIC_PARAMETER })))
      .Parameter?.Value;
    expect(topicArn).toMatch(/^arn:aws:sns:/);

    // Act: the alarm notification CloudWatch sends to the page topic.
    let incidentId = '';
    let incident: Incident | undefined;
    for (let page = 0; page < PAGES; page++) {
      const time = new Date().toISOString();
      incidentId = `${alarmName}#${time}`;
      await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: `ALARM: "${alarmName}"`,
          Message: metricAlarmMessage({ alarmName, time }),
        }),
      );
      incident = await poll('the triaged incident', async () => {
        const response = await call<Incident>(pathOf(incidentId), { as: 'oncall' });
        return response.status === 200 ? response.json : undefined;
      });
      if (incident.bundle.sources.config?.status !== 'timeout') break;
    }
    if (!incident) throw new Error('no incident was triaged');
    const path = pathOf(incidentId);

    // Assess: the baseline names the fault injection, with evidence the bundle holds.
    expect(incident.incidentId).toBe(incidentId);
    const fault = incident.hypotheses.find((h) => h.category === 'fault-injection');
    // On failure, say which sources answered and what was proposed instead.
    const seen = JSON.stringify({
      sources: incident.bundle.sources,
      hypotheses: incident.hypotheses.map(({ category, source }) => ({ category, source })),
    });
    expect(fault, seen).toMatchObject({ source: 'baseline' });
    const ids = new Set(incident.bundle.evidence.map((e) => e.id));
    expect(fault?.evidenceIds.every((id) => ids.has(id))).toBe(true);
    // Logs Insights was asked over every log group of the service (the functions' and the
    // worker's) and none was missing. Whether it finishes within the source's time budget depends
    // on how much the suite has logged by then (a timeout degrades the bundle, as designed); the
    // integration test checks what the query finds.
    expect(incident.bundle.sources.logs?.status, JSON.stringify(incident.bundle.sources)).not.toBe(
      'error',
    );
    // The emulator has no Bedrock Converse: the model fails and the rules carry the incident.
    expect(incident.model.outcome).not.toBe('ok');

    const listed = await call<{ items: Array<{ incidentId: string }> }>(
      '/triage/incidents?limit=50',
      { as: 'oncall' },
    );
    expect(listed.status).toBe(200);
    expect(listed.json.items.map((i) => i.incidentId)).toContain(incidentId);

    const reviewed = await call(`${path}/hypotheses/${fault?.id}/review`, {
      as: 'oncall',
      body: { decision: 'accepted', reason: 'the drill left fault injection on' },
    });
    expect(reviewed.status, reviewed.text).toBe(200);
    const after = await call<Incident>(path, { as: 'oncall' });
    expect(after.json.hypotheses.find((h) => h.id === fault?.id)?.review?.by).toBe('oncall');
    expect(after.json.reviews).toEqual([
      expect.objectContaining({
        hypothesisId: fault?.id,
        decision: 'accepted',
        by: 'oncall',
        reason: 'the drill left fault injection on',
      }),
    ]);
  });

  it('keeps the incident routes from order consumers, and answers problems for bad input', async () => {
    expect((await call('/triage/incidents')).status).toBe(403);
    const unknown = await call('/triage/incidents/Orders-dev-nope%232020-01-01T00%3A00%3A00.000Z', {
      as: 'oncall',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ error: { code: 'INCIDENT_NOT_FOUND' } });
    const bad = await call('/triage/incidents/not-an-incident', { as: 'oncall' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
  });
});
