// Broken and hostile images and models: each is one CamscopeError line naming the file (CLI exit 2),
// and a project that meets them keeps its stored run. Odd but valid images decode to the right pixels.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeImage } from '../../src-main/image/imageInput.js';
import { dispatch } from '../../src-main/services/router.js';
import { Workspace } from '../../src-main/services/workspace.js';
import { runCli } from '../helpers/cli.js';
import { gapClassifier, writeModel } from '../helpers/tinyModels.js';
import { brokenImages, brokenModels, type BrokenFile } from './corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'camscope-hostile-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const model = writeModel(join(dir, 'gap.onnx'), gapClassifier());
const images = await brokenImages(join(dir, 'images'));
const models = await brokenModels(join(dir, 'models'));

function assertOneLine(stderr: string, c: BrokenFile): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got: ${stderr}`);
  assert.ok(lines[0]!.startsWith(`camscope: ${c.file}: `), `names the file first: ${lines[0]}`);
  assert.match(lines[0]!, c.problem);
}

for (const c of images) {
  test(`image: ${c.name} → exit 2, one line naming the file`, async () => {
    const r = await runCli(['explain', '--model', model, '--image', c.file]);
    assert.equal(r.code, 2, r.stderr);
    assertOneLine(r.stderr, c);
  });
}

for (const c of models) {
  test(`model: ${c.name} → exit 2, one line naming the file`, async () => {
    const r = await runCli(['layers', '--model', c.file]);
    assert.equal(r.code, 2, r.stderr);
    assertOneLine(r.stderr, c);
  });
}

test('a dynamic-size model is accepted once --size is given (the refusal above is only about the missing size)', async () => {
  const dynamic = models.find((m) => m.name.startsWith('dynamic'))!;
  const r = await runCli(['layers', '--model', dynamic.file, '--size', '16x16', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    JSON.parse(r.stdout).layers.find((l: { isDefault: boolean }) => l.isDefault),
    {
      tensor: 'features',
      op: 'Relu',
      shape: [4, 16, 16],
      layout: 'NCHW',
      isDefault: true,
      cam: { applicable: true },
    },
  );
});

test('a project meeting every broken image and model reports each by name and keeps its stored run', async () => {
  const project = join(dir, 'study.camscope');
  const ws = Workspace.open(project, { create: true });
  try {
    const good = join(dir, 'good.png');
    await sharp({ create: { width: 20, height: 12, channels: 3, background: { r: 200, g: 30, b: 60 } } })
      .png()
      .toFile(good);
    const h = ws.handlers();
    await h['images.import']({ paths: [good] });
    const info = await h['models.add']({ path: model });
    const [imageId] = ws.store.allImageIds();
    const runId = ws.store.createRun({ modelId: info.id, method: 'cam', layer: info.defaultLayer, target: 'top1', imageIds: [imageId!] });
    const marker = Float32Array.from({ length: 256 }, (_, i) => i / 7);
    ws.store.startRun(runId);
    ws.store.recordResults(runId, [{ imageId: imageId!, maps: [{ classIndex: 1, width: 16, height: 16, values: marker }] }]);
    ws.store.finishRun(runId, 'done');

    const imported = await dispatch(h, 'images.import', { paths: images.map((c) => c.file) });
    assert.ok(imported.ok);
    const skipped = (imported.value as { added: number; skipped: { path: string; reason: string }[] }).skipped;
    // Header-only checks at import catch what they can; the rest fail at decode, one image at a time.
    for (const s of skipped) assert.ok(images.some((c) => c.file === s.path) && !s.reason.includes('\n'), JSON.stringify(s));
    for (const c of images.filter((c) => /zero-byte|text|bomb|10\^12/.test(c.name))) {
      assert.ok(
        skipped.some((s) => s.path === c.file),
        `${c.name} is refused at import`,
      );
    }
    // A dynamic-size model is not broken here: the project opens it at its preprocessing size.
    for (const c of models.filter((m) => !m.name.startsWith('dynamic'))) {
      const r = await dispatch(h, 'models.add', { path: c.file });
      assert.ok(!r.ok && r.error.startsWith(`${c.file}: `) && !r.error.includes('\n'), `${c.name}: ${JSON.stringify(r)}`);
    }
    assert.deepEqual(
      (await h['models.list']({})).map((m) => m.id),
      [info.id],
      'no broken model was registered',
    );
    const run = ws.store.getRun(runId)!;
    assert.deepEqual([run.status, run.done, run.total], ['done', 1, 1]);
    assert.deepEqual([...ws.store.getMap(runId, imageId!)!.values], [...marker]);
  } finally {
    ws.close();
  }
});

// ── odd but valid images: the decoded pixels are checked, not just the absence of an error ──

async function decodeBytes(name: string, bytes: Buffer) {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return decodeImage(file);
}
const px = (img: { width: number; data: Uint8Array }, x: number, y: number) => [
  ...img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3),
];

/** 3 × 2 RGB test card: every pixel differs, so any flip, rotation or channel swap shows. */
const CARD = Buffer.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 0, 0, 255, 255, 40, 80, 120]);
const card = () => sharp(CARD, { raw: { width: 3, height: 2, channels: 3 } });

test('a PNG named .jpg decodes by its content', async () => {
  const img = await decodeBytes('actually-png.jpg', await card().png().toBuffer());
  assert.deepEqual([img.width, img.height, [...img.data]], [3, 2, [...CARD]]);
});

test('a 16-bit PNG becomes 8 bits per channel (v16 = 257·v8 maps back to v8)', async () => {
  const png = await card().toColourspace('rgb16').png().toBuffer();
  assert.equal(png[24], 16, 'IHDR bit depth: the file holds 16-bit samples');
  assert.deepEqual([...(await decodeBytes('deep.png', png)).data], [...CARD]);
});

test('grayscale, palette and alpha PNGs become RGB: gray replicated, palette expanded, alpha dropped', async () => {
  const gray = await sharp(Buffer.from([0, 90, 255, 17]), { raw: { width: 2, height: 2, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
  assert.equal((await sharp(gray).metadata()).channels, 1);
  assert.deepEqual([...(await decodeBytes('gray.png', gray)).data], [0, 0, 0, 90, 90, 90, 255, 255, 255, 17, 17, 17]);

  const palette = await card().png({ palette: true, colours: 8, dither: 0 }).toBuffer();
  assert.equal((await sharp(palette).metadata()).isPalette, true);
  assert.deepEqual([...(await decodeBytes('palette.png', palette)).data], [...CARD]);

  const rgba = Buffer.from([10, 20, 30, 0, 200, 100, 50, 128, 1, 2, 3, 255, 7, 8, 9, 64]);
  const alpha = await sharp(rgba, { raw: { width: 2, height: 2, channels: 4 } })
    .png()
    .toBuffer();
  // As PIL's convert('RGB') in torchvision pipelines: the stored colour, whatever its alpha.
  assert.deepEqual([...(await decodeBytes('alpha.png', alpha)).data], [10, 20, 30, 200, 100, 50, 1, 2, 3, 7, 8, 9]);
});

test('a CMYK JPEG is converted to sRGB: each primary keeps its dominant channel', async () => {
  const colours = [
    [220, 20, 20],
    [20, 200, 20],
    [20, 20, 220],
    [250, 250, 250],
    [5, 5, 5],
  ];
  const flat = Buffer.from(colours.flatMap((c) => Array(64).fill(c).flat()));
  const cmyk = await sharp(flat, { raw: { width: 8, height: 8 * colours.length, channels: 3 } })
    .toColourspace('cmyk')
    .jpeg({ quality: 100 })
    .toBuffer();
  assert.equal((await sharp(cmyk).metadata()).space, 'cmyk');
  const img = await decodeBytes('cmyk.jpg', cmyk);
  colours.forEach((c, i) => {
    const got = px(img, 4, 8 * i + 4);
    const dominant = c.indexOf(Math.max(...c));
    if (c[0] === c[1] && c[1] === c[2]) assert.ok(Math.max(...got) - Math.min(...got) < 30, `neutral stays neutral: ${got}`);
    // The CMYK profile's gamut moves hues (green turns yellowish), but the dominant channel stays.
    else for (let k = 0; k < 3; k++) if (k !== dominant) assert.ok(got[dominant]! > got[k]! + 50, `${c} → ${got}`);
  });
});

test('EXIF orientation 6 is honoured: the stored 3×2 card decodes as 2×3, rotated 90° clockwise', async () => {
  // A PNG with an eXIf orientation keeps the check lossless (libvips honours it as in JPEG).
  const tagged = await card().withMetadata({ orientation: 6 }).png().toBuffer();
  assert.equal((await sharp(tagged).metadata()).orientation, 6);
  const img = await decodeBytes('rotated.png', tagged);
  assert.deepEqual([img.width, img.height], [2, 3]);
  // Clockwise: displayed (x, y) = stored (y, H−1−x) with stored H = 2.
  for (let y = 0; y < 3; y++) {
    for (let x = 0; x < 2; x++) assert.deepEqual(px(img, x, y), [...CARD.subarray((1 - x) * 9 + y * 3, (1 - x) * 9 + y * 3 + 3)], `(${x}, ${y})`);
  }
});

for (const format of ['gif', 'webp'] as const) {
  test(`an animated ${format.toUpperCase()} decodes as its first frame`, async () => {
    const frames = Buffer.concat([Buffer.alloc(4 * 4 * 3, 0), Buffer.alloc(4 * 4 * 3, 255)]); // black, then white
    const strip = sharp(frames, { raw: { width: 4, height: 8, channels: 3, pageHeight: 4 } });
    const animated = await strip[format](format === 'webp' ? { lossless: true } : {}).toBuffer();
    assert.equal((await sharp(animated, { animated: true }).metadata()).pages, 2);
    const img = await decodeBytes(`animated.${format}`, animated);
    assert.deepEqual([img.width, img.height], [4, 4]);
    assert.ok(
      img.data.every((v) => v === 0),
      'first (black) frame',
    );
  });
}
