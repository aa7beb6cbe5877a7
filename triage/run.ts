import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { type ComprehendClient, DetectPiiEntitiesCommand } from '@aws-sdk/client-comprehend';
import { alarmIdOf, incidentIdOf, type ParsedAlarm } from './alarm.ts';
import { analyze } from './analyzer.ts';
import { applyBudget } from './budget.ts';
import type { ContextBundle, Evidence, SourceName } from './bundle.ts';
import { type Gatherers, gatherBundle, windowOf } from './gather.ts';
import type { Hypothesis } from './hypothesis.ts';
import { callModel, type ModelOutcome } from './model.ts';
import { mergeHypotheses, validateModelOutput } from './output.ts';
import { buildConverseRequest, type ModelSettings } from './prompt.ts';
import { type Finding, type RedactionCounts, Redactor } from './redact.ts';

/**
 * One triage run: gather → redact → budget → baseline rules → model (when configured) →
 * validate → merge. Nothing gathered leaves the function before redaction: the model, the
 * stored record and the chat summary all see the redacted bundle only.
 */

export interface Review {
  readonly decision: 'accepted' | 'rejected';
  readonly reason: string;
  /** Consumer (operator client) that decided. */
  readonly by: string;
  readonly at: string;
}

export interface IncidentRecord {
  readonly incidentId: string;
  readonly alarmName: string;
  readonly openedAt: string;
  readonly triagedAt: string;
  readonly stage: string;
  readonly bundle: ContextBundle;
  readonly hypotheses: ReadonlyArray<Hypothesis & { readonly review?: Review }>;
  readonly model: {
    readonly outcome: ModelOutcome;
    readonly modelId?: string;
    readonly inputTokens: number;
    readonly outputTokens: number;
    readonly costUsd: number;
    readonly attempts: number;
    readonly ms: number;
    readonly dropped: readonly string[];
    readonly note?: string;
  };
  /** Distinct redacted values per type (never the values). */
  readonly redactions: RedactionCounts;
  readonly links: {
    readonly dashboard: string;
    readonly runbook: string;
    readonly logQuery: string;
  };
}

export interface TriageSettings {
  readonly stage: string;
  /** `<appName>-<stage>`, the prefix of alarm names. */
  readonly prefix: string;
  readonly windowMinutes: number;
  readonly bundleMaxBytes: number;
  readonly timeouts: Readonly<Partial<Record<SourceName, number>>> & { readonly default: number };
  /** Absent: baseline rules only. */
  readonly model?: ModelSettings & {
    readonly maxAttempts: number;
    readonly baseDelayMs: number;
    readonly deadlineMs: number;
    readonly pricePerInputTokenUsd: number;
    readonly pricePerOutputTokenUsd: number;
  };
  readonly links: {
    readonly dashboard: string;
    readonly runbookBaseUrl: string;
    readonly logQuery: string;
  };
}

export interface TriageDeps {
  readonly gatherers: Gatherers;
  readonly bedrock?: Pick<BedrockRuntimeClient, 'send'>;
  /** Also run Amazon Comprehend PII detection over log text. */
  readonly comprehend?: Pick<ComprehendClient, 'send'>;
  readonly now?: () => Date;
}

/** Comprehend's PII entities in a text, as findings of the redactor (`COMPREHEND_NAME`, ...). */
export const comprehendFindings = async (
  comprehend: Pick<ComprehendClient, 'send'>,
  text: string,
): Promise<Finding[]> => {
  if (text.trim() === '') return [];
  const { Entities } = await comprehend.send(
    new DetectPiiEntitiesCommand({ Text: text.slice(0, 5000), LanguageCode: 'en' }),
  );
  return (Entities ?? [])
    .filter(
      (e) => (e.Score ?? 0) >= 0.8 && e.BeginOffset !== undefined && e.EndOffset !== undefined,
    )
    .map((e) => ({
      type: `COMPREHEND_${e.Type ?? 'PII'}` as const,
      start: e.BeginOffset as number,
      end: e.EndOffset as number,
      value: text.slice(e.BeginOffset, e.EndOffset),
    }));
};

/**
 * The bundle with every string redacted by one redactor. With Comprehend, its findings on the
 * log text are learned first, so a value it finds is redacted everywhere in the bundle (the
 * summary that quotes the line too), not only where it was found.
 */
export const redactBundle = async (
  bundle: ContextBundle,
  redactor: Redactor,
  comprehend?: Pick<ComprehendClient, 'send'>,
): Promise<ContextBundle> => {
  if (comprehend) {
    for (const { data } of bundle.evidence) {
      if (data.kind !== 'log' && data.kind !== 'fingerprint') continue;
      const text = data.kind === 'log' ? data.message : data.example;
      // Comprehend is an extra pass: when it fails, the rules still redact.
      redactor.learn(await comprehendFindings(comprehend, text).catch(() => []));
    }
  }
  return {
    ...bundle,
    evidence: bundle.evidence.map(
      (item): Evidence => ({
        ...item,
        summary: redactor.redact(item.summary),
        data: redactor.redactValue(item.data),
      }),
    ),
  };
};

export const runTriage = async (
  alarm: ParsedAlarm,
  settings: TriageSettings,
  deps: TriageDeps,
): Promise<IncidentRecord> => {
  const now = deps.now ?? (() => new Date());
  const incidentId = incidentIdOf(alarm);
  const gathered = await gatherBundle({
    alarm,
    incidentId,
    window: windowOf(alarm, settings.windowMinutes),
    gatherers: deps.gatherers,
    timeouts: settings.timeouts,
  });
  const redactor = new Redactor();
  const bundle = applyBudget(
    await redactBundle(gathered, redactor, deps.comprehend),
    settings.bundleMaxBytes,
  );
  const baseline = analyze(bundle);

  let model: IncidentRecord['model'] = {
    outcome: 'disabled',
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    attempts: 0,
    ms: 0,
    dropped: [],
  };
  let proposed: ReturnType<typeof validateModelOutput>['hypotheses'] = [];
  if (settings.model && deps.bedrock) {
    const result = await callModel(
      deps.bedrock,
      buildConverseRequest(bundle, settings.model),
      settings.model,
    );
    const validated =
      result.outcome === 'ok'
        ? validateModelOutput(result.toolInput, bundle)
        : { hypotheses: [], dropped: [] };
    proposed = validated.hypotheses;
    const outcome: ModelOutcome =
      result.outcome === 'ok' && validated.hypotheses.length === 0 ? 'malformed' : result.outcome;
    model = {
      outcome,
      modelId: settings.model.modelId,
      inputTokens: result.inputTokens,
      outputTokens: result.outputTokens,
      costUsd: Number(
        (
          result.inputTokens * settings.model.pricePerInputTokenUsd +
          result.outputTokens * settings.model.pricePerOutputTokenUsd
        ).toFixed(6),
      ),
      attempts: result.attempts,
      ms: result.ms,
      dropped: validated.dropped,
      ...(result.note !== undefined && { note: result.note }),
    };
  }
  const alarmId = alarmIdOf(alarm.alarmName, settings.prefix);
  return {
    incidentId,
    alarmName: alarm.alarmName,
    openedAt: alarm.time,
    triagedAt: now().toISOString(),
    stage: settings.stage,
    bundle,
    hypotheses: mergeHypotheses(proposed, baseline),
    model,
    redactions: redactor.counts(),
    links: {
      dashboard: settings.links.dashboard,
      runbook: `${settings.links.runbookBaseUrl.replace(/\/+$/, '')}/${alarmId}.md`,
      logQuery: settings.links.logQuery,
    },
  };
};

/** The chat message: the alarm, the top hypotheses with their source, and the links. */
export const chatSummary = (record: IncidentRecord): { subject: string; message: string } => {
  const top = record.hypotheses.slice(0, 3);
  const lines = [
    `Incident ${record.incidentId}`,
    `Alarm ${record.alarmName} opened ${record.openedAt}`,
    '',
    top.length === 0 ? 'No hypothesis: read the dashboard and the runbook.' : 'Likely causes:',
    ...top.map(
      (h, i) =>
        `${i + 1}. [${h.category}, ${Math.round(h.confidence * 100)}%, ${h.source}] ${h.title} (evidence: ${h.evidenceIds.join(', ')})`,
    ),
    '',
    `Model: ${record.model.outcome}${record.model.modelId ? ` (${record.model.modelId})` : ''}`,
    `Dashboard: ${record.links.dashboard}`,
    `Runbook: ${record.links.runbook}`,
    `Logs: ${record.links.logQuery}`,
  ];
  // SNS subjects: ASCII, at most 100 characters.
  const subject = `Triage: ${record.alarmName}`.replace(/[^\x20-\x7e]/g, '').slice(0, 100);
  return { subject, message: lines.join('\n') };
};
