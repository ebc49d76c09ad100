// Full-size ResNet-50- and VGG16-shaped classifiers (torchvision's layer widths, batch norm folded into
// the convolutions, He-initialised random weights) built in memory for the bench: the reference
// fixtures are narrow copies, and timing needs the real cost. Written once to out/bench-models/.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rng } from '../src-shared/random.js';
import { buildModel } from '../src-main/onnx/modelBuilder.js';
import { type NodeProto, type TensorProto, encodeModel, floatTensor, makeAttribute } from '../src-main/onnx/onnxModel.js';

class Net {
  readonly nodes: NodeProto[] = [];
  readonly weights: TensorProto[] = [];
  private n = 0;
  private readonly random = rng(15);

  private normal(count: number, std: number): Float32Array {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = std * Math.sqrt(-2 * Math.log(1 - this.random())) * Math.cos(2 * Math.PI * this.random());
    return out;
  }

  conv(x: string, cin: number, cout: number, k: number, stride = 1, relu = true): string {
    const id = this.n++;
    this.weights.push(floatTensor(`w${id}`, [cout, cin, k, k], this.normal(cout * cin * k * k, Math.sqrt(2 / (cin * k * k)))));
    this.weights.push(floatTensor(`b${id}`, [cout], new Float32Array(cout)));
    const pad = (k - 1) >> 1;
    const attrs = [makeAttribute('kernel_shape', [k, k]), makeAttribute('strides', [stride, stride]), makeAttribute('pads', [pad, pad, pad, pad])];
    this.nodes.push({ opType: 'Conv', name: `conv${id}`, input: [x, `w${id}`, `b${id}`], output: [`conv${id}`], attribute: attrs });
    return relu ? this.op('Relu', [`conv${id}`]) : `conv${id}`;
  }

  op(opType: string, input: string[], attribute = [] as NodeProto['attribute']): string {
    const out = `${opType.toLowerCase()}${this.n++}`;
    this.nodes.push({ opType, name: out, input, output: [out], attribute });
    return out;
  }

  maxPool(x: string, k: number, stride: number, pad: number): string {
    return this.op(
      'MaxPool',
      [x],
      [makeAttribute('kernel_shape', [k, k]), makeAttribute('strides', [stride, stride]), makeAttribute('pads', [pad, pad, pad, pad])],
    );
  }

  classifier(x: string, features: number, classes: number, hidden: number[] = []): string {
    let y = this.op('Flatten', [x]);
    let width = features;
    for (const [i, out] of [...hidden, classes].entries()) {
      const id = this.n++;
      this.weights.push(floatTensor(`fc${id}_w`, [out, width], this.normal(out * width, Math.sqrt(1 / width))));
      this.weights.push(floatTensor(`fc${id}_b`, [out], new Float32Array(out)));
      const name = i === hidden.length ? 'logits' : `fc${id}`;
      this.nodes.push({ opType: 'Gemm', name, input: [y, `fc${id}_w`, `fc${id}_b`], output: [name], attribute: [makeAttribute('transB', 1)] });
      y = i === hidden.length ? name : this.op('Relu', [name]);
      width = out;
    }
    return y;
  }

  encode(): Uint8Array {
    return encodeModel(
      buildModel({
        opset: 13,
        inputs: [{ name: 'input', dims: ['N', 3, 224, 224] }],
        outputs: ['logits'],
        nodes: this.nodes,
        initializers: this.weights,
        metadata: { 'camscope.preprocessing': JSON.stringify({ size: [224, 224], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }) },
      }),
    );
  }
}

/** torchvision resnet50: bottlenecks [3, 4, 6, 3], widths 64…2048, GAP → Gemm(2048 → 1000). */
function resnet50(): Uint8Array {
  const net = new Net();
  let x = net.maxPool(net.conv('input', 3, 64, 7, 2), 3, 2, 1);
  let cin = 64;
  for (const [stage, blocks] of [3, 4, 6, 3].entries()) {
    const width = 64 << stage;
    for (let b = 0; b < blocks; b++) {
      const stride = b === 0 && stage > 0 ? 2 : 1;
      const y = net.conv(net.conv(net.conv(x, cin, width, 1), width, width, 3, stride), width, width * 4, 1, 1, false);
      const skip = b === 0 ? net.conv(x, cin, width * 4, 1, stride, false) : x;
      x = net.op('Relu', [net.op('Add', [y, skip])]);
      cin = width * 4;
    }
  }
  net.classifier(net.op('GlobalAveragePool', [x]), 2048, 1000);
  return net.encode();
}

/** torchvision vgg16 without batch norm: 13 3×3 convolutions, 5 max-pools, FC 25088 → 4096 → 4096 → 1000. */
function vgg16(): Uint8Array {
  const net = new Net();
  let x = 'input';
  let cin = 3;
  for (const [widths, count] of [
    [64, 2],
    [128, 2],
    [256, 3],
    [512, 3],
    [512, 3],
  ] as const) {
    for (let i = 0; i < count; i++) {
      x = net.conv(x, cin, widths, 3);
      cin = widths;
    }
    x = net.maxPool(x, 2, 2, 0);
  }
  net.classifier(x, 512 * 7 * 7, 1000, [4096, 4096]);
  return net.encode();
}

const BUILDERS = { 'resnet50-shaped': resnet50, 'vgg16-shaped': vgg16 } as const;

/** out/bench-models/<name>.onnx, built on first use. */
export function fullSizeModel(name: keyof typeof BUILDERS): string {
  const dir = join('out', 'bench-models');
  const file = join(dir, `${name}.onnx`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, BUILDERS[name]());
  }
  return file;
}
