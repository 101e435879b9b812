/**
 * A node of the autograd graph: one recorded operation, the edges to where its inputs came from, and the
 * tensors its backward rule needs. Nodes are reference counted (by the tensors they produced and by the
 * nodes that consume them), so disposing tensors frees the graph's saved memory deterministically.
 */
import type { DType } from '../dtype.js';
import type { Storage } from '../storage.js';
import type { Tensor } from '../tensor.js';

/** Where an input's gradient goes: a producing node's output, a leaf tensor, or nowhere. */
export type Edge = { node: Node; outputNr: number; leaf?: undefined } | { leaf: Tensor; node?: undefined } | null;

let nextSequence = 0;

const nodeRegistry = new FinalizationRegistry<(SavedTensor | null)[]>((saved) => {
  for (const s of saved) s?.release();
});

/** A tensor kept for backward: a reference on its storage plus its layout and version at save time. */
export class SavedTensor {
  private storage: Storage | null;
  readonly shape: number[];
  readonly strides: number[];
  readonly offset: number;
  readonly dtype: DType;
  readonly version: number;
  /** For a saved leaf: the leaf itself, so double backward reaches it. */
  readonly leaf: Tensor | null;
  /** For a saved non-leaf input: where it came from. Outputs keep no edge (it would be a cycle). */
  readonly edge: Edge;

  constructor(t: Tensor, isOutput: boolean) {
    this.storage = t.storage.retain();
    this.shape = t.shape;
    this.strides = t.strides;
    this.offset = t.offset;
    this.dtype = t.dtype;
    this.version = this.storage.version;
    this.leaf = t.isLeaf && t.requiresGrad ? t : null;
    const fn = t.gradFn;
    this.edge = !isOutput && fn ? { node: fn, outputNr: t.outputNr } : null;
  }

  /** Rebuilds the tensor; throws when it was modified in place since it was saved. */
  unpack(node: Node, make: (s: SavedTensor, storage: Storage) => Tensor): Tensor {
    const storage = this.storage;
    if (!storage) {
      throw new Error(
        `Trying to backward through the graph a second time (or to use saved tensors after they were freed) in ` +
          `${node.name}. Pass { retainGraph: true } to the first backward() if you need to backward twice.`,
      );
    }
    if (storage.version !== this.version) {
      throw new Error(
        `one of the variables needed for gradient computation has been modified by an inplace operation: ` +
          `[${this.dtype} [${this.shape.join(', ')}]], which is input to ${node.name}, is at version ` +
          `${storage.version}; expected version ${this.version} instead.`,
      );
    }
    return make(this, storage);
  }

  release(): void {
    this.storage?.release();
    this.storage = null;
  }

  get released(): boolean {
    return this.storage === null;
  }
}

export interface InputMeta {
  shape: number[];
  dtype: DType;
}

export class Node {
  readonly sequence = nextSequence++;
  private refs = 0;
  saved: (SavedTensor | null)[];
  /** Non-leaf tensors whose .grad should be kept (retainGrad), by output number. */
  retained: Map<number, Tensor> | null = null;

  constructor(
    readonly name: string,
    readonly edges: Edge[],
    readonly inputs: InputMeta[],
    readonly attrs: unknown,
    saved: (SavedTensor | null)[],
    readonly numOutputs: number,
  ) {
    this.saved = saved;
    for (const e of edges) if (e?.node) e.node.retain();
    if (saved.length > 0) nodeRegistry.register(this, saved, this);
  }

  retain(): this {
    this.refs++;
    return this;
  }

  /** Drops a reference; the last one frees saved tensors and releases the inputs' nodes. */
  release(): void {
    if (--this.refs > 0) return;
    this.releaseSaved();
    for (const e of this.edges) e?.node?.release();
  }

  /** Frees the saved tensors (after backward, unless the graph is retained). */
  releaseSaved(): void {
    if (this.saved.length === 0) return;
    for (const s of this.saved) s?.release();
    nodeRegistry.unregister(this);
  }
}
