import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/index.js';
import { nn } from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { PthError, load, pth, safetensors, save } from '../../src/io/index.js';
import { tensorToBytes } from '../../src/io/raw.js';
import { ZipArchive } from '../../src/io/pth/zip_reader.js';
import { memorySource } from '../../src/io/pth/source.js';
import { fixturePath, loadFixture } from '../helpers.js';
import { zipPickle, disposeAll } from './pth_helpers.js';

interface Expected {
  files: Record<string, unknown>;
  hostile: Record<string, { code: string; message: string; marker?: string }>;
}
const expected = loadFixture<Expected>('pth/expected.json');
const hex = (t: Tensor) => Buffer.from(tensorToBytes(t)).toString('hex');

function withDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'antorcha-pth-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function specialFloat(s: string): number {
  return s === 'nan' ? NaN : s === 'inf' ? Infinity : -Infinity;
}

/** Compares what the reader returned with the generator's JSON description of the PyTorch value. */
function check(actual: unknown, want: unknown, path: string): void {
  if (Array.isArray(want)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array`);
    assert.equal(actual.length, want.length, `${path}: length`);
    want.forEach((w, i) => check(actual[i], w, `${path}[${i}]`));
    return;
  }
  if (want === null || typeof want !== 'object') {
    assert.equal(actual, want, path);
    return;
  }
  const [tag, body] = Object.entries(want)[0] as [string, any]; // eslint-disable-line @typescript-eslint/no-explicit-any
  switch (tag) {
    case '$tensor': {
      assert.ok(actual instanceof torch.Tensor, `${path}: expected a tensor`);
      assert.equal(actual.dtype, body.dtype, `${path}: dtype`);
      assert.deepEqual(actual.shape, body.shape, `${path}: shape`);
      assert.equal(hex(actual), body.hex, `${path}: bytes`);
      assert.equal(actual.requiresGrad, body.requiresGrad, `${path}: requiresGrad`);
      if (actual.numel() > 0) {
        assert.deepEqual(actual.strides, body.strides, `${path}: strides`);
        assert.equal(actual.offset, body.offset, `${path}: storage offset`);
      }
      return;
    }
    case '$object': {
      assert.equal(Object.getPrototypeOf(actual), Object.prototype, `${path}: expected a plain object`);
      assert.deepEqual(Object.keys(actual as object), body.map((e: [string, unknown]) => e[0]), `${path}: keys in order`);
      for (const [k, w] of body) check((actual as Record<string, unknown>)[k], w, `${path}.${k}`);
      return;
    }
    case '$map': {
      assert.ok(actual instanceof Map, `${path}: expected a Map`);
      const entries = [...actual.entries()];
      assert.equal(entries.length, body.length, `${path}: size`);
      body.forEach(([k, w]: [unknown, unknown], i: number) => {
        check(entries[i][0], k, `${path}<key ${i}>`);
        check(entries[i][1], w, `${path}.${String(entries[i][0])}`);
      });
      return;
    }
    case '$set': {
      assert.ok(actual instanceof Set, `${path}: expected a Set`);
      assert.deepEqual([...actual].sort(), body, path);
      return;
    }
    case '$bytes': {
      assert.ok(actual instanceof Uint8Array, `${path}: expected bytes`);
      assert.equal(Buffer.from(actual).toString('hex'), body, path);
      return;
    }
    case '$bigint': assert.equal(actual, BigInt(body), path); return;
    case '$float': assert.ok(Object.is(actual, specialFloat(body)), `${path}: ${String(actual)} is not ${body}`); return;
    default: assert.fail(`${path}: unknown tag ${tag}`);
  }
}

test('reads every checkpoint PyTorch wrote, bit for bit: dtypes, state dict, parameters, views, 0-d, empty, nested', () => {
  assert.ok(Object.keys(expected.files).length >= 8);
  const before = torch.memory().numTensors;
  for (const [name, want] of Object.entries(expected.files)) {
    const value = pth.loadFile(fixturePath(`pth/${name}`));
    check(value, want, name);
    disposeAll(value);
  }
  assert.equal(torch.memory().numTensors, before, 'every loaded tensor was disposed');
});

test('a module state_dict loads into the same antorcha model', () => {
  const sd = load(fixturePath('pth/state_dict.pth')) as Record<string, Tensor>;
  assert.deepEqual(Object.keys(sd), [
    '0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked', '3.weight', '3.bias',
  ]);
  assert.equal(sd['1.num_batches_tracked'].dtype, 'int64');
  assert.equal(sd['1.num_batches_tracked'].item(), 1);
  const model = new nn.Sequential(new nn.Conv2d(2, 3, 3), new nn.BatchNorm2d(3), new nn.Flatten(), new nn.Linear(12, 2));
  const result = model.loadStateDict(sd);
  assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [] });
  assert.ok(model.stateDict()['1.running_var'].equal(sd['1.running_var']));
  disposeAll(sd);
});

test('views that shared a storage in PyTorch share memory after loading', () => {
  const v = pth.loadFile(fixturePath('pth/views.pth')) as Record<string, Tensor>;
  for (const name of ['row', 'col', 't', 'block', 'strided', 'tail']) assert.equal(v[name].storage, v.base.storage, name);
  assert.equal(v.expanded.storage, v.ones.storage);
  assert.deepEqual(v.expanded.strides, [0, 1]);
  torch.noGrad(() => v.base.add_(100));
  assert.deepEqual(v.col.tolist(), [102, 108, 114, 120], 'a write through the base shows in its views');
  assert.deepEqual(v.block.tolist(), [[108, 109, 110], [114, 115, 116]]);
  disposeAll(v);
});

test('parameters come back as tensors keeping requires_grad', () => {
  const p = pth.loadFile(fixturePath('pth/parameters.pth')) as Record<string, Tensor>;
  assert.equal(p.weight.requiresGrad, true);
  assert.equal(p.frozen.requiresGrad, false);
  assert.equal(p.plain.requiresGrad, true);
  assert.ok(p.weight.isLeaf);
  disposeAll(p);
});

test('hostile and damaged files are refused with a typed error naming the problem; nothing is executed', () => withDir((dir) => {
  const cwd = process.cwd();
  const before = torch.memory().numTensors;
  // The os.system payload would create its marker in the working folder.
  process.chdir(dir);
  try {
    assert.ok(Object.keys(expected.hostile).length >= 20);
    for (const [name, want] of Object.entries(expected.hostile)) {
      for (const read of [() => pth.loadFile(fixturePath(`pth/${name}`)), () => load(fixturePath(`pth/${name}`))]) {
        assert.throws(read, (e: unknown) => {
          assert.ok(e instanceof PthError, `${name}: ${String(e)}`);
          assert.equal(e.code, want.code, `${name}: ${e.message}`);
          assert.match(e.message, new RegExp(want.message), name);
          assert.ok(e.message.includes(name), `${name}: the message names the file`);
          return true;
        });
      }
      if (want.marker) assert.equal(existsSync(join(dir, want.marker)), false, `${name}: the payload did not run`);
    }
    assert.deepEqual(readdirSync(dir), [], 'nothing was created');
  } finally {
    process.chdir(cwd);
  }
  assert.equal(torch.memory().numTensors, before, 'refused files leave no tensors behind');
}));

test('hand-made pickles: every misuse of an opcode is refused', () => {
  const X = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    const n = Buffer.alloc(4);
    n.writeUInt32LE(b.length);
    return Buffer.concat([Buffer.from('X'), n, b]);
  };
  const cat = (...parts: (string | Buffer | number[])[]) =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
  const storage = (cls = 'FloatStorage', numel = 4) => cat('(', X('storage'), `ctorch\n${cls}\n`, X('0'), X('cpu'), [0x4b, numel], 'tQ');
  const tensor = (size: string, stride: string, hooks = ')R', offset = 'K\x00') =>
    cat('\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(', storage(), offset, size, stride, '\x89ccollections\nOrderedDict\n', hooks, 'tR.');
  const f32 = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);
  const cases: [string, Uint8Array, string, RegExp][] = [
    ['SETITEMS on a tuple', cat('\x80\x02)(', X('k'), X('v'), 'u.'), 'InvalidPickle', /SETITEMS on a tuple/],
    ['APPENDS on a dict', cat('\x80\x02}(K\x01e.'), 'InvalidPickle', /APPENDS on a dict/],
    ['BUILD on a list', cat('\x80\x02]}b.'), 'ForbiddenCall', /BUILD on a list/],
    ['BUILD on a tensor (legacy set_)', cat(tensor('K\x04\x85', 'K\x01\x85').subarray(0, -1), '}b.'), 'ForbiddenCall', /BUILD on a torch\.Tensor/],
    ['REDUCE on a string', cat('\x80\x02', X('os.system'), ')R.'), 'InvalidPickle', /REDUCE calls a str/],
    ['REDUCE with a list of arguments', cat('\x80\x02ccollections\nOrderedDict\n]R.'), 'InvalidPickle', /arguments must be a tuple/],
    ['a MARK never closed', cat('\x80\x02((K\x01.'), 'InvalidPickle', /STOP inside an unclosed MARK/],
    ['a pop below the MARK', cat('\x80\x02K\x01(\x85.'), 'StackUnderflow', /pops from an empty stack/],
    ['two values left', cat('\x80\x02K\x01K\x02.'), 'InvalidPickle', /STOP with 2 values/],
    ['an unhashable key', cat('\x80\x02}]K\x01s.'), 'InvalidPickle', /unhashable type 'list'/],
    ['a string longer than the pickle', cat('\x80\x02X\xff\xff\xff\x7fabc.'), 'InvalidPickle', /pickle is truncated/],
    ['an invalid UTF-8 string', cat('\x80\x02X\x02\x00\x00\x00\xc3\x28.'), 'InvalidPickle', /not valid UTF-8/],
    ['pickle protocol 9', cat('\x80\x09N.'), 'InvalidPickle', /protocol 9/],
    ['a GLOBAL without newline', cat('\x80\x02ctorch'), 'InvalidPickle', /newline-terminated/],
    ['builtins.getattr', cat('\x80\x02cbuiltins\ngetattr\n.'), 'ForbiddenGlobal', /builtins\.getattr/],
    ['a persistent id that is not a storage', cat('\x80\x02', X('module'), '\x85Q.'), 'InvalidPickle', /persistent id must be a \('storage'/],
    ['a persistent id with a bad numel', cat('\x80\x02(', X('storage'), 'ctorch\nFloatStorage\n', X('0'), X('cpu'), 'J\xff\xff\xff\xfftQ.'), 'InvalidStorage', /numel/],
    ['one storage as two dtypes', cat('\x80\x02', storage(), storage('IntStorage'), '\x86.'), 'InvalidStorage', /described twice/],
    ['backward hooks', tensor('K\x04\x85', 'K\x01\x85', '}'), 'InvalidTensor', /backward hooks/],
    ['a float in the size', tensor('G@\x12\x00\x00\x00\x00\x00\x00\x85', 'K\x01\x85'), 'InvalidTensor', /tensor size must be a tuple of non-negative integers, got \(4\.5\)/],
    ['a negative stride', tensor('K\x04\x85', 'J\xff\xff\xff\xff\x85'), 'InvalidTensor', /tensor stride must be a tuple of non-negative/],
    ['sizes and strides of different lengths', tensor('K\x02K\x02\x86', 'K\x01\x85'), 'InvalidTensor', /2 dims but stride has 1/],
    ['an element count past 2^53', tensor('(J\xff\xff\xff\x7fJ\xff\xff\xff\x7fJ\xff\xff\xff\x7ft', '(K\x00K\x00K\x00t'), 'InvalidTensor', /too large/],
    ['a huge offset', tensor('K\x04\x85', 'K\x01\x85', ')R', '\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x01'), 'InvalidTensor', /storage offset must be a non-negative integer/],
    ['17 dims', tensor(`(${'K\x01'.repeat(17)}t`, `(${'K\x01'.repeat(17)}t`), 'InvalidTensor', /17 dims/],
    ['a bare class as a value', cat('\x80\x02ccollections\nOrderedDict\n.'), 'InvalidStructure', /cannot be a value/],
    ['a key of 2^40 tuples (memo doubling)', cat('\x80\x02}N', ...Array.from({ length: 40 }, (_, i) => [0x71, i, 0x68, i, 0x86]), 'Ns.'), 'TooLarge', /tuple more than 65536 characters/],
    ['_codecs.encode with another codec', cat('\x80\x02c_codecs\nencode\n', X('x'), X('rot13'), '\x86R.'), 'ForbiddenCall', /_codecs\.encode/],
  ];
  const before = torch.memory().numTensors;
  for (const [what, pkl, code, message] of cases) {
    assert.throws(() => pth.deserialize(zipPickle(pkl, { '0': f32 })), (e: unknown) => {
      assert.ok(e instanceof PthError, `${what}: ${String(e)}`);
      assert.equal(e.code, code, `${what}: ${e.message}`);
      assert.match(e.message, message, what);
      return true;
    }, what);
  }
  // The same helpers build a valid file, so the refusals above are about the one thing each case breaks.
  const ok = pth.deserialize(zipPickle(tensor('K\x02K\x02\x86', 'K\x02K\x01\x86'), { '0': f32 })) as Tensor;
  assert.deepEqual(ok.tolist(), [[1, 2], [3, 4]]);
  ok.dispose();
  assert.equal(torch.memory().numTensors, before);
});

test('deflated entries are read, but not when they claim more than 64 MiB (zip bombs)', () => {
  const bomb = readFileSync(fixturePath('pth/nesting_bomb.pth'));
  const zip = new ZipArchive(memorySource(bomb));
  const pkl = zip.get('archive/data.pkl')!;
  assert.equal(pkl.method, 8, 'the fixture is deflated');
  assert.ok(zip.readAll(pkl, 1 << 20).length > 100000, 'and inflates');
  // The first central-directory record is data.pkl's; its uncompressed size is at +24.
  const first = bomb.indexOf(Buffer.from('PK\x01\x02', 'latin1'));
  for (const [size, code, message] of [[2 ** 26 + 1, 'UnsupportedZip', /only entries up to 67108864 bytes/], [2 ** 25, 'CorruptZip', /claims 33554432 bytes from \d+ deflated/]] as const) {
    const patched = Buffer.from(bomb);
    patched.writeUInt32LE(size, first + 24);
    assert.throws(() => pth.deserialize(patched), (e: unknown) => e instanceof PthError && e.code === code && message.test(e.message), `${size}`);
  }
});

test('the writer round-trips through the reader: dtypes, views, non-contiguous and empty tensors, nested values', () => {
  const base = torch.arange(0, 12, 1, { dtype: 'float32' }).reshape(3, 4);
  const obj = {
    model: {
      'fc.weight': torch.randn([3, 2]), 'fc.bias': torch.tensor([1.5, -2], { dtype: 'float64' }),
      'bn.num_batches_tracked': torch.tensor(7, { dtype: 'int64' }),
    },
    dtypes: {
      bf16: torch.tensor([1, -2.5, 3e38], { dtype: 'bfloat16' }), f16: torch.tensor([0.1, -65504], { dtype: 'float16' }),
      i32: torch.tensor([2 ** 31 - 1, -(2 ** 31)], { dtype: 'int32' }), u8: torch.tensor([0, 255], { dtype: 'uint8' }),
      b: torch.tensor([true, false]), i64: torch.tensor([-(2 ** 53) + 1], { dtype: 'int64' }),
    },
    base, t: base.t(), row: base.select(0, 1), strided: base.slice(1, 0, 4, 2), expanded: torch.ones([3]).expand([2, 3]),
    empty: torch.zeros([2, 0]), scalar: torch.tensor(3.25),
    epoch: 3, big: 2n ** 70n, neg: -(2 ** 40), lr: 0.001, name: 'résumé', none: null, flags: [true, false],
    state: new Map<number, unknown>([[0, { step: 3 }], [1, { step: 4 }]]), typed: new Uint16Array([1, 65535]),
    nested: { a: [1, [2, [3, { deep: 'x' }]]] },
  } as Record<string, unknown>;
  Object.defineProperty(obj, '__proto__', { value: 'a key', enumerable: true });
  const bytes = pth.serialize(obj as never);
  const zip = new ZipArchive(memorySource(bytes));
  const names = [...zip.entries.keys()];
  assert.equal(names[0], 'archive/data.pkl');
  for (const e of zip.entries.values()) assert.equal(e.dataStart % 64, 0, `${e.name} starts on a 64-byte boundary`);
  // base, t, row and strided share one record; expanded has its own (3 elements), like every other tensor.
  assert.equal(names.filter((n) => n.startsWith('archive/data/')).length, 13);
  assert.equal(zip.get('archive/data/9')?.size, 12 * 4, 'the shared record holds the base once');
  const back = pth.deserialize(bytes) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.deepEqual(Object.keys(back), Object.keys(obj));
  const same = (a: Tensor, b: Tensor, what: string) => {
    assert.equal(a.dtype, b.dtype, what);
    assert.deepEqual(a.shape, b.shape, what);
    assert.equal(hex(a), hex(b), what);
  };
  for (const group of ['model', 'dtypes'] as const) {
    const src = obj[group] as Record<string, Tensor>;
    assert.deepEqual(Object.keys(back[group]), Object.keys(src));
    for (const k of Object.keys(src)) same(back[group][k], src[k], `${group}.${k}`);
  }
  for (const k of ['base', 't', 'row', 'strided', 'expanded', 'empty', 'scalar']) same(back[k], obj[k] as Tensor, k);
  assert.deepEqual(back.t.strides, [1, 4], 'strides are kept');
  assert.equal(back.row.storage, back.base.storage, 'views share one storage again');
  assert.deepEqual(back.expanded.strides, [0, 1]);
  assert.equal(back.epoch, 3);
  assert.equal(back.big, 2n ** 70n);
  assert.equal(back.neg, -(2 ** 40));
  assert.equal(back.lr, 0.001);
  assert.equal(back.name, 'résumé');
  assert.equal(back.none, null);
  assert.deepEqual(back.flags, [true, false]);
  assert.ok(back.state instanceof Map);
  assert.deepEqual([...back.state.entries()], [[0, { step: 3 }], [1, { step: 4 }]]);
  assert.deepEqual(back.typed, [1, 65535], 'typed arrays are written as lists');
  assert.deepEqual(back.nested, { a: [1, [2, [3, { deep: 'x' }]]] });
  assert.equal(Object.getOwnPropertyDescriptor(back, '__proto__')?.value, 'a key');
  disposeAll(back);
  disposeAll(obj);
});

test('zip64 archives (as written above 4 GiB) are written and read', () => {
  const t = torch.arange(0, 40, 1, { dtype: 'int64' });
  const bytes = pth.serialize({ t }, { zip64Above: 16 });
  const back = pth.deserialize(bytes) as { t: Tensor };
  assert.equal(hex(back.t), hex(t));
  disposeAll([back, t]);
});

test('the writer refuses what a checkpoint cannot hold, and writes nothing', () => withDir((dir) => {
  const path = join(dir, 'x.pth');
  const disposed = torch.ones([2]);
  disposed.dispose();
  const loop: Record<string, unknown> = {};
  loop.self = loop;
  const cases: [unknown, RegExp][] = [
    [loop, /contains itself/],
    [{ d: new Date() }, /cannot save a Date at d/],
    [{ f: () => 1 }, /cannot save a function at f/],
    [{ t: disposed }, /tensor at t was disposed/],
    [{ s: 'a\ud800b' }, /lone UTF-16 surrogate/],
    [new Map([[{}, 1]]), /Map keys must be strings or numbers/],
    [{ v: new DataView(new ArrayBuffer(2)) }, /cannot save a DataView/],
  ];
  for (const [obj, message] of cases) {
    assert.throws(() => pth.saveFile(obj, path), (e: unknown) => e instanceof PthError && e.code === 'InvalidStructure' && message.test(e.message));
  }
  assert.throws(() => save({ a: torch.ones([1]) }, path, { metadata: { a: 'b' } }), /metadata option applies to safetensors files only/);
  assert.deepEqual(readdirSync(dir), [], 'nothing written, no temporary file left');
}));

test('a safetensors file whose header length looks like a pickle opcode is not taken for a legacy file', () => withDir((dir) => {
  const path = join(dir, 'odd.safetensors');
  // Pad the metadata until the header is 640 bytes: the file then starts 80 02, like a protocol-2 pickle.
  let pad = 0;
  while (readHeaderLength(safetensors.serialize({ a: torch.ones([2]) }, { pad: 'x'.repeat(pad) })) < 640) pad++;
  const bytes = safetensors.serialize({ a: torch.ones([2]) }, { pad: 'x'.repeat(pad) });
  assert.deepEqual([...bytes.subarray(0, 2)], [0x80, 0x02]);
  writeFileSync(path, bytes);
  const back = load(path) as Record<string, Tensor>;
  assert.deepEqual(back.a.tolist(), [1, 1]);
  disposeAll(back);
  assert.equal(pth.sniff(readFileSync(fixturePath('pth/legacy.pt'))), 'legacy');
  assert.equal(pth.sniff(Uint8Array.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x58, 0x01, 0x00, 0x00])), 'legacy', 'any other pickle');
}));

function readHeaderLength(bytes: Uint8Array): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
}

test('torch.save picks the format by extension, torch.load by content', () => withDir((dir) => {
  const sd = { 'fc.weight': torch.randn([2, 3]), 'fc.bias': torch.zeros([2]) };
  save(sd, join(dir, 'model.pth'));
  save(sd, join(dir, 'model.PT'));
  save(sd, join(dir, 'model.safetensors'));
  for (const name of ['model.pth', 'model.PT']) assert.equal(readFileSync(join(dir, name)).subarray(0, 4).toString('latin1'), 'PK\x03\x04', name);
  assert.deepEqual([...safetensors.readFileHeader(join(dir, 'model.safetensors')).tensors.keys()], ['fc.weight', 'fc.bias']);
  // A .pth under another name still loads: load looks at the bytes, not the name.
  renameSync(join(dir, 'model.pth'), join(dir, 'weights.bin'));
  for (const name of ['weights.bin', 'model.PT', 'model.safetensors']) {
    const back = load(join(dir, name)) as Record<string, Tensor>;
    assert.deepEqual(Object.keys(back), ['fc.weight', 'fc.bias'], name);
    assert.ok(back['fc.weight'].equal(sd['fc.weight']), name);
    disposeAll(back);
  }
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.tmp')).length, 0);
  disposeAll(sd);
}));
