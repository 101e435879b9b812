/**
 * One recurrent layer over a PackedSequence. oneDNN's RNN primitives take equal-length batches, so the packed
 * steps are cut into segments over which the number of running sequences stays the same; each segment is one
 * primitive call whose initial state is the previous segment's final state, cut to the rows still running.
 * The forward direction walks the segments first to last and keeps the rows that end at each boundary as
 * their final states; the reverse direction walks them last to first, starting each newly running sequence
 * from its initial state. Gradients flow through the same hand-overs by autograd.
 */
import type { Tensor } from '../../tensor.js';
import { cat } from '../../ops/indexing.js';
import { rnnLayer, type RnnMode, type RnnParams } from '../../ops/rnn.js';

interface Segment {
  /** Number of steps, sequences running. */
  steps: number;
  batch: number;
}

function segmentsOf(batchSizes: readonly number[]): Segment[] {
  const segments: Segment[] = [];
  for (const b of batchSizes) {
    const last = segments[segments.length - 1];
    if (last && last.batch === b) last.steps++;
    else segments.push({ steps: 1, batch: b });
  }
  return segments;
}

function direction(params: RnnParams, d: number): RnnParams {
  return {
    wIh: [params.wIh[d]], wHh: [params.wHh[d]],
    bIh: params.bIh ? [params.bIh[d]] : null, bHh: params.bHh ? [params.bHh[d]] : null,
  };
}

const rowsOf = (t: Tensor): Tensor => t.view([t.shape[0] * t.shape[1], t.shape[2]]);

/** States [1, N, H] for the rows a segment starts with: those carried over, then fresh ones from init. */
function startState(carried: Tensor | null, init: Tensor, batch: number): Tensor {
  const have = carried ? carried.shape[1] : 0;
  if (have === batch) return carried!;
  const fresh = init.narrow(1, have, batch - have);
  return carried ? cat([carried, fresh], 1) : fresh;
}

export interface PackedLayerResult {
  /** Packed output rows [sum of lengths, D*H]; final states [D, N, H]. */
  data: Tensor;
  hn: Tensor;
  cn: Tensor | null;
}

/**
 * Runs one layer of D directions over packed rows `data` [sum of lengths, I] with initial states h0 (c0)
 * [D, N, H] in sorted order.
 *
 * @example
 * const { data, hn } = packedLayer('GRU', packed.data, packed.steps, h0, null, params);
 */
export function packedLayer(
  mode: RnnMode, data: Tensor, batchSizes: readonly number[], h0: Tensor, c0: Tensor | null, params: RnnParams,
): PackedLayerResult {
  const segments = segmentsOf(batchSizes);
  const D = params.wIh.length;
  if (segments.length === 1) {
    // Every sequence has the same length: the plain layer, both directions in one call.
    const { steps, batch } = segments[0];
    const r = rnnLayer(mode, data.view([steps, batch, data.shape[1]]), h0, c0, params);
    return { data: rowsOf(r.output), hn: r.hn, cn: r.cn };
  }
  const outputs: Tensor[] = [], hns: Tensor[] = [], cns: Tensor[] = [];
  // The segments' inputs as one split (one backward node concatenating their gradients): a narrow per segment
  // would zero-fill and add a gradient of all the packed rows for each segment (113 of them took 0.9 s of a
  // W3-sized batch's 4 s).
  const inputs = data.split(segments.map((s) => s.steps * s.batch), 0)
    .map((x, i) => x.view([segments[i].steps, segments[i].batch, data.shape[1]]));
  for (let d = 0; d < D; d++) {
    const p = direction(params, d);
    const h0d = h0.narrow(0, d, 1), c0d = c0 ? c0.narrow(0, d, 1) : null;
    const pieces = new Array<Tensor>(segments.length);
    const reverse = d === 1;
    let h: Tensor | null = null, c: Tensor | null = null;
    const finalH: Tensor[] = [], finalC: Tensor[] = [];
    for (let i = 0; i < segments.length; i++) {
      const k = reverse ? segments.length - 1 - i : i;
      const s = segments[k], x = inputs[k];
      // Forward: the running rows shrink, so the state is cut; reverse: they grow, so fresh rows join.
      const hIn = reverse ? startState(h, h0d, s.batch) : (h ?? h0d).narrow(1, 0, s.batch);
      const cIn = c0d ? (reverse ? startState(c, c0d, s.batch) : (c ?? c0d).narrow(1, 0, s.batch)) : null;
      const r = rnnLayer(mode, x, hIn, cIn, p, reverse);
      pieces[k] = rowsOf(r.output);
      h = r.hn;
      c = r.cn;
      if (!reverse) {
        // Rows that stop after this segment are final here.
        const next = segments[i + 1]?.batch ?? 0;
        finalH.unshift(r.hn.narrow(1, next, s.batch - next));
        if (r.cn) finalC.unshift(r.cn.narrow(1, next, s.batch - next));
      }
    }
    outputs.push(cat(pieces, 0));
    hns.push(reverse ? h! : cat(finalH, 1));
    if (c0) cns.push(reverse ? c! : cat(finalC, 1));
  }
  return {
    data: D === 1 ? outputs[0] : cat(outputs, 1),
    hn: D === 1 ? hns[0] : cat(hns, 0),
    cn: c0 ? (D === 1 ? cns[0] : cat(cns, 0)) : null,
  };
}
