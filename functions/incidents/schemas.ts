import * as z from 'zod/mini';
import '../commons/zod.ts';

/**
 * The operator API's contract for paging incidents: the handlers validate with these schemas and
 * the OpenAPI document is generated from them.
 */

export const INCIDENT_STATUSES = ['OPEN', 'ACKNOWLEDGED', 'RESOLVED', 'CLOSED'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

const described = <T extends z.ZodMiniType>(schema: T, description: string): T =>
  schema.check(z.describe(description)) as T;

/** `<alarm name>#<ISO time the incident opened>`, URL-encoded in paths. */
export const IncidentIdSchema = z
  .string()
  .check(
    z.regex(
      /^[^#]{1,255}#\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/,
      'Must be an incident id: <alarm name>#<ISO time it opened>, URL-encoded',
    ),
    z.describe(
      'Incident id: the alarm name, #, and the ISO 8601 time the incident opened (URL-encode it in the path)',
    ),
  );

export const IncidentPathSchema = z.strictObject({ incidentId: IncidentIdSchema });

/** Optional body of ack and resolve: a note kept in the incident's audit fields. */
export const IncidentActionRequestSchema = described(
  z.strictObject({
    note: z.optional(
      z
        .string()
        .check(
          z.maxLength(500),
          z.describe('What the operator did or found, kept with the action'),
        ),
    ),
  }),
  'Optional note of an acknowledgement or resolution',
);

const ActionSchema = described(
  z.object({
    by: z.string().check(z.describe('Consumer (OAuth client) that took the action')),
    clientId: z.string().check(z.describe('OAuth client id of the token')),
    at: z.string().check(z.describe('When, ISO 8601')),
    note: z.optional(z.string()),
  }),
  'Who took an action on the incident, and when',
);

const PageSchema = described(
  z.object({
    tier: z.string().check(z.describe('Escalation tier paged, e.g. primary')),
    at: z.string().check(z.describe('When, ISO 8601')),
  }),
  'One page sent for the incident',
);

export const IncidentSchema = described(
  z.object({
    incidentId: IncidentIdSchema,
    alarmName: z.string(),
    status: z.enum(INCIDENT_STATUSES),
    openedAt: z.string().check(z.describe('When the alarm went into ALARM, ISO 8601')),
    reason: z.string().check(z.describe("The alarm's NewStateReason when it opened")),
    description: z.optional(z.string().check(z.describe("The alarm's description (runbook)"))),
    pages: z.array(PageSchema),
    acknowledged: z.optional(ActionSchema),
    resolved: z.optional(ActionSchema),
    closedAt: z.optional(z.string().check(z.describe('When the alarm returned to OK, ISO 8601'))),
  }),
  'A paging incident: opened by an alarm on the page topic, escalated until acknowledged',
);
export type Incident = z.infer<typeof IncidentSchema>;

export const IncidentListSchema = described(
  z.object({ incidents: z.array(IncidentSchema) }),
  'Open incidents (OPEN or ACKNOWLEDGED), newest first',
);
