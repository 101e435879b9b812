/**
 * nn.MultiheadAttention with PyTorch's parameter layout (in_proj_weight [3E, E], in_proj_bias [3E], or
 * q/k/v_proj_weight when key and value sizes differ; bias_k / bias_v; out_proj), so its state dicts and
 * torchvision's ViT checkpoints load unchanged.
 */
import type { Tensor } from '../../tensor.js';
import { empty } from '../../ops/creation.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { constant_, xavierNormal_, xavierUniform_ } from '../init.js';
import { multiHeadAttentionForward } from '../functional/attention.js';
import { Linear, type FactoryOptions } from './linear.js';

/** The output projection: a Linear (PyTorch names the class this way to keep it out of dynamic quantisation). @example mha.out_proj.weight.shape; // [E, E] */
export class NonDynamicallyQuantizableLinear extends Linear {}

export interface MultiheadAttentionOptions extends FactoryOptions {
  /** Dropout on the attention weights while training. Default 0. */
  dropout?: number;
  /** Biases on the input and output projections. Default true. */
  bias?: boolean;
  /** Learned extra key and value (bias_k, bias_v) appended to the sequence. Default false. */
  addBiasKv?: boolean;
  /** Appends a zero key and value. Default false. */
  addZeroAttn?: boolean;
  /** Feature sizes of key and value (default embedDim; other sizes use separate projection weights). */
  kdim?: number | null;
  vdim?: number | null;
  /** Inputs and output are [N, L, E] instead of [L, N, E]. Default false. */
  batchFirst?: boolean;
}

export interface MultiheadAttentionForwardOptions {
  /** [N, S] or [S]: true (or a float added to the scores) masks a key for every query of that sample. */
  keyPaddingMask?: Tensor | null;
  /** Also return the attention weights. Default true. */
  needWeights?: boolean;
  /** [L, S] or [N * numHeads, L, S]: true (or a float added to the scores) masks query-key pairs. */
  attnMask?: Tensor | null;
  /** Average the weights over heads. Default true. */
  averageAttnWeights?: boolean;
}

/**
 * Multi-head scaled dot-product attention (Vaswani et al., "Attention Is All You Need", 2017). forward
 * returns [output, weights]; weights is null with `needWeights: false`. Initialised as PyTorch does
 * (xavier_uniform_ projections, zero biases), drawing from the default generator in PyTorch's order.
 *
 * @example
 * const mha = new nn.MultiheadAttention(64, 8, { batchFirst: true });
 * const x = torch.randn(2, 10, 64);
 * const [out, weights] = mha.forward(x, x, x); // [2, 10, 64], [2, 10, 10]
 */
export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly numHeads: number;
  readonly headDim: number;
  dropout: number;
  readonly batchFirst: boolean;
  readonly addZeroAttn: boolean;
  // Parameters, declared in PyTorch's registration order (which is their state-dict order).
  q_proj_weight: Tensor | null;
  k_proj_weight: Tensor | null;
  v_proj_weight: Tensor | null;
  in_proj_weight: Tensor | null;
  in_proj_bias: Tensor | null;
  bias_k: Tensor | null;
  bias_v: Tensor | null;
  out_proj: NonDynamicallyQuantizableLinear;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    if (!Number.isInteger(embedDim) || embedDim <= 0) throw new RangeError(`embed_dim must be a positive integer, got ${embedDim}`);
    if (!Number.isInteger(numHeads) || numHeads <= 0) throw new RangeError(`num_heads must be a positive integer, got ${numHeads}`);
    this.embedDim = embedDim;
    this.kdim = options.kdim ?? embedDim;
    this.vdim = options.vdim ?? embedDim;
    this.numHeads = numHeads;
    this.dropout = options.dropout ?? 0;
    this.batchFirst = options.batchFirst ?? false;
    this.headDim = Math.floor(embedDim / numHeads);
    if (this.headDim * numHeads !== embedDim) throw new RangeError('embed_dim must be divisible by num_heads');
    const dtype = options.dtype;
    const param = (shape: number[]) => Parameter(empty(shape, { dtype }));
    const separate = !this.qkvSameEmbedDim;
    this.q_proj_weight = separate ? param([embedDim, embedDim]) : null;
    this.k_proj_weight = separate ? param([embedDim, this.kdim]) : null;
    this.v_proj_weight = separate ? param([embedDim, this.vdim]) : null;
    this.in_proj_weight = separate ? null : param([3 * embedDim, embedDim]);
    const bias = options.bias ?? true;
    this.in_proj_bias = bias ? param([3 * embedDim]) : null;
    this.out_proj = new NonDynamicallyQuantizableLinear(embedDim, embedDim, { bias, dtype });
    this.bias_k = options.addBiasKv ? param([1, 1, embedDim]) : null;
    this.bias_v = options.addBiasKv ? param([1, 1, embedDim]) : null;
    this.addZeroAttn = options.addZeroAttn ?? false;
    this.resetParameters();
  }

  /** True when key and value have embedDim features (one packed in_proj_weight). @example new nn.MultiheadAttention(8, 2, { kdim: 4 }).qkvSameEmbedDim; // false */
  get qkvSameEmbedDim(): boolean {
    return this.kdim === this.embedDim && this.vdim === this.embedDim;
  }

  /** PyTorch's _reset_parameters. @example torch.manualSeed(0); mha.resetParameters(); */
  resetParameters(): void {
    if (this.in_proj_weight !== null) xavierUniform_(this.in_proj_weight);
    else for (const w of [this.q_proj_weight, this.k_proj_weight, this.v_proj_weight]) xavierUniform_(w!);
    if (this.in_proj_bias !== null) {
      constant_(this.in_proj_bias, 0);
      if (this.out_proj.bias !== null) constant_(this.out_proj.bias, 0);
    }
    if (this.bias_k !== null) xavierNormal_(this.bias_k);
    if (this.bias_v !== null) xavierNormal_(this.bias_v);
  }

  forward(query: Tensor, key: Tensor, value: Tensor, options: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    const kpm = options.keyPaddingMask ?? null;
    if (kpm !== null && kpm.dtype !== 'bool' && !kpm.isFloatingPoint()) {
      throw new TypeError('only bool and floating types of key_padding_mask are supported');
    }
    const batched = query.ndim === 3;
    let q = query, k = key, v = value;
    if (this.batchFirst && batched) {
      // [N, L, E] → [L, N, E], keeping "the same tensor" the same so self-attention projects once.
      q = query.transpose(1, 0);
      k = key === query ? q : key.transpose(1, 0);
      v = value === query ? q : value === key ? k : value.transpose(1, 0);
    }
    const [out, weights] = multiHeadAttentionForward(
      q, k, v, this.embedDim, this.numHeads, this.in_proj_weight, this.in_proj_bias, this.bias_k, this.bias_v,
      this.addZeroAttn, this.dropout, this.out_proj.weight, this.out_proj.bias, {
        training: this.training, keyPaddingMask: kpm, needWeights: options.needWeights ?? true,
        attnMask: options.attnMask ?? null, averageAttnWeights: options.averageAttnWeights ?? true,
        useSeparateProjWeight: !this.qkvSameEmbedDim,
        qProjWeight: this.q_proj_weight, kProjWeight: this.k_proj_weight, vProjWeight: this.v_proj_weight,
      },
    );
    return [this.batchFirst && batched ? out.transpose(1, 0) : out, weights];
  }
}
