/**
 * A small seeded random generator for shuffling and splitting (xoshiro128**, seeded through splitmix32).
 * It lives in JavaScript because permutations are consumed in JavaScript (index lists); PyTorch-identical
 * permutations are not a goal. Without an explicit generator, samplers seed one from antorcha's default
 * generator, so `torch.manualSeed(s)` makes shuffling reproducible.
 */
import { randint } from '../ops/creation.js';

function splitmix32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/**
 * Seeded generator (torch.Generator's role for data loading).
 *
 * @example
 * const g = new Generator().manualSeed(42);
 * const loader = new DataLoader(ds, { batchSize: 64, shuffle: true, generator: g });
 */
export class Generator {
  private s = new Uint32Array(4);
  private seedValue = 0;

  constructor(seed?: number | bigint) {
    this.manualSeed(seed ?? Generator.freshSeed());
  }

  /** A seed from the OS-independent clock and Math.random (used by `seed()`). */
  private static freshSeed(): number {
    return Math.floor(Math.random() * 2 ** 53);
  }

  /** A generator seeded from antorcha's default generator (reproducible after torch.manualSeed). */
  static fromDefault(): Generator {
    const t = randint(0, 2 ** 53, []);
    try {
      return new Generator(t.item());
    } finally {
      t.dispose();
    }
  }

  /** Seeds the generator; any non-negative integer up to 2^53 (or a bigint, of which 64 bits count). */
  manualSeed(seed: number | bigint): this {
    if (typeof seed === 'number' && !Number.isFinite(seed)) throw new RangeError('manualSeed expects a finite integer');
    const big = typeof seed === 'bigint' ? BigInt.asUintN(64, seed) : BigInt.asUintN(64, BigInt(Math.trunc(seed)));
    this.seedValue = Number(big & ((1n << 53n) - 1n));
    const lo = Number(big & 0xffffffffn), hi = Number((big >> 32n) & 0xffffffffn);
    const mix = splitmix32(lo ^ Math.imul(hi, 0x85ebca6b));
    for (let i = 0; i < 4; i++) this.s[i] = mix();
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1; // the all-zero state is a fixed point
    return this;
  }

  /** Reseeds from a fresh nondeterministic seed and returns it (torch.Generator.seed). */
  seed(): number {
    const s = Generator.freshSeed();
    this.manualSeed(s);
    return s;
  }

  /** The seed last given to manualSeed (its low 53 bits). */
  initialSeed(): number {
    return this.seedValue;
  }

  /** The four state words, for checkpoints (`save({ rng: g.getState() })`). */
  getState(): Uint32Array {
    return this.s.slice();
  }

  setState(state: Uint32Array | number[]): this {
    if (state.length !== 4) throw new RangeError(`Generator.setState expects 4 words, got ${state.length}`);
    this.s.set(state);
    return this;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A uniform float in [0, 1) with 53 random bits. */
  random(): number {
    return ((this.nextUint32() >>> 5) * 67108864 + (this.nextUint32() >>> 6)) / 9007199254740992;
  }

  /** A uniform integer in [0, n), without modulo bias. */
  randint(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`randint expects a positive integer bound, got ${n}`);
    if (n > 2 ** 32) return Math.floor(this.random() * n);
    const limit = 2 ** 32 - (2 ** 32 % n); // reject the tail that would bias small values
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** A random permutation of 0..n-1 (Fisher–Yates). */
  randperm(n: number): number[] {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.randint(i + 1);
      const tmp = p[i];
      p[i] = p[j];
      p[j] = tmp;
    }
    return p;
  }
}
