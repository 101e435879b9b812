/**
 * F.multiHeadAttentionForward: PyTorch's multi_head_attention_forward (scaled dot-product attention over
 * num_heads heads, with packed or separate input projections, masks, bias_k/bias_v and zero attention) as a
 * composite of tensor ops, so autograd comes for free.
 */
import type { Tensor } from '../../tensor.js';
import { cat } from '../../ops/indexing.js';
import { zeros } from '../../ops/creation.js';
import { linear } from './linear.js';
import { dropout } from './dropout.js';
import { warnOnce, cSize } from '../utils.js';

export interface MultiHeadAttentionOptions {
  training?: boolean;
  /** [N, S] (or [S] unbatched): true / non-zero float entries mark keys to ignore; float masks are added. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights as well (default true). */
  needWeights?: boolean;
  /** [L, S] or [N * numHeads, L, S]: true marks pairs that may not attend; float masks are added. */
  attnMask?: Tensor | null;
  /** Project with qProjWeight / kProjWeight / vProjWeight instead of the packed inProjWeight. */
  useSeparateProjWeight?: boolean;
  qProjWeight?: Tensor | null;
  kProjWeight?: Tensor | null;
  vProjWeight?: Tensor | null;
  /** Average the returned weights over the heads (default true); false gives [N, numHeads, L, S]. */
  averageAttnWeights?: boolean;
}

const fail = (message: string): never => {
  throw new RangeError(`multi_head_attention_forward: ${message}`);
};
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** PyTorch's _mha_shape_check: validates dims and says whether the inputs are batched (3-D). */
function checkShapes(q: Tensor, k: Tensor, v: Tensor, kpm: Tensor | null, mask: Tensor | null, numHeads: number): boolean {
  if (q.ndim === 3) {
    if (k.ndim !== 3 || v.ndim !== 3) fail(`for batched (3-D) query, expected key and value to be 3-D but found ${k.ndim}-D and ${v.ndim}-D tensors respectively`);
    if (kpm !== null && kpm.ndim !== 2) fail(`for batched (3-D) query, expected key_padding_mask to be None or 2-D but found ${kpm.ndim}-D tensor instead`);
    if (mask !== null && mask.ndim !== 2 && mask.ndim !== 3) fail(`for batched (3-D) query, expected attn_mask to be None, 2-D or 3-D but found ${mask.ndim}-D tensor instead`);
    return true;
  }
  if (q.ndim === 2) {
    if (k.ndim !== 2 || v.ndim !== 2) fail(`for unbatched (2-D) query, expected key and value to be 2-D but found ${k.ndim}-D and ${v.ndim}-D tensors respectively`);
    if (kpm !== null && kpm.ndim !== 1) fail(`for unbatched (2-D) query, expected key_padding_mask to be None or 1-D but found ${kpm.ndim}-D tensor instead`);
    if (mask !== null) {
      if (mask.ndim !== 2 && mask.ndim !== 3) fail(`for unbatched (2-D) query, expected attn_mask to be None, 2-D or 3-D but found ${mask.ndim}-D tensor instead`);
      const want = [numHeads, q.shape[0], k.shape[0]];
      if (mask.ndim === 3 && !sameShape(mask.shape, want)) fail(`expected attn_mask shape to be ${cSize(want)} but got ${cSize(mask.shape)}`);
    }
    return false;
  }
  return fail(`query should be unbatched 2D or batched 3D tensor but received ${q.ndim}-D query tensor`);
}

/**
 * linear over the last dim, run as one [rows, in] x [in, out] product. NOTE: linear on [L, N, E] with a
 * small N would run as L batched products of N rows each, several times slower for N = 1 (a batch-first
 * input transposed to sequence-first).
 */
function project(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const E = x.shape[x.ndim - 1];
  return linear(x.reshape(-1, E), w, b).view([...x.shape.slice(0, -1), w.shape[0]]);
}

/** q, k, v projected with the packed [3E, E] weight, sharing one matmul where the inputs are the same tensor. */
function projectPacked(q: Tensor, k: Tensor, v: Tensor, w: Tensor, b: Tensor | null): Tensor[] {
  const E = q.shape[q.ndim - 1];
  if (k === v) {
    if (q === k) return project(q, w, b).chunk(3, -1);
    const [wq, wkv] = w.split([E, 2 * E]);
    const [bq, bkv] = b === null ? [null, null] : b.split([E, 2 * E]);
    return [project(q, wq, bq), ...project(k, wkv, bkv).chunk(2, -1)];
  }
  const [wq, wk, wv] = w.chunk(3);
  const [bq, bk, bv] = b === null ? [null, null, null] : b.chunk(3);
  return [project(q, wq, bq), project(k, wk, bk), project(v, wv, bv)];
}

/** Appends one column to a mask (the key added by bias_k or zero attention): 0 / false, never masked. */
function padMask(mask: Tensor): Tensor {
  return cat([mask, zeros([...mask.shape.slice(0, -1), 1], { dtype: mask.dtype })], -1);
}

/** A bool mask as 0 / -inf to add to the scores; float masks pass through. */
const additive = (mask: Tensor, dtype: Tensor['dtype']): Tensor =>
  mask.dtype === 'bool' ? zeros(mask.shape.slice(), { dtype }).maskedFill(mask, -Infinity) : mask;

/**
 * Multi-head attention: softmax(q kᵀ / √d + mask) v over each head, then the output projection. Inputs are
 * [L, N, E] (sequence first) or unbatched [L, E]; returns [output, weights] with weights null unless
 * needWeights. Masks follow PyTorch: bool entries that are true are excluded; float masks are added to the
 * scores (a float key-padding mask combined with an attention mask is added too, as later PyTorch does).
 *
 * @example
 * const [out, w] = F.multiHeadAttentionForward(q, k, v, 8, 2, mha.in_proj_weight, mha.in_proj_bias, null, null,
 *   false, 0, mha.out_proj.weight, mha.out_proj.bias, { training: false });
 */
export function multiHeadAttentionForward(
  query: Tensor, key: Tensor, value: Tensor, embedDimToCheck: number, numHeads: number,
  inProjWeight: Tensor | null, inProjBias: Tensor | null, biasK: Tensor | null, biasV: Tensor | null,
  addZeroAttn: boolean, dropoutP: number, outProjWeight: Tensor, outProjBias: Tensor | null,
  options: MultiHeadAttentionOptions = {},
): [Tensor, Tensor | null] {
  let kpm = options.keyPaddingMask ?? null;
  let attnMask = options.attnMask ?? null;
  const batched = checkShapes(query, key, value, kpm, attnMask, numHeads);
  let q = query, k = key, v = value;
  if (!batched) {
    // A batch of one in the batch dim (1); the same tensor stays the same tensor.
    q = query.unsqueeze(1);
    k = key === query ? q : key.unsqueeze(1);
    v = value === query ? q : value === key ? k : value.unsqueeze(1);
    if (kpm !== null) kpm = kpm.unsqueeze(0);
  }
  const [tgtLen, bsz, embedDim] = q.shape;
  if (kpm !== null && kpm.dtype !== 'bool' && !kpm.isFloatingPoint()) fail('only bool and floating types of key_padding_mask are supported');
  if (embedDim !== embedDimToCheck) fail(`was expecting embedding dimension of ${embedDimToCheck}, but got ${embedDim}`);
  const headDim = Math.floor(embedDim / numHeads);
  if (headDim * numHeads !== embedDim) fail(`embed_dim ${embedDim} not divisible by num_heads ${numHeads}`);
  if (options.useSeparateProjWeight) {
    if (!sameShape(k.shape.slice(0, 2), v.shape.slice(0, 2))) fail(`key's sequence and batch dims ${cSize(k.shape.slice(0, 2))} do not match value's ${cSize(v.shape.slice(0, 2))}`);
  } else if (!sameShape(k.shape, v.shape)) {
    fail(`key shape ${cSize(k.shape)} does not match value shape ${cSize(v.shape)}`);
  }

  // In-projection.
  if (!options.useSeparateProjWeight) {
    if (inProjWeight === null) fail('use_separate_proj_weight is False but in_proj_weight is None');
    [q, k, v] = projectPacked(q, k, v, inProjWeight!, inProjBias);
  } else {
    const { qProjWeight: wq = null, kProjWeight: wk = null, vProjWeight: wv = null } = options;
    if (wq === null || wk === null || wv === null) fail('use_separate_proj_weight is True but q_proj_weight, k_proj_weight or v_proj_weight is None');
    const [bq, bk, bv] = inProjBias === null ? [null, null, null] : inProjBias.chunk(3);
    [q, k, v] = [project(q, wq!, bq), project(k, wk!, bk), project(v, wv!, bv)];
  }

  let srcLen = k.shape[0];
  if (attnMask !== null) {
    if (attnMask.dtype === 'uint8') {
      warnOnce('Byte tensor for attn_mask in nn.MultiheadAttention is deprecated. Use bool tensor instead.');
      attnMask = attnMask.to('bool');
    } else if (attnMask.dtype !== 'bool' && !attnMask.isFloatingPoint()) {
      fail(`Only float, byte, and bool types are supported for attn_mask, not ${attnMask.dtype}`);
    }
    if (attnMask.ndim === 2) {
      if (!sameShape(attnMask.shape, [tgtLen, srcLen])) fail(`The shape of the 2D attn_mask is ${cSize(attnMask.shape)}, but should be ${cSize([tgtLen, srcLen])}.`);
      attnMask = attnMask.unsqueeze(0);
    } else if (attnMask.ndim === 3) {
      const want = [bsz * numHeads, tgtLen, srcLen];
      if (!sameShape(attnMask.shape, want)) fail(`The shape of the 3D attn_mask is ${cSize(attnMask.shape)}, but should be ${cSize(want)}.`);
    } else {
      fail(`attn_mask's dimension ${attnMask.ndim} is not supported`);
    }
  }

  // bias_k / bias_v: one more key and value, shared by the batch.
  if (biasK !== null && biasV !== null) {
    k = cat([k, biasK.repeat(1, bsz, 1)]);
    v = cat([v, biasV.repeat(1, bsz, 1)]);
    if (attnMask !== null) attnMask = padMask(attnMask);
    if (kpm !== null) kpm = padMask(kpm);
  } else if (biasK !== null || biasV !== null) {
    fail('bias_k and bias_v must both be given or both be None');
  }

  // [len, N, E] → [N * heads, len, headDim].
  q = q.contiguous().view(tgtLen, bsz * numHeads, headDim).transpose(0, 1);
  k = k.contiguous().view(k.shape[0], bsz * numHeads, headDim).transpose(0, 1);
  v = v.contiguous().view(v.shape[0], bsz * numHeads, headDim).transpose(0, 1);

  if (addZeroAttn) {
    const zero = zeros([bsz * numHeads, 1, headDim], { dtype: k.dtype });
    k = cat([k, zero], 1);
    v = cat([v, zero], 1);
    if (attnMask !== null) attnMask = padMask(attnMask);
    if (kpm !== null) kpm = padMask(kpm);
  }
  srcLen = k.shape[1];

  if (kpm !== null) {
    if (!sameShape(kpm.shape, [bsz, srcLen])) fail(`expecting key_padding_mask shape of ${cSize([bsz, srcLen])}, but got ${cSize(kpm.shape)}`);
    const perHead = kpm.view(bsz, 1, 1, srcLen).expand(-1, numHeads, -1, -1).reshape(bsz * numHeads, 1, srcLen);
    if (attnMask === null) attnMask = perHead;
    else if (attnMask.dtype === 'bool' && perHead.dtype === 'bool') attnMask = attnMask.logicalOr(perHead);
    else attnMask = additive(attnMask, q.dtype).add(additive(perHead, q.dtype));
  }
  if (attnMask !== null) attnMask = additive(attnMask, q.dtype);

  const p = options.training ?? true ? dropoutP : 0;
  let scores = q.div(Math.sqrt(headDim)).bmm(k.transpose(-2, -1));
  if (attnMask !== null) scores = scores.add(attnMask);
  let weights = scores.softmax(-1);
  if (p > 0) weights = dropout(weights, p);
  let out = weights.bmm(v).transpose(0, 1).contiguous().view(tgtLen * bsz, embedDim);
  out = linear(out, outProjWeight, outProjBias).view(tgtLen, bsz, embedDim);
  if (!batched) out = out.squeeze(1);
  if (!(options.needWeights ?? true)) return [out, null];
  let w = weights.view(bsz, numHeads, tgtLen, srcLen);
  if (options.averageAttnWeights ?? true) w = w.sum(1).div(numHeads);
  if (!batched) w = w.squeeze(0);
  return [out, w];
}
