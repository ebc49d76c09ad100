// Gradient of Conv (1-D, 2-D, 3-D), plus the sliding-window helpers that pooling shares.
// dX is the transposed convolution of dY with the same weights: dX = ConvTranspose(dY, W) with
// Conv's strides, dilations, group and pads. ConvTranspose's weight layout (C_in, C_out/group, k…)
// is the forward Conv's (M, C/group, k…), so W is fed as-is. dB = Σ dY over all axes but channels.
import type { GradientContext, GradientRule } from './gradientRule.js';
import { attrInt, attrInts, attrString } from '../onnxModel.js';

/** Where a node's windows lie on the spatial axes of its input (pads resolved from auto_pad). */
export interface Windows {
  kernel: number[];
  strides: number[];
  dilations: number[];
  padsBegin: number[];
  padsEnd: number[];
  /** Spatial sizes of input 0 and output 0. */
  inSize: number[];
  outSize: number[];
}

/** Reads the window attributes of a Conv or pooling node, given its kernel's spatial shape. */
export function windowsOf(c: GradientContext, kernel: number[]): Windows {
  const { node } = c;
  const n = kernel.length;
  const inSize = c.shape(c.input(0)).slice(2);
  const outSize = c.shape(c.output(0)).slice(2);
  const strides = attrInts(node, 'strides') ?? Array<number>(n).fill(1);
  const dilations = attrInts(node, 'dilations') ?? Array<number>(n).fill(1);
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  const padsBegin: number[] = [];
  const padsEnd: number[] = [];
  for (let a = 0; a < n; a++) {
    let [pb, pe] = [0, 0];
    if (autoPad === 'NOTSET') {
      const pads = attrInts(node, 'pads');
      [pb, pe] = [pads?.[a] ?? 0, pads?.[a + n] ?? 0];
    } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      // ONNX Runtime's rule (undilated kernel, C++ division truncating toward zero).
      const needed = (Math.ceil(inSize[a]! / strides[a]!) - 1) * strides[a]! + kernel[a]! - inSize[a]!;
      pb = Math.trunc((autoPad === 'SAME_LOWER' ? needed + 1 : needed) / 2);
      // A negative tail pad (kernel smaller than stride) only drops input rows no window reaches;
      // the output size comes from the probe, so it can be taken as 0.
      pe = Math.max(0, needed - pb);
    } else if (autoPad !== 'VALID') {
      c.fail(`unknown auto_pad '${autoPad}'`);
    }
    if (pb < 0) c.fail(`auto_pad ${autoPad} yields a negative leading pad`);
    padsBegin.push(pb);
    padsEnd.push(pe);
  }
  return { kernel, strides, dilations, padsBegin, padsEnd, inSize, outSize };
}

/**
 * Adds each value of `g` ([N, C_in, …out]) back over the input positions of its window, weighted by
 * `weight` ([C_in, C_out/group, …kernel]): a ConvTranspose whose output has exactly the input's size.
 * A window grid may stop short of the input's end (the floor in the output size: output_padding
 * restores those rows, as zeros) or overrun it (ceil_mode: the surplus is trimmed as extra end pad).
 */
export function scatterWindows(c: GradientContext, g: string, weight: string, group: number, w: Windows): string {
  const padsEnd = [...w.padsEnd];
  const outputPadding = w.kernel.map((k, a) => {
    const reach = (w.outSize[a]! - 1) * w.strides[a]! - w.padsBegin[a]! - w.padsEnd[a]! + w.dilations[a]! * (k - 1) + 1;
    const extra = w.inSize[a]! - reach;
    if (extra >= 0) return extra;
    padsEnd[a]! -= extra;
    return 0;
  });
  return c.e.op('ConvTranspose', [g, weight], {
    kernel_shape: w.kernel,
    strides: w.strides,
    dilations: w.dilations,
    group,
    pads: [...w.padsBegin, ...padsEnd],
    output_padding: outputPadding,
  });
}

const conv: GradientRule = (c) => {
  if (c.needs(1)) c.fail('gradients with respect to the weights are not supported');
  const dy = c.dOut(0)!;
  const weight = c.input(1);
  const kernel = attrInts(c.node, 'kernel_shape') ?? c.shape(weight).slice(2);
  const dx = c.needs(0) ? scatterWindows(c, dy, weight, attrInt(c.node, 'group', 1), windowsOf(c, kernel)) : null;
  const spatial = kernel.map((_, a) => a + 2);
  const db = c.input(2) && c.needs(2) ? c.e.reduceSum(dy, [0, ...spatial], false) : null;
  return [dx, null, db];
};

export const convolutionRules: Record<string, GradientRule> = { Conv: conv };
