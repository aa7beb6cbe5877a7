import { randomBytes, randomUUID } from 'node:crypto';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ListTopicsCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { emulatorClientConfig } from '#local/provision';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime';
import { executionName, isoTime } from '../../functions/incidents/notifications.ts';

/**
 * The paging loop on the local runtime, with its clocks compressed (local only): alarm periods
 * divided by 60 (the 1-hour and 5-minute windows of the fast page last 60 s and 5 s) and one
 * escalation minute lasting 400 ms (the secondary, due after 15 minutes, is paged after 6 s).
 * A runtime of its own, so no other file's traffic or faults reach its alarms. The page also
 * reaches the triage function on the page topic (local/triage.ts), whose incident is read back
 * through the operator API.
 */
const TIME_SCALE = 60;
const MINUTE_MS = 400;
const FAST_PAGE = /-slo-read-availability-page-fast$/;

interface TriagedIncident {
  readonly incidentId: string;
  readonly hypotheses: readonly {
    readonly category: string;
    readonly source: string;
    readonly evidenceIds: readonly string[];
  }[];
  readonly bundle: { readonly evidence: readonly { readonly id: string }[] };
}

interface Envelope {
  readonly Message: string;
  readonly Subject?: string;
}

const until = async <T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

describe.runIf(inject('e2eTarget') === 'local')('paging, end to end', () => {
  let runtime: LocalRuntime;
  let sqs: SQSClient;
  let sns: SNSClient;
  const queues: Record<string, string> = {};
  const received: Record<string, Record<string, unknown>[]> = {};

  /** Everything the queue of `topic` got so far, parsed from the SNS envelopes. */
  const drain = async (topic: string) => {
    const list = received[topic] ?? [];
    received[topic] = list;
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues[topic],
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
      }),
    );
    for (const message of Messages ?? []) {
      const envelope = JSON.parse(message.Body ?? '{}') as Envelope;
      list.push(JSON.parse(envelope.Message) as Record<string, unknown>);
    }
    return list;
  };
  const arrived =
    (topic: string, match: (message: Record<string, unknown>) => boolean) => async () =>
      (await drain(topic)).find(match);

  const api = async (
    path: string,
    init: { method?: string; as?: 'oncall' | 'storefront' } = {},
  ) => {
    const consumer = runtime.consumers.find(
      (candidate) => candidate.name === (init.as ?? 'oncall'),
    );
    if (!consumer) throw new Error(`no consumer ${init.as}`);
    const token = await runtime.issueToken({
      clientId: consumer.clientId,
      scopes: consumer.scopes,
    });
    const response = await fetch(`${runtime.apiUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${token}`,
        'x-api-key': consumer.apiKey,
        ...(init.method === 'POST' && { 'content-type': 'application/json' }),
      },
      ...(init.method === 'POST' && { body: '{}' }),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    runtime = await startLocalRuntime({
      catalogFile: false,
      log: () => {},
      handlerLogLevel: 'SILENT',
      alarms: { timeScale: TIME_SCALE, intervalMs: 1000 },
      escalation: { minuteMs: MINUTE_MS },
    });
    const config = emulatorClientConfig(runtime.emulatorEndpoint, runtime.provisioned.region);
    sqs = new SQSClient(config);
    sns = new SNSClient(config);
    const { Topics } = await sns.send(new ListTopicsCommand({}));
    const topicOf = (pattern: RegExp) => {
      const arn = Topics?.map((topic) => topic.TopicArn ?? '').find((candidate) =>
        pattern.test(candidate),
      );
      if (!arn) throw new Error(`No topic matches ${pattern}`);
      return arn;
    };
    const topics = {
      page: topicOf(/Alerting-PageTopic/),
      info: topicOf(/Alerting-InfoTopic/),
      primary: topicOf(/EscalationPrimaryTopic/),
      secondary: topicOf(/EscalationSecondaryTopic/),
      manager: topicOf(/EscalationManagerTopic/),
    };
    for (const [name, topicArn] of Object.entries(topics)) {
      const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({ QueueName: `e2e-paging-${name}-${randomUUID().slice(0, 8)}` }),
      );
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      await sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: Attributes?.QueueArn,
        }),
      );
      queues[name] = QueueUrl ?? '';
    }
  }, 180_000);

  afterAll(async () => {
    sqs?.destroy();
    sns?.destroy();
    await runtime?.stop();
  });

  it('pages on injected faults, triages the page, escalates until acknowledged, and closes on OK', {
    timeout: 300_000,
  }, async () => {
    const ssm = new SSMClient(
      emulatorClientConfig(runtime.emulatorEndpoint, runtime.provisioned.region),
    );
    const faultParameter = runtime.provisioned.functionEnv.FAULT_INJECTION_PARAMETER ?? '';
    const setFaults = (enabled: boolean) =>
      ssm.send(
        new PutParameterCommand({
          Name: faultParameter,
          Type: 'String',
          Overwrite: true,
          Value: JSON.stringify({ enabled, routes: { getOrder: { errorRate: 1 } } }),
        }),
      );
    const storefront = runtime.consumers.find((consumer) => consumer.name === 'storefront');
    if (!storefront) throw new Error('no storefront consumer');
    const statuses = new Map<number, number>();
    let traffic = true;
    // Reads of unknown orders: 404 while healthy, 503 while the fault is injected.
    const load = (async () => {
      while (traffic) {
        const response = await fetch(
          `${runtime.apiUrl}/orders/ord_${randomBytes(16).toString('hex')}`,
          { headers: { authorization: `Bearer ${runtime.token}`, 'x-api-key': storefront.apiKey } },
        );
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, 80));
      }
    })();

    try {
      // Inject: the fast read-availability page fires, in CloudWatch's composite alarm format.
      await setFaults(true);
      const alarm = await until(
        'the ALARM notification on the page topic',
        arrived('page', (m) => FAST_PAGE.test(String(m.AlarmName)) && m.NewStateValue === 'ALARM'),
      );
      expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
      expect(alarm).toMatchObject({
        OldStateValue: 'OK',
        AlarmRule: expect.stringMatching(
          /ALARM\("arn:aws:cloudwatch:.+-long"\) AND ALARM\(".+-short"\)/,
        ),
        TriggeringChildren: expect.arrayContaining([
          expect.objectContaining({ State: expect.objectContaining({ Value: 'ALARM' }) }),
        ]),
        AlarmActions: [expect.stringContaining('PageTopic')],
      });
      const incidentId = `${String(alarm.AlarmName)}#${isoTime(String(alarm.StateChangeTime))}`;
      const path = `/incidents/${encodeURIComponent(incidentId)}`;

      // The primary is paged at once; the incident is listed as open.
      await until(
        'the primary page',
        arrived('primary', (m) => m.incidentId === incidentId),
      );
      const open = await api('/incidents');
      expect(open.status).toBe(200);
      expect((open.json.incidents as { incidentId: string }[]).map((i) => i.incidentId)).toContain(
        incidentId,
      );

      // The same page reached triage: its incident, with the baseline's hypotheses, is readable.
      const triaged = await until(
        'the triaged incident',
        async () => {
          const answer = await api(`/triage${path}`);
          return answer.status === 200 ? (answer.json as unknown as TriagedIncident) : undefined;
        },
        30_000,
      );
      expect(triaged.incidentId).toBe(incidentId);
      const fault = triaged.hypotheses.find((h) => h.category === 'fault-injection');
      expect(fault, JSON.stringify(triaged.hypotheses)).toMatchObject({ source: 'baseline' });
      const evidence = new Set(triaged.bundle.evidence.map((e) => e.id));
      expect(fault?.evidenceIds.length).toBeGreaterThan(0);
      expect(fault?.evidenceIds.every((id) => evidence.has(id))).toBe(true);

      // Nobody acknowledges: the secondary is paged after its delay.
      const page = await until(
        'the secondary page',
        arrived('secondary', (m) => m.incidentId === incidentId),
        30_000,
      );
      expect(page).toMatchObject({ type: 'Page', tier: 'secondary', alarmName: alarm.AlarmName });

      // An orders consumer may not acknowledge; the on-call client may, once.
      expect((await api(`${path}/ack`, { method: 'POST', as: 'storefront' })).status).toBe(403);
      const ack = await api(`${path}/ack`, { method: 'POST' });
      expect(ack.status, JSON.stringify(ack.json)).toBe(200);
      expect(ack.json).toMatchObject({ status: 'ACKNOWLEDGED', acknowledged: { by: 'oncall' } });
      expect((await api(`${path}/ack`, { method: 'POST' })).json).toMatchObject({
        error: { code: 'INVALID_STATE' },
      });

      // The acknowledgement stops escalation: the execution ends without paging the manager.
      const sfn = new SFNClient({
        endpoint: runtime.escalation?.stepFunctions.url,
        region: runtime.provisioned.region,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      const execution = [...(runtime.escalation?.stepFunctions.executions.values() ?? [])].find(
        (candidate) => candidate.name === executionName(incidentId),
      );
      expect(execution).toBeDefined();
      const finished = await until(
        'the escalation to stop',
        async () => {
          const described = await sfn.send(
            new DescribeExecutionCommand({ executionArn: execution?.executionArn }),
          );
          return described.status === 'RUNNING' ? undefined : described;
        },
        30_000,
      );
      expect(finished.status).toBe('SUCCEEDED');
      expect(await drain('manager')).toEqual([]);
      sfn.destroy();
    } finally {
      traffic = false;
      await load.catch(() => undefined);
      await setFaults(false);
    }

    // Recovery: the alarm returns to OK, which closes the incident and says so on the info topic.
    const ok = await until(
      'the OK notification',
      arrived('page', (m) => FAST_PAGE.test(String(m.AlarmName)) && m.NewStateValue === 'OK'),
    );
    const incidentId = `${String(ok.AlarmName)}#`;
    const closed = await until('the incident to close', async () => {
      const listed = (await drain('info')).find(
        (m) => m.type === 'IncidentClosed' && String(m.incidentId).startsWith(incidentId),
      );
      return listed;
    });
    const final = await api(`/incidents/${encodeURIComponent(String(closed.incidentId))}`);
    expect(final.json).toMatchObject({ status: 'CLOSED', acknowledged: { by: 'oncall' } });
    expect(final.json.closedAt).toEqual(expect.any(String));
    expect((await api('/incidents/no-such%232026-01-01T00%3A00%3A00.000Z')).status).toBe(404);
  });
});
