/**
 * `npm run bench:redact`: the redactor's recall and precision on the labelled corpus
 * (tests/fixtures/redaction/corpus.txt), by type, and its throughput beside a baseline measured in
 * the same run: the same loop over the same lines with one trivial regex pass (the cost of
 * walking the text at all), so the difference is the detectors' own cost.
 */
import { join } from 'node:path';
import { REPO_ROOT } from '#local/paths';
import { Redactor, scan } from '#triage/redact';
import { readCorpus, scoreCorpus } from '#triage/redaction-eval';

const started = performance.now();
const lines = await readCorpus(join(REPO_ROOT, 'tests', 'fixtures', 'redaction', 'corpus.txt'));
const score = scoreCorpus(lines);
const pct = (value: number) => `${(value * 100).toFixed(1)}%`;

console.log(`[1] accuracy on ${lines.length} labelled lines`);
console.log(
  `${'type'.padEnd(16)}${'labels'.padStart(8)}${'recall'.padStart(9)}${'precision'.padStart(11)}`,
);
for (const [type, s] of Object.entries(score.byType)) {
  console.log(
    `${type.padEnd(16)}${String(s.tp + s.fn).padStart(8)}${pct(s.recall).padStart(9)}${pct(s.precision).padStart(11)}`,
  );
}
const all = score.overall;
console.log(
  `${'all'.padEnd(16)}${String(all.tp + all.fn).padStart(8)}${pct(all.recall).padStart(9)}${pct(all.precision).padStart(11)}`,
);
for (const mistake of score.mistakes) console.log(`  ${mistake}`);

// A realistic mix: the corpus lines (dense with secrets) repeated to about 1 MB.
const texts = lines.map((line) => line.text);
const repeat = Math.ceil((1024 * 1024) / texts.join('\n').length);
const workload = Array.from({ length: repeat }, () => texts).flat();
const bytes = Buffer.byteLength(workload.join('\n'));
const time = (label: string, run: () => void, rounds = 5) => {
  run();
  const samples: number[] = [];
  for (let i = 0; i < rounds; i += 1) {
    const t0 = performance.now();
    run();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)] ?? 0;
  console.log(
    `${label.padEnd(34)}${`${median.toFixed(1)} ms`.padStart(11)}${`${(bytes / 1024 / 1024 / (median / 1000)).toFixed(1)} MB/s`.padStart(13)}${`${Math.round(workload.length / (median / 1000)).toLocaleString('en')} lines/s`.padStart(20)}`,
  );
  return median;
};
console.log(
  `\n[2] throughput over ${workload.length.toLocaleString('en')} lines (${(bytes / 1024 / 1024).toFixed(2)} MB), median of 5`,
);
const baseline = time('baseline (one trivial regex pass)', () => {
  for (const text of workload) text.replace(/\v/g, '');
});
const scanOnly = time('scan (detect only)', () => {
  for (const text of workload) scan(text);
});
const full = time('redact (detect and replace)', () => {
  const redactor = new Redactor();
  for (const text of workload) redactor.redact(text);
});
console.log(
  `\nsummary: recall ${pct(all.recall)}, precision ${pct(all.precision)} on ${all.tp + all.fn} labelled values; redaction costs ${(full / Math.max(baseline, 0.001)).toFixed(0)} × the baseline pass (scan alone ${(scanOnly / Math.max(baseline, 0.001)).toFixed(0)} ×); ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
