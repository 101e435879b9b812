import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as torch from '../../src/index.js';
import { PthError, pth } from '../../src/io/index.js';
import { Generator } from '../../src/data/index.js';
import { ZipArchive } from '../../src/io/pth/zip_reader.js';
import { memorySource } from '../../src/io/pth/source.js';
import { fixturePath } from '../helpers.js';
import { disposeAll, zipPickle } from './pth_helpers.js';

/** A valid archive and where its length fields are, for targeted damage. */
interface Source {
  bytes: Uint8Array;
  pickle: Uint8Array;
  storages: Record<string, Uint8Array>;
  /** [position, width] of every length / offset / count field in the zip structures. */
  fields: [number, 2 | 4][];
}

function describe(bytes: Uint8Array): Source {
  const zip = new ZipArchive(memorySource(bytes));
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields: [number, 2 | 4][] = [];
  const storages: Record<string, Uint8Array> = {};
  let pickle: Uint8Array = new Uint8Array();
  for (const e of zip.entries.values()) {
    fields.push([e.headerOffset + 18, 4], [e.headerOffset + 22, 4], [e.headerOffset + 26, 2], [e.headerOffset + 28, 2]);
    const content = zip.readAll(e, 1 << 20);
    if (e.name.endsWith('/data.pkl')) pickle = content;
    const m = /\/data\/(.+)$/.exec(e.name);
    if (m) storages[m[1]] = content;
  }
  const eocd = bytes.length - 22;
  const cdOffset = dv.getUint32(eocd + 16, true);
  for (let i = 0, p = cdOffset; i < zip.entries.size; i++) {
    fields.push([p + 20, 4], [p + 24, 4], [p + 28, 2], [p + 30, 2], [p + 32, 2], [p + 42, 4]);
    p += 46 + dv.getUint16(p + 28, true) + dv.getUint16(p + 30, true) + dv.getUint16(p + 32, true);
  }
  fields.push([eocd + 8, 2], [eocd + 10, 2], [eocd + 12, 4], [eocd + 16, 4], [eocd + 20, 2]);
  if (dv.getUint32(eocd - 20, true) === 0x07064b50) {
    // PyTorch always writes zip64 end records: damage their offset, counts and sizes too.
    const record = dv.getUint32(eocd - 12, true);
    fields.push([eocd - 12, 4], [record + 24, 4], [record + 32, 4], [record + 40, 4], [record + 48, 4]);
  }
  return { bytes, pickle, storages, fields };
}

function splice(b: Uint8Array, at: number, remove: number, insert: Uint8Array | number[] = []): Uint8Array {
  return Uint8Array.from([...b.subarray(0, at), ...insert, ...b.subarray(at + remove)]);
}

/** Damage to the archive: truncation, flipped bits, rewritten length / offset / count fields, cut runs. */
function mutateZip(s: Source, g: Generator): Uint8Array {
  const b = Uint8Array.from(s.bytes);
  switch (g.randint(6)) {
    case 0: return b.subarray(0, g.randint(b.length));
    case 1: {
      for (let k = 1 + g.randint(4); k > 0; k--) b[g.randint(b.length)] ^= 1 << g.randint(8);
      return b;
    }
    case 2:
    case 3: {
      const [at, width] = s.fields[g.randint(s.fields.length)];
      const dv = new DataView(b.buffer);
      const old = width === 2 ? dv.getUint16(at, true) : dv.getUint32(at, true);
      const max = width === 2 ? 0xffff : 0xffffffff;
      const choices = [0, 1, old + 1, old - 1, old * 2, old + 64, max, max - 1, g.randint(max)];
      const v = Math.max(0, Math.min(max, choices[g.randint(choices.length)]));
      if (width === 2) dv.setUint16(at, v, true);
      else dv.setUint32(at, v, true);
      return b;
    }
    case 4: return splice(b, g.randint(b.length), 1 + g.randint(32));
    default: return Uint8Array.from([0x50, 0x4b, 0x03, 0x04, ...Array.from({ length: g.randint(200) }, () => g.randint(256))]);
  }
}

// Opcodes a weights-only pickle uses, plus a few it must refuse, for insertion.
const OPCODES = [0x28, 0x2e, 0x29, 0x4a, 0x4b, 0x4d, 0x4e, 0x51, 0x52, 0x58, 0x5d, 0x61, 0x62, 0x63, 0x65, 0x68, 0x71, 0x73,
  0x74, 0x75, 0x7d, 0x81, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x47, 0x8f, 0x69, 0x93, 0x94, 0xff];

/** Damage to data.pkl, re-packed into a valid archive so the unpickler (not the CRC check) meets it. */
function mutatePickle(s: Source, g: Generator): Uint8Array {
  let p: Uint8Array = Uint8Array.from(s.pickle);
  const storages = { ...s.storages };
  const at = () => g.randint(p.length);
  switch (g.randint(8)) {
    case 0: p = p.subarray(0, at()); break;
    case 1: for (let k = 1 + g.randint(3); k > 0; k--) p[at()] = g.randint(256); break;
    case 2: p = splice(p, at(), 0, [OPCODES[g.randint(OPCODES.length)], ...Array.from({ length: g.randint(5) }, () => g.randint(256))]); break;
    case 3: p = splice(p, at(), 1 + g.randint(8)); break;
    case 4: {
      // An operand changes: a string length, a small int (sizes, strides, offsets, numels), a memo index.
      const ops = [0x58, 0x4b, 0x68, 0x71, 0x4a, 0x8a];
      const spots: number[] = [];
      for (let i = 0; i + 1 < p.length; i++) if (ops.includes(p[i])) spots.push(i + 1);
      if (spots.length) p[spots[g.randint(spots.length)]] = [0, 1, 2, 0x7f, 0xff, g.randint(256)][g.randint(6)];
      break;
    }
    case 5: {
      const from = at(), len = 1 + g.randint(40);
      p = splice(p, at(), 0, p.slice(from, from + len));
      break;
    }
    case 6: {
      const keys = Object.keys(storages);
      if (keys.length) {
        const k = keys[g.randint(keys.length)];
        storages[k] = storages[k].subarray(0, g.randint(storages[k].length + 1));
      }
      break;
    }
    default: {
      const keys = Object.keys(storages);
      if (keys.length) delete storages[keys[g.randint(keys.length)]];
    }
  }
  return zipPickle(p, storages);
}

test('thousands of damaged .pth files give PthError or load, never crash or hang (seeded, time-bounded)', (t) => {
  const names = ['state_dict.pth', 'views.pth', 'nested.pth', 'dtypes.pth', 'special.pth', 'parameters.pth'];
  const sources = names.map((n) => describe(readFileSync(fixturePath(`pth/${n}`))));
  sources.push(describe(pth.serialize({ w: torch.ones([2, 3]), v: [1, 'x', null], n: new Map([[1, torch.arange(0, 4, 1, { dtype: 'int64' })]]) })));
  // The re-packing itself is sound: unmutated pickles load.
  for (const s of sources) disposeAll(pth.deserialize(zipPickle(s.pickle, s.storages)));
  const g = new Generator(1234);
  const before = torch.memory().numTensors;
  const outcomes = new Map<string, number>();
  const start = Date.now();
  let cases = 0, slowest = 0;
  while (cases < 4000 && Date.now() - start < 6000) {
    const s = sources[cases % sources.length];
    const bytes = cases % 2 ? mutatePickle(s, g) : mutateZip(s, g);
    const t0 = Date.now();
    let outcome = 'ok';
    try {
      disposeAll(pth.deserialize(bytes));
    } catch (e) {
      assert.ok(e instanceof PthError, `case ${cases}: ${(e as Error)?.stack ?? e}`);
      outcome = e.code;
    }
    slowest = Math.max(slowest, Date.now() - t0);
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    cases++;
  }
  t.diagnostic(`${cases} cases in ${Date.now() - start} ms, slowest ${slowest} ms: ${JSON.stringify([...outcomes])}`);
  assert.ok(cases >= 500, `only ${cases} cases ran`);
  assert.ok(slowest < 1000, `one file took ${slowest} ms`);
  assert.equal(torch.memory().numTensors, before, 'no tensor leaked from refused files');
  assert.ok(outcomes.size >= 10, `varied outcomes: ${JSON.stringify([...outcomes])}`);
  assert.ok((outcomes.get('ok') ?? 0) > 0 && outcomes.size - 1 >= 9);
});
