/**
 * The probes for native bfloat16 kernels: their answers agree with what the kernels do, and probing leaves
 * no tensor alive (each probe runs once per process, so this file calls them first).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { hasNativeBfloat16, hasNativeBfloat16Rnn } from '../../src/amp/native_support.js';
import { rnnLayer } from '../../src/ops/rnn.js';

test('probing for bfloat16 kernels leaves no tensor alive', () => {
  const before = torch.memory().numTensors;
  hasNativeBfloat16();
  for (const mode of ['LSTM', 'GRU', 'RNN_TANH'] as const) hasNativeBfloat16Rnn(mode);
  assert.equal(torch.memory().numTensors, before);
});

test('LSTMs run fused in bfloat16 on every CPU (the own loop); other cells as oneDNN allows', () => {
  assert.equal(hasNativeBfloat16Rnn('LSTM'), true);
  torch.tidy(() => {
    const p = { wIh: [torch.randn([3, 2])], wHh: [torch.randn([3, 1])], bIh: null, bHh: null };
    const run = () => rnnLayer('GRU', torch.randn([2, 1, 2]).bfloat16(), torch.zeros([1, 1, 1]).bfloat16(), null, p);
    if (hasNativeBfloat16Rnn('GRU')) assert.equal(run().output.dtype, 'bfloat16');
    else assert.throws(run);
  });
});
