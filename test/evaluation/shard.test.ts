// Sharded evaluation: the partition is a function of each image's dataset id (disjoint, complete, order-free);
// the shard index comes from --shard K/N, Slurm arrays or Kubernetes Indexed Jobs; three shard processes merged
// give exactly the unsharded project's maps (bit for bit) and evaluation summary; merge refuses, in one line,
// shards that do not belong together.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CamscopeError } from '../../src-main/errors.js';
import { inShard, parseShard, shardOf } from '../../src-main/datasets/shard.js';
import { ProjectStore } from '../../src-main/store/projectStore.js';
import { DEMO_MODEL, writeDemoDataset } from './evalFixtures.js';
import { runCli } from '../helpers/cli.js';

const oneLine = (pattern: RegExp) => (e: unknown) => e instanceof CamscopeError && !e.message.includes('\n') && pattern.test(e.message);

test('--shard K/N and auto from Slurm or Kubernetes; anything else is one line', () => {
  assert.deepEqual(parseShard('2/3', {}), { index: 1, count: 3 });
  assert.equal(parseShard(undefined, { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '3' }), null, 'only with --shard');
  assert.deepEqual(parseShard('auto', { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '0' }), { index: 2, count: 3 });
  assert.deepEqual(
    parseShard('auto', { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '4' }),
    { index: 1, count: 3 },
    '--array=4-6',
  );
  assert.deepEqual(parseShard('auto', { JOB_COMPLETION_INDEX: '0', CAMSCOPE_SHARD_COUNT: '4' }), { index: 0, count: 4 });
  for (const bad of ['0/3', '4/3', '1/0', '3', 'a/b', '1/3/2', '-1/3'])
    assert.throws(() => parseShard(bad, {}), oneLine(/^--shard: expected K\/N/), bad);
  assert.throws(() => parseShard('auto', {}), oneLine(/no SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX/));
  assert.throws(() => parseShard('auto', { SLURM_ARRAY_TASK_ID: '1' }), oneLine(/SLURM_ARRAY_TASK_COUNT is not/));
  assert.throws(() => parseShard('auto', { JOB_COMPLETION_INDEX: '1' }), oneLine(/CAMSCOPE_SHARD_COUNT/));
  assert.throws(() => parseShard('auto', { JOB_COMPLETION_INDEX: '4', CAMSCOPE_SHARD_COUNT: '4' }), oneLine(/index 4 of 4, outside 0\.\.3/));
  assert.throws(() => parseShard('auto', { SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '2' }), oneLine(/outside/));
});

test('the partition depends on the ids only: disjoint, complete, the same in any order, balanced', () => {
  const ids = Array.from({ length: 3000 }, (_, i) => `val/n${String(i % 50).padStart(8, '0')}/img_${i}.JPEG`);
  const shards = [0, 1, 2].map((index) => ids.filter((id) => inShard(id, { index, count: 3 })));
  assert.equal(shards.flat().length, ids.length);
  assert.equal(new Set(shards.flat()).size, ids.length);
  const reversed = [...ids].reverse();
  for (const [index, s] of shards.entries()) {
    assert.deepEqual(reversed.filter((id) => inShard(id, { index, count: 3 })).sort(), [...s].sort());
    assert.ok(s.length > 900 && s.length < 1100, `shard ${index}: ${s.length} of 3000`);
  }
  // sha256's first 48 bits (here from coreutils: printf 'images/a/cross_3.png' | sha256sum), so every machine agrees.
  assert.equal(shardOf('images/a/cross_3.png', 1000), parseInt('ceb2e82585eb', 16) % 1000);
});

const root = mkdtempSync(join(tmpdir(), 'camscope-shard-'));
const at = (name: string) => join(root, name);
const evalArgs = (project: string, extra: string[] = []) => [
  'eval',
  '--model',
  DEMO_MODEL,
  '--dataset',
  join(root, 'data'),
  '--project',
  project,
  '--no-faithfulness',
  '--batch',
  '2',
  ...extra,
];
let count = 0;

/** `camscope eval --shard k/3` as three processes at once, as an array job runs them. */
function shardProcesses(): Promise<void[]> {
  return Promise.all(
    [1, 2, 3].map(
      (k) =>
        new Promise<void>((resolve, reject) => {
          const args = evalArgs(at(`s${k}.camscope`), ['--shard', `${k}/3`, '--json', at(`s${k}.json`)]);
          const child = spawn(process.execPath, ['bin/camscope.mjs', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
          let stderr = '';
          child.stderr!.on('data', (d) => (stderr += d));
          child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`shard ${k}: exit ${code}: ${stderr}`))));
        }),
    ),
  );
}

before(async () => {
  count = writeDemoDataset(join(root, 'data')).length;
  const unsharded = await runCli(evalArgs(at('whole.camscope'), ['--json', at('whole.json')]));
  assert.equal(unsharded.code, 0, unsharded.stderr);
  await shardProcesses();
});

/** Every stored map as `path method` → its float32 bytes, plus the run keys. */
function mapsOf(file: string): Map<string, Buffer> {
  const store = ProjectStore.open(file, { readonly: true });
  try {
    const out = new Map<string, Buffer>();
    for (const run of store.listRuns()) {
      for (const id of store.allImageIds()) {
        const m = store.getMap(run.id, id);
        if (m) out.set(`${store.getImage(id)!.path} ${run.method}`, Buffer.from(m.values.buffer, m.values.byteOffset, m.values.byteLength));
      }
    }
    return out;
  } finally {
    store.close();
  }
}

test('3 shard processes + merge = the unsharded project: every map bit for bit, the same evaluation summary', async () => {
  const shardSizes = [1, 2, 3].map((k) => mapsOf(at(`s${k}.camscope`)).size / 2);
  assert.equal(
    shardSizes.reduce((a, b) => a + b, 0),
    count,
    'the shards partition the dataset',
  );
  assert.ok(shardSizes.every((n) => n > 0 && n < count));

  const merged = await runCli(['merge', at('merged.camscope'), at('s2.camscope'), at('s3.camscope'), at('s1.camscope')]);
  assert.equal(merged.code, 0, merged.stderr);
  assert.match(
    merged.stdout,
    new RegExp(`: 3 shards merged, ${count} images, runs cam, gradcam \\(model sha256 [0-9a-f]{12}…\\); 'camscope eval --project `),
  );

  const whole = mapsOf(at('whole.camscope'));
  const mergedMaps = mapsOf(at('merged.camscope'));
  assert.equal(whole.size, 2 * count);
  assert.deepEqual([...mergedMaps.keys()].sort(), [...whole.keys()].sort());
  for (const [key, bytes] of whole) assert.ok(mergedMaps.get(key)!.equals(bytes), `${key}: the same float32 bits`);

  const store = ProjectStore.open(at('merged.camscope'), { readonly: true });
  for (const run of store.listRuns()) assert.deepEqual([run.status, run.done, run.total], ['done', count, count]);
  store.close();

  // The reports come from the merged project with the unsharded command: everything is read back.
  const reread = await runCli(evalArgs(at('merged.camscope'), ['--json', at('merged.json')]));
  assert.equal(reread.code, 0, reread.stderr);
  assert.deepEqual(JSON.parse(readFileSync(at('merged.json'), 'utf8')), JSON.parse(readFileSync(at('whole.json'), 'utf8')));
  assert.equal(mapsOf(at('merged.camscope')).size, 2 * count, 'nothing recomputed into new runs');
});

test('explain --shard keeps its share of the --image list, by each path as given', async () => {
  const images = writeDemoDataset(join(root, 'explain')).map((im) => im.path);
  const explained = [];
  for (const k of [1, 2, 3]) {
    const r = await runCli(['explain', '--model', DEMO_MODEL, '--method', 'cam', ...images.flatMap((p) => ['--image', p]), '--shard', `${k}/3`]);
    assert.equal(r.code, 0, r.stderr);
    const got = (JSON.parse(r.stdout) as { results: { image: string }[] }).results.map((x) => x.image);
    assert.deepEqual(
      got,
      images.filter((p) => shardOf(p, 3) === k - 1),
    );
    explained.push(...got);
  }
  assert.deepEqual(explained.sort(), [...images].sort());
});

test('merge refuses, in one line, shards that do not belong together, and writes nothing', async () => {
  const refuse = async (args: string[], pattern: RegExp) => {
    const r = await runCli(['merge', at('refused.camscope'), ...args]);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(ProjectStore.open(at('whole.camscope'), { readonly: true }).close(), undefined);
  };
  await refuse([at('s1.camscope'), at('s2.camscope')], /^camscope: shard 3\/3 missing: 2 of 3 shards given\n$/);
  await refuse([at('s1.camscope'), at('s1.camscope'), at('s2.camscope')], /^camscope: .*s1\.camscope and .*s1\.camscope are both shard 1\/3\n$/);
  await refuse([at('whole.camscope')], /whole\.camscope: run \d+ \(cam\) is not one shard of an evaluation/);
  await refuse([at('nope.camscope')], /nope\.camscope: no such project file/);

  // Another model of the same architecture for shard 2; faithfulness on for shard 3.
  const other = await runCli(['eval', '--model', 'models/shapes-shortcut.onnx', ...evalArgs(at('other2.camscope'), ['--shard', '2/3']).slice(3)]);
  assert.equal(other.code, 0, other.stderr);
  await refuse(
    [at('s1.camscope'), at('other2.camscope'), at('s3.camscope')],
    /other2\.camscope: its model \(sha256 [0-9a-f]{12}…\) is not .*s1\.camscope's \(sha256 [0-9a-f]{12}…\); shards must run the same model/,
  );
  const faithful = await runCli([
    'eval',
    '--model',
    DEMO_MODEL,
    '--dataset',
    join(root, 'data'),
    '--project',
    at('f3.camscope'),
    '--batch',
    '2',
    '--shard',
    '3/3',
    '--bootstrap',
    '0',
  ]);
  assert.equal(faithful.code, 0, faithful.stderr);
  await refuse(
    [at('s1.camscope'), at('s2.camscope'), at('f3.camscope')],
    /f3\.camscope: its cam run differs from .*s1\.camscope's in evaluation\.faithfulness \(true vs false\)/,
  );

  const exists = await runCli(['merge', at('whole.camscope'), at('s1.camscope'), at('s2.camscope'), at('s3.camscope')]);
  assert.match(exists.stderr, /whole\.camscope: already exists; merge writes a new project/);
  const { existsSync } = await import('node:fs');
  assert.equal(existsSync(at('refused.camscope')), false);
});
