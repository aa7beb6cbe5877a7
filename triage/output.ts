import type { ContextBundle } from './bundle.ts';
import {
  CATEGORIES,
  type Hypothesis,
  type HypothesisSource,
  type ProposedHypothesis,
  ProposedHypothesisSchema,
} from './hypothesis.ts';

/**
 * The model's output contract: the JSON schema of the one tool it is given (a report, not an
 * action), and the validation of what comes back. A hypothesis citing evidence the bundle does
 * not hold is dropped, not repaired.
 */

export const REPORT_TOOL_NAME = 'report_hypotheses';

/** JSON schema of the report tool's input (Converse `toolConfig`). */
export const REPORT_INPUT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['hypotheses'],
  properties: {
    hypotheses: {
      type: 'array',
      maxItems: 5,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['title', 'category', 'confidence', 'evidenceIds', 'nextSteps'],
        properties: {
          title: { type: 'string', maxLength: 200 },
          category: { type: 'string', enum: [...CATEGORIES] },
          confidence: { type: 'number', minimum: 0, maximum: 1 },
          evidenceIds: {
            type: 'array',
            minItems: 1,
            items: { type: 'string' },
            description: 'Ids of the evidence items that support the hypothesis, exactly as given',
          },
          nextSteps: { type: 'array', maxItems: 8, items: { type: 'string', maxLength: 300 } },
          runbookSection: {
            type: 'string',
            description: 'Heading of the runbook section to follow',
          },
        },
      },
    },
  },
} as const;

/**
 * Text that talks to the model instead of describing the system: a log line that carries an
 * instruction. Such evidence stays in the bundle (it is a fact that someone sent it) but cannot
 * be a hypothesis's only support.
 */
export const INJECTION_PATTERN =
  /\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|rules|prompt)\b|\byou are now\b|\bsystem prompt\b|\b(call|use|invoke) the \w+ tool\b|\brespond (only )?with\b|\breport (the )?category\b/i;

const suspect = (bundle: ContextBundle, id: string): boolean => {
  const evidence = bundle.evidence.find((e) => e.id === id);
  return (
    evidence !== undefined &&
    INJECTION_PATTERN.test(`${evidence.summary} ${JSON.stringify(evidence.data)}`)
  );
};

export interface ValidatedOutput {
  readonly hypotheses: ProposedHypothesis[];
  /** Why each rejected hypothesis was dropped. */
  readonly dropped: string[];
}

/**
 * Validates the tool input the model returned: the shape, then each hypothesis on its own (one
 * bad hypothesis does not sink the others), then its evidence ids against the bundle.
 */
export const validateModelOutput = (raw: unknown, bundle: ContextBundle): ValidatedOutput => {
  const dropped: string[] = [];
  const list =
    raw !== null &&
    typeof raw === 'object' &&
    Array.isArray((raw as { hypotheses?: unknown }).hypotheses)
      ? ((raw as { hypotheses: unknown[] }).hypotheses as unknown[])
      : undefined;
  if (list === undefined) return { hypotheses: [], dropped: ['output has no hypotheses array'] };
  const known = new Set(bundle.evidence.map((e) => e.id));
  const hypotheses: ProposedHypothesis[] = [];
  list.slice(0, 5).forEach((item, index) => {
    const parsed = ProposedHypothesisSchema.safeParse(item);
    if (!parsed.success) {
      dropped.push(`hypothesis ${index + 1}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      return;
    }
    const unknown = parsed.data.evidenceIds.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      dropped.push(
        `hypothesis ${index + 1}: cites evidence not in the bundle (${unknown.join(', ')})`,
      );
      return;
    }
    const support = parsed.data.evidenceIds.filter((id) => !id.startsWith('alarm-'));
    if (support.length > 0 && support.every((id) => suspect(bundle, id))) {
      dropped.push(`hypothesis ${index + 1}: rests only on evidence that carries instructions`);
      return;
    }
    hypotheses.push(parsed.data);
  });
  return { hypotheses, dropped };
};

/**
 * The model's and the rules' hypotheses in one ranked list. Two with the same category are one
 * hypothesis (`source: 'both'`, the evidence of both, the higher confidence); the model's title
 * and steps are kept, as they are written for this incident.
 */
export const mergeHypotheses = (
  model: readonly ProposedHypothesis[],
  baseline: readonly ProposedHypothesis[],
): Hypothesis[] => {
  const merged: Array<ProposedHypothesis & { source: HypothesisSource }> = model.map((h) => ({
    ...h,
    source: 'model',
  }));
  for (const rule of baseline) {
    const same = merged.find((h) => h.category === rule.category && h.source === 'model');
    if (same) {
      Object.assign(same, {
        source: 'both',
        confidence: Math.max(same.confidence, rule.confidence),
        evidenceIds: [...new Set([...same.evidenceIds, ...rule.evidenceIds])],
        runbookSection: same.runbookSection ?? rule.runbookSection,
      });
    } else {
      merged.push({ ...rule, source: 'baseline' });
    }
  }
  return merged
    .sort((a, b) => b.confidence - a.confidence)
    .map((h, index) => {
      const { runbookSection, ...rest } = h;
      return {
        ...rest,
        ...(runbookSection !== undefined && { runbookSection }),
        id: `h-${index + 1}`,
      };
    });
};
