/**
 * Every op sample from PyTorch (test/fixtures/ops.json): forward outputs, dtypes and input gradients at
 * PyTorch's tolerances, then a float64 finite-difference gradcheck of every differentiable sample, and a
 * check that every differentiable entry of the op table was exercised.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import type { Tensor, DType } from '../../src/index.js';
import { gradRules } from '../../src/ops/table.js';
import type { Node } from '../../src/autograd/node.js';
import { loadFixture, fromFixture, mismatch, type EncodedTensor } from '../helpers.js';
import { opInfo } from './op_info.js';

interface FixtureInput extends EncodedTensor {
  transform: 't' | 'step' | null;
  requiresGrad: boolean;
}
interface Case {
  op: string;
  name: string;
  kwargs: Record<string, unknown>;
  inputs: FixtureInput[];
  outputs: EncodedTensor[];
  gradOutputs?: EncodedTensor[];
  grads?: (EncodedTensor | null)[];
}

const fixture = loadFixture<{ cases: Case[] }>('ops.json');

function applyTransform(t: Tensor, transform: FixtureInput['transform']): Tensor {
  if (transform === 't') return t.transpose(-1, -2);
  if (transform === 'step') return t.slice(-1, 0, null, 2);
  return t;
}

function asList(out: Tensor | Tensor[]): Tensor[] {
  return Array.isArray(out) ? out : [out];
}

/** Names of the graph nodes reachable from the outputs. */
function graphOps(outputs: Tensor[], into: Set<string>): void {
  const seen = new Set<Node>();
  const stack = outputs.map((o) => o.gradFn).filter((n): n is Node => n !== null);
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    into.add(n.name);
    for (const e of n.edges) if (e?.node) stack.push(e.node);
  }
}

const exercised = new Set<string>();
const opsSeen = new Set<string>();

test('every fixture op has a TypeScript implementation and vice versa', () => {
  const fixtureOps = new Set(fixture.cases.map((c) => c.op));
  for (const op of fixtureOps) assert.ok(op in opInfo, `no op_info entry for fixture op ${op}`);
  for (const op of Object.keys(opInfo)) assert.ok(fixtureOps.has(op), `op_info entry ${op} has no fixture`);
});

for (const c of fixture.cases) {
  test(`parity ${c.name}`, () => {
    opsSeen.add(c.op);
    torch.tidy(() => {
      const bases = c.inputs.map((e) => {
        const t = fromFixture(e);
        return e.requiresGrad ? t.requiresGrad_(true) : t;
      });
      const views = bases.map((b, i) => applyTransform(b, c.inputs[i].transform));
      const outputs = asList(opInfo[c.op](views, c.kwargs));
      assert.equal(outputs.length, c.outputs.length, 'number of outputs');
      outputs.forEach((o, i) => {
        const why = mismatch(o, c.outputs[i]);
        assert.equal(why, null, `output ${i}: ${why}`);
      });
      if (!c.grads) return;
      const diff = outputs.filter((o) => o.requiresGrad);
      assert.equal(diff.length, c.gradOutputs!.length, 'outputs that require grad');
      graphOps(diff, exercised);
      torch.autograd.backward(diff, c.gradOutputs!.map((g) => fromFixture(g)));
      c.grads.forEach((expected, i) => {
        if (!expected) return;
        const got = bases[i].grad;
        assert.ok(got, `input ${i} received no gradient`);
        const why = mismatch(got, expected);
        assert.equal(why, null, `grad of input ${i}: ${why}`);
      });
    });
  });
}

/** Ops whose kernels exist in float32 only (oneDNN primitives): checked by a float32 finite difference. */
const float32Only = new Set(['conv2d', 'rnn_layer']);

for (const c of fixture.cases) {
  // Casts to 16-bit floats have no float64 output to differentiate numerically.
  if (!c.grads || c.inputs.some((e) => e.shape.includes(0)) || c.outputs.every((o) => o.dtype !== 'float32' && o.dtype !== 'float64')) continue;
  test(`gradcheck ${c.name}`, () => {
    torch.tidy(() => {
      const wide: DType = float32Only.has(c.op) ? 'float32' : 'float64';
      const asDouble = (e: FixtureInput): Tensor => {
        const floating = e.dtype.startsWith('float') || e.dtype === 'bfloat16';
        const t = fromFixture(e, floating ? wide : (e.dtype as DType));
        return floating && e.requiresGrad ? t.requiresGrad_(true) : t;
      };
      const bases = c.inputs.map(asDouble);
      const fn = (...xs: Tensor[]) => {
        const outs = asList(opInfo[c.op](xs.map((x, i) => applyTransform(x, c.inputs[i].transform)), c.kwargs))
          .filter((o) => o.dtype === wide);
        return torch.cat(outs.map((o) => o.reshape([-1])));
      };
      // A float32 central difference errs by ~|y| 6e-8 / eps from rounding plus eps^2 f''' / 6 from truncation:
      // at eps 1e-2 that is ~1e-3 relative on batch norm (conv is linear: rounding only). This check is on top
      // of the parity above, which holds these gradients to PyTorch's at float32 tolerance.
      const options = wide === 'float32' ? { eps: 1e-2, atol: 5e-3, rtol: 5e-3 } : {};
      assert.equal(torch.autograd.gradcheck(fn, bases, options), true);
    });
  });
}

test('every differentiable op of the table is exercised by a parity sample', () => {
  const differentiable = Object.entries(gradRules).filter(([, r]) => r !== 'nondiff').map(([name]) => name);
  const missing = differentiable.filter((name) => !exercised.has(name));
  assert.deepEqual(missing, [], `ops of the table without a backward parity sample: ${missing.join(', ')}`);
  const samples = fixture.cases.length;
  console.log(`parity: ${opsSeen.size} ops, ${samples} samples; ${differentiable.length} differentiable table ops exercised`);
});
