// README's demo-study tables (the headline, the shortcut finding, the ImageNet photos), rendered from
// docs/demo-study.json, the summary `camscope demo --json docs/demo-study.json` writes. test/readme/ checks that
// README.md holds exactly these and recomputes some of the file's per-image records with the engine.
import { readFileSync } from 'node:fs';
import type { DemoStudySummary } from '../../src-main/demo/studySummary.js';
import { headlineTable, markdownTable, photosTable, shortcutTable } from '../../src-main/demo/studyTables.js';

export const DEMO_STUDY_JSON = 'docs/demo-study.json';

export function demoStudySummary(file = DEMO_STUDY_JSON): DemoStudySummary {
  return JSON.parse(readFileSync(file, 'utf8')) as DemoStudySummary;
}

/** The generated blocks' bodies, by block name. */
export function demoTables(study: DemoStudySummary = demoStudySummary()): Record<string, string> {
  const md = (t: Parameters<typeof markdownTable>[0]) => markdownTable(t).trimEnd();
  return { 'demo-headline': md(headlineTable(study)), 'demo-shortcut': md(shortcutTable(study)), 'demo-photos': md(photosTable(study)) };
}
