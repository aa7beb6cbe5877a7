import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { analyze } from './analyzer.ts';
import { parseBundle } from './bundle.ts';
import type { Category } from './hypothesis.ts';

/** One labelled incident: a bundle and the category of its real cause. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly expected: Category;
  readonly file: string;
}

export interface ScenarioResult {
  readonly name: string;
  readonly expected: Category;
  readonly ranked: readonly Category[];
  readonly top1: boolean;
  readonly top3: boolean;
}

export interface Evaluation {
  readonly results: readonly ScenarioResult[];
  readonly top1: number;
  readonly top3: number;
}

/** Runs the baseline analyzer over every `*.json` scenario in `dir`. */
export const evaluateScenarios = async (dir: string): Promise<Evaluation> => {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.json')).sort();
  const results: ScenarioResult[] = [];
  for (const file of files) {
    const json = JSON.parse(await readFile(join(dir, file), 'utf8')) as Scenario & {
      bundle: unknown;
    };
    const ranked = analyze(parseBundle(json.bundle)).map((h) => h.category);
    results.push({
      name: json.name,
      expected: json.expected,
      ranked,
      top1: ranked[0] === json.expected,
      top3: ranked.slice(0, 3).includes(json.expected),
    });
  }
  const share = (hits: number) => (results.length === 0 ? 0 : hits / results.length);
  return {
    results,
    top1: share(results.filter((r) => r.top1).length),
    top3: share(results.filter((r) => r.top3).length),
  };
};
