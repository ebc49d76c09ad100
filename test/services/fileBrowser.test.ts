// files.list: what the path picker shows, and that it never lists outside its root (paths, '..' or symbolic links).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CamscopeError } from '../../src-main/errors.js';
import { listDirectory } from '../../src-main/services/fileBrowser.js';

test('folders first, then projects, models and images by name; hidden and other files left out; confined to the root', (t) => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'camscope-files-')));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const root = join(base, 'home');
  const outside = join(base, 'elsewhere');
  mkdirSync(join(root, 'photos'), { recursive: true });
  mkdirSync(join(root, 'Models'));
  mkdirSync(join(root, '.cache'));
  mkdirSync(outside);
  for (const f of ['b.camscope', 'net.ONNX', 'cat.jpg', 'notes.txt', '.hidden.png']) writeFileSync(join(root, f), '');
  symlinkSync(outside, join(root, 'escape'));
  symlinkSync(join(root, 'photos'), join(root, 'pics'));

  const top = listDirectory(undefined, root);
  assert.equal(top.dir, root);
  assert.equal(top.parent, null, 'nothing above the root');
  assert.deepEqual(
    top.entries.map((e) => [e.name, e.kind]),
    [
      ['Models', 'folder'],
      ['photos', 'folder'],
      ['pics', 'folder'],
      ['b.camscope', 'project'],
      ['cat.jpg', 'image'],
      ['net.ONNX', 'model'],
    ],
  );
  assert.equal(top.entries.find((e) => e.name === 'cat.jpg')!.path, join(root, 'cat.jpg'));
  assert.equal(top.truncated, false);
  assert.deepEqual(listDirectory(join(root, 'photos'), root).parent, root);

  assert.throws(() => listDirectory(outside, root), CamscopeError);
  assert.throws(() => listDirectory(join(root, '..'), root), CamscopeError);
  assert.throws(() => listDirectory(join(root, 'escape'), root), CamscopeError, 'a link out of the root is outside');
  assert.throws(() => listDirectory(join(root, 'missing'), root), CamscopeError);
  assert.throws(() => listDirectory(join(root, 'cat.jpg'), root), CamscopeError, 'a file is not a folder');
});
