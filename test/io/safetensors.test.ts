import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { SafetensorsError, safetensors } from '../../src/io/index.js';
import { tensorToBytes, tensorFromBytes } from '../../src/io/raw.js';
import { fixturePath, loadFixture } from '../helpers.js';

const hex = (t: Tensor) => Buffer.from(tensorToBytes(t)).toString('hex');
const reference = loadFixture<{ writer: string; tensors: Record<string, { dtype: string; shape: number[]; hex: string }> }>('data/safetensors/reference.json');
const DTYPES: Record<string, torch.DType> = { F32: 'float32', F64: 'float64', BF16: 'bfloat16', F16: 'float16', I64: 'int64', I32: 'int32', U8: 'uint8', BOOL: 'bool' };

test('reads the file PyTorch\'s safetensors wrote, bit for bit, for every dtype', () => {
  const { tensors, metadata } = safetensors.loadFile(fixturePath('data/safetensors/reference.safetensors'));
  assert.equal(metadata?.format, 'pt');
  assert.deepEqual(Object.keys(tensors).sort(), Object.keys(reference.tensors).sort());
  for (const [name, want] of Object.entries(reference.tensors)) {
    const t = tensors[name];
    assert.equal(t.dtype, DTYPES[want.dtype], name);
    assert.deepEqual(t.shape, want.shape, name);
    assert.equal(hex(t), want.hex, name);
  }
  assert.equal(tensors.i64.dataSync()[4], 2n ** 53n + 1n, 'int64 beyond 2^53 is exact');
  assert.ok(Number.isNaN((tensors.bf16.tolist() as number[])[6]));
  assert.deepEqual(tensors.scalar.shape, []);
  assert.deepEqual(tensors.empty.shape, [0, 3]);
});

test('writes what it reads: same bytes for every tensor, aligned data, padded header', () => {
  const { tensors } = safetensors.loadFile(fixturePath('data/safetensors/reference.safetensors'));
  const metadata = { format: 'pt', source: 'safetensors.torch' };
  const bytes = safetensors.serialize(tensors, metadata);
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  assert.equal(n % 8, 0, 'header padded to 8 bytes');
  const header = safetensors.readHeader((p, l) => bytes.subarray(p, p + l), bytes.length);
  for (const [name, info] of header.tensors) {
    const size = { F64: 8, I64: 8, F32: 4, I32: 4, BF16: 2, F16: 2, U8: 1, BOOL: 1 }[info.dtype]!;
    assert.equal(info.dataOffsets[0] % size, 0, `${name} is aligned to its element size`);
  }
  assert.deepEqual([...header.tensors.keys()], Object.keys(tensors), 'header keeps the caller\'s order');
  const back = safetensors.deserialize(bytes);
  for (const name of Object.keys(tensors)) assert.equal(hex(back.tensors[name]), hex(tensors[name]), name);
  assert.deepEqual(back.metadata, metadata);
  // As long as the reference writer's file (the same tensors, metadata and padding).
  const refBytes = readFileSync(fixturePath('data/safetensors/reference.safetensors'));
  assert.equal(bytes.length, refBytes.length);
});

test('16-bit floats keep their exact bits (NaN payloads included); views and non-contiguous tensors save their values', () => {
  const bits = new Uint16Array([0x7fc1, 0xffff, 0x0001, 0x8000, 0x3f80]);
  const bf = tensorFromBytes(new Uint8Array(bits.buffer), 'bfloat16', [5]);
  const f16 = tensorFromBytes(new Uint8Array(bits.buffer), 'float16', [5]);
  const base = torch.arange(12).float().reshape(3, 4);
  const t = base.t();
  const view = base.narrow(0, 1, 2);
  const dir = mkdtempSync(join(tmpdir(), 'antorcha-st-'));
  try {
    const path = join(dir, 'x.safetensors');
    safetensors.saveFile(new Map([['bf', bf], ['f16', f16], ['t', t], ['view', view], ['__proto__', base]]), path);
    const { tensors } = safetensors.loadFile(path);
    assert.deepEqual(new Uint16Array(tensorToBytes(tensors.bf).buffer), bits);
    assert.deepEqual(new Uint16Array(tensorToBytes(tensors.f16).buffer), bits);
    assert.deepEqual(tensors.t.tolist(), t.tolist());
    assert.deepEqual(tensors.view.tolist(), [[4, 5, 6, 7], [8, 9, 10, 11]]);
    assert.ok(Object.prototype.hasOwnProperty.call(tensors, '__proto__'), 'a tensor named __proto__ is a key, not a prototype');
    assert.deepEqual(safetensors.readFileHeader(path).tensors.get('t')!.shape, [4, 3]);
    assert.deepEqual(readdirSync(dir), ['x.safetensors'], 'no temporary file is left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Builds a file from a header object (or raw header text) and a data section. */
function file(header: unknown, data: Uint8Array = new Uint8Array(0), declared?: bigint): Uint8Array {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  const h = Buffer.from(text, 'utf8');
  const out = Buffer.alloc(8 + h.length + data.length);
  out.writeBigUInt64LE(declared ?? BigInt(h.length), 0);
  h.copy(out, 8);
  out.set(data, 8 + h.length);
  return out;
}

function code(bytes: Uint8Array): string {
  try {
    safetensors.deserialize(bytes);
  } catch (e) {
    assert.ok(e instanceof SafetensorsError, `expected a SafetensorsError, got ${e}`);
    return e.code;
  }
  return 'ok';
}

test('validation follows the reference implementation, with typed errors', () => {
  const f32 = (offsets: number[], shape = [2]) => ({ dtype: 'F32', shape, data_offsets: offsets });
  const eight = new Uint8Array(8);
  assert.equal(code(file({ a: f32([0, 8]) }, eight)), 'ok');
  assert.equal(code(new Uint8Array(5)), 'HeaderTooSmall');
  assert.equal(code(file({}, new Uint8Array(0), 100_000_001n)), 'HeaderTooLarge');
  assert.equal(code(file({}, new Uint8Array(0), 2n ** 64n - 1n)), 'HeaderTooLarge');
  assert.equal(code(file({}, new Uint8Array(0), 50n)), 'InvalidHeaderLength');
  const badUtf8 = file('{}');
  badUtf8[9] = 0xff;
  assert.equal(code(badUtf8), 'InvalidHeader');
  assert.equal(code(file('  []')), 'InvalidHeaderStart');
  assert.equal(code(file('{"a": ')), 'InvalidHeaderDeserialization');
  assert.equal(code(file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}', new Uint8Array(16))), 'DuplicateKey');
  assert.equal(code(file({ a: { dtype: 'F32', shape: [2] } }, eight)), 'InvalidHeaderDeserialization');
  assert.equal(code(file({ a: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, eight)), 'InvalidHeaderDeserialization');
  assert.equal(code(file({ a: { dtype: 'F32', shape: [2.5], data_offsets: [0, 8] } }, eight)), 'InvalidHeaderDeserialization');
  assert.equal(code(file({ a: { dtype: 'Q7', shape: [2], data_offsets: [0, 8] } }, eight)), 'InvalidDType');
  assert.equal(code(file({ __metadata__: { k: 1 }, a: f32([0, 8]) }, eight)), 'InvalidHeaderDeserialization');
  assert.equal(code(file({ a: f32([0, 8]), b: f32([16, 24]) }, new Uint8Array(24))), 'InvalidOffset');
  assert.equal(code(file({ a: f32([0, 8]), b: f32([4, 12]) }, new Uint8Array(12))), 'InvalidOffset');
  assert.equal(code(file({ a: f32([8, 0]) }, eight)), 'InvalidOffset');
  assert.equal(code(file({ a: f32([0, 12]) }, new Uint8Array(12))), 'TensorInvalidInfo');
  assert.equal(code(file({ a: f32([0, 8], [2 ** 40, 2 ** 40]) }, eight)), 'ValidationOverflow');
  assert.equal(code(file({ a: f32([0, 8]) }, new Uint8Array(9))), 'MetadataIncompleteBuffer');
  assert.equal(code(file({ a: f32([0, 8]) }, new Uint8Array(4))), 'MetadataIncompleteBuffer');
  assert.equal(code(file({ a: { dtype: 'I16', shape: [4], data_offsets: [0, 8] } }, eight)), 'UnsupportedDType');
  assert.equal(code(file({ a: { dtype: 'U8', shape: new Array(17).fill(1), data_offsets: [0, 1] } }, new Uint8Array(1))), 'InvalidShape');
  // Tensors listed out of order in the header are fine when their offsets tile the data.
  assert.equal(code(file({ b: f32([8, 16]), a: f32([0, 8]) }, new Uint8Array(16))), 'ok');
  const err = (() => {
    try {
      safetensors.loadFile(fixturePath('data/mnist/train-labels-idx1-ubyte'));
    } catch (e) {
      return e as SafetensorsError;
    }
  })();
  assert.ok(err instanceof SafetensorsError);
  assert.match(err!.message, /train-labels-idx1-ubyte: /, 'file errors name the file');
});

test('refused files and writes leave no tensors behind; writing refuses bad input', () => {
  const before = torch.memory().numTensors;
  const data = new Uint8Array(16);
  code(file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'I16', shape: [4], data_offsets: [8, 16] } }, data));
  assert.equal(torch.memory().numTensors, before);
  assert.throws(() => safetensors.serialize({ a: 3 as unknown as Tensor }), (e: unknown) => e instanceof SafetensorsError && e.code === 'InvalidTensor');
  const gone = torch.zeros([2]);
  gone.dispose();
  assert.throws(() => safetensors.serialize({ a: gone }), /was disposed/);
  assert.throws(() => safetensors.serialize({ __metadata__: torch.zeros([1]) }), /__metadata__/);
  assert.throws(() => safetensors.serialize({ a: torch.zeros([1]) }, { n: 1 as unknown as string }), /not a string/);
});
