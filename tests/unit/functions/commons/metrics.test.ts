import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRICS } from '#commons/metric-catalog';

const ROOT = join(import.meta.dirname, '../../../..');
/** Where the service's code lives; tests may spy on `addMetric` and are not scanned. */
const SOURCE_DIRS = [
  'functions',
  'containers',
  'cdk',
  'local',
  'ops',
  'dashboards',
  'slos',
  'bench',
  'triage',
];
/** Folders that are exempt: the Powertools-only twins of the benchmark call Powertools directly. */
const EXEMPT_DIRS = ['bench/twins/'];
/** Not sources: the benchmark's output (with `BENCH_BEFORE`, a copy of an older tree). */
const OUTPUT_DIR = 'bench/.out/';
/** The one module allowed to call `addMetric`. */
const EMITTER = 'functions/commons/metrics.ts';

const sourceFiles = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.[cm]?ts$/.test(entry.name))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)))
    .filter((file) => !file.startsWith(OUTPUT_DIR));

/** Calls that add a metric under a name spelled in place (a string literal). */
const literalAddMetricCalls = (source: string): string[] =>
  [...source.matchAll(/\baddMetric\(\s*(['"`])([^'"`]*)\1/g)].map((match) => match[2] ?? '');

describe('metric names', () => {
  it('finds a metric name spelled as a literal in an addMetric call', () => {
    const source =
      "metrics.addMetric('OrdersShipped', MetricUnit.Count, 1);\nemitMetric('OrdersCreated');";

    expect(literalAddMetricCalls(source)).toEqual(['OrdersShipped']);
  });

  it('are never spelled in an addMetric call outside the catalogue emitter', () => {
    const offenders = SOURCE_DIRS.flatMap(sourceFiles)
      .filter((file) => file !== EMITTER && !EXEMPT_DIRS.some((dir) => file.startsWith(dir)))
      .flatMap((file) =>
        literalAddMetricCalls(readFileSync(join(ROOT, file), 'utf8')).map(
          (name) => `${file}: ${name}`,
        ),
      );

    expect(offenders).toEqual([]);
  });

  it('are emitted only through emitMetric: no other module calls addMetric at all', () => {
    const callers = SOURCE_DIRS.flatMap(sourceFiles).filter(
      (file) =>
        file !== EMITTER &&
        !EXEMPT_DIRS.some((dir) => file.startsWith(dir)) &&
        /\baddMetric\(/.test(readFileSync(join(ROOT, file), 'utf8')),
    );

    expect(callers).toEqual([]);
  });

  it('name every emitMetric call after a declared metric', () => {
    const names = SOURCE_DIRS.flatMap(sourceFiles).flatMap((file) =>
      [...readFileSync(join(ROOT, file), 'utf8').matchAll(/\bemitMetric\(\s*'([^']+)'/g)].map(
        (match) => match[1] ?? '',
      ),
    );

    expect(names.length).toBeGreaterThan(15);
    expect(names.filter((name) => !Object.hasOwn(METRICS, name))).toEqual([]);
  });

  it('are each documented in docs/observability.md', () => {
    const doc = readFileSync(join(ROOT, 'docs/observability.md'), 'utf8');

    expect(Object.keys(METRICS).filter((name) => !doc.includes(`| \`${name}\` |`))).toEqual([]);
  });
});
