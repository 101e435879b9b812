import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { PthError, SafetensorsError, load, safetensors, save } from '../../src/io/index.js';
import { Generator } from '../../src/data/index.js';
import { fixturePath } from '../helpers.js';

function withDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'antorcha-ckpt-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('save/load round-trips a nested checkpoint: tensors, Maps, arrays, numbers, strings, typed arrays', () => withDir((dir) => {
  const path = join(dir, 'ckpt.safetensors');
  const g = new Generator(5);
  g.random();
  const model = { 'fc.weight': torch.randn([3, 2]), 'fc.bias': torch.zeros([3]), 'bn.num_batches_tracked': torch.tensor(4) };
  const optimizer = {
    state: new Map([[0, { step: 3, exp_avg: torch.ones([3, 2]) }], [1, { step: 3, exp_avg: torch.ones([3]) }]]),
    param_groups: [{ lr: 0.001, betas: [0.9, 0.999], params: [0, 1], amsgrad: false, name: null }],
  };
  const ckpt = {
    model, optimizer, epoch: 3, note: 'héllo', best: -Infinity, nan: NaN, negZero: -0, big: 2n ** 63n - 1n,
    rng: g.getState(), maybe: undefined, half: torch.tensor([1.5, -2], { dtype: 'float16' }),
  };
  save(ckpt, path);
  const back = load(path) as typeof ckpt;
  assert.deepEqual(Object.keys(back), Object.keys(ckpt));
  for (const k of Object.keys(model) as (keyof typeof model)[]) {
    assert.equal(back.model[k].dtype, model[k].dtype);
    assert.ok(back.model[k].equal(model[k]), k);
  }
  assert.ok(back.optimizer.state instanceof Map);
  assert.deepEqual([...back.optimizer.state.keys()], [0, 1]);
  assert.ok(back.optimizer.state.get(1)!.exp_avg.equal(torch.ones([3])));
  assert.deepEqual(back.optimizer.param_groups, optimizer.param_groups);
  assert.equal(back.epoch, 3);
  assert.equal(back.note, 'héllo');
  assert.equal(back.best, -Infinity);
  assert.ok(Number.isNaN(back.nan));
  assert.ok(Object.is(back.negZero, -0));
  assert.equal(back.big, 2n ** 63n - 1n);
  assert.ok(back.rng instanceof Uint32Array);
  assert.equal(new Generator().setState(back.rng).random(), g.random(), 'the generator resumes where it was saved');
  assert.equal('maybe' in back && back.maybe === undefined, true);
  assert.equal(back.half.dtype, 'float16');
  // Tensors are stored under their dotted paths: a plain safetensors reader sees PyTorch-style keys.
  const keys = [...safetensors.readFileHeader(path).tensors.keys()];
  assert.deepEqual(keys, ['model.fc.weight', 'model.fc.bias', 'model.bn.num_batches_tracked', 'optimizer.state.0.exp_avg', 'optimizer.state.1.exp_avg', 'half']);
  assert.deepEqual(readdirSync(dir), ['ckpt.safetensors']);
}));

test('a flat state dict keeps its keys; foreign safetensors files load as flat objects', () => withDir((dir) => {
  const sd = { 'features.0.weight': torch.randn([2, 3]), 'features.0.bias': torch.randn([2]) };
  const path = join(dir, 'sd.safetensors');
  save(sd, path);
  assert.deepEqual([...safetensors.readFileHeader(path).tensors.keys()], ['features.0.weight', 'features.0.bias']);
  const back = load(path) as Record<string, Tensor>;
  assert.ok(back['features.0.weight'].equal(sd['features.0.weight']));
  const foreign = load(fixturePath('data/safetensors/reference.safetensors')) as Record<string, Tensor>;
  assert.deepEqual(foreign['model.fc.weight'].shape, [2, 2]);
  const single = join(dir, 't.safetensors');
  save(torch.arange(3), single);
  assert.deepEqual((load(single) as Tensor).tolist(), [0, 1, 2]);
}));

test('save refuses what it cannot store; load recognises PyTorch\'s own formats', () => withDir((dir) => {
  const path = join(dir, 'x.safetensors');
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof SafetensorsError, String(e));
      return e.code + ': ' + e.message;
    }
    return 'ok';
  };
  assert.match(code(() => save({ a: { b: torch.zeros([1]) }, 'a.b': torch.zeros([1]) }, path)), /InvalidStructure: two tensors would be stored under the key "a.b"/);
  const loop: Record<string, unknown> = {};
  loop.self = loop;
  assert.match(code(() => save(loop as never, path)), /cycle/);
  assert.match(code(() => save({ d: new Date() } as never, path)), /cannot save a Date at d/);
  assert.match(code(() => save({ f: () => 1 } as never, path)), /cannot save a function at f/);
  assert.equal(existsSync(path), false, 'nothing is written when save refuses');
  writeFileSync(join(dir, 'model.pth'), Buffer.from('PK\x03\x04rest-of-a-zip'));
  // PyTorch's formats go to the .pth reader (test/io/pth.test.ts): a broken zip or a legacy pickle is a PthError.
  assert.throws(() => load(join(dir, 'model.pth')), (e) => e instanceof PthError && e.code === 'TruncatedZip' && /model\.pth/.test(e.message));
  writeFileSync(join(dir, 'legacy.pt'), Buffer.from([0x80, 0x02, 0x8a, 0x0a]));
  assert.throws(() => load(join(dir, 'legacy.pt')), (e) => e instanceof PthError && e.code === 'LegacyFormat');
}));

test('a writer killed mid-save (SIGKILL) leaves the previous checkpoint loadable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'antorcha-crash-'));
  try {
    const path = join(dir, 'ckpt.safetensors');
    save({ model: { 'layer0.weight': torch.full([4], 0) }, epoch: 0 }, path);
    const script = fileURLToPath(new URL('./checkpoint_writer.js', import.meta.url));
    const child = spawn(process.execPath, [script, path, '96'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Kill as soon as a temporary file exists next to the checkpoint, i.e. while a write is under way.
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 60_000;
      const poll = setInterval(() => {
        if (readdirSync(dir).some((f) => f.endsWith('.tmp'))) {
          child.kill('SIGKILL');
          clearInterval(poll);
          resolve();
        } else if (Date.now() > deadline || child.exitCode !== null) {
          clearInterval(poll);
          child.kill('SIGKILL');
          reject(new Error('the writer never started a write'));
        }
      }, 1);
    });
    await exited;
    const torn = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
    assert.equal(torn.length, 1, 'the killed write left its temporary file, not the checkpoint, half-written');
    const ckpt = load(path) as { model: Record<string, Tensor>; epoch: number };
    // Either the first checkpoint or a complete later version: every tensor holds the epoch number.
    for (const t of Object.values(ckpt.model)) {
      assert.equal(t.min().item(), ckpt.epoch);
      assert.equal(t.max().item(), ckpt.epoch);
    }
    torch.dispose(ckpt);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
