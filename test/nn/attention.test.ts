/**
 * nn.MultiheadAttention vs PyTorch (test/fixtures/attention.json from tools/gen_attention_fixtures.py): outputs,
 * attention weights and the gradients of the inputs and of every parameter, over self- and cross-attention,
 * batch-first or not, unbatched, masks, kdim/vdim, no bias, bias_k/bias_v and zero attention; the seeded
 * initialisation and printing; dropout on the weights; errors for bad arguments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import * as nn from '../../src/nn/index.js';
import { loadFixture, fromFixture, type EncodedTensor } from '../helpers.js';
import { assertClose, decodeValue } from './fixture.js';

interface AttentionCase {
  name: string;
  args: [number, number];
  kwargs: Record<string, unknown>;
  mode: 'train' | 'eval';
  cross: boolean;
  kvSame: boolean;
  needWeights: boolean;
  average: boolean;
  state: Record<string, EncodedTensor>;
  inputs: EncodedTensor[];
  keyPaddingMask?: EncodedTensor;
  attnMask?: EncodedTensor;
  outputs: EncodedTensor[];
  gradOutputs: EncodedTensor[];
  inputGrads: EncodedTensor[];
  paramGrads: Record<string, EncodedTensor>;
}

const fixture = loadFixture<{
  cases: AttentionCase[];
  inits: { args: [number, number]; kwargs: Record<string, unknown>; state: Record<string, EncodedTensor>; repr: string }[];
}>('attention.json');

/** Bool masks come as 0/1 with dtype 'bool'. */
const decode = (e: EncodedTensor): Tensor => (e.dtype === 'bool' ? torch.tensor(e.data as number[]).ne(0).reshape(e.shape) : fromFixture(e));
const build = (args: [number, number], kwargs: Record<string, unknown>) =>
  new nn.MultiheadAttention(args[0], args[1], decodeValue(kwargs) as nn.MultiheadAttentionOptions);

for (const c of fixture.cases) {
  test(`MultiheadAttention: ${c.name}`, () => {
    torch.tidy(() => {
      const m = build(c.args, c.kwargs);
      assert.deepEqual(Object.keys(m.stateDict()), Object.keys(c.state), 'state-dict keys and order');
      m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, e]) => [k, decode(e)])));
      m.train(c.mode === 'train');
      const leaves = c.inputs.map((e) => decode(e).requiresGrad_(true));
      const q = leaves[0].mul(1);
      const k = c.cross ? leaves[1].mul(1) : q;
      const v = c.cross ? (c.kvSame ? k : leaves[2].mul(1)) : q;
      const [out, weights] = m.forward(q, k, v, {
        keyPaddingMask: c.keyPaddingMask ? decode(c.keyPaddingMask) : null,
        attnMask: c.attnMask ? decode(c.attnMask) : null,
        needWeights: c.needWeights, averageAttnWeights: c.average,
      });
      assertClose(out, c.outputs[0], 'output');
      if (c.needWeights) assertClose(weights!, c.outputs[1], 'attention weights');
      else assert.equal(weights, null);
      const outs = weights === null ? [out] : [out, weights];
      torch.autograd.backward(outs, c.gradOutputs.map(decode));
      leaves.forEach((x, i) => assertClose(x.grad!, c.inputGrads[i], `gradient of input ${i}`));
      const params = new Map(m.namedParameters());
      assert.deepEqual([...params.keys()], Object.keys(c.paramGrads));
      for (const [name, g] of Object.entries(c.paramGrads)) assertClose(params.get(name)!.grad!, g, `gradient of ${name}`);
    });
  });
}

test("MultiheadAttention: seeded initialisation and printing are PyTorch's", () => {
  for (const c of fixture.inits) {
    torch.tidy(() => {
      torch.manualSeed(5);
      const m = build(c.args, c.kwargs);
      const sd = m.stateDict();
      assert.deepEqual(Object.keys(sd), Object.keys(c.state));
      for (const [k, e] of Object.entries(c.state)) assertClose(sd[k], e, `${JSON.stringify(c.kwargs)} ${k}`);
      assert.equal(String(m), c.repr);
    });
  }
});

test('MultiheadAttention: dropout zeroes attention weights in training only', () => {
  torch.tidy(() => {
    torch.manualSeed(0);
    const m = new nn.MultiheadAttention(8, 2, { dropout: 0.5, batchFirst: true });
    const x = torch.randn(2, 6, 8);
    const [, reference] = m.eval().forward(x, x, x, { averageAttnWeights: false });
    const [, dropped] = m.train().forward(x, x, x, { averageAttnWeights: false });
    const ratio = dropped!.div(reference!).flatten().tolist() as number[];
    assert.ok(ratio.every((r) => r === 0 || Math.abs(r - 2) < 1e-5), 'each weight is dropped or scaled by 1 / (1 - p)');
    const zeros = ratio.filter((r) => r === 0).length;
    assert.ok(zeros > ratio.length / 4 && zeros < (3 * ratio.length) / 4, `${zeros} of ${ratio.length} dropped at p = 0.5`);
  });
});

test('MultiheadAttention: bad arguments fail with clear errors', () => {
  torch.tidy(() => {
    assert.throws(() => new nn.MultiheadAttention(10, 3), /embed_dim must be divisible by num_heads/);
    assert.throws(() => new nn.MultiheadAttention(0, 1), /embed_dim must be a positive integer/);
    const m = new nn.MultiheadAttention(8, 2);
    const x = torch.randn(4, 2, 8);
    assert.throws(() => m.forward(x, x, x, { keyPaddingMask: torch.zeros([2, 4], { dtype: 'int64' }) }), /only bool and floating types of key_padding_mask are supported/);
    assert.throws(() => m.forward(x, x, x, { attnMask: torch.zeros([3, 4]) }), /The shape of the 2D attn_mask is \[3, 4\], but should be \[4, 4\]\./);
    assert.throws(() => m.forward(x, x, x, { attnMask: torch.zeros([2, 4, 4]) }), /The shape of the 3D attn_mask is \[2, 4, 4\], but should be \[4, 4, 4\]\./);
    assert.throws(() => m.forward(x, x, x, { keyPaddingMask: torch.zeros([2, 5]) }), /expecting key_padding_mask shape of \[2, 4\], but got \[2, 5\]/);
    assert.throws(() => m.forward(torch.randn(4, 2, 6), x, x), /was expecting embedding dimension of 8, but got 6/);
    assert.throws(() => m.forward(x, torch.randn(4, 8), x), /expected key and value to be 3-D/);
    assert.throws(() => m.forward(torch.randn(8), x, x), /query should be unbatched 2D or batched 3D tensor but received 1-D/);
    assert.throws(() => m.forward(x, x, torch.randn(5, 2, 8)), /key shape \[4, 2, 8\] does not match value shape \[5, 2, 8\]/);
  });
});
