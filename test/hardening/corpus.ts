// The broken-file corpus, generated into a temp folder: hostile images and models, each with the
// problem camscope must name. Nothing here is committed; every file is made by sharp or the ONNX builder.
import { closeSync, mkdirSync, openSync, ftruncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeModel, encodeModel, onnx, type ModelProto } from '../../src-main/onnx/onnxModel.js';
import { gapClassifier } from '../helpers/tinyModels.js';

export interface BrokenFile {
  name: string;
  file: string;
  /** What the one-line error must say about the file. */
  problem: RegExp;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** PNG chunk CRC (ISO 3309), so a patched header still passes libpng's checks. */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A small real PNG whose IHDR claims width × height: a decompression bomb costs nothing to make. */
export async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(
    await sharp({ create: { width: 16, height: 16, channels: 3, background: 'red' } })
      .png()
      .toBuffer(),
  );
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29); // chunk type + IHDR data
  return png;
}

export async function brokenImages(dir: string): Promise<BrokenFile[]> {
  mkdirSync(dir, { recursive: true });
  const noise = await sharp({ create: { width: 64, height: 64, channels: 3, background: 'gray', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .jpeg()
    .toBuffer();
  const files: [string, string | Buffer, RegExp][] = [
    ['zero-byte PNG', Buffer.alloc(0), /not an image|cannot decode/],
    ['truncated JPEG', noise.subarray(0, noise.length >> 1), /cannot decode image \(.*premature end/i],
    ['text renamed .jpg', 'name,label\ncat,1\n', /not an image/],
    ['decompression bomb (144 megapixels in 100 bytes)', await pngClaiming(12_000, 12_000), /larger than 100 megapixels/],
    ['huge dimensions (10^12 pixels)', await pngClaiming(1_000_000, 1_000_000), /larger than 100 megapixels/],
    ['huge dimensions under the cap, no pixel data behind them', await pngClaiming(9_000, 9_000), /cannot decode image/],
  ];
  const exts = ['png', 'jpg', 'jpg', 'png', 'png', 'png'];
  return files.map(([name, bytes, problem], i) => {
    const file = join(dir, `broken${i}.${exts[i]}`);
    writeFileSync(file, bytes);
    return { name, file, problem };
  });
}

/** gapClassifier with its proto edited: the edits make each model wrong in exactly one way. */
function edited(edit: (m: ModelProto) => void): Uint8Array {
  const m = decodeModel(gapClassifier(), 'gap.onnx');
  edit(m);
  return encodeModel(m);
}

const dim = (d: number | string) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d });
function setInputDims(m: ModelProto, dims: (number | string)[]): void {
  m.graph!.input![0]!.type!.tensorType!.shape = { dim: dims.map(dim) };
}
function externalWeights(location: string): Uint8Array {
  return edited((m) => {
    const w = m.graph!.initializer!.find((t) => t.name === 'fc_w')!;
    w.rawData = new Uint8Array(0);
    w.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    w.externalData = [
      { key: 'location', value: location },
      { key: 'length', value: '48' },
    ];
  });
}

/** Hostile models not already covered by test/cli/badInput.test.ts. */
export async function brokenModels(dir: string): Promise<BrokenFile[]> {
  mkdirSync(dir, { recursive: true });
  const good = gapClassifier();
  const items: [string, Uint8Array | ((file: string) => void), RegExp][] = [
    ['truncated protobuf', good.subarray(0, good.length >> 1), /not a valid ONNX model/],
    ['a PNG renamed .onnx', await pngClaiming(16, 16), /not a valid ONNX model/],
    ['an op ONNX Runtime does not know', edited((m) => (m.graph!.node![1]!.opType = 'CamscopeNoSuchOp')), /ONNX Runtime cannot run this model/],
    [
      'a custom-op domain',
      edited((m) => {
        m.opsetImport!.push({ domain: 'com.example.custom', version: 1 });
        m.graph!.node![1]!.domain = 'com.example.custom';
      }),
      /custom ops are not loaded/,
    ],
    [
      'dynamic spatial size without --size',
      edited((m) => {
        setInputDims(m, ['N', 3, 'H', 'W']);
        m.metadataProps = [];
      }),
      /input height is dynamic; give --size WxH/,
    ],
    [
      'two image inputs',
      edited((m) => m.graph!.input!.push({ ...m.graph!.input![0]!, name: 'second' })),
      /expected one image input, found 2 \(input, second\)/,
    ],
    ['input of rank 2', edited((m) => setInputDims(m, ['N', 768])), /rank 2, expected an image batch \(rank 4, NCHW or NHWC\)/],
    ['five-channel input', edited((m) => setInputDims(m, ['N', 5, 16, 16])), /neither NCHW nor NHWC with 1 \(gray\) or 3 \(RGB\) channels/],
    ['logits that are not [N, classes]', edited((m) => (m.graph!.output![0]!.name = 'features')), /expected \[N, classes\] logits/],
    ['opset 6', edited((m) => (m.opsetImport![0]!.version = 6)), /opset 6 is not supported \(7–23\)/],
    ['external data through ..', externalWeights('../../secrets/weights.bin'), /external data outside the model's folder \('\.\.\/\.\.\/secrets/],
    ['external data at an absolute path', externalWeights('/etc/passwd'), /external data outside the model's folder \('\/etc\/passwd'\)/],
    [
      'a 3 GB-class file (sparse, never read)',
      (file) => {
        const fd = openSync(file, 'w');
        ftruncateSync(fd, 3 * 2 ** 30);
        closeSync(fd);
      },
      /3\.0 GB is above the 2\.0 GB .*not loaded \(it would not fit in memory\)/,
    ],
    ['a folder named .onnx', (file) => mkdirSync(file), /cannot read model/],
  ];
  return items.map(([name, content, problem], i) => {
    const file = join(dir, `broken${i}.onnx`);
    if (typeof content === 'function') content(file);
    else writeFileSync(file, content);
    return { name, file, problem };
  });
}
