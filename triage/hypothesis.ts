import * as z from 'zod/mini';

/** What kind of cause a hypothesis names; the baseline rules and the model use the same list. */
export const CATEGORIES = [
  'deployment',
  'dependency',
  'capacity',
  'error-surge',
  'cold-start',
  'poison-messages',
  'fault-injection',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Who proposed a hypothesis: the deterministic rules, the model, or both independently. */
export type HypothesisSource = 'baseline' | 'model' | 'both';

/** A hypothesis as the model (through its tool) or a rule proposes it, before merging. */
export const ProposedHypothesisSchema = z.object({
  title: z.string().check(z.minLength(3), z.maxLength(200)),
  category: z.enum(CATEGORIES),
  confidence: z.number().check(z.gte(0), z.lte(1)),
  evidenceIds: z.array(z.string().check(z.maxLength(40))).check(z.minLength(1), z.maxLength(20)),
  nextSteps: z.array(z.string().check(z.maxLength(300))).check(z.maxLength(8)),
  runbookSection: z.optional(z.string().check(z.maxLength(200))),
});
export type ProposedHypothesis = z.infer<typeof ProposedHypothesisSchema>;

export interface Hypothesis extends ProposedHypothesis {
  /** `h-<n>`, unique in the incident, in rank order. */
  readonly id: string;
  readonly source: HypothesisSource;
}
