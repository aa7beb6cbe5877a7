import { ComprehendClient, DetectPiiEntitiesCommand } from '@aws-sdk/client-comprehend';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { BUNDLE_VERSION, type ContextBundle } from '#triage/bundle';
import { Redactor } from '#triage/redact';
import { comprehendFindings, redactBundle } from '#triage/run';

/**
 * The optional Amazon Comprehend pass (`triage.comprehend` in stage config): its PII entities
 * join the deterministic redactor's findings on log text, before anything leaves the function.
 */
const comprehendMock = mockClient(ComprehendClient);
const comprehend = new ComprehendClient({ region: 'eu-west-1' });
afterEach(() => comprehendMock.reset());

const LINE = 'payment failed for Alice Johnson (alice@shop.test) at 10.0.0.7';
const NAME = { Type: 'NAME', BeginOffset: 19, EndOffset: 32 } as const;

const bundle = (message: string): ContextBundle => ({
  version: BUNDLE_VERSION,
  incidentId: 'Orders-dev-x#2026-11-27T10:00:00.000Z',
  alarmName: 'Orders-dev-x',
  window: { start: '2026-11-27T09:00:00.000Z', end: '2026-11-27T10:00:00.000Z' },
  evidence: [
    { id: 'logs-1', source: 'logs', summary: message, data: { kind: 'log', message, count: 3 } },
  ],
  sources: { logs: { status: 'ok', ms: 5 } },
});

describe('comprehendFindings', () => {
  it('turns confident PII entities into findings and drops unsure ones', async () => {
    comprehendMock.on(DetectPiiEntitiesCommand).resolves({
      Entities: [
        { ...NAME, Score: 0.97 },
        { Type: 'ADDRESS' as const, BeginOffset: 0, EndOffset: 7, Score: 0.3 },
      ],
    });

    const findings = await comprehendFindings(comprehend, LINE);

    expect(LINE.slice(NAME.BeginOffset, NAME.EndOffset)).toBe('Alice Johnson');
    expect(findings).toEqual([
      { type: 'COMPREHEND_NAME', start: 19, end: 32, value: 'Alice Johnson' },
    ]);
    expect(comprehendMock.commandCalls(DetectPiiEntitiesCommand)[0]?.args[0].input).toMatchObject({
      Text: LINE,
      LanguageCode: 'en',
    });
  });

  it('does not call Comprehend for blank text', async () => {
    expect(await comprehendFindings(comprehend, '   ')).toEqual([]);
    expect(comprehendMock.commandCalls(DetectPiiEntitiesCommand)).toHaveLength(0);
  });
});

describe('redactBundle with Comprehend', () => {
  it('redacts what Comprehend finds beside what the rules find, with one placeholder per value', async () => {
    comprehendMock.on(DetectPiiEntitiesCommand).resolves({ Entities: [{ ...NAME, Score: 0.99 }] });

    const redacted = await redactBundle(bundle(LINE), new Redactor(), comprehend);

    const [item] = redacted.evidence;
    expect(item?.data).toEqual({
      kind: 'log',
      message: 'payment failed for <COMPREHEND_NAME_1> (<EMAIL_1>) at <IPV4_1>',
      count: 3,
    });
    expect(JSON.stringify(redacted)).not.toMatch(/Alice|alice@|10\.0\.0\.7/);
  });

  it('still applies the deterministic rules when Comprehend fails', async () => {
    comprehendMock.on(DetectPiiEntitiesCommand).rejects(new Error('ThrottlingException'));

    const redacted = await redactBundle(bundle(LINE), new Redactor(), comprehend);

    expect(redacted.evidence[0]?.data).toMatchObject({
      message: 'payment failed for Alice Johnson (<EMAIL_1>) at <IPV4_1>',
    });
  });
});
