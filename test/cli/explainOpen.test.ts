// `camscope explain --open` without a browser (CAMSCOPE_NO_BROWSER=1, the no-window path of `npm start`): the maps it
// computed are stored in the project as quick look stores them, the workstation is served on that image and the URL
// printed; the page and the WebSocket answer with the stored image, predictions and maps; SIGTERM stops it cleanly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { ProjectStore } from '../../src-main/store/projectStore.js';
import type { ExplainReport } from '../../src-shared/explainTypes.js';
import type { Response } from '../../src-shared/ipc.js';
import { QUICK_LOOK_DATASET } from '../../src-shared/quickLook.js';
import { ensureRendererBuilt } from '../helpers/chromium.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'camscope-explain-open-'));
const home = join(dir, 'home');
const CHELSEA = resolve('models/photos/chelsea.png');
const MOBILENET = resolve('models/mobilenet-v2-imagenet.onnx');

before(() => ensureRendererBuilt());
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `camscope explain … --open` until it prints the URL it serves; `out` is everything it printed. */
async function explainOpen(args: string[]): Promise<{ child: ChildProcess; url: URL; out: () => string }> {
  let out = '';
  const child = spawn(
    process.execPath,
    ['bin/camscope.mjs', 'explain', '--model', MOBILENET, '--image', CHELSEA, '--method', 'cam,gradcam', '--open', ...args],
    {
      env: { ...process.env, CAMSCOPE_HOME: home, CAMSCOPE_NO_BROWSER: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((done, fail) => {
    const poll = setInterval(() => {
      const m = /CAMSCOPE_NO_BROWSER=1: open (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+) in a Chromium-based browser/.exec(out);
      if (m) done(m[1]!);
      else if (child.exitCode !== null) fail(new Error(`explain --open exited ${child.exitCode}:\n${out}`));
      else return;
      clearInterval(poll);
    }, 100);
  });
  return { child, url: new URL(url), out: () => out };
}

function ask<C extends 'images.detail' | 'project.info'>(url: URL, channel: C, payload: object): Promise<Response<C>> {
  return new Promise((done, fail) => {
    const ws = new WebSocket(`ws://${url.host}/ws?token=${url.searchParams.get('token')}`, { origin: `http://${url.host}` });
    ws.once('error', fail);
    ws.once('open', () => ws.send(JSON.stringify({ id: 1, channel, payload })));
    ws.once('message', (d) => {
      ws.close();
      const r = JSON.parse(String(d)) as { ok: boolean; value: Response<C>; error?: string };
      if (r.ok) done(r.value);
      else fail(new Error(r.error));
    });
  });
}

async function stop(child: ChildProcess): Promise<number | null> {
  child.kill('SIGTERM');
  return new Promise((done) => child.once('exit', (code) => done(code)));
}

test('explain --open --project stores the maps it computed and serves the app on that image', { timeout: 180_000 }, async () => {
  const project = join(dir, 'look.camscope');
  const json = join(dir, 'chelsea.json');
  const { child, url, out } = await explainOpen(['--project', project, '--json', json]);
  try {
    assert.match(url.hash, /^#\/image\/\d+$/, 'the URL opens the image view');
    assert.match(out(), /stored 1 image\(s\) × 2 methods in .*look\.camscope \(dataset 'Quick look'\)/);
    assert.doesNotMatch(out(), /\n\s+at |TypeError/, 'no stack trace');
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="app"|<script/);

    assert.equal((await ask(url, 'project.info', {})).path, project);
    const detail = await ask(url, 'images.detail', { imageId: Number(url.hash.split('/')[2]) });
    assert.equal(detail.image.path, CHELSEA);
    assert.equal(detail.image.dataset, QUICK_LOOK_DATASET);
    // What is stored is what explain computed and wrote to --json.
    const computed = (JSON.parse(readFileSync(json, 'utf8')) as ExplainReport).results[0]!;
    assert.deepEqual(
      detail.predictions[0]!.top5.map((p) => p.index),
      computed.predictions.slice(0, 5).map((p) => p.index),
    );
    assert.deepEqual(
      detail.maps.map((m) => m.method),
      ['cam', 'gradcam'],
    );
    for (const m of detail.maps) {
      const c = computed.maps.find((x) => x.method === m.method)!;
      assert.deepEqual(m.values, Array.from(Float32Array.from(c.values)), `${m.method} stored as computed`);
    }
  } finally {
    assert.equal(await stop(child), 0);
  }
  assert.match(out(), /stopped; the project is closed/);
  const store = ProjectStore.open(project);
  try {
    assert.deepEqual(
      store.listRuns().map((r) => [r.method, r.status, r.done]),
      [
        ['cam', 'done', 1],
        ['gradcam', 'done', 1],
      ],
    );
  } finally {
    store.close();
  }
});

test('explain --open without --project stores in the project the app would open (the most recent)', { timeout: 180_000 }, async () => {
  const recent = join(dir, 'recent.camscope');
  ProjectStore.create(recent).close();
  writeFileSync(join(home, 'recent.json'), JSON.stringify([{ path: recent, openedAt: new Date().toISOString() }]));
  const { child, url } = await explainOpen([]);
  try {
    assert.equal((await ask(url, 'project.info', {})).path, recent);
  } finally {
    assert.equal(await stop(child), 0);
  }
});

test('explain: --project without --open, or --open with two layers, is one line and exit 2', async () => {
  for (const [args, why] of [
    [['--project', join(dir, 'x.camscope')], /--project: only with --open/],
    [['--open', '--layer', 'a', '--layer', 'b'], /--open: stores the maps of one layer/],
    [['--open', '--threshold', '0.3'], /--open: stores boxes at the 20 % threshold/],
  ] as const) {
    const r = await runCli(['explain', '--model', MOBILENET, '--image', CHELSEA, ...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, why);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});
