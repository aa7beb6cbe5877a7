/**
 * What a drill leaves behind: a JSON record (for tooling), a Markdown report (for the drill
 * log, see docs/dr-plan.md) and an HTML page with the restore timeline (for people).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface TimelineStep {
  readonly label: string;
  /** Milliseconds since the drill started. */
  readonly startMs: number;
  readonly endMs: number;
}

export interface DiffSummary {
  /** Items identical in the recovery point and the source. */
  readonly identical: number;
  /** In the recovery point, no longer in the source: deleted since. */
  readonly deletedSince: number;
  /** In the source, not in the recovery point, created after it (by their change time). */
  readonly createdSince: number;
  /** Different in both, changed after the recovery point (by their change time). */
  readonly changedSince: number;
  /** Differences the change time does not explain: the failures. */
  readonly unexplained: number;
  /** Up to 10 keys of unexplained differences, with what differs. */
  readonly examples: readonly { readonly key: string; readonly difference: string }[];
}

export interface DrillReport {
  readonly stage: string;
  readonly dataStore: string;
  readonly source: 'pitr' | 'backup';
  readonly sourceTable: string;
  readonly scratchTable: string;
  readonly recoveryPoint: { readonly id: string; readonly time: string };
  readonly startedAt: string;
  readonly sourceFingerprint: { readonly itemCount: number; readonly checksum: string };
  readonly restoredFingerprint: { readonly itemCount: number; readonly checksum: string };
  readonly diff: DiffSummary;
  readonly verified: boolean;
  /** Restore plus verification, in seconds. */
  readonly rtoSeconds: number;
  /** Age of the restored data when the drill started, in seconds. */
  readonly rpoSeconds: number;
  readonly targets: { readonly rtoSeconds: number; readonly rpoSeconds: number };
  readonly rtoMet: boolean;
  readonly rpoMet: boolean;
  readonly passed: boolean;
  readonly timeline: readonly TimelineStep[];
  /** Set when the endpoint is an emulator (AWS_ENDPOINT_URL). */
  readonly endpoint?: string;
}

const secs = (value: number): string => `${value.toFixed(value < 10 ? 2 : 0)} s`;

export const markdownReport = (r: DrillReport): string => {
  const verdict = r.passed ? 'PASSED' : 'FAILED';
  return `# DR drill ${r.stage} / ${r.dataStore}: ${verdict}

| | |
| --- | --- |
| started | ${r.startedAt} |
| source | \`${r.source}\` (${r.recoveryPoint.id}, data as of ${r.recoveryPoint.time}) |
| source table | \`${r.sourceTable}\` |
| scratch table | \`${r.scratchTable}\` (deleted at the end) |
${r.endpoint ? `| endpoint | ${r.endpoint} (emulator) |\n` : ''}
## Targets

| | measured | target | |
| --- | --- | --- | --- |
| RTO (restore + verify) | ${secs(r.rtoSeconds)} | ${secs(r.targets.rtoSeconds)} | ${r.rtoMet ? 'met' : '**missed**'} |
| RPO (age of restored data) | ${secs(r.rpoSeconds)} | ${secs(r.targets.rpoSeconds)} | ${r.rpoMet ? 'met' : '**missed**'} |

## Verification: ${r.verified ? 'equal, or every difference changed after the recovery point' : '**differences the recovery point does not explain**'}

| | items | checksum |
| --- | --- | --- |
| source | ${r.sourceFingerprint.itemCount} | \`${r.sourceFingerprint.checksum}\` |
| restored | ${r.restoredFingerprint.itemCount} | \`${r.restoredFingerprint.checksum}\` |

identical ${r.diff.identical}, deleted since ${r.diff.deletedSince}, created since ${r.diff.createdSince}, changed since ${r.diff.changedSince}, unexplained ${r.diff.unexplained}
${r.diff.examples.length > 0 ? `\n${r.diff.examples.map((e) => `- \`${e.key}\`: ${e.difference}`).join('\n')}\n` : ''}
## Timeline

| step | start | duration |
| --- | --- | --- |
${r.timeline.map((s) => `| ${s.label} | ${secs(s.startMs / 1000)} | ${secs((s.endMs - s.startMs) / 1000)} |`).join('\n')}
`;
};

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string,
  );

/** A self-contained page: one bar per step on a time axis, and the RTO target as a line. */
export const timelineHtml = (r: DrillReport): string => {
  const end = Math.max(...r.timeline.map((s) => s.endMs), 1);
  const restoreStart = r.timeline.find((s) => s.label.startsWith('restore'))?.startMs ?? 0;
  const targetMs = restoreStart + r.targets.rtoSeconds * 1000;
  const scale = Math.max(end, Math.min(targetMs, end * 1.5));
  const width = 960;
  const left = 360;
  const x = (ms: number) => left + (ms / scale) * (width - left - 20);
  const rows = r.timeline
    .map((s, i) => {
      const y = 30 + i * 28;
      const label = s.label.length > 52 ? `${s.label.slice(0, 51)}…` : s.label;
      return `<text x="4" y="${y + 14}">${escapeHtml(label)}</text><rect x="${x(s.startMs).toFixed(1)}" y="${y}" width="${Math.max(x(s.endMs) - x(s.startMs), 1).toFixed(1)}" height="18" fill="${s.label.startsWith('restore') || s.label.startsWith('fingerprint restored') || s.label.startsWith('verify') ? '#2b6cb0' : '#a0aec0'}"><title>${escapeHtml(s.label)}: ${((s.endMs - s.startMs) / 1000).toFixed(2)} s</title></rect>`;
    })
    .join('\n');
  const height = 50 + r.timeline.length * 28;
  const targetLine =
    targetMs <= scale
      ? `<line x1="${x(targetMs).toFixed(1)}" x2="${x(targetMs).toFixed(1)}" y1="20" y2="${height - 10}" stroke="#c53030" stroke-dasharray="4"/><text x="${(x(targetMs) - 4).toFixed(1)}" y="16" fill="#c53030" text-anchor="end">RTO target</text>`
      : `<text x="${left}" y="16" fill="#c53030">RTO target ${secs(r.targets.rtoSeconds)} is off the chart</text>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>DR drill ${escapeHtml(r.stage)} / ${escapeHtml(r.dataStore)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;color:#1a202c}svg text{font-size:12px}.fail{color:#c53030}.pass{color:#2f855a}</style></head>
<body><h1>DR drill ${escapeHtml(r.stage)} / ${escapeHtml(r.dataStore)}: <span class="${r.passed ? 'pass">passed' : 'fail">failed'}</span></h1>
<p>Restore from <b>${r.source}</b> (data as of ${escapeHtml(r.recoveryPoint.time)}). RTO ${secs(r.rtoSeconds)} of ${secs(r.targets.rtoSeconds)}; RPO ${secs(r.rpoSeconds)} of ${secs(r.targets.rpoSeconds)}. ${r.sourceFingerprint.itemCount} source items, ${r.restoredFingerprint.itemCount} restored, ${r.diff.unexplained} unexplained differences.</p>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="restore timeline">
${targetLine}
${rows}
<text x="${left}" y="${height - 2}">0 s</text><text x="${width - 60}" y="${height - 2}">${secs(scale / 1000)}</text>
</svg>
<p>Blue: the steps the RTO counts (restore, fingerprint of the restored table, verification).</p>
</body></html>
`;
};

/** Writes `<dir>/dr-drill-<stage>-<store>-<time>.{json,md,html}` and returns the paths. */
export const writeReports = async (dir: string, report: DrillReport) => {
  await mkdir(dir, { recursive: true });
  const base = join(
    dir,
    `dr-drill-${report.stage}-${report.dataStore}-${report.startedAt.replace(/[:.]/g, '-')}`,
  );
  const paths = { json: `${base}.json`, markdown: `${base}.md`, html: `${base}.html` };
  await Promise.all([
    writeFile(paths.json, `${JSON.stringify(report, null, 2)}\n`),
    writeFile(paths.markdown, markdownReport(report)),
    writeFile(paths.html, timelineHtml(report)),
  ]);
  return paths;
};
