/**
 * The glue between forward computations and autograd: allocating outputs and recording graph nodes
 * according to the op table.
 */
import type { DType } from '../dtype.js';
import { itemsize } from '../dtype.js';
import { Storage } from '../storage.js';
import { Tensor } from '../tensor.js';
import { channelsLastStrides, contiguousStrides, denseLayoutLike, numelOf, sameShape } from '../layout.js';
import { Node, SavedTensor, type Edge } from '../autograd/node.js';
import { isGradEnabled } from '../autograd/grad_mode.js';
import { gradRules, type OpAttrs, type OpName } from './table.js';

/** A fresh contiguous tensor with uninitialised contents. */
export function empty(shape: number[], dtype: DType): Tensor {
  const storage = Storage.allocate(numelOf(shape) * itemsize(dtype));
  return new Tensor(storage, shape, contiguousStrides(shape), 0, dtype);
}

/**
 * A fresh tensor shaped like `like` that keeps its memory format (channels-last stays channels-last) when
 * `like` is dense; contiguous otherwise.
 */
export function emptyLayoutLike(like: Tensor, dtype: DType = like.dtype, shape: number[] = like.shape): Tensor {
  if (like.isContiguous() || !sameShape(shape, like.shape)) return empty(shape.slice(), dtype);
  const strides = denseLayoutLike(shape, like.strides);
  if (strides === null) return empty(shape.slice(), dtype);
  const storage = Storage.allocate(numelOf(shape) * itemsize(dtype));
  return new Tensor(storage, shape.slice(), strides, 0, dtype);
}

/** A fresh channels-last [N, C, H, W] tensor (the layout oneDNN's CNN kernels run fastest on). */
export function emptyChannelsLast(shape: number[], dtype: DType): Tensor {
  const storage = Storage.allocate(numelOf(shape) * itemsize(dtype));
  return new Tensor(storage, shape, channelsLastStrides(shape), 0, dtype);
}

/** A view of t's storage with another layout (shares memory; no graph). */
export function viewOf(t: Tensor, shape: number[], strides: number[], offset: number, dtype: DType = t.dtype): Tensor {
  return new Tensor(t.storage.retain(), shape, strides, offset, dtype);
}

/** True when recording is on and some input requires grad. */
export function needsGrad(inputs: readonly (Tensor | null | undefined)[]): boolean {
  if (!isGradEnabled()) return false;
  for (const t of inputs) if (t && t.requiresGrad) return true;
  return false;
}

function edgeOf(t: Tensor | null | undefined): Edge {
  if (!t || !t.requiresGrad) return null;
  const fn = t.gradFn;
  return fn ? { node: fn, outputNr: t.outputNr } : { leaf: t };
}

/**
 * Records op `name` producing `outputs` from `inputs` when gradients are needed; returns outputs[0] for
 * convenience. Nondifferentiable ops record nothing.
 */
export function record<K extends OpName>(
  name: K,
  outputs: Tensor[],
  inputs: (Tensor | null | undefined)[],
  attrs: OpAttrs[K],
): void {
  const rule = gradRules[name];
  if (rule === 'nondiff' || !needsGrad(inputs)) return;
  const edges = inputs.map(edgeOf);
  const toSave = rule.save ? rule.save(inputs as Tensor[], outputs, attrs as never) : [];
  const saved = toSave.map((t) => (t ? new SavedTensor(t, outputs.includes(t)) : null));
  const meta = inputs.map((t) => (t ? { shape: t.shape, dtype: t.dtype } : { shape: [], dtype: 'float32' as DType }));
  const node = new Node(name, edges, meta, attrs, saved, outputs.length);
  outputs.forEach((out, i) => {
    if (rule.nondiffOutputs?.includes(i)) return;
    out.setGradFn(node, i);
  });
}
