import * as z from 'zod/mini';
import '#commons/zod';
import { CATEGORIES } from '#triage/hypothesis';
import { IncidentIdSchema } from '../incidents/schemas.ts';

/**
 * The triage routes' contract: handlers validate with these and the OpenAPI document is
 * generated from them.
 */

const described = <T extends z.ZodMiniType>(schema: T, description: string): T =>
  schema.check(z.describe(description)) as T;

/**
 * The paging incident id (`<alarm name>#<ISO time it opened>`): triage records are keyed by the
 * incident they explain. Path parameters arrive URL-decoded, as API Gateway passes them.
 */
export { IncidentIdSchema };

export const IncidentPathSchema = z.strictObject({ incidentId: IncidentIdSchema });

export const HypothesisPathSchema = z.strictObject({
  incidentId: IncidentIdSchema,
  hypothesisId: described(
    z.string().check(z.regex(/^h-\d{1,2}$/, 'Must be a hypothesis id such as h-1')),
    'Hypothesis id within the incident',
  ),
});

export const ListIncidentsQuerySchema = z.strictObject({
  limit: z.optional(
    described(
      z.pipe(
        z.string().check(z.regex(/^\d{1,3}$/, 'Must be a whole number from 1 to 50')),
        z.pipe(z.transform(Number), z.int().check(z.minimum(1), z.maximum(50))),
      ),
      'Page size, 1–50 (default 20)',
    ),
  ),
  cursor: z.optional(
    described(z.string().check(z.maxLength(2048)), 'nextCursor of the previous page'),
  ),
});

export const ReviewRequestSchema = described(
  z.strictObject({
    decision: described(z.enum(['accepted', 'rejected']), 'Whether the hypothesis was the cause'),
    reason: described(
      z.string().check(z.minLength(3), z.maxLength(1000)),
      'Why: what the operator saw (recorded in the audit trail)',
    ),
  }),
  'An operator decision on one hypothesis',
);

const ReviewSchema = z.object({
  decision: z.enum(['accepted', 'rejected']),
  reason: z.string(),
  by: described(z.string(), 'Operator client that decided'),
  at: z.string(),
});

export const HypothesisSchema = described(
  z.object({
    id: z.string(),
    title: z.string(),
    category: z.enum(CATEGORIES),
    confidence: z.number(),
    evidenceIds: z.array(z.string()),
    nextSteps: z.array(z.string()),
    runbookSection: z.optional(z.string()),
    source: described(z.enum(['baseline', 'model', 'both']), 'Who proposed it'),
    review: z.optional(ReviewSchema),
  }),
  'A ranked, evidence-backed hypothesis',
);

const ModelSummarySchema = z.object({
  outcome: z.string(),
  modelId: z.optional(z.string()),
  inputTokens: z.number(),
  outputTokens: z.number(),
  costUsd: z.number(),
});

export const IncidentSummarySchema = described(
  z.object({
    incidentId: z.string(),
    alarmName: z.string(),
    openedAt: z.string(),
    triagedAt: z.string(),
    topHypothesis: z.nullable(HypothesisSchema),
    reviewed: z.number(),
    accepted: z.number(),
  }),
  'One triaged incident in a list',
);

export const IncidentPageSchema = z.object({
  items: z.array(IncidentSummarySchema),
  nextCursor: z.nullable(z.string()),
});

export const IncidentSchema = described(
  z.object({
    incidentId: z.string(),
    alarmName: z.string(),
    openedAt: z.string(),
    triagedAt: z.string(),
    stage: z.string(),
    hypotheses: z.array(HypothesisSchema),
    model: ModelSummarySchema,
    redactions: z.record(z.string(), z.number()),
    links: z.object({ dashboard: z.string(), runbook: z.string(), logQuery: z.string() }),
    bundle: described(z.looseObject({}), 'The redacted context bundle (versioned JSON)'),
    reviews: described(
      z.array(
        z.object({
          hypothesisId: z.string(),
          decision: z.string(),
          reason: z.string(),
          by: z.string(),
          at: z.string(),
        }),
      ),
      'Every decision, oldest first (the audit trail)',
    ),
  }),
  'A triaged incident',
);

export const TriageStartedSchema = z.object({
  incidentId: z.string(),
  status: z.literal('started'),
});
