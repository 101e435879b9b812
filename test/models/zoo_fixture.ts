/**
 * test/fixtures/models_resnet.json (tools/gen_models_fixtures.py): torchvision's AlexNet and ResNets with the
 * formula weights, and how antorcha's logits are compared with them.
 */
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/index.js';
import type { nn } from '../../src/index.js';
import { models } from '../../src/models/index.js';
import { decodeValues, loadFixture, type EncodedTensor } from '../helpers.js';

export interface ModelCase {
  name: string;
  /** torchvision's builder name, the same as antorcha's. */
  model: string;
  /** torchvision's keyword arguments (snake_case). */
  kwargs: Record<string, unknown>;
  inputShape: number[];
  /** State-dict keys with shapes in torchvision's order; null when an earlier case of the same model has them. */
  keys: [string, number[]][] | null;
  keysOf?: string;
  logits: EncodedTensor;
  /** max |PyTorch float32 logits - PyTorch float64 logits|. */
  float32Error: number;
  /** Present where the case amplifies float32 rounding beyond 1e-5 of the logits' scale. */
  logits64?: EncodedTensor;
}

export interface ZooFixture {
  torchvision: string;
  cases: ModelCase[];
  reprs: Record<string, string>;
  init: { model: string; kwargs: Record<string, unknown>; seed: number; first: Record<string, number[]> }[];
  training: {
    name: string; block: 'BasicBlock' | 'Bottleneck'; inputShape: number[]; inputShift: number;
    /** PyTorch's float64 step, and how far PyTorch's float32 step is from it. */
    logits64: EncodedTensor; logitsFloat32Error: number; loss64: number; lossFloat32Error: number;
    grads: Record<string, { first: number[]; norm: number; numel: number; float32Error: number }>;
    /** First running statistics after the step (float32). */
    running: Record<string, number[]>;
  }[];
  preset: {
    image: number[]; imageShape: number[]; cropSize: number; resizeSize: number; output: EncodedTensor;
    defaults: { mean: number[]; std: number[]; resizeSize: number };
  };
}

export const zoo = loadFixture<ZooFixture>('models_resnet.json');

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Builds antorcha's model for a torchvision builder name and keyword arguments. */
export function build(model: string, kwargs: Record<string, unknown>): nn.Module {
  const builder = (models as unknown as Record<string, (o: Record<string, unknown>) => nn.Module>)[model];
  assert.equal(typeof builder, 'function', `models.${model} exists`);
  return builder(Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [camel(k), v])));
}

/** The case's key list (following keysOf). */
export function keysOf(c: ModelCase): [string, number[]][] {
  const keys = c.keys ?? zoo.cases.find((d) => d.name === c.keysOf)?.keys;
  assert.ok(keys, `fixture keys for ${c.name}`);
  return keys;
}

export interface LogitsReport {
  /** max |antorcha - PyTorch float32|. */
  maxAbs: number;
  /** max over logits of |antorcha - PyTorch float32| / |PyTorch float32|. */
  maxRel: number;
  /** max |antorcha - PyTorch float64| where the fixture has float64 logits. */
  maxAbs64?: number;
}

const RTOL = 1e-4;

/**
 * Compares logits with the fixture. Where PyTorch's float32 logits are accurate (the usual case):
 * |a - e| <= 1e-4 |e| + 1e-4 max|e|. The absolute term is the relative tolerance of the logits' scale,
 * because rounding in a deep network is proportional to the magnitudes flowing through it: a logit near zero
 * comes out of sums of terms the size of the largest logits and is no more precise than they are.
 * Where the case amplifies float32 rounding (PyTorch's own float32 logits are off by more than 1e-5 of
 * their scale), no float32 implementation can match another to 1e-4; the logits are then compared with
 * PyTorch's float64 ones, allowing 3 times PyTorch's own float32 error (another summation order rounds
 * differently, by a similar amount).
 */
export function compareLogits(actual: Tensor, c: ModelCase): LogitsReport {
  assert.deepEqual(actual.shape, c.logits.shape, `${c.name}: logits shape`);
  const got = Array.from(actual.dataSync() as Float32Array);
  const want = decodeValues(c.logits.data).map(Math.fround);
  let maxAbs = 0, maxRel = 0, scale = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    maxAbs = Math.max(maxAbs, d);
    maxRel = Math.max(maxRel, d / Math.abs(want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  if (c.logits64 === undefined) {
    const atol = RTOL * scale;
    for (let i = 0; i < want.length; i++) {
      assert.ok(Math.abs(got[i] - want[i]) <= atol + RTOL * Math.abs(want[i]),
        `${c.name}: logit ${i} is ${got[i]}, PyTorch ${want[i]} (rtol ${RTOL}, atol ${atol.toPrecision(3)})`);
    }
    return { maxAbs, maxRel };
  }
  const want64 = decodeValues(c.logits64.data);
  const atol = 3 * c.float32Error;
  let maxAbs64 = 0;
  for (let i = 0; i < want64.length; i++) {
    const d = Math.abs(got[i] - want64[i]);
    maxAbs64 = Math.max(maxAbs64, d);
    assert.ok(d <= atol + RTOL * Math.abs(want64[i]),
      `${c.name}: logit ${i} is ${got[i]}, PyTorch float64 ${want64[i]} (atol ${atol.toPrecision(3)} = 3 x PyTorch's float32 error)`);
  }
  return { maxAbs, maxRel, maxAbs64 };
}

/** One line for the test's diagnostics. */
export function describeReport(c: ModelCase, r: LogitsReport): string {
  const scale = Math.max(...decodeValues(c.logits.data).map(Math.abs));
  let s = `${c.name}: max|logit| ${scale.toPrecision(4)}, vs PyTorch float32 max abs ${r.maxAbs.toExponential(2)}, max rel ${r.maxRel.toExponential(2)}`;
  if (r.maxAbs64 !== undefined) s += `; vs float64 max abs ${r.maxAbs64.toExponential(2)} (PyTorch float32: ${c.float32Error.toExponential(2)})`;
  return s;
}
