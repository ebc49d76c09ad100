// Each gradient/activation method on a 2-channel 2×2 case worked out by hand from its paper's formula.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { METHODS } from '../../src-main/explain/methods/index.js';
import type { MethodInput } from '../../src-main/explain/methods/method.js';

// A_0 = [1 3; 0 0] (Σ 4), A_1 = [2 0; 1 1] (Σ 4); g_0 = [1 0; 2 1], g_1 = [−1 1; 0 1]
const input: MethodInput = {
  activation: Float32Array.from([1, 3, 0, 0, 2, 0, 1, 1]),
  gradient: Float32Array.from([1, 0, 2, 1, -1, 1, 0, 1]),
  channels: 2,
  size: 4,
  target: 0,
};

function close(actual: Float32Array, expected: number[], what: string): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-5, `${what}[${i}] = ${v}, expected ${expected[i]}`));
}

test('Grad-CAM: α = (4/4, 1/4) → A_0 + A_1/4', () => {
  close(METHODS.gradcam.compute(input), [1.5, 3, 0.25, 0.25], 'gradcam');
});

test('XGrad-CAM: w = (Σ A_0 g_0 / 4, Σ A_1 g_1 / 4) = (1/4, −1/4)', () => {
  // 0.25·A_0 − 0.25·A_1 = [−0.25 0.75; −0.25 −0.25] → ReLU
  close(METHODS.xgradcam.compute(input), [0, 0.75, 0, 0], 'xgradcam');
});

test('HiResCAM: ReLU(g_0⊙A_0 + g_1⊙A_1) = ReLU([1 0; 0 0] + [−2 0; 0 1])', () => {
  close(METHODS.hirescam.compute(input), [0, 0, 0, 1], 'hirescam');
});

test('LayerCAM: ReLU(g)⊙A summed: [1 0; 0 0] + [0 0; 0 1]', () => {
  close(METHODS.layercam.compute(input), [1, 0, 0, 1], 'layercam');
});

test('Grad-CAM++ (paper): α = g²/(2g² + ΣA·g³), w = Σ α ReLU(g)', () => {
  // ch 0 (ΣA = 4): g=1 → 1/6 (twice), g=2 → 4/(8+32)·2 = 0.2 → w_0 = 8/15
  // ch 1 (ΣA = 4): g=1 → 1/6 (twice) → w_1 = 1/3;  map = 8/15·A_0 + 1/3·A_1
  close(METHODS['gradcam++'].compute(input), [8 / 15 + 2 / 3, 24 / 15, 1 / 3, 1 / 3], 'gradcam++');
});

test("Grad-CAM++ (summed, TorchCAM's documented formula): denominator 2g² + Σ_ab A_ab g_ab³", () => {
  // ch 0: Σ A g³ = 1 → g=1: 1/3 (twice), g=2: 4/9·2 → w_0 = 14/9
  // ch 1: Σ A g³ = −1 → g=1: 1/(2−1)·1 (twice) → w_1 = 2
  close(METHODS['gradcam++'].compute({ ...input, variant: 'summed' }), [14 / 9 + 4, 42 / 9, 2, 2], 'gradcam++:summed');
});

test('Grad-CAM++ (torchcam, as TorchCAM runs): α = g², w = Σ g² ReLU(g)', () => {
  // ch 0: g = 1, 0, 2, 1 → w_0 = 1 + 8 + 1 = 10;  ch 1: g = −1, 1, 0, 1 → w_1 = 2;  map = 10·A_0 + 2·A_1
  close(METHODS['gradcam++'].compute({ ...input, variant: 'torchcam' }), [14, 30, 2, 2], 'gradcam++:torchcam');
});

test('Grad-CAM++ (pytorchgradcam): eps = 1e-6 in the denominator, material when gradients are ~1e-3', () => {
  const s = 1e-3;
  const small = { ...input, gradient: input.gradient!.map((g) => g * s) };
  // ΣA = 4 in both channels. α(g) = g² / (2g² + 4g³ + eps): g = s → 1e-6 / (3e-6 + 4e-9), g = 2s → 4e-6 / (9e-6 + 3.2e-8)
  const a1 = 1e-6 / (3e-6 + 4e-9);
  const a2 = 4e-6 / (9e-6 + 3.2e-8);
  const w0 = a1 * s * 2 + a2 * 2 * s; // ch 0: g = s twice, 2s once
  const w1 = a1 * s * 2; // ch 1: g = s twice (−s is cut by ReLU)
  const expected = [w0 + 2 * w1, 3 * w0, w1, w1];
  const actual = METHODS['gradcam++'].compute({ ...small, variant: 'pytorchgradcam' });
  actual.forEach((v, i) => assert.ok(Math.abs(v / expected[i]! - 1) < 1e-5, `[${i}] = ${v}, expected ${expected[i]}`));
  // The paper's α(s) = 1/(2 + 4s), α(2s) = 4/(8 + 32s): the same map up to a factor is not what eps gives.
  const paper = METHODS['gradcam++'].compute(small);
  const p0 = (2 / (2 + 4 * s)) * s + (4 / (8 + 32 * s)) * 2 * s;
  const p1 = (2 / (2 + 4 * s)) * s;
  close(
    paper.map((v) => v * 1e3),
    [p0 + 2 * p1, 3 * p0, p1, p1].map((v) => v * 1e3),
    'gradcam++ on small gradients',
  );
  assert.ok(Math.abs(actual[0]! / actual[1]! / (paper[0]! / paper[1]!) - 1) > 0.05, 'the shape differs by 7 %, not only the scale');
});

test('Eigen-CAM: first principal component of the centred activations', () => {
  // X = [[0, 1], [2, −1], [−1, 0], [−1, 0]] (positions × channels); XᵀX = [[6, −2], [−2, 2]],
  // v₁ = (cos π/8, −sin π/8); Xv₁ = (−sin π/8, 2cos π/8 + sin π/8, −cos π/8, −cos π/8), which
  // agrees with the mean activation (1.5, 1.5, 0.5, 0.5), so the sign stays; ReLU keeps position 1.
  const c = Math.cos(Math.PI / 8);
  const s = Math.sin(Math.PI / 8);
  close(METHODS.eigencam.compute(input), [0, 2 * c + s, 0, 0], 'eigencam');
});

test('Eigen-CAM is deterministic: channel order and positive scale do not change the sign', () => {
  const swapped = Float32Array.from([...input.activation.subarray(4), ...input.activation.subarray(0, 4)].map((v) => 3 * v));
  const c = Math.cos(Math.PI / 8);
  const s = Math.sin(Math.PI / 8);
  close(METHODS.eigencam.compute({ ...input, activation: swapped }), [0, 3 * (2 * c + s), 0, 0], 'eigencam(3·A swapped)');
});
