// What a drop does: one project wins over everything else; .onnx files are models; the rest goes to images.import.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sortDroppedPaths } from '../../src-renderer/lib/droppedPaths.js';
import { importSummary } from '../../src-renderer/lib/format.js';

test('models, images and folders are told apart by name; a project takes the whole drop', () => {
  assert.deepEqual(sortDroppedPaths(['/d/resnet.ONNX', '/d/cat.jpg', '/d/photos', '/d/mobilenet.onnx']), {
    project: null,
    models: ['/d/resnet.ONNX', '/d/mobilenet.onnx'],
    images: ['/d/cat.jpg', '/d/photos'],
  });
  assert.deepEqual(sortDroppedPaths(['/d/cat.jpg', '/d/a.camscope', '/d/b.camscope']), { project: '/d/a.camscope', models: [], images: [] });
  assert.deepEqual(sortDroppedPaths([]), { project: null, models: [], images: [] });
});

test('importSummary names the count and the first reason for skipping', () => {
  assert.equal(importSummary({ added: 1, skipped: [] }), 'Imported 1 image');
  assert.equal(
    importSummary({ added: 3, skipped: [{ reason: 'not a readable image' }, { reason: 'x' }] }),
    'Imported 3 images, skipped 2 (not a readable image, …)',
  );
});
