// The real ImageNet MobileNetV2 from ../shared (skipped where absent): predictions and a CAM box on the cat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Explainer } from '../../src-main/explain/explainer.js';
import type { Box } from '../../src-shared/explainTypes.js';
import { parseMethod } from '../../src-main/explain/methods/index.js';
import { boxIoU } from '../../src-shared/wsolBox.js';

const MODEL = '../shared/models/imagenet-mobilenetv2/mobilenetv2_imagenet_float.onnx';
const CAT = '../shared/images/chelsea.png';
const present = existsSync(MODEL) && existsSync(CAT);

test('MobileNetV2: chelsea is an Egyptian cat and its CAM box overlaps the cat', { skip: !present && '../shared not present' }, async () => {
  const ex = await Explainer.open(MODEL, { mean: '0.5,0.5,0.5', std: '0.5,0.5,0.5' });
  try {
    assert.equal(ex.model.defaultLayer().includes('Clip'), true, 'default layer is the last ReLU6 (Clip)');
    const [r] = await ex.explain([CAT], { methods: ['cam', 'gradcam'].map(parseMethod), target: 'top1' });
    assert.equal(r!.predictions[0]!.label, 'Egyptian cat');
    assert.equal(r!.predictions[0]!.index, 286, 'label offset 1: ImageNet class 285 is logit 286');
    // The cat's head and body, by hand on the 451×300 photo.
    const cat: Box = [20, 0, 451, 300];
    for (const m of r!.maps) {
      assert.ok(m.box, `${m.method} has a box`);
      assert.ok(boxIoU(m.box!, cat) >= 0.5, `${m.method} box ${m.box} overlaps the cat (IoU ${boxIoU(m.box!, cat).toFixed(2)})`);
      assert.equal(m.width * m.height, 49);
    }
  } finally {
    await ex.close();
  }
});
