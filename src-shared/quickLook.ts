// Quick look: one image and one model, every method that applies computed in one engine pass, stored in the project's
// scratch dataset. Which methods it computes is one rule, shared by the service and the view.
import { METHOD_REGISTRY, type MethodInfo } from './methods.js';

/** The dataset quick-look images are imported into (an image already in the project keeps its own). */
export const QUICK_LOOK_DATASET = 'Quick look';

/**
 * A method costing a full-model pass per channel (Score-CAM: 1280 passes on a MobileNetV2, minutes on a CPU) is only
 * computed when asked for, so the others appear in seconds.
 */
export function isSlowMethod(info: MethodInfo): boolean {
  return info.needs === 'inputPasses';
}

/** The registry's methods in display order, split into what quick look computes, what is refused (why) and the slow ones left out. */
export function quickLookMethods(
  refused: Readonly<Record<string, string>>,
  withSlow: boolean,
): { methods: string[]; refused: { method: string; reason: string }[]; slow: string[] } {
  const out = { methods: [] as string[], refused: [] as { method: string; reason: string }[], slow: [] as string[] };
  for (const m of METHOD_REGISTRY) {
    const reason = refused[m.id];
    if (reason) out.refused.push({ method: m.id, reason });
    else if (isSlowMethod(m) && !withSlow) out.slow.push(m.id);
    else out.methods.push(m.id);
  }
  return out;
}
