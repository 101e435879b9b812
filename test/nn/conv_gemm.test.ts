/**
 * Convolutions with kernels larger than 1x1 that Winograd does not take (strided, 5x5, 2x2, with a residual
 * add) run as unfolded input rows times packed weights (native/cpu/conv_forward_gemm.cc) on AVX2 machines
 * (oneDNN elsewhere; the same bound holds for both). Checked against
 * PyTorch's float64 results on the same float32 inputs (test/fixtures/conv_gemm.json,
 * tools/gen_conv_fixtures.py) with the summation bound of conv_winograd.test.ts: each element within
 * 8 * 2^-24 times the sum of its terms' magnitudes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { nn, type Tensor } from '../../src/index.js';
import { conv2dInference, packConvWeight } from '../../src/ops/conv.js';
import { fromFixture, loadFixture, ownAvx2Kernels, type EncodedTensor } from '../helpers.js';

const F = nn.functional;

interface GemmCase {
  name: string;
  stride: number;
  padding: number;
  inputs: EncodedTensor[];
  residual?: EncodedTensor;
  output: EncodedTensor;
  outputAbs: EncodedTensor;
}
const fixture = loadFixture<{ cases: GemmCase[] }>('conv_gemm.json');

/** Rounding units of float32 allowed per unit of Σ|term| (as for the Winograd and oneDNN paths). */
const UNITS = 8;

/** The largest |got − want| / (2^-24 Σ|terms|) over the tensor. */
function roundingUnits(got: Tensor, want: EncodedTensor, magnitude: EncodedTensor): number {
  assert.deepEqual(got.shape, want.shape);
  const g = got.dataSync() as Float32Array;
  const w = fromFixture(want).dataSync() as Float64Array;
  const m = fromFixture(magnitude).dataSync() as Float64Array;
  let worst = 0;
  for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(g[i] - w[i]) / (2 ** -24 * m[i]));
  return worst;
}

for (const c of fixture.cases) {
  test(`conv2d ${c.name}: output within ${UNITS} float32 rounding units of |terms|`, () => torch.tidy(() => {
    const [x, w, b] = c.inputs.map((e) => fromFixture(e));
    const { stride, padding } = c;
    const y = c.residual
      ? torch.noGrad(() => conv2dInference(x, w, b ?? null, {
        stride: [stride, stride], padding: [padding, padding], dilation: [1, 1], groups: 1,
      }, { residual: fromFixture(c.residual!), relu: true }))
      : F.conv2d(x, w, b ?? null, { stride, padding });
    const units = roundingUnits(y, c.output, c.outputAbs);
    assert.ok(units <= UNITS, `${units.toFixed(2)} rounding units`);
  }));

  test(`conv2d ${c.name} with weights packed once (packConvWeight): the same output`, () => torch.tidy(() => {
    const [x, w, b] = c.inputs.map((e) => fromFixture(e));
    const geometry = {
      stride: [c.stride, c.stride] as [number, number], padding: [c.padding, c.padding] as [number, number],
      dilation: [1, 1] as [number, number], groups: 1,
    };
    const residual = c.residual ? fromFixture(c.residual) : null;
    const packed = packConvWeight(w, geometry, { residual: residual !== null })!;
    const [O, C, KH, KW] = w.shape;
    assert.deepEqual(packed.shape, [O / 16, KH, KW, C, 16]);
    const run = (packedWeight: typeof packed | null) =>
      torch.noGrad(() => conv2dInference(x, w, b ?? null, geometry, { residual, relu: residual !== null, packedWeight }));
    // The same products in the same order: bit-identical to packing per call.
    assert.deepEqual(run(packed).dataSync(), run(null).dataSync());
    // Where the own kernels run, they read the given packing (not their own): zero weights leave
    // relu?(bias + residual).
    if (ownAvx2Kernels()) {
      let expected = (b ? b.view(1, O, 1, 1) : torch.zeros([1, O, 1, 1])).expand(run(packed).shape);
      if (residual) expected = expected.add(residual).relu();
      assert.deepEqual(run(torch.zerosLike(packed)).contiguous().dataSync(), expected.contiguous().dataSync());
    }
  }));
}
