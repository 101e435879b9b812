#!/usr/bin/env node
// Writes .pth files with antorcha's writer, and expected.json describing them, into the folder argv[2];
// tools/check_pth_written.py then loads them with PyTorch's torch.load(..., weights_only=True).
// Run after compiling: node tools/write_pth_samples.mjs /tmp/pth-out && /usr/bin/python3 tools/check_pth_written.py /tmp/pth-out
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../dist/src/index.js';
import { nn } from '../dist/src/index.js';
import { pth } from '../dist/src/io/index.js';
import { tensorToBytes } from '../dist/src/io/raw.js';

const out = process.argv[2];
if (!out) throw new Error('usage: write_pth_samples.mjs <folder>');
mkdirSync(out, { recursive: true });

function describe(v) {
  if (v instanceof torch.Tensor) {
    return { $tensor: { dtype: v.dtype, shape: v.shape, strides: v.strides, hex: Buffer.from(tensorToBytes(v)).toString('hex') } };
  }
  if (typeof v === 'bigint') return { $bigint: v.toString() };
  if (typeof v === 'number' && !Number.isFinite(v)) return { $float: String(v) };
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(describe);
  if (ArrayBuffer.isView(v)) return Array.from(v, (x) => describe(x));
  if (v instanceof Map) return { $dict: [...v].map(([k, x]) => [describe(k), describe(x)]) };
  const entries = Object.entries(v);
  const ordered = entries.length > 0 && entries.every(([, x]) => x instanceof torch.Tensor);
  return { [ordered ? '$ordered' : '$dict']: entries.map(([k, x]) => [k, describe(x)]) };
}

const expected = {};
function sample(name, obj, options) {
  if (options) writeFileSync(join(out, name), pth.serialize(obj, options));
  else pth.saveFile(obj, join(out, name));
  expected[name] = describe(obj);
}

torch.manualSeed(0);
const model = new nn.Sequential(new nn.Conv2d(2, 3, 3), new nn.BatchNorm2d(3), new nn.Flatten(), new nn.Linear(12, 2));
model.forward(torch.randn([4, 2, 4, 4]));
sample('state_dict.pth', model.stateDict());
sample('dtypes.pth', {
  float32: torch.tensor([1.5, -0, Infinity, NaN, 3.4e38]), float64: torch.tensor([[1 / 3, -2.5e-300]], { dtype: 'float64' }),
  bfloat16: torch.tensor([1, -2.5, 3e38], { dtype: 'bfloat16' }), float16: torch.tensor([0.1, -65504, -Infinity], { dtype: 'float16' }),
  int64: torch.tensor([0, -1, 2 ** 53 - 1, -(2 ** 52)], { dtype: 'int64' }), int32: torch.tensor([2 ** 31 - 1, -(2 ** 31)], { dtype: 'int32' }),
  uint8: torch.tensor([0, 255], { dtype: 'uint8' }), bool: torch.tensor([[true, false]]),
});
const base = torch.arange(0, 24, 1, { dtype: 'float32' }).reshape(4, 6);
const ones = torch.ones([3]);
sample('views.pth', {
  base, t: base.t(), row: base.select(0, 1), block: base.slice(0, 1, 3).slice(1, 2, 5), strided: base.slice(1, 0, 6, 3),
  expanded: ones.expand([4, 3]), scalar: torch.tensor(2.5), empty: torch.zeros([2, 0], { dtype: 'int32' }),
});
sample('nested.pth', {
  epoch: 3, name: 'résumé ✓', none: null, flags: [true, false], ints: [0, 255, 65536, -(2 ** 31) - 1, 2 ** 40, 2n ** 70n, -(2n ** 70n)],
  nested: { a: [1, { b: null, c: [[], {}] }] }, optimizer: { state: new Map([[0, { step: 3, exp_avg: torch.ones([2]) }]]), param_groups: [{ params: [0] }] },
  typed: new Int32Array([1, -2]), many: Array.from({ length: 2500 }, (_, i) => i), weights: { w: torch.arange(0, 3, 1, { dtype: 'int64' }) },
});
sample('floats.pth', { lr: 0.001, betas: [0.9, 0.999], inf: Infinity, nan: NaN });
sample('zip64.pth', { w: torch.arange(0, 40, 1, { dtype: 'float64' }), n: 5 }, { zip64Above: 16 });
writeFileSync(join(out, 'expected.json'), JSON.stringify(expected, null, 1));
console.log(`wrote ${Object.keys(expected).length} files to ${out}`);
