// The image input's layout, channels and element type. camscope feeds every model a normalized RGB
// batch [N, 3, H, W] of float32; a channels-last input ([N, H, W, C], tf2onnx without
// --inputs-as-nchw), a grayscale one (C = 1) or a uint8 one (TFLite-converted models: 0..255 pixels)
// gets a small adapter in front, inside the graph: luma Y = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601)
// as a 1×1 convolution, a Transpose to channels-last, a Cast to uint8. Preprocessing,
// perturbation methods and maps stay in image orientation; the feature maps inside are the model's
// own. With the same mean and std on the three channels the luma of the normalized channels is the
// normalized luma, since the weights sum to 1.
import { CamscopeError } from '../errors.js';
import { floatValueInfo } from './gradientGraph.js';
import { type ModelProto, type ValueInfoProto, floatTensor, makeAttribute, onnx, toNumber } from './onnxModel.js';

export const IMAGE_INPUT = 'camscope_image';
const DT = onnx.TensorProto.DataType;
export const LUMA = [0.299, 0.587, 0.114] as const;

export interface InputLayout {
  layout: 'NCHW' | 'NHWC';
  channels: 1 | 3;
  inputType: 'float32' | 'uint8';
  /** The model's own input name. */
  original: string;
  /** What camscope feeds: IMAGE_INPUT when an adapter was added, else the original input. */
  inputName: string;
  /** Dims of the fed input, [N, 3, H, W]: numbers, or names for symbolic dims. */
  dims: (number | string)[];
  /** Tensors the adapter computes (never target layers). */
  adapterTensors: string[];
}

function declaredDims(input: ValueInfoProto): (number | string)[] {
  return (input.type?.tensorType?.shape?.dim ?? []).map((d) =>
    d.dimValue !== undefined && d.dimValue !== null && toNumber(d.dimValue) > 0 ? toNumber(d.dimValue) : d.dimParam || '?',
  );
}

/** Reads the layout of `input` (a graph input of `model`) and adds the adapter it needs, in place. */
export function adaptInput(model: ModelProto, input: ValueInfoProto, file: string): InputLayout {
  const name = input.name!;
  const dims = declaredDims(input);
  if (dims.length !== 4) throw new CamscopeError(`${file}: input '${name}' has rank ${dims.length}, expected an image batch (rank 4, NCHW or NHWC)`);
  const isChannels = (d: number | string | undefined) => d === 1 || d === 3;
  let layout: InputLayout['layout'];
  if (isChannels(dims[1])) layout = 'NCHW';
  else if (isChannels(dims[3])) layout = 'NHWC';
  else {
    throw new CamscopeError(`${file}: input '${name}' has shape ${JSON.stringify(dims)}: neither NCHW nor NHWC with 1 (gray) or 3 (RGB) channels`);
  }
  const channels = (layout === 'NCHW' ? dims[1] : dims[3]) as 1 | 3;
  const elemType = input.type?.tensorType?.elemType ?? DT.FLOAT;
  if (elemType !== DT.FLOAT && elemType !== DT.UINT8) {
    throw new CamscopeError(`${file}: input '${name}' has element type ${elemType}; camscope feeds float32 or uint8 images`);
  }
  const inputType = elemType === DT.UINT8 ? 'uint8' : 'float32';
  const [n, h, w] = layout === 'NCHW' ? [dims[0]!, dims[2]!, dims[3]!] : [dims[0]!, dims[1]!, dims[2]!];
  const steps: { opType: string; input: string[]; attrs?: Record<string, number | number[]> }[] = [];
  const graph = model.graph!;
  if (channels === 1) {
    graph.initializer!.push(floatTensor(`${IMAGE_INPUT}/luma_weights`, [1, 3, 1, 1], LUMA));
    steps.push({ opType: 'Conv', input: [`${IMAGE_INPUT}/luma_weights`] });
  }
  if (layout === 'NHWC') steps.push({ opType: 'Transpose', input: [], attrs: { perm: [0, 2, 3, 1] } });
  if (inputType === 'uint8') steps.push({ opType: 'Cast', input: [], attrs: { to: DT.UINT8 } });
  if (steps.length === 0) return { layout, channels, inputType, original: name, inputName: name, dims, adapterTensors: [] };

  // IMAGE_INPUT → step → … → the model's own input name.
  const adapterTensors: string[] = [];
  let current = IMAGE_INPUT;
  const nodes = steps.map((step, k) => {
    const out = k === steps.length - 1 ? name : `${IMAGE_INPUT}/${step.opType}`;
    const node = {
      opType: step.opType,
      name: `${IMAGE_INPUT}/${step.opType}_node`,
      input: [current, ...step.input],
      output: [out],
      attribute: Object.entries(step.attrs ?? {}).map(([key, v]) => makeAttribute(key, v)),
    };
    current = out;
    adapterTensors.push(out);
    return node;
  });
  graph.node = [...nodes, ...(graph.node ?? [])];
  const fed = [n, 3, h, w];
  graph.input = [floatValueInfo(IMAGE_INPUT, fed), ...(graph.input ?? []).filter((i) => i.name !== name)];
  // Before IR 4 every initializer is a graph input too.
  if (toNumber(model.irVersion) < 4 && channels === 1) graph.input.push(floatValueInfo(`${IMAGE_INPUT}/luma_weights`, [1, 3, 1, 1]));
  return { layout, channels, inputType, original: name, inputName: IMAGE_INPUT, dims: fed, adapterTensors };
}
