// Reactive helpers over one image's detail: loading it through the shared cache, and localizing one of its maps.
import type { ImageDetail, MapPayload } from '../../src-shared/ipc.js';
import { overlayBoxes, type OverlayBox } from '../lib/overlayBoxes.js';
import { localizeAt, prepareBoxableMap, type BoxableMap, type Box } from '../../src-shared/wsolBox.js';
import { errorMessage } from '../transport/transportError.js';
import type { AppState } from './app.svelte.js';

/**
 * The detail of the image id() names, reloaded when the id changes or a finished run clears the cache.
 * Call during component initialisation (it owns an effect); read .current and .error.
 */
export function useDetail(app: AppState, id: () => number | null): { readonly current: ImageDetail | null; readonly error: string | null } {
  // Raw: read-only data, and a deep proxy would break identity with the cache's objects.
  let current = $state.raw<ImageDetail | null>(null);
  let error = $state<string | null>(null);
  $effect(() => {
    const imageId = id();
    void app.detailsVersion;
    if (imageId == null) return;
    let live = true;
    error = null;
    app.details.load(imageId).then(
      (v) => live && (current = v),
      (e) => live && ((error = errorMessage(e)), (current = null)),
    );
    return () => (live = false);
  });
  return {
    get current() {
      return current;
    },
    get error() {
      return error;
    },
  };
}

export interface Localization {
  /** The map upsampled to the image, or null (no map, or a constant one). */
  readonly boxable: BoxableMap | null;
  readonly box: Box | null;
  /** Best IoU with the ground truth; null without a map or without ground truth. */
  readonly iou: number | null;
  /** Ground truth and prediction, ready for MapOverlay. */
  readonly boxes: OverlayBox[];
}

/**
 * One map of one image localized at a threshold, as every view shows it. Upsampling to the full image is the
 * costly step and depends only on the map; moving the threshold re-runs just the component search.
 */
export function useLocalization(detail: () => ImageDetail | null, map: () => MapPayload | null, threshold: () => number): Localization {
  const truths = $derived(detail()?.gtBoxes.map((g) => g.box) ?? []);
  const boxable = $derived.by(() => {
    const d = detail();
    const m = map();
    return d && m ? prepareBoxableMap(m, d.image.width, d.image.height) : null;
  });
  const localized = $derived(localizeAt(boxable, truths, threshold()));
  const box = $derived(localized.box);
  const iou = $derived(map() ? localized.iou : null);
  const boxes = $derived(overlayBoxes(truths, box));
  return {
    get boxable() {
      return boxable;
    },
    get box() {
      return box;
    },
    get iou() {
      return iou;
    },
    get boxes() {
      return boxes;
    },
  };
}
