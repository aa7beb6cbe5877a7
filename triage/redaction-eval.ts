import { readFile } from 'node:fs/promises';
import { type Finding, scan } from './redact.ts';

/**
 * Scores the redactor on a labelled corpus: each sensitive value written `[[TYPE:value]]`. A
 * finding counts as a true positive when it overlaps a label of the same type; a finding on no
 * label is a false positive; a label no finding overlaps is a false negative.
 */

export interface Label {
  readonly type: string;
  readonly start: number;
  readonly end: number;
}

export interface LabelledLine {
  readonly text: string;
  readonly labels: readonly Label[];
}

export const parseLabelledLine = (line: string): LabelledLine => {
  let text = '';
  const labels: Label[] = [];
  let at = 0;
  for (const match of line.matchAll(/\[\[([A-Z0-9_]+):(.*?)\]\]/g)) {
    text += line.slice(at, match.index);
    const value = match[2] ?? '';
    labels.push({ type: match[1] ?? '', start: text.length, end: text.length + value.length });
    text += value;
    at = (match.index ?? 0) + match[0].length;
  }
  return { text: text + line.slice(at), labels };
};

export const readCorpus = async (file: string): Promise<LabelledLine[]> =>
  (await readFile(file, 'utf8'))
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map(parseLabelledLine);

export interface Score {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly precision: number;
  readonly recall: number;
}

export interface CorpusScore {
  readonly overall: Score;
  readonly byType: Readonly<Record<string, Score>>;
  /** Misses and false alarms, for a person to read. */
  readonly mistakes: readonly string[];
}

const score = (tp: number, fp: number, fn: number): Score => ({
  tp,
  fp,
  fn,
  precision: tp + fp === 0 ? 1 : tp / (tp + fp),
  recall: tp + fn === 0 ? 1 : tp / (tp + fn),
});

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }) =>
  a.start < b.end && b.start < a.end;

export const scoreCorpus = (
  lines: readonly LabelledLine[],
  find: (text: string) => readonly Finding[] = scan,
): CorpusScore => {
  const counts = new Map<string, { tp: number; fp: number; fn: number }>();
  const bump = (type: string, key: 'tp' | 'fp' | 'fn') => {
    const entry = counts.get(type) ?? { tp: 0, fp: 0, fn: 0 };
    entry[key] += 1;
    counts.set(type, entry);
  };
  const mistakes: string[] = [];
  for (const { text, labels } of lines) {
    const findings = find(text);
    for (const finding of findings) {
      const hit = labels.some((label) => label.type === finding.type && overlaps(label, finding));
      bump(finding.type, hit ? 'tp' : 'fp');
      if (!hit) mistakes.push(`false ${finding.type}: "${finding.value}" in: ${text.slice(0, 80)}`);
    }
    for (const label of labels) {
      if (!findings.some((finding) => finding.type === label.type && overlaps(label, finding))) {
        bump(label.type, 'fn');
        mistakes.push(`missed ${label.type}: "${text.slice(label.start, label.end)}"`);
      }
    }
  }
  const total = [...counts.values()].reduce(
    (sum, entry) => ({ tp: sum.tp + entry.tp, fp: sum.fp + entry.fp, fn: sum.fn + entry.fn }),
    { tp: 0, fp: 0, fn: 0 },
  );
  return {
    overall: score(total.tp, total.fp, total.fn),
    byType: Object.fromEntries(
      [...counts]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([type, c]) => [type, score(c.tp, c.fp, c.fn)]),
    ),
    mistakes,
  };
};
