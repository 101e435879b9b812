import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { main } from '../../examples/mixed-precision.js';

test('the mixed-precision example trains under autocast with a GradScaler: bfloat16 logits, falling loss', () => {
  const printed: string[] = [];
  const before = torch.memory().numTensors;
  const { losses, scales, logitsDtype, model } = main({ epochs: 2, samples: 32, batchSize: 16, log: (l) => printed.push(l) });
  assert.equal(logitsDtype, 'bfloat16', 'on the CPU, autocast runs the model in bfloat16');
  assert.equal(losses.length, 2);
  assert.ok(losses.every(Number.isFinite));
  assert.ok(losses[1] < losses[0], `loss should fall: ${losses}`);
  assert.deepEqual(scales, [65536, 65536], 'no overflow in bfloat16: the scale keeps its initial value');
  for (const p of model.parameters()) {
    assert.equal(p.dtype, 'float32', 'the weights stay float32');
    assert.equal(p.grad?.dtype, 'float32', 'gradients come back in the parameters\' dtype');
  }
  assert.match(printed[0], /^device cpu, autocast bfloat16, GradScaler scale 65536$/);
  assert.match(printed.join('\n'), /epoch 2: loss \d+\.\d{4}, scale 65536/);
  // Each step's tidy frees its tensors and the weight cache dies with each region: a run of twice the
  // steps leaves no more tensors alive than a shorter one.
  const grown = torch.memory().numTensors - before;
  const start = torch.memory().numTensors;
  main({ epochs: 1, samples: 32, batchSize: 16, log: () => {} });
  assert.equal(torch.memory().numTensors - start, grown, 'tensors left alive per run depend on the number of steps');
});
