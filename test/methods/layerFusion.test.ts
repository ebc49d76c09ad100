// LayerCAM fusion: tanh(2·M/max M) per layer, upsampled to the largest grid, element-wise max.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuseLayerMaps } from '../../src-main/explain/methods/layerFusion.js';

test('fusion of a 1×1 and a 2×2 map, worked by hand', () => {
  // Deep 1×1 map [4] → tanh(2·4/4) = tanh 2 everywhere after upsampling.
  // Shallow 2×2 map [0 1; 2 4] → tanh(2·v/4) = [0, tanh 0.5; tanh 1, tanh 2].
  const fused = fuseLayerMaps([
    { width: 1, height: 1, values: Float32Array.of(4) },
    { width: 2, height: 2, values: Float32Array.of(0, 1, 2, 4) },
  ]);
  assert.equal(fused.width, 2);
  assert.equal(fused.height, 2);
  fused.values.forEach((v) => assert.ok(Math.abs(v - Math.tanh(2)) < 1e-6));
  const weakDeep = fuseLayerMaps([
    { width: 1, height: 1, values: Float32Array.of(0) },
    { width: 2, height: 2, values: Float32Array.of(0, 1, 2, 4) },
  ]);
  const expected = [0, Math.tanh(0.5), Math.tanh(1), Math.tanh(2)];
  weakDeep.values.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-6, `${i}: ${v}`));
});
