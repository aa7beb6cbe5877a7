import type { ParsedAlarm } from './alarm.ts';
import {
  BUNDLE_VERSION,
  type ContextBundle,
  type Evidence,
  type EvidenceData,
  evidenceIds,
  type SourceName,
  type SourceStatus,
} from './bundle.ts';

/**
 * Gathers the context bundle: every source in parallel, each under its own timeout. A source
 * that times out, fails or finds nothing is recorded in `sources` and the bundle goes on
 * without it: missing sources degrade the bundle, they never fail it.
 */

/** What a source returns: evidence without ids (the bundle numbers them). */
export type Found = { readonly summary: string; readonly data: EvidenceData };

export interface GatherWindow {
  readonly start: Date;
  readonly end: Date;
  /** Start of the comparison span before the window (same length). */
  readonly baselineStart: Date;
}

export interface GatherContext {
  readonly alarm: ParsedAlarm;
  readonly incidentId: string;
  readonly window: GatherWindow;
  /** Aborted when the source's timeout passes; pass it on to SDK calls. */
  readonly signal: AbortSignal;
}

export type Gatherer = (context: GatherContext) => Promise<readonly Found[]>;

export type Gatherers = Partial<Record<SourceName, Gatherer>>;

/** The window an alarm is looked at over: `minutes` before its state change, and as long before. */
export const windowOf = (alarm: ParsedAlarm, minutes: number): GatherWindow => {
  const end = new Date(alarm.time);
  const span = Math.max(minutes * 60_000, (alarm.evaluatedSeconds ?? 0) * 1000);
  return {
    start: new Date(end.getTime() - span),
    end,
    baselineStart: new Date(end.getTime() - 2 * span),
  };
};

class SourceTimeout extends Error {}

const withTimeout = async <T>(
  work: (signal: AbortSignal) => Promise<T>,
  ms: number,
): Promise<T> => {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new SourceTimeout());
    }, ms);
  });
  try {
    return await Promise.race([work(abort.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
};

export const gatherBundle = async (options: {
  readonly alarm: ParsedAlarm;
  readonly incidentId: string;
  readonly window: GatherWindow;
  readonly gatherers: Gatherers;
  /** Per-source timeout in ms; `default` for sources without their own. */
  readonly timeouts: Readonly<Partial<Record<SourceName, number>>> & { readonly default: number };
}): Promise<ContextBundle> => {
  const entries = Object.entries(options.gatherers) as Array<[SourceName, Gatherer]>;
  const results = await Promise.all(
    entries.map(async ([source, gather]) => {
      const started = Date.now();
      const ms = options.timeouts[source] ?? options.timeouts.default;
      try {
        const found = await withTimeout(
          (signal) =>
            gather({
              alarm: options.alarm,
              incidentId: options.incidentId,
              window: options.window,
              signal,
            }),
          ms,
        );
        const status: SourceStatus = {
          status: found.length > 0 ? 'ok' : 'empty',
          ms: Date.now() - started,
        };
        return { source, found, status };
      } catch (error) {
        const status: SourceStatus =
          error instanceof SourceTimeout
            ? { status: 'timeout', ms: Date.now() - started, note: `no answer within ${ms} ms` }
            : {
                status: 'error',
                ms: Date.now() - started,
                note: `${(error as Error).name ?? 'Error'}: ${String((error as Error).message ?? error).slice(0, 200)}`,
              };
        return { source, found: [] as readonly Found[], status };
      }
    }),
  );
  const nextId = evidenceIds();
  const evidence: Evidence[] = results.flatMap(({ source, found }) =>
    found.map((item) => ({ id: nextId(source), source, summary: item.summary, data: item.data })),
  );
  return {
    version: BUNDLE_VERSION,
    incidentId: options.incidentId,
    alarmName: options.alarm.alarmName,
    window: { start: options.window.start.toISOString(), end: options.window.end.toISOString() },
    evidence,
    sources: Object.fromEntries(results.map(({ source, status }) => [source, status])),
  };
};
