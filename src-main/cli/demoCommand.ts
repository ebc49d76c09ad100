// `camscope demo`: builds (or opens) the demo project as `npm start` does, waits for its runs, evaluates the
// study and writes its report (and, with --json, its summary: docs/demo-study.json is the README's); its tables go to
// stdout as markdown.
import { join, resolve } from 'node:path';
import { CamscopeError } from '../errors.js';
import { evaluateDemoStudy } from '../demo/demoStudy.js';
import { renderStudyReport } from '../demo/studyReport.js';
import { compactJson, studySummary } from '../demo/studySummary.js';
import { headlineTable, markdownTable, photosTable, shortcutTable } from '../demo/studyTables.js';
import { DEMO_COUNT, IMAGENET_METHODS, defaultDemoProject, openDemoProject, waitForRuns } from '../services/demoProject.js';
import { intOption, one, parseArgs } from './args.js';
import { type CliIO, writeOutput } from './command.js';
import { Progress } from '../terminal/progress.js';
import { REPO_ROOT } from './serve.js';

export async function demoCommand(argv: string[], io: CliIO): Promise<void> {
  const a = parseArgs(argv, { project: {}, report: {}, json: {}, count: {}, quick: { flag: true } });
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
  const summary = studySummary(study, IMAGENET_METHODS, count);
  writeOutput(report, await renderStudyReport(study, summary));
  const json = one(a, 'json');
  if (json !== undefined) writeOutput(resolve(json), compactJson(summary));
  io.out(`${markdownTable(headlineTable(summary))}\n${markdownTable(shortcutTable(summary))}\n${markdownTable(photosTable(summary))}`);
  io.err(`demo project ${project} (${runs.length} runs); report written to ${report}${json === undefined ? '' : `, summary to ${resolve(json)}`}\n`);
}
