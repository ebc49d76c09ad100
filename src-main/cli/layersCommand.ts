// `camscope layers`: how the model file was read, its candidate target layers and whether CAM applies at each.
import { ClassifierModel } from '../model/classifierModel.js';
import { camifyDescription } from '../model/camifyMetadata.js';
import { describeModelForm } from '../../src-shared/modelFormText.js';
import { one, parseArgs, required } from './args.js';
import type { CliIO } from './command.js';
import { parseDevice, resolveDevice } from '../explain/device.js';

export async function layersCommand(argv: string[], io: CliIO): Promise<void> {
  const a = parseArgs(argv, { model: {}, size: {}, output: {}, device: {}, json: { flag: true } });
  // layers runs only the shape probe (on the CPU); --device is checked so scripts fail where explain would.
  resolveDevice(parseDevice(one(a, 'device')));
  const file = required(a, 'model');
  const sizeFlag = one(a, 'size');
  const spatialSize = () => {
    const m = sizeFlag && /^(\d+)x(\d+)$/.exec(sizeFlag);
    return m ? { width: Number(m[1]), height: Number(m[2]) } : undefined;
  };
  const model = await ClassifierModel.open(file, spatialSize, undefined, { output: one(a, 'output') });
  const layers = model.layerCandidates();
  const refitHead = camifyDescription(model.metadata);
  if (a.flags.has('json')) {
    io.out(JSON.stringify({ model: file, classes: model.numClasses, form: model.form, layers, ...(refitHead ? { refitHead } : {}) }, null, 2) + '\n');
    return;
  }
  const rows = layers.map((l) => [
    l.isDefault ? '*' : ' ',
    l.tensor,
    l.op,
    l.shape.join('×'),
    l.layout ?? 'NCHW',
    l.cam.applicable ? 'yes' : `no: ${l.cam.reason}`,
  ]);
  const header = [' ', 'tensor', 'op', 'C×H×W', 'layout', 'CAM'];
  const width = (i: number) => Math.max(...rows.map((r) => r[i]!.length), header[i]!.length);
  const fmt = (r: string[]) => `${r[0]} ${[1, 2, 3, 4].map((i) => r[i]!.padEnd(width(i))).join('  ')}  ${r[5]}`;
  io.out(`${file}: ${layers.length} candidate layers, ${model.numClasses} classes (* = default: ${model.defaultLayerRule()})\n`);
  io.out(`read as: ${describeModelForm(model.form)}\n`);
  if (refitHead) io.out(`${refitHead}\n`);
  io.out(fmt(header) + '\n');
  for (const r of rows) io.out(fmt(r) + '\n');
}
