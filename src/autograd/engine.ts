/**
 * Reverse-mode autodiff over the recorded graph: order the nodes reachable from the roots topologically,
 * then walk them once in reverse, calling each node's rule from the op table and routing the gradients
 * to the next nodes or into the leaves' .grad. Each node runs in its own memory scope, so temporaries die
 * as soon as its gradients are passed on; saved tensors are freed afterwards unless retainGraph is set.
 */
import { Tensor } from '../tensor.js';
import type { Node } from './node.js';
import { gradRules, type GradRule } from '../ops/table.js';
import { setGradEnabled, isGradEnabled } from './grad_mode.js';
import { endScope, startScope, keep } from '../memory/scope.js';
import { sameShape, formatShape } from '../layout.js';
import { sumToShape } from '../ops/reduce.js';
import { onesLike } from '../ops/creation.js';

export interface BackwardOptions {
  retainGraph?: boolean;
  createGraph?: boolean;
}

/** Topological order (dependencies after dependants) of the nodes reachable from roots. */
function topoOrder(roots: Node[]): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>();
  // Iterative DFS: graphs of long RNN unrolls would overflow the stack.
  const stack: [Node, number][] = [];
  for (const root of roots) {
    if (seen.has(root)) continue;
    seen.add(root);
    stack.push([root, 0]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const [node, i] = top;
      if (i < node.edges.length) {
        top[1]++;
        const next = node.edges[i]?.node;
        if (next && !seen.has(next)) {
          seen.add(next);
          stack.push([next, 0]);
        }
      } else {
        stack.pop();
        order.push(node);
      }
    }
  }
  return order.reverse();
}

/** Adds a gradient into a slot, out of place (the incoming tensor may be shared). */
function accumulate(slot: Tensor | null, g: Tensor): Tensor {
  return slot === null ? g : slot.add(g);
}

/** Gradient shaped and typed like its input: undo broadcasting, match dtype. */
function conform(g: Tensor, shape: number[], dtype: Tensor['dtype'], op: string): Tensor {
  let out = g;
  if (!sameShape(out.shape, shape)) {
    out = sumToShape(out, shape);
    if (!sameShape(out.shape, shape)) {
      throw new Error(`backward of ${op} produced a gradient of shape ${formatShape(g.shape)} for an input of shape ${formatShape(shape)}`);
    }
  }
  if (out.dtype !== dtype) out = out.to(dtype);
  return out;
}

/** The tensor a saved entry stands for, reattached to its graph position. */
function unpackSaved(node: Node, index: number): Tensor | null {
  const entry = node.saved[index];
  if (entry === null) return null;
  return entry.unpack(node, (s, storage) => {
    if (s.leaf) return s.leaf;
    const t = new Tensor(storage.retain(), s.shape, s.strides, s.offset, s.dtype);
    if (s.edge?.node) t.setGradFn(s.edge.node, s.edge.outputNr);
    return t;
  });
}

/**
 * Runs backward from roots. With `inputs`, gradients for exactly those tensors are returned instead of
 * being accumulated into .grad (autograd.grad).
 */
export function backward(
  roots: Tensor[],
  rootGrads: Tensor[] | null,
  options: BackwardOptions = {},
  inputs: Tensor[] | null = null,
): (Tensor | null)[] | void {
  const retain = options.retainGraph ?? options.createGraph ?? false;
  const createGraph = options.createGraph ?? false;
  const rootNodes: Node[] = [];
  const buffers = new Map<Node, (Tensor | null)[]>();
  const leafGrads = new Map<Tensor, Tensor>();
  const captureLeaf = inputs ? new Set(inputs.filter((t) => t.gradFn === null)) : null;
  const captureNode = new Map<string, Tensor>();
  if (inputs) for (const t of inputs) if (t.gradFn) captureNode.set(`${t.gradFn.sequence}:${t.outputNr}`, t);
  const captured = new Map<Tensor, Tensor>();

  const previousMode = isGradEnabled();
  setGradEnabled(createGraph);
  startScope();
  try {
    roots.forEach((root, i) => {
      if (!root.requiresGrad) {
        throw new Error('element 0 of tensors does not require grad and does not have a grad_fn');
      }
      let g = rootGrads?.[i];
      if (!g) {
        if (root.numel() !== 1) throw new Error('grad can be implicitly created only for scalar outputs');
        g = onesLike(root);
      } else if (!sameShape(g.shape, root.shape)) {
        throw new RangeError(`backward: gradient shape ${formatShape(g.shape)} does not match output shape ${formatShape(root.shape)}`);
      }
      const node = root.gradFn;
      if (node === null) {
        addLeafGrad(root, g);
        return;
      }
      rootNodes.push(node);
      const buf = buffers.get(node) ?? new Array<Tensor | null>(node.numOutputs).fill(null);
      buf[root.outputNr] = accumulate(buf[root.outputNr], g);
      buffers.set(node, buf);
    });

    for (const node of topoOrder(rootNodes)) {
      const buf = buffers.get(node);
      if (!buf) continue;
      buffers.delete(node);
      if (node.retained) {
        for (const [nr, t] of node.retained) if (buf[nr] && !t.isDisposed) setGrad(t, buf[nr]!);
      }
      if (captureNode.size > 0) {
        for (let nr = 0; nr < buf.length; nr++) {
          const t = captureNode.get(`${node.sequence}:${nr}`);
          if (t && buf[nr]) captured.set(t, buf[nr]!);
        }
      }
      const rule = gradRules[node.name as keyof typeof gradRules] as GradRule<unknown> | 'nondiff';
      if (rule === 'nondiff') continue;
      // Non-differentiable outputs (indices, saved statistics) get no gradient: rules never read them, and a
      // zero tensor of an activation's size per step is pure waste. Other outputs without one count as zero.
      const grads = buf.map((g, i) => g ?? (rule.nullGrads || rule.nondiffOutputs?.includes(i) ? null : buf.find((x) => x !== null)!.mul(0)));
      const saved = node.saved.map((_, i) => unpackSaved(node, i));
      const needs = node.edges.map((e) => e !== null);
      const inputGrads = rule.backward(grads as Tensor[], { attrs: node.attrs, saved: saved as Tensor[], inputs: node.inputs, needs });
      if (!retain) node.releaseSaved();
      node.edges.forEach((edge, i) => {
        const gi = inputGrads[i];
        if (!edge || !gi) return;
        const g = conform(gi, node.inputs[i].shape, node.inputs[i].dtype, node.name);
        if (edge.leaf) {
          addLeafGrad(edge.leaf, g);
        } else {
          const next = buffers.get(edge.node) ?? new Array<Tensor | null>(edge.node.numOutputs).fill(null);
          next[edge.outputNr] = accumulate(next[edge.outputNr], g);
          buffers.set(edge.node, next);
        }
      });
    }
  } finally {
    // Everything created here dies now except the gradients stored in leaves or returned.
    endScope(inputs ? inputs.map((t) => captured.get(t) ?? leafGrads.get(t) ?? null) : undefined);
    setGradEnabled(previousMode);
  }
  if (inputs) return inputs.map((t) => captured.get(t) ?? leafGrads.get(t) ?? null);

  function addLeafGrad(leaf: Tensor, g: Tensor): void {
    if (captureLeaf) {
      if (captureLeaf.has(leaf)) leafGrads.set(leaf, accumulate(leafGrads.get(leaf) ?? null, g));
      return;
    }
    if (!leaf.requiresGrad) return;
    setGrad(leaf, g);
  }

  // .grad accumulates across backward calls: in place normally, out of place with createGraph.
  function setGrad(t: Tensor, g: Tensor): void {
    const existing = t.grad;
    if (existing && !existing.isDisposed) {
      if (createGraph) {
        t.grad = keep(existing.add(g));
      } else {
        existing.add_(g.detach());
      }
      return;
    }
    // Own a private copy unless g is exclusively ours (the rules may hand one tensor to several inputs).
    const owned = !createGraph && g.storage.refCount === 1 && g.isContiguous() ? g : g.clone();
    t.grad = keep(createGraph || !owned.gradFn ? owned : owned.detach());
  }
}

/** torch.autograd.grad: gradients of outputs with respect to inputs, without touching .grad. */
export function grad(
  outputs: Tensor | Tensor[],
  inputs: Tensor | Tensor[],
  options: BackwardOptions & { gradOutputs?: Tensor[]; allowUnused?: boolean } = {},
): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  for (const t of ins) {
    if (!t.requiresGrad) throw new Error('One of the differentiated Tensors does not require grad');
  }
  const result = backward(outs, options.gradOutputs ?? null, options, ins) as (Tensor | null)[];
  if (!options.allowUnused && result.some((r) => r === null)) {
    throw new Error('One of the differentiated Tensors appears to not have been used in the graph. Set allowUnused: true if this is the desired behavior.');
  }
  return result;
}

