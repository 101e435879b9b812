/**
 * Shared runner for test/fixtures/nn.json (tools/gen_nn_fixtures.py): builds modules from PyTorch's class
 * name and arguments, loads PyTorch's state, and compares outputs, input and parameter gradients, and
 * state after training steps, at PyTorch's tolerances.
 */
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import * as nn from '../../src/nn/index.js';
import { loadFixture, fromFixture, mismatch, type EncodedTensor } from '../helpers.js';

export interface Step {
  mode: 'train' | 'eval';
  input: EncodedTensor;
  outputs: EncodedTensor[];
  gradOutputs?: EncodedTensor[];
  inputGrad?: EncodedTensor | null;
  paramGrads?: Record<string, EncodedTensor>;
}
export interface LayerCase {
  name: string;
  cls: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  nonleaf: boolean;
  state: Record<string, EncodedTensor>;
  steps: Step[];
  stateAfter?: Record<string, EncodedTensor>;
}
export interface LossCase {
  name: string;
  cls: string;
  kwargs: Record<string, unknown>;
  input: EncodedTensor;
  target: EncodedTensor;
  output: EncodedTensor;
  gradOutput: EncodedTensor;
  inputGrad: EncodedTensor;
}
export interface NnFixture {
  layers: LayerCase[];
  losses: LossCase[];
  functional: { name: string; kwargs: Record<string, unknown>; input: EncodedTensor; output: EncodedTensor; gradOutput: EncodedTensor; inputGrad: EncodedTensor }[];
  reprs: { cls: string; args: unknown[]; kwargs: Record<string, unknown>; repr: string }[];
  init: { seed: number; modules: { cls: string; args: unknown[]; kwargs: Record<string, unknown> }[]; states: Record<string, EncodedTensor>[] }[];
  initFns: { fn: string; shape: number[]; kwargs: Record<string, number | string>; exact: boolean; output: EncodedTensor }[];
  gains: Record<string, number>;
  net: {
    seed: number; repr: string; stateKeys: string[]; parameterNames: string[]; bufferNames: string[]; moduleNames: string[];
    initialState: Record<string, EncodedTensor>; input: EncodedTensor; target: EncodedTensor; loss: EncodedTensor;
    grads: Record<string, EncodedTensor>; stateAfter: Record<string, EncodedTensor>;
  };
}

/**
 * The generator writes each float32 as its shortest decimal; Math.fround turns it back into that exact
 * float32, so exact comparisons are exact.
 */
export function f32(e: EncodedTensor): EncodedTensor {
  if (e.dtype !== 'float32') return e;
  return { ...e, data: e.data.map((v) => (typeof v === 'number' ? Math.fround(v) : v)) };
}

export const fixture = loadFixture<NnFixture>('nn.json');

export const exact = { rtol: 0, atol: 0 };

export function assertClose(actual: Tensor, expected: EncodedTensor, what: string, tol?: { rtol: number; atol: number }): void {
  const why = mismatch(actual, f32(expected), tol);
  assert.equal(why, null, `${what}: ${why}`);
}

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Python constructor arguments as TypeScript ones: {tensor} → Tensor, snake_case → camelCase keys. */
export function decodeValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decodeValue);
  if (v !== null && typeof v === 'object') {
    if ('tensor' in v) return fromFixture(f32((v as { tensor: EncodedTensor }).tensor));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [camel(k), decodeValue(x)]));
  }
  return v;
}

type Ctor = new (...args: unknown[]) => nn.Module;

/**
 * new nn[cls](...args, options): layers take PyTorch's positional arguments, then an options object (the
 * fixtures give every positional argument before the keyword ones).
 */
export function build(cls: string, args: unknown[], kwargs: Record<string, unknown>): nn.Module {
  const ctor = (nn as unknown as Record<string, Ctor>)[cls];
  assert.ok(ctor, `no nn.${cls}`);
  const positional = decodeValue(args) as unknown[];
  return Object.keys(kwargs).length === 0 ? new ctor(...positional) : new ctor(...positional, decodeValue(kwargs));
}

export function stateOf(encoded: Record<string, EncodedTensor>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(encoded).map(([k, e]) => [k, fromFixture(f32(e))]));
}

/** Runs one layer case: state from PyTorch, then each step's forward and backward. */
export function runLayerCase(c: LayerCase, prepareInput: (x: Tensor) => Tensor = (x) => x): void {
  torch.tidy(() => {
    const m = build(c.cls, c.args, c.kwargs);
    m.loadStateDict(stateOf(c.state));
    const params = new Map(m.namedParameters());
    c.steps.forEach((step, s) => {
      m.train(step.mode === 'train');
      const x = prepareInput(fromFixture(f32(step.input)));
      if (x.isFloatingPoint()) x.requiresGrad_(true);
      const out = m.forward(c.nonleaf ? x.mul(1) : x) as Tensor | Tensor[];
      const outs = Array.isArray(out) ? out : [out];
      assert.equal(outs.length, step.outputs.length, `step ${s}: number of outputs`);
      outs.forEach((o, i) => assertClose(o, step.outputs[i], `step ${s} (${step.mode}) output ${i}`));
      if (!step.gradOutputs) return;
      const diff = outs.filter((o) => o.requiresGrad);
      torch.autograd.backward(diff, step.gradOutputs.map((g) => fromFixture(f32(g))));
      if (step.inputGrad) assertClose(x.grad!, step.inputGrad, `step ${s} input grad`);
      for (const [name, g] of Object.entries(step.paramGrads ?? {})) {
        const p = params.get(name);
        assert.ok(p?.grad, `step ${s}: parameter ${name} received no gradient`);
        assertClose(p.grad, g, `step ${s} grad of ${name}`);
      }
      m.zeroGrad();
    });
    if (c.stateAfter) {
      const sd = m.stateDict();
      assert.deepEqual(Object.keys(sd), Object.keys(c.stateAfter));
      for (const [k, e] of Object.entries(c.stateAfter)) assertClose(sd[k], e, `state ${k} after the steps`);
    }
  });
}

/** The fixture layers of the given classes. */
export function layersOf(classes: string[]): LayerCase[] {
  return fixture.layers.filter((c) => classes.includes(c.cls));
}

/** Layer classes whose tests need the native conv / pool / batch-norm ops (kept in their own files). */
export const convClasses = ['Conv1d', 'Conv2d'];
export const poolClasses = ['MaxPool1d', 'MaxPool2d', 'AvgPool1d', 'AvgPool2d', 'AdaptiveAvgPool1d', 'AdaptiveAvgPool2d', 'AdaptiveMaxPool2d'];
export const batchNormClasses = ['BatchNorm1d', 'BatchNorm2d'];
