// Checks an op's gradient graph against central finite differences computed by ONNX Runtime.
import * as ort from 'onnxruntime-node';
import { buildGradientModel } from '../../src-main/onnx/gradientGraph.js';
import { buildModel } from '../../src-main/onnx/modelBuilder.js';
import { type NodeProto, type TensorProto, encodeModel, floatTensor } from '../../src-main/onnx/onnxModel.js';
import { probeShapes } from '../../src-main/onnx/shapeProbe.js';
import { uniform } from './random.js';

export interface GradientCase {
  /** Graph inputs; all are differentiated. The output's dim 0 is the batch. */
  inputs: { name: string; dims: number[]; values: Float32Array }[];
  /** Nodes computing `output` from the inputs. */
  nodes: NodeProto[];
  initializers?: TensorProto[];
  output?: string;
  opset?: number;
  /** Finite-difference step (default 1e-3). */
  eps?: number;
  /** Differentiate only these inputs (default: all). */
  wrt?: string[];
}

export interface GradientCheck {
  /** max |analytic − numeric| / max |numeric| over all checked elements */
  relError: number;
  maxAbsGrad: number;
  checked: number;
}

const CLASSES = 3;

/** Adds a linear head Flatten → MatMul so every case ends in [N, 3] logits. */
function withHead(c: GradientCase): Uint8Array {
  const out = c.output ?? 'y';
  return encodeModel(
    buildModel({
      opset: c.opset ?? 13,
      inputs: c.inputs.map((i) => ({ name: i.name, dims: i.dims })),
      outputs: ['logits'],
      nodes: [
        ...c.nodes,
        { opType: 'Flatten', input: [out], output: ['flat'], attribute: [{ name: 'axis', type: 2, i: 1 }] },
        { opType: 'MatMul', input: ['flat', 'head_w'], output: ['logits'] },
      ],
      initializers: c.initializers ?? [],
    }),
  );
}

export async function checkGradient(c: GradientCase): Promise<GradientCheck> {
  const eps = c.eps ?? 1e-3;
  const out = c.output ?? 'y';
  const feeds = Object.fromEntries(c.inputs.map((i) => [i.name, new ort.Tensor('float32', i.values, i.dims)]));

  // Shape of the op output decides the head's width.
  const bare = buildModel({
    opset: c.opset ?? 13,
    inputs: c.inputs.map((i) => ({ name: i.name, dims: i.dims })),
    outputs: [out],
    nodes: c.nodes,
    initializers: c.initializers ?? [],
  });
  const outShape = (await probeShapes(bare, feeds)).shapes.get(out)!;
  const batch = outShape[0]!;
  const width = outShape.slice(1).reduce((a, b) => a * b, 1);
  const headW = floatTensor('head_w', [width, CLASSES], uniform(width * CLASSES, -1, 1, 7));
  const caseWithHead: GradientCase = { ...c, initializers: [...(c.initializers ?? []), headW] };
  const modelBytes = withHead(caseWithHead);
  const model = (await import('../../src-main/onnx/onnxModel.js')).decodeModel(modelBytes, 'case');
  const dy = uniform(batch * CLASSES, -1, 1, 11);

  const probe = await probeShapes(model, feeds);
  const wrt = c.wrt ?? c.inputs.map((i) => i.name);
  const g = buildGradientModel(model, probe.shapes, wrt, 'logits', { values: probe.values });
  const gradSession = await ort.InferenceSession.create(encodeModel(g.model));
  const analytic = await gradSession.run({ ...feeds, [g.seedInput]: new ort.Tensor('float32', dy, [batch, CLASSES]) });

  const fwd = await ort.InferenceSession.create(modelBytes);
  const objective = async (f: Record<string, ort.Tensor>): Promise<number> => {
    const logits = (await fwd.run(f)).logits!.data as Float32Array;
    let s = 0;
    for (let i = 0; i < logits.length; i++) s += logits[i]! * dy[i]!;
    return s;
  };

  let maxErr = 0;
  let maxNum = 0;
  let maxAbsGrad = 0;
  let checked = 0;
  for (const inp of c.inputs.filter((i) => wrt.includes(i.name))) {
    const grad = analytic[g.gradientOutputs.get(inp.name)!]!.data as Float32Array;
    if (grad.length !== inp.values.length) throw new Error(`gradient of ${inp.name} has ${grad.length} values, expected ${inp.values.length}`);
    for (let k = 0; k < inp.values.length; k++) {
      const plus = Float32Array.from(inp.values);
      const minus = Float32Array.from(inp.values);
      plus[k]! += eps;
      minus[k]! -= eps;
      const fp = await objective({ ...feeds, [inp.name]: new ort.Tensor('float32', plus, inp.dims) });
      const fm = await objective({ ...feeds, [inp.name]: new ort.Tensor('float32', minus, inp.dims) });
      const numeric = (fp - fm) / (2 * eps);
      maxErr = Math.max(maxErr, Math.abs(numeric - grad[k]!));
      maxNum = Math.max(maxNum, Math.abs(numeric));
      maxAbsGrad = Math.max(maxAbsGrad, Math.abs(grad[k]!));
      checked++;
    }
  }
  await gradSession.release();
  await fwd.release();
  return { relError: maxErr / Math.max(maxNum, 1e-12), maxAbsGrad, checked };
}
