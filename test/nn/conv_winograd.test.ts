/**
 * 3x3 convolutions with stride 1 and padding 1 and at least 16 channels, which run on Winograd's F(2x2, 3x3)
 * (native/cpu/conv_winograd.cc) for the output and the input's gradient, against PyTorch's float64 results
 * on the same float32 inputs (test/fixtures/conv_winograd.json, tools/gen_conv_fixtures.py). A float32
 * convolution rounds each of its sums, so it is held to a summation bound: each element within
 * 8 * 2^-24 times the sum of its terms' magnitudes (the fixture's convolution of absolute values) — what
 * a direct convolution meets too (checked alongside on a pre-padded input, which takes the unfolded-rows
 * path forward and oneDNN's direct kernel for the input's gradient).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { nn, type Tensor } from '../../src/index.js';
import { conv2dInference, packConvWeight } from '../../src/ops/conv.js';
import { fromFixture, loadFixture, ownAvx2Kernels, type EncodedTensor } from '../helpers.js';

const F = nn.functional;

interface WinogradCase {
  name: string;
  inputs: EncodedTensor[];
  gradOutput: EncodedTensor;
  output: EncodedTensor;
  outputAbs: EncodedTensor;
  inputGrad: EncodedTensor;
  inputGradAbs: EncodedTensor;
  weightGrad: EncodedTensor;
  weightGradAbs: EncodedTensor;
  biasGrad?: EncodedTensor;
  biasGradAbs?: EncodedTensor;
}
const fixture = loadFixture<{ cases: WinogradCase[] }>('conv_winograd.json');

/** Rounding units of float32 allowed per unit of Σ|term| (both paths measured at 1.7–3.2 units here). */
const UNITS = 8;

/** The largest |got − want| / (2^-24 Σ|terms|) over the tensor. */
function roundingUnits(got: Tensor, want: EncodedTensor, magnitude: EncodedTensor): number {
  const g = got.dataSync() as Float32Array;
  const w = fromFixture(want).dataSync() as Float64Array;
  const m = fromFixture(magnitude).dataSync() as Float64Array;
  assert.deepEqual(got.shape, want.shape);
  let worst = 0;
  for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(g[i] - w[i]) / (2 ** -24 * m[i]));
  return worst;
}

for (const c of fixture.cases) {
  test(`conv2d 3x3 (${c.name}): output and input gradient within ${UNITS} float32 rounding units of |terms|`, () => torch.tidy(() => {
    const [x0, w, b] = c.inputs.map((e) => fromFixture(e));
    const gy = fromFixture(c.gradOutput);
    const results: Record<string, [number, number]> = {};
    for (const [path, run] of [
      ['Winograd', (x: Tensor) => F.conv2d(x, w, b ?? null, { padding: 1 })],
      ['direct', (x: Tensor) => F.conv2d(F.pad(x, [1, 1, 1, 1]), w, b ?? null)],
    ] as const) {
      const x = x0.detach().requiresGrad_();
      const y = run(x);
      y.backward(gy);
      results[path] = [roundingUnits(y, c.output, c.outputAbs), roundingUnits(x.grad!, c.inputGrad, c.inputGradAbs)];
    }
    for (const [path, [out, grad]] of Object.entries(results)) {
      assert.ok(out <= UNITS, `${path} output: ${out.toFixed(2)} rounding units`);
      assert.ok(grad <= UNITS, `${path} input gradient: ${grad.toFixed(2)} rounding units`);
    }
  }));

  test(`conv2d 3x3 (${c.name}): weight and bias gradients within ${UNITS} float32 rounding units of |terms|`, () => torch.tidy(() => {
    // 16 input channels: the weight gradient is the unfolded-rows product (conv_gemm.cc).
    const [x, w0, b0] = c.inputs.map((e) => fromFixture(e));
    const w = w0.detach().requiresGrad_(), b = b0 ? b0.detach().requiresGrad_() : null;
    F.conv2d(x, w, b, { padding: 1 }).backward(fromFixture(c.gradOutput));
    const units = roundingUnits(w.grad!, c.weightGrad, c.weightGradAbs);
    assert.ok(units <= UNITS, `weight gradient: ${units.toFixed(2)} rounding units`);
    if (b) {
      const bias = roundingUnits(b.grad!, c.biasGrad!, c.biasGradAbs!);
      assert.ok(bias <= UNITS, `bias gradient: ${bias.toFixed(2)} rounding units`);
    }
  }));
}

for (const c of fixture.cases) {
  test(`conv2d 3x3 (${c.name}) with weights transformed once (packConvWeight): output within ${UNITS} rounding units`, () => torch.tidy(() => {
    const [x, w, b] = c.inputs.map((e) => fromFixture(e));
    const geometry = { stride: [1, 1] as [number, number], padding: [1, 1] as [number, number], dilation: [1, 1] as [number, number], groups: 1 };
    const packed = packConvWeight(w, geometry, { residual: false })!;
    const [O, C] = w.shape;
    assert.deepEqual(packed.shape, [16, O / 16, C, 16]);
    const y = torch.noGrad(() => conv2dInference(x, w, b ?? null, geometry, { packedWeight: packed }));
    const units = roundingUnits(y, c.output, c.outputAbs);
    assert.ok(units <= UNITS, `${units.toFixed(2)} rounding units`);
    // Where the own kernels run, they read the given transform (not their own): zero weights leave the bias.
    if (ownAvx2Kernels()) {
      const biasOnly = torch.noGrad(() => conv2dInference(x, w, b ?? null, geometry, { packedWeight: torch.zerosLike(packed) }));
      const expected = b ? b.view(1, O, 1, 1).expand(biasOnly.shape) : torch.zerosLike(biasOnly);
      assert.deepEqual(biasOnly.contiguous().dataSync(), expected.contiguous().dataSync());
    }
  }));
}

test('conv2d 3x3 past 256 x 256 channels with prepared weights (Winograd in tile blocks): matches the direct path', () => torch.tidy(() => {
  // 272 -> 256 channels: only prepared weights take Winograd here (unprepared ones the unfolded rows, which
  // the fixtures above and conv_gemm.test.ts hold to PyTorch). Both within the summation bound of each other.
  torch.manualSeed(3);
  const x = torch.randn([2, 272, 5, 7]), w = torch.randn([256, 272, 3, 3]), b = torch.randn([256]);
  const geometry = { stride: [1, 1] as [number, number], padding: [1, 1] as [number, number], dilation: [1, 1] as [number, number], groups: 1 };
  const packed = packConvWeight(w, geometry, { residual: false })!;
  assert.deepEqual(packed.shape, [16, 16, 272, 16]);
  const [winograd, direct, magnitude] = torch.noGrad(() => [
    conv2dInference(x, w, b, geometry, { packedWeight: packed }),
    conv2dInference(x, w, b, geometry, {}),
    conv2dInference(x.abs(), w.abs(), b.abs(), geometry, {}),
  ]);
  const units = winograd.sub(direct).abs().div(magnitude.mul(2 ** -24)).max().item();
  assert.ok(units <= 2 * UNITS, `${units.toFixed(2)} rounding units apart`);
  if (ownAvx2Kernels()) {
    const biasOnly = torch.noGrad(() => conv2dInference(x, w, b, geometry, { packedWeight: torch.zerosLike(packed) }));
    assert.deepEqual(biasOnly.contiguous().dataSync(), b.view(1, 256, 1, 1).expand(biasOnly.shape).contiguous().dataSync());
  }
}));

test('conv2d weight gradient over many pixel chunks (summed by several threads) equals the sum of per-image ones', () => torch.tidy(() => {
  // 6 images of 10x10: 600 pixels, several chunks of the unfolded-rows product, taken by the threads in turn
  // and added up at the end; each image alone is one chunk (the path the fixtures above hold to PyTorch).
  torch.manualSeed(11);
  const x = torch.randn([6, 16, 10, 10]), w = torch.randn([32, 16, 3, 3]), b = torch.randn([32]), gy = torch.randn([6, 32, 10, 10]);
  const grads = (xs: Tensor, gys: Tensor, abs = false) => {
    const wv = (abs ? w.abs() : w).detach().requiresGrad_(), bv = (abs ? b.abs() : b).detach().requiresGrad_();
    F.conv2d(abs ? xs.abs() : xs, wv, bv, { padding: 1 }).backward(abs ? gys.abs() : gys);
    return [wv.grad!, bv.grad!];
  };
  const [wAll, bAll] = grads(x, gy);
  // Reproducible: the threads take the chunks in any order, the sums come out the same to the bit.
  const [wAgain, bAgain] = grads(x, gy);
  assert.deepEqual(wAgain.dataSync(), wAll.dataSync());
  assert.deepEqual(bAgain.dataSync(), bAll.dataSync());
  const perImage = Array.from({ length: 6 }, (_, n) => grads(x.narrow(0, n, 1), gy.narrow(0, n, 1)));
  const wSum = perImage.map(([g]) => g).reduce((a, g) => a.add(g)), bSum = perImage.map(([, g]) => g).reduce((a, g) => a.add(g));
  const [wAbs, bAbs] = grads(x, gy, true);
  for (const [got, want, scale, name] of [[wAll, wSum, wAbs, 'weight'], [bAll, bSum, bAbs, 'bias']] as const) {
    const units = got.sub(want).abs().div(scale.mul(2 ** -24)).max().item();
    assert.ok(units <= 2 * UNITS, `${name} gradient: ${units.toFixed(2)} rounding units apart`);
  }
}));
