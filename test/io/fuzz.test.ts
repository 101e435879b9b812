import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/index.js';
import { SafetensorsError, load, safetensors, save } from '../../src/io/index.js';
import { Generator } from '../../src/data/index.js';
import { fixturePath } from '../helpers.js';

/** Deterministic damage: truncation, byte flips, a rewritten length field, spliced or deleted runs. */
function mutate(src: Uint8Array, g: Generator): Uint8Array {
  const b = Uint8Array.from(src);
  const headerEnd = Math.min(b.length, 8 + Number(new DataView(b.buffer).getBigUint64(0, true)));
  switch (g.randint(7)) {
    case 0: return b.subarray(0, g.randint(b.length));
    case 1: {
      for (let k = 1 + g.randint(4); k > 0; k--) b[8 + g.randint(Math.max(1, headerEnd - 8))] = g.randint(256);
      return b;
    }
    case 2: {
      new DataView(b.buffer).setBigUint64(0, BigInt(g.randint(2 ** 31)) * (g.randint(2) ? 1n : 2n ** 33n), true);
      return b;
    }
    case 3: {
      const at = 8 + g.randint(Math.max(1, headerEnd - 8));
      const len = 1 + g.randint(16);
      return Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + len)]);
    }
    case 4: {
      // Replace a digit in the header: offsets and shapes change.
      const digits: number[] = [];
      for (let i = 8; i < headerEnd; i++) if (b[i] >= 0x30 && b[i] <= 0x39) digits.push(i);
      if (digits.length) b[digits[g.randint(digits.length)]] = 0x30 + g.randint(10);
      return b;
    }
    case 5: return Uint8Array.from({ length: g.randint(64) }, () => g.randint(256));
    default: {
      b[g.randint(b.length)] ^= 1 << g.randint(8);
      return b;
    }
  }
}

test('hundreds of damaged safetensors files give SafetensorsError or load, never crash or hang', () => {
  const sources = [
    readFileSync(fixturePath('data/safetensors/reference.safetensors')),
    safetensors.serialize({ a: torch.arange(6).reshape(2, 3), b: torch.ones([4], { dtype: 'bfloat16' }), c: torch.tensor([true]) }, { format: 'pt' }),
  ];
  const g = new Generator(2024);
  const before = torch.memory().numTensors;
  const outcomes = new Map<string, number>();
  const start = Date.now();
  for (let i = 0; i < 600; i++) {
    const bytes = mutate(sources[i % sources.length], g);
    let outcome = 'ok';
    try {
      torch.dispose(Object.values(safetensors.deserialize(bytes).tensors));
    } catch (e) {
      assert.ok(e instanceof SafetensorsError, `case ${i}: ${(e as Error)?.stack ?? e}`);
      outcome = e.code;
    }
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  assert.ok(Date.now() - start < 20_000, 'fuzzing took too long');
  assert.equal(torch.memory().numTensors, before, 'no tensor leaked from refused files');
  assert.ok(outcomes.size >= 6, `varied failures: ${JSON.stringify([...outcomes])}`);
});

test('damaged checkpoints (structure metadata included) give SafetensorsError from load()', () => {
  const dir = mkdtempSync(join(tmpdir(), 'antorcha-fuzz-'));
  try {
    const path = join(dir, 'ckpt.safetensors');
    save({ model: { w: torch.ones([2, 2]), b: torch.zeros([2]) }, step: 7, tags: ['x'], big: 12n, m: new Map([[1, 2]]), raw: new Uint8Array([1, 2]) }, path);
    const good = readFileSync(path);
    const g = new Generator(7);
    const before = torch.memory().numTensors;
    for (let i = 0; i < 300; i++) {
      const bad = join(dir, `bad${i % 4}.safetensors`);
      writeFileSync(bad, mutate(good, g));
      try {
        torch.dispose(load(bad));
      } catch (e) {
        assert.ok(e instanceof SafetensorsError, `case ${i}: ${(e as Error)?.stack ?? e}`);
      }
    }
    assert.equal(torch.memory().numTensors, before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
