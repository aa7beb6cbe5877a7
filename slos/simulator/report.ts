/**
 * What the simulator prints and draws: per scenario, a table of the alarms that fired (after the
 * SRE Workbook's tables: detection time, budget spent at detection, reset time), and an HTML page
 * with one SVG chart per scenario of the burn rate in each window against its threshold. The page
 * is self-contained: no script, no request anywhere.
 */
import type { AlarmOutcome, SimulationResult } from './simulate.ts';

const minutes = (value: number | undefined): string => {
  if (value === undefined) return '-';
  if (Math.abs(value) < 120) return `${value} min`;
  const hours = value / 60;
  return Math.abs(hours) < 48 ? `${hours.toFixed(1)} h` : `${(hours / 24).toFixed(1)} d`;
};

const percent = (value: number | undefined): string =>
  value === undefined ? '-' : `${(value * 100).toFixed(2)}%`;

/** The alarm's name without the `<app>-<stage>-` prefix. */
export const shortName = (alarm: string, stage: string): string => {
  const index = alarm.indexOf(`-${stage}-`);
  return index >= 0 ? alarm.slice(index + stage.length + 2) : alarm;
};

/** The alarms a person hears about: those with an action, plus any window alarm with `all`. */
const listed = (result: SimulationResult, all: boolean): AlarmOutcome[] =>
  result.outcomes.filter(
    (outcome) => outcome.firedAt !== undefined && (all || outcome.severity !== 'none'),
  );

/** A Markdown table of one scenario's alarms. */
export const formatTable = (result: SimulationResult, options: { all?: boolean } = {}): string => {
  const rows = listed(result, options.all ?? false).map((outcome) => [
    shortName(outcome.alarm, result.stage),
    outcome.severity,
    minutes(outcome.firedAt),
    outcome.firedAt === undefined
      ? '-'
      : outcome.notifiedAt === undefined
        ? 'suppressed'
        : minutes(outcome.notifiedAt),
    percent(outcome.budgetSpentAtFire),
    minutes(outcome.resetAfter),
    minutes(outcome.resetBound),
  ]);
  const header = [
    'alarm',
    'severity',
    'fired after',
    'notified after',
    'budget spent',
    'reset after recovery',
    'reset bound',
  ];
  const lines = [
    `### ${result.scenario.title} (${result.scenario.id}, ${result.stage})`,
    '',
    result.scenario.description,
    '',
  ];
  if (rows.length === 0) return [...lines, 'No alarm fired.', ''].join('\n');
  return [
    ...lines,
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
    '',
  ].join('\n');
};

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);

const COLOURS = ['#c0392b', '#e67e22', '#2980b9', '#16a085', '#8e44ad', '#7f8c8d'];

/** One scenario's burn rates as an SVG line chart (log scale, thresholds dashed). */
const chart = (result: SimulationResult): string => {
  const width = 900;
  const height = 320;
  const pad = { left: 60, right: 240, top: 20, bottom: 40 };
  const series = result.burn.filter((one) => one.points.length > 0);
  if (series.length === 0) return '<p>No burn-rate data.</p>';
  const xs = series.flatMap((one) => one.points.map(([x]) => x));
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const floor = 0.1;
  const yMax = Math.max(
    1000,
    ...series.flatMap((one) => one.points.map(([, y]) => y)),
    ...series.map((one) => one.threshold),
  );
  const x = (value: number) =>
    pad.left + ((value - xMin) / Math.max(1, xMax - xMin)) * (width - pad.left - pad.right);
  const y = (value: number) =>
    pad.top +
    (1 - Math.log10(Math.max(floor, value) / floor) / Math.log10(yMax / floor)) *
      (height - pad.top - pad.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect x="${pad.left}" y="${pad.top}" width="${width - pad.left - pad.right}" height="${height - pad.top - pad.bottom}" fill="#fafafa" stroke="#ccc"/>`,
  ];
  for (let tick = floor; tick <= yMax; tick *= 10) {
    parts.push(
      `<text x="${pad.left - 6}" y="${y(tick) + 4}" text-anchor="end">${tick >= 1 ? tick : tick.toFixed(1)}×</text>`,
    );
  }
  const incident = result.scenario.incident;
  if (incident) {
    const end = incident.end - incident.start;
    parts.push(
      `<rect x="${x(0)}" y="${pad.top}" width="${Math.max(1, x(Math.min(end, xMax)) - x(0))}" height="${height - pad.top - pad.bottom}" fill="#f5b7b1" opacity="0.35"/>`,
    );
  }
  for (const tick of [xMin, 0, xMax]) {
    parts.push(
      `<text x="${x(tick)}" y="${height - pad.bottom + 16}" text-anchor="middle">${escapeHtml(minutes(tick))}</text>`,
    );
  }
  parts.push(
    `<text x="${(pad.left + width - pad.right) / 2}" y="${height - 6}" text-anchor="middle">time from the incident's start (shaded)</text>`,
  );
  series.forEach((one, index) => {
    const colour = COLOURS[index % COLOURS.length];
    const path = one.points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${path}"/>`);
    parts.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(one.threshold)}" y2="${y(one.threshold)}" stroke="${colour}" stroke-dasharray="4 4" opacity="0.6"/>`,
    );
    parts.push(
      `<text x="${width - pad.right + 8}" y="${pad.top + 14 + index * 16}" fill="${colour}">${escapeHtml(shortName(one.alarm, result.stage))} (≥ ${one.threshold}×)</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
};

/** A self-contained HTML page: per scenario, its table and its burn-rate chart. */
export const renderHtml = (results: readonly SimulationResult[]): string => {
  const sections = results.map((result) => {
    const rows = listed(result, false)
      .map(
        (outcome) =>
          `<tr><td>${escapeHtml(shortName(outcome.alarm, result.stage))}</td><td>${outcome.severity}</td><td>${minutes(outcome.firedAt)}</td><td>${outcome.notifiedAt === undefined ? 'suppressed' : minutes(outcome.notifiedAt)}</td><td>${percent(outcome.budgetSpentAtFire)}</td><td>${minutes(outcome.resetAfter)}</td></tr>`,
      )
      .join('\n');
    return `<section>
<h2>${escapeHtml(result.scenario.title)} <small>(${result.scenario.id}, ${result.stage})</small></h2>
<p>${escapeHtml(result.scenario.description)} Burn rate of <code>${result.scenario.slo}</code> per window; dashed: each window's threshold.</p>
${chart(result)}
<table><tr><th>alarm</th><th>severity</th><th>fired after</th><th>notified after</th><th>budget spent</th><th>reset after recovery</th></tr>
${rows || '<tr><td colspan="6">No alarm fired.</td></tr>'}
</table>
</section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SLO alarm simulation</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}small{color:#777}</style>
</head><body>
<h1>SLO alarm simulation</h1>
<p>Each scenario replayed minute by minute through the alarms of the synthesized template (<code>npm run slo:simulate</code>).</p>
${sections.join('\n')}
</body></html>
`;
};
