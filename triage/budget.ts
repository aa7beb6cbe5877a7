import { bundleBytes, type ContextBundle, type Evidence, type SourceName } from './bundle.ts';

/**
 * Keeps a bundle under a byte budget, whatever the log volume: first shortens what is long
 * (log lines, runbook sections, metric series), then drops the least useful evidence first.
 * The alarm itself is never dropped.
 */

/** Lower is kept longer. Within a source, gatherers order evidence most telling first. */
export const SOURCE_PRIORITY: Readonly<Record<SourceName, number>> = {
  alarm: 0,
  config: 1,
  deployments: 2,
  logs: 3,
  metrics: 4,
  traces: 5,
  runbook: 6,
};

const MAX_TEXT = 400;
const MAX_POINTS = 30;

const shorten = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

/** One piece of evidence with long text cut and long series downsampled; same id. */
const compact = (evidence: Evidence): Evidence => {
  const summary = shorten(evidence.summary, MAX_TEXT);
  const data = evidence.data;
  switch (data.kind) {
    case 'log':
      return { ...evidence, summary, data: { ...data, message: shorten(data.message, MAX_TEXT) } };
    case 'fingerprint':
      return { ...evidence, summary, data: { ...data, example: shorten(data.example, MAX_TEXT) } };
    case 'runbook':
      return {
        ...evidence,
        summary,
        data: {
          ...data,
          sections: data.sections.map((section) => ({
            ...section,
            text: shorten(section.text, 600),
          })),
        },
      };
    case 'metric': {
      if (data.points.length <= MAX_POINTS) return { ...evidence, summary };
      // Keep the shape: every k-th point, and the peak, so a spike survives downsampling.
      const step = Math.ceil(data.points.length / MAX_POINTS);
      const peak = data.points.reduce((a, b) => (b.v > a.v ? b : a));
      const kept = data.points.filter((point, index) => index % step === 0 || point === peak);
      return { ...evidence, summary, data: { ...data, points: kept } };
    }
    default:
      return { ...evidence, summary };
  }
};

/**
 * The bundle within `maxBytes`: unchanged if it fits; else compacted, then with the lowest
 * priority evidence dropped (the last of the lowest-priority source first) until it fits.
 */
export const applyBudget = (bundle: ContextBundle, maxBytes: number): ContextBundle => {
  const before = bundleBytes(bundle);
  if (before <= maxBytes) return bundle;
  let shortened = 0;
  const compacted = bundle.evidence.map((evidence) => {
    const next = compact(evidence);
    if (JSON.stringify(next) !== JSON.stringify(evidence)) shortened += 1;
    return next;
  });
  // Drop order: highest priority number first, and within a source the last item first.
  const order = compacted
    .map((evidence, index) => ({ evidence, index }))
    .filter(({ evidence }) => evidence.source !== 'alarm')
    .sort(
      (a, b) =>
        SOURCE_PRIORITY[b.evidence.source] - SOURCE_PRIORITY[a.evidence.source] ||
        b.index - a.index,
    );
  const kept = new Set(compacted.map((_, index) => index));
  const current = (): ContextBundle => ({
    ...bundle,
    evidence: compacted.filter((_, index) => kept.has(index)),
    truncated: { dropped: compacted.length - kept.size, shortened, bytes: before },
  });
  let result = current();
  // Each evidence's size is known, so subtract instead of re-serializing the bundle every step.
  let size = bundleBytes(result);
  for (const { evidence, index } of order) {
    if (size <= maxBytes) break;
    kept.delete(index);
    size -= Buffer.byteLength(JSON.stringify(evidence), 'utf8') + 1;
  }
  result = current();
  return result;
};
