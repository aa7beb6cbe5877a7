/**
 * The context bundle: everything triage knows about one incident, in one versioned JSON shape.
 * Every piece of evidence has an id (`<source>-<n>`) that hypotheses cite; a hypothesis that
 * cites an id the bundle does not hold is dropped.
 */

/** Bump on any change a stored bundle's reader would notice. */
export const BUNDLE_VERSION = 1;

export const SOURCES = [
  'alarm',
  'metrics',
  'logs',
  'deployments',
  'config',
  'traces',
  'runbook',
] as const;
export type SourceName = (typeof SOURCES)[number];

/** One point of a metric series. */
export interface Point {
  /** ISO time of the period's start. */
  readonly t: string;
  readonly v: number;
}

export interface AlarmData {
  readonly kind: 'alarm';
  readonly alarmName: string;
  readonly state: string;
  readonly reason: string;
  readonly composite: boolean;
  readonly metric?: { readonly namespace: string; readonly name: string };
  readonly threshold?: number;
}
export interface SloData {
  readonly kind: 'slo';
  readonly sloId: string;
  readonly target: number;
  readonly userImpact: string;
}
export interface MetricData {
  readonly kind: 'metric';
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly stat: string;
  readonly points: readonly Point[];
}
export interface FingerprintData {
  readonly kind: 'fingerprint';
  readonly fingerprint: string;
  /** Occurrences in the alarm window. */
  readonly count: number;
  /** Occurrences in the same span before the window. */
  readonly countBefore: number;
  readonly example: string;
}
export interface LogLineData {
  readonly kind: 'log';
  readonly message: string;
  readonly count: number;
}
export interface DeploymentData {
  readonly kind: 'deployment';
  readonly service: string;
  readonly version: string;
  readonly commit: string;
  readonly deployedAt: string;
  readonly status: 'succeeded' | 'failed' | 'rolled-back';
  readonly changes: readonly string[];
}
export interface ConfigChangeData {
  readonly kind: 'config';
  /** What changed: `fault-injection`, a parameter name, ... */
  readonly name: string;
  readonly changedAt?: string;
  readonly detail: string;
  /** Whether the setting is active now (fault injection enabled, ...). */
  readonly active: boolean;
}
export interface TraceData {
  readonly kind: 'trace';
  /** The node the faults are rooted at (a function, a table, a remote host). */
  readonly root: string;
  readonly faults: number;
  readonly httpStatus?: number;
}
export interface RunbookData {
  readonly kind: 'runbook';
  readonly alarmId: string;
  readonly sections: readonly { readonly heading: string; readonly text: string }[];
}

export type EvidenceData =
  | AlarmData
  | SloData
  | MetricData
  | FingerprintData
  | LogLineData
  | DeploymentData
  | ConfigChangeData
  | TraceData
  | RunbookData;

export interface Evidence {
  /** `<source>-<n>`, unique in the bundle. */
  readonly id: string;
  readonly source: SourceName;
  /** One line a person or the model reads. */
  readonly summary: string;
  readonly data: EvidenceData;
}

export interface SourceStatus {
  readonly status: 'ok' | 'empty' | 'timeout' | 'error' | 'skipped';
  readonly ms: number;
  /** Why it degraded (never a stack trace). */
  readonly note?: string;
}

export interface ContextBundle {
  readonly version: typeof BUNDLE_VERSION;
  readonly incidentId: string;
  readonly alarmName: string;
  /** The alarm window: from `start` to the alarm's state change (`end`). */
  readonly window: { readonly start: string; readonly end: string };
  readonly evidence: readonly Evidence[];
  readonly sources: Readonly<Partial<Record<SourceName, SourceStatus>>>;
  /** Set when the size budget dropped or shortened evidence. */
  readonly truncated?: {
    readonly dropped: number;
    readonly shortened: number;
    readonly bytes: number;
  };
}

/** Numbers evidence ids per source: `logs-1`, `logs-2`, ... */
export const evidenceIds = () => {
  const next = new Map<SourceName, number>();
  return (source: SourceName): string => {
    const n = (next.get(source) ?? 0) + 1;
    next.set(source, n);
    return `${source}-${n}`;
  };
};

export const bundleBytes = (bundle: ContextBundle): number =>
  Buffer.byteLength(JSON.stringify(bundle), 'utf8');

/** Evidence of one kind, typed. */
export const evidenceOf = <K extends EvidenceData['kind']>(
  bundle: Pick<ContextBundle, 'evidence'>,
  kind: K,
): Array<Evidence & { data: Extract<EvidenceData, { kind: K }> }> =>
  bundle.evidence.filter(
    (item): item is Evidence & { data: Extract<EvidenceData, { kind: K }> } =>
      item.data.kind === kind,
  );

/**
 * A bundle read from a file: the version and the evidence shape checked, or an Error saying
 * what is wrong (the CLIs print it as their one line).
 */
export const parseBundle = (json: unknown): ContextBundle => {
  const candidate = json as Partial<ContextBundle> | null;
  if (candidate === null || typeof candidate !== 'object')
    throw new Error('not a JSON object: expected a triage context bundle');
  if (candidate.version !== BUNDLE_VERSION)
    throw new Error(
      `bundle version ${String(candidate.version)} is not ${BUNDLE_VERSION}: re-export it with this release`,
    );
  if (
    typeof candidate.incidentId !== 'string' ||
    !candidate.window ||
    !Array.isArray(candidate.evidence)
  )
    throw new Error('a bundle needs incidentId, window and an evidence array');
  candidate.evidence.forEach((item, index) => {
    const e = item as Partial<Evidence> | null;
    if (
      !e ||
      typeof e.id !== 'string' ||
      typeof e.summary !== 'string' ||
      typeof e.data?.kind !== 'string'
    )
      throw new Error(`evidence[${index}] needs id, summary and data.kind`);
    if (!(SOURCES as readonly string[]).includes(String(e.source)))
      throw new Error(`evidence[${index}] has unknown source '${String(e.source)}'`);
  });
  return candidate as ContextBundle;
};
