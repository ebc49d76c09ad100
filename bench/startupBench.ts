// `npm run bench` (first part): wall time of `camscope` processes as a user starts them — `--help`,
// `layers` and a one-image `explain` (CAM + Grad-CAM, JSON out) — with the probe cache empty (first
// open) and filled (second open), on the bundled model, a real MobileNetV2 when ../shared has it, and
// a full-size ResNet-50-shaped model. Median and range of a few runs (the machine is shared).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { fullSizeModel } from './fullSizeModels.js';

const RUNS = 5;

function wall(args: string[], env: NodeJS.ProcessEnv = {}): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['bin/camscope.mjs', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`camscope ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return ms;
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const f = (v: number) => (v / 1000).toFixed(2);
  return `${f(s[Math.floor(s.length / 2)]!)} s (${f(s[0]!)}–${f(s.at(-1)!)})`;
}

/** `runs` times: a fresh CAMSCOPE_HOME per run when `cold`, else one shared home warmed first. */
function timed(args: string[], cold: boolean): string {
  const homes: string[] = [];
  const home = () => {
    homes.push(mkdtempSync(join(tmpdir(), 'camscope-bench-home-')));
    return homes.at(-1)!;
  };
  try {
    const shared = cold ? '' : home();
    if (!cold) wall(args, { CAMSCOPE_HOME: shared });
    return stats(Array.from({ length: RUNS }, () => wall(args, { CAMSCOPE_HOME: cold ? home() : shared })));
  } finally {
    for (const h of homes) rmSync(h, { recursive: true, force: true });
  }
}

const built = spawnSync(process.execPath, ['scripts/buildCli.mjs'], { encoding: 'utf8' });
if (built.status !== 0) throw new Error(`build:cli failed: ${built.stderr}`);
const dir = mkdtempSync(join(tmpdir(), 'camscope-bench-start-'));
const image = existsSync('../shared/images/chelsea.png') ? '../shared/images/chelsea.png' : join(dir, 'photo.png');
if (!existsSync(image))
  await sharp({ create: { width: 451, height: 300, channels: 3, background: { r: 120, g: 90, b: 60 } } })
    .png()
    .toFile(image);

const models: [string, string, string[]][] = [
  ['shapes-gap (bundled)', 'models/shapes-gap.onnx', []],
  [
    'MobileNetV2 (../shared)',
    '../shared/models/imagenet-mobilenetv2/mobilenetv2_imagenet_float.onnx',
    ['--mean', '0.5,0.5,0.5', '--std', '0.5,0.5,0.5'],
  ],
  ['ResNet-50-shaped', fullSizeModel('resnet50-shaped'), []],
];

console.log(`camscope start-up bench: wall time of whole processes, median (min–max) of ${RUNS}; compiled CLI (out/cli)`);
console.log(`  camscope --help                         ${timed(['--help'], true)}`);
for (const [name, file, extra] of models) {
  if (!existsSync(file)) {
    console.log(`  ${name}: skipped (${file} absent)`);
    continue;
  }
  const explain = ['explain', '--model', file, '--image', image, '--method', 'cam,gradcam', '--json', join(dir, 'out.json'), ...extra];
  console.log(`  ${name}`);
  console.log(`    layers, first open (no probe cache)   ${timed(['layers', '--model', file], true)}`);
  console.log(`    layers, second open (probe cached)    ${timed(['layers', '--model', file], false)}`);
  console.log(`    explain 1 image, first open           ${timed(explain, true)}`);
  console.log(`    explain 1 image, second open (= first map) ${timed(explain, false)}`);
}
rmSync(dir, { recursive: true, force: true });
