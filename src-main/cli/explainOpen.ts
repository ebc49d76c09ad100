// `camscope explain --open`: what explain computed is stored in a project as quick look stores it (the image in the
// 'Quick look' dataset, one run per method), then the workstation is served as `camscope serve` serves it and the app
// window opened on the first image as `npm start` opens it — or, where no window can be opened, the URL printed.
import type { ExplainReport } from '../../src-shared/explainTypes.js';
import { QUICK_LOOK_DATASET } from '../../src-shared/quickLook.js';
import type { CliIO } from './command.js';
import { serve, serveUntilSignal } from './serve.js';

/** `project`: the one to store in (created when missing), else the one the app would open (the last, else the demo). */
export async function openExplained(
  report: ExplainReport,
  target: 'top1' | number,
  params: Record<string, unknown>,
  project: string | undefined,
  io: CliIO,
): Promise<void> {
  const { shell, workspace } = await serve({ project });
  let imageIds: number[];
  try {
    imageIds = await workspace.recordExplained(report, target, params);
  } catch (e) {
    await shell.close();
    workspace.close();
    throw e;
  }
  const methods = new Set(report.results.flatMap((r) => r.maps.map((m) => m.method))).size;
  io.err(`camscope: stored ${imageIds.length} image(s) × ${methods} methods in ${workspace.store.file} (dataset '${QUICK_LOOK_DATASET}')\n`);
  const url = `${shell.url}#/image/${imageIds[0]}`;
  io.out(`camscope listening on ${url}\n`);
  await serveUntilSignal(shell, workspace, io.err, { url, out: io.out });
}
