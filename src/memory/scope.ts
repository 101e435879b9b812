/**
 * Deterministic memory release. Node's GC finalizers never run inside a synchronous training loop, so every
 * tensor created inside `tidy(fn)` (or between `startScope()` and `endScope()`) is disposed when the scope
 * ends, except the values it returns and tensors marked with `keep`. GC finalization is only a backstop.
 */
import { addon } from '../backend/native.js';

/** What scopes need of a tensor. */
export interface Tracked {
  readonly isDisposed: boolean;
  kept: boolean;
  dispose(): void;
  /** Registers the GC backstop; called for tensors that no scope will dispose. Idempotent. */
  guard(): void;
}

const scopes: Tracked[][] = [];
let liveTensors = 0;

/**
 * Called by every tensor constructor; returns false when no scope owns the tensor (it then needs the GC
 * backstop at once). Tensors that die with their scope never pay for finalizer registration.
 */
export function track(t: Tracked): boolean {
  liveTensors++;
  if (scopes.length === 0) return false;
  scopes[scopes.length - 1].push(t);
  return true;
}

/** Called once per tensor when it is disposed or collected. */
export function untrack(): void {
  liveTensors--;
}

export function startScope(): void {
  scopes.push([]);
}

/** Ends the innermost scope: disposes what it created, except `results`, which move to the parent scope. */
export function endScope(results?: unknown): void {
  const scope = scopes.pop();
  if (!scope) throw new Error('endScope() without a matching startScope()');
  const survivors = new Set<Tracked>();
  collect(results, survivors);
  const parent = scopes.length > 0 ? scopes[scopes.length - 1] : null;
  for (const t of scope) {
    if (t.isDisposed) continue;
    if (survivors.has(t)) {
      if (parent) parent.push(t);
      else t.guard();
    } else if (!t.kept) {
      t.dispose();
    }
  }
}

function collect(value: unknown, into: Set<Tracked>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  if (isTracked(value)) {
    into.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, into, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, into, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, into, depth + 1);
  }
}

function isTracked(v: object): v is Tracked {
  return 'kept' in v && 'dispose' in v && 'isDisposed' in v;
}

/**
 * Runs fn and disposes every tensor it created that is not part of its result (tensors in returned arrays,
 * maps and plain objects survive).
 *
 * @example
 * for (const [x, y] of loader) {
 *   torch.tidy(() => {
 *     const loss = lossFn(model.forward(x), y);
 *     opt.zeroGrad(); loss.backward(); opt.step();
 *   });
 * }
 */
export function tidy<T>(fn: () => T): T {
  startScope();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    endScope();
    throw e;
  }
  if (result instanceof Promise) {
    endScope();
    throw new Error('tidy() cannot wrap an async function: tensors would be disposed before it finishes');
  }
  endScope(result);
  return result;
}

/** Marks a tensor so that no enclosing scope disposes it (parameters, optimizer state, cached values). */
export function keep<T extends Tracked>(t: T): T {
  t.kept = true;
  t.guard();
  return t;
}

/** Disposes every tensor found in a value (a tensor, or arrays / plain objects / maps of them). */
export function dispose(value: unknown): void {
  const found = new Set<Tracked>();
  collect(value, found);
  for (const t of found) t.dispose();
}

/** A scope usable with `using` (TypeScript 5.2+) or ended by hand. */
export function scope(): { end(results?: unknown): void; [Symbol.dispose](): void } {
  startScope();
  let open = true;
  const end = (results?: unknown) => {
    if (open) {
      open = false;
      endScope(results);
    }
  };
  return { end, [Symbol.dispose]: () => end() };
}

export interface MemoryInfo {
  /** Tensors created and neither disposed nor garbage-collected. */
  numTensors: number;
  /** Bytes of native memory held by live storages. */
  numBytes: number;
  /** Live native storage blocks (views share one). */
  numStorages: number;
  /** Freed bytes the allocator keeps for reuse. */
  cachedBytes: number;
  /** Highest numBytes so far. */
  peakBytes: number;
  /** Bytes of weights kept in a kernel's layout (eval-mode folded convolution weights), freed with them. */
  stagedWeightBytes: number;
}

/**
 * Memory statistics of the native backend.
 *
 * @example
 * const before = torch.memory().numBytes;
 */
export function memory(): MemoryInfo {
  const s = addon.stats();
  return {
    numTensors: liveTensors, numBytes: s[0], numStorages: s[1], cachedBytes: s[2], peakBytes: s[3], stagedWeightBytes: s[4],
  };
}

/** Returns the allocator's cached blocks to the system. */
export function emptyCache(): void {
  addon.emptyCache();
}
