// The image input's layout and channels. camscope feeds every model a normalized RGB batch
// [N, 3, H, W]; a channels-last input ([N, H, W, C], tf2onnx without --inputs-as-nchw) or a
// grayscale one (C = 1) gets a small adapter in front, inside the graph: luma Y = 0.299 R + 0.587 G
// + 0.114 B (ITU-R BT.601) as a 1×1 convolution, then a Transpose to channels-last. Preprocessing,
// perturbation methods and maps stay in image orientation; the feature maps inside are the model's
// own. With the same mean and std on the three channels the luma of the normalized channels is the
// normalized luma, since the weights sum to 1.
import { CamscopeError } from '../errors.js';
import { floatValueInfo } from './gradientGraph.js';
import { type ModelProto, type ValueInfoProto, floatTensor, makeAttribute, toNumber } from './onnxModel.js';

export const IMAGE_INPUT = 'camscope_image';
export const LUMA = [0.299, 0.587, 0.114] as const;

export interface InputLayout {
  layout: 'NCHW' | 'NHWC';
  channels: 1 | 3;
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
  const [n, h, w] = layout === 'NCHW' ? [dims[0]!, dims[2]!, dims[3]!] : [dims[0]!, dims[1]!, dims[2]!];
  if (layout === 'NCHW' && channels === 3) return { layout, channels, original: name, inputName: name, dims, adapterTensors: [] };

  const graph = model.graph!;
  const nodes = [];
  const adapterTensors: string[] = [];
  let current = IMAGE_INPUT;
  if (channels === 1) {
    graph.initializer!.push(floatTensor(`${IMAGE_INPUT}/luma_weights`, [1, 3, 1, 1], LUMA));
    const out = layout === 'NCHW' ? name : `${IMAGE_INPUT}/luma`;
    nodes.push({ opType: 'Conv', name: `${IMAGE_INPUT}/luma_node`, input: [current, `${IMAGE_INPUT}/luma_weights`], output: [out] });
    current = out;
    adapterTensors.push(out);
  }
  if (layout === 'NHWC') {
    nodes.push({ opType: 'Transpose', name: `${IMAGE_INPUT}/to_nhwc`, input: [current], output: [name], attribute: [makeAttribute('perm', [0, 2, 3, 1])] });
    adapterTensors.push(name);
  }
  graph.node = [...nodes, ...(graph.node ?? [])];
  const fed = [n, 3, h, w];
  graph.input = [floatValueInfo(IMAGE_INPUT, fed), ...(graph.input ?? []).filter((i) => i.name !== name)];
  // Before IR 4 every initializer is a graph input too.
  if (toNumber(model.irVersion) < 4 && channels === 1) graph.input.push(floatValueInfo(`${IMAGE_INPUT}/luma_weights`, [1, 3, 1, 1]));
  return { layout, channels, original: name, inputName: IMAGE_INPUT, dims: fed, adapterTensors };
}
