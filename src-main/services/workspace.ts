// The service layer both shells call, composed of one part per concern over the open project: projects.ts
// (which project, switching), images.ts (import, gallery, detail, image bytes), modelRegistry.ts (models,
// class names, camify), runScheduler.ts (explain runs in a worker process), quickLook.ts (one image, every method),
// sanityScheduler.ts (sanity checks in the same worker). Implements every IPC channel
// (see src-shared/ipc.ts).
import { exportReport } from './reportExport.js';
import { ChromiumPdfPrinter, type PdfPrinter } from '../report/pdfPrinter.js';
import type { ProjectStore } from '../store/projectStore.js';
import type { Dataset, LoadOptions } from '../datasets/index.js';
import type { Box, ExplainReport } from '../../src-shared/explainTypes.js';
import type { Response, RunInfo } from '../../src-shared/ipc.js';
import { type ImageSource, ProjectImages } from './images.js';
import { DEV_WORKER, type WorkerEntry } from './jobRunner.js';
import { ModelRegistry } from './modelRegistry.js';
import { OpenProject } from './projects.js';
import type { Emit, Handlers } from './router.js';
import { QuickLook } from './quickLook.js';
import { RunScheduler } from './runScheduler.js';
import { SanityScheduler } from './sanityScheduler.js';
import { wsolCurve } from './wsolCurve.js';
import type { Device } from '../../src-shared/explainTypes.js';

export class Workspace implements ImageSource {
  private emit: Emit = () => {};
  private readonly models: ModelRegistry;
  private readonly images: ProjectImages;
  private readonly runs: RunScheduler;
  private readonly quickLook: QuickLook;
  private readonly sanity: SanityScheduler;
  /** Prints report.export's PDFs: headless Chromium, or the Electron shell's printToPDF. */
  pdfPrinter: PdfPrinter = new ChromiumPdfPrinter();

  private constructor(
    private readonly project: OpenProject,
    worker: WorkerEntry,
  ) {
    const emit: Emit = (event, payload) => this.emit(event, payload);
    this.models = new ModelRegistry(project, emit);
    this.images = new ProjectImages(project, this.models);
    this.runs = new RunScheduler(project, this.models, worker, emit);
    this.quickLook = new QuickLook(this.images, this.models, this.runs);
    this.sanity = new SanityScheduler(project, this.models, worker, emit);
  }

  /** Opens (or creates) a project; runs a crash left unfinished are marked so the user can resume them. */
  static open(file: string, opts: { create?: boolean; worker?: WorkerEntry } = {}): Workspace {
    return new Workspace(OpenProject.open(file, opts.create), opts.worker ?? DEV_WORKER);
  }

  /** Where runs started without a device of their own run (`camscope serve --device`). */
  useDevice(device: Device): void {
    this.runs.device = device;
    this.sanity.device = device;
  }

  /** The open project's store (another one after a project switch). */
  get store(): ProjectStore {
    return this.project.store;
  }

  onEvent(emit: Emit): void {
    this.emit = emit;
  }

  close(): void {
    this.runs.close();
    this.sanity.close();
    this.project.store.close();
  }

  /**
   * A graceful close (SIGTERM/SIGINT): every job finishes the batch in hand and its results are committed, then the
   * store closes and releases the project lock. Unfinished runs stay 'running' and resume at the next open.
   */
  async shutdown(): Promise<void> {
    await this.runs.stop();
    this.close();
  }

  handlers(): Handlers {
    return {
      ...this.project.handlers(),
      'project.open': async ({ path, create }) => {
        this.switchProject(path, create ?? false);
        return this.project.info();
      },
      ...this.images.handlers(),
      ...this.models.handlers(),
      ...this.runs.handlers(),
      ...this.quickLook.handlers(),
      ...this.sanity.handlers(),
      'wsol.curve': async ({ runId, thresholds, imageIds }) => wsolCurve(this.store, runId, thresholds, imageIds),
      'report.export': async (r) => exportReport(this.store, r, this.pdfPrinter),
    };
  }

  /**
   * Opens another project in place of this one. The new store opens first, so a failure leaves the current project
   * open; jobs of the old one are cancelled and its runs stay 'running', to be resumed when it is next opened.
   */
  switchProject(file: string, create: boolean): void {
    const next = this.project.openNext(file, create);
    if (!next) return;
    this.runs.cancelAll();
    this.sanity.cancelAll();
    this.project.replace(next);
    this.models.forget();
    this.images.forget();
    this.runs.resumeInterrupted();
    this.sanity.failInterrupted();
  }

  /** Adds images (files or folders), with ground truth keyed by absolute path when a dataset has it. */
  importImages(
    paths: string[],
    dataset: string | null,
    truth?: ReadonlyMap<string, { label: number | null; boxes: Box[] }>,
  ): Promise<Response<'images.import'>> {
    return this.images.importImages(paths, dataset, truth);
  }

  /** Imports a dataset folder with its labels and boxes as ground truth, named after the folder (and split). */
  importDataset(
    dir: string,
    opts?: LoadOptions & { dataset?: string; labelOffset?: number | null },
  ): Promise<{ dataset: Dataset; imported: Response<'images.import'> }> {
    return this.images.importDataset(dir, opts);
  }

  image(imageId: number, kind: 'thumb' | 'full'): Promise<{ bytes: Buffer; mime: string } | null> {
    return this.images.image(imageId, kind);
  }

  /** Stores `camscope explain`'s results as quick look does (src-main/cli/explainOpen.ts); the images' ids. */
  recordExplained(report: ExplainReport, target: 'top1' | number, params: Record<string, unknown>): Promise<number[]> {
    return this.quickLook.record(report, target, params);
  }

  /**
   * Restarts the runs a crash left 'running' on the images they lack (when a shell opens the project); sanity checks
   * left running, which have nothing partial to resume, are marked failed.
   */
  resumeInterrupted(): RunInfo[] {
    this.sanity.failInterrupted();
    return this.runs.resumeInterrupted();
  }
}
