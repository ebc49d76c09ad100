// `camscope demo`: builds (or opens) the demo project as `npm start` does, waits for its runs, evaluates the
// study and writes its report; the headline table goes to stdout as markdown (the README's table).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CamscopeError } from '../errors.js';
import { evaluateDemoStudy, headlineTable, markdownTable, photosTable, shortcutTable } from '../demo/demoStudy.js';
import { renderStudyReport } from '../demo/studyReport.js';
import { DEMO_COUNT, defaultDemoProject, openDemoProject, waitForRuns } from '../services/demoProject.js';
import { intOption, one, parseArgs } from './args.js';
import type { CliIO } from './command.js';
import { Progress } from '../terminal/progress.js';
import { REPO_ROOT } from './serve.js';

export async function demoCommand(argv: string[], io: CliIO): Promise<void> {
  const a = parseArgs(argv, { project: {}, report: {}, count: {}, quick: { flag: true } });
  const count = intOption(a, 'count') ?? DEMO_COUNT;
  if (count < 1) throw new CamscopeError(`--count: expected a positive integer, got ${count}`);
  const project = resolve(one(a, 'project') ?? defaultDemoProject());
  const report = resolve(one(a, 'report') ?? join(REPO_ROOT, 'out', 'demo', 'report.html'));

  const ws = await openDemoProject(REPO_ROOT, project, undefined, { count, scoreCam: !a.flags.has('quick') });
  let runs;
  try {
    ws.resumeInterrupted();
    let progress: Progress | null = null;
    runs = await waitForRuns(ws, (done, total) => {
      if (io.progress && total > done) progress ??= new Progress(total, 'maps', io.progress);
      progress?.update(done);
    });
  } finally {
    ws.close();
  }
  const failed = runs.find((r) => r.status !== 'done');
  if (failed)
    throw new CamscopeError(`${project}: run ${failed.id} (${failed.method}) ended ${failed.status}${failed.error ? `: ${failed.error}` : ''}`);

  const study = await evaluateDemoStudy(REPO_ROOT, project, io.progress);
  const html = await renderStudyReport(study);
  try {
    mkdirSync(dirname(report), { recursive: true });
    writeFileSync(report, html);
  } catch (e) {
    throw new CamscopeError(`${report}: cannot write: ${(e as Error).message}`);
  }
  io.out(`${markdownTable(headlineTable(study))}\n${markdownTable(shortcutTable(study))}\n${markdownTable(photosTable(study))}`);
  io.err(`demo project ${project} (${runs.length} runs); report written to ${report}\n`);
}
