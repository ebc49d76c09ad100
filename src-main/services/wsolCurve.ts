// The 'wsol.curve' channel: a run's localization accuracy per threshold, from its stored maps and the images' ground-truth boxes.
import { CamscopeError } from '../errors.js';
import type { ProjectStore } from '../store/projectStore.js';
import type { Response } from '../../src-shared/ipc.js';
import { accuracyCurve, sweepImage, type ImageSweep } from '../../src-shared/wsolCurve.js';

/** Hand the event loop back this often, so other requests are answered while a large project is scored. */
const SLICE_MS = 20;

/**
 * Boxes at full image resolution (no shrinking), exactly as the engine stored them at the run's threshold.
 * Images without ground truth or without a map of the run are left out.
 */
export async function wsolCurve(
  store: ProjectStore,
  runId: number,
  thresholds: readonly number[],
  imageIds?: readonly number[],
): Promise<Response<'wsol.curve'>> {
  if (!store.getRun(runId)) throw new CamscopeError(`${store.file}: run ${runId} is not in the project`);
  const sweeps: ImageSweep[] = [];
  let sliceStart = Date.now();
  for (const imageId of imageIds ?? store.allImageIds()) {
    const image = store.getImage(imageId);
    const map = image && image.gtBoxes.length ? store.getMap(runId, imageId) : null;
    if (image && map) {
      const sweep = sweepImage(
        imageId,
        map,
        image.width,
        image.height,
        image.gtBoxes.map((g) => g.box),
        thresholds,
        Infinity,
      );
      if (sweep) sweeps.push(sweep);
    }
    if (Date.now() - sliceStart > SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = Date.now();
    }
  }
  return { images: sweeps.length, points: accuracyCurve(sweeps, thresholds) };
}
