/**
 * The Vision Transformer's encoder as torchvision builds it: MLPBlock, EncoderBlock (pre-norm attention and
 * MLP with residuals) and Encoder (position embedding, `encoder_layer_N` blocks, final LayerNorm), with
 * torchvision's child names, so keys such as `encoder.layers.encoder_layer_0.mlp.3.bias` match.
 */
import type { Tensor } from '../tensor.js';
import { empty } from '../ops/creation.js';
import { Module } from '../nn/module.js';
import { Parameter } from '../nn/parameter.js';
import { Sequential } from '../nn/containers.js';
import { Linear } from '../nn/modules/linear.js';
import { GELU } from '../nn/modules/activation.js';
import { Dropout } from '../nn/modules/dropout.js';
import { LayerNorm } from '../nn/modules/normalization.js';
import { MultiheadAttention } from '../nn/modules/attention.js';
import { normal_, xavierUniform_ } from '../nn/init.js';
import type { LoadResult, StateDict } from '../nn/state_dict.js';

/** torchvision's ViT norm: LayerNorm with eps 1e-6. @example const ln = vitNorm(768); */
export const vitNorm = (dim: number): Module => new LayerNorm(dim, { eps: 1e-6 });

/**
 * Renames the keys of checkpoints written before torchvision 0.13, whose MLP blocks named their layers
 * `linear_1` / `linear_2`, to today's `0` / `3` (torchvision's MLPBlock._load_from_state_dict), for every
 * MLPBlock inside `root`.
 *
 * @example
 * model.loadStateDict(renameLegacyMlpKeys(model, oldStateDict));
 */
export function renameLegacyMlpKeys(root: Module, stateDict: StateDict | Map<string, Tensor>): Map<string, Tensor> {
  const out = stateDict instanceof Map ? new Map(stateDict) : new Map(Object.entries(stateDict));
  for (const [name, m] of root.namedModules()) {
    if (!(m instanceof MLPBlock)) continue;
    const prefix = name === '' ? '' : `${name}.`;
    for (let i = 0; i < 2; i++) {
      for (const leaf of ['weight', 'bias']) {
        const oldKey = `${prefix}linear_${i + 1}.${leaf}`;
        const value = out.get(oldKey);
        if (value === undefined) continue;
        out.delete(oldKey);
        out.set(`${prefix}${3 * i}.${leaf}`, value);
      }
    }
  }
  return out;
}

/**
 * The transformer's MLP: Linear(inDim, mlpDim), GELU, Dropout, Linear(mlpDim, inDim), Dropout (keys `0.*`
 * and `3.*`). Weights xavier_uniform_, biases N(0, 1e-6²), as torchvision.
 *
 * @example
 * new MLPBlock(768, 3072, 0.0).forward(torch.randn(1, 197, 768)).shape; // [1, 197, 768]
 */
export class MLPBlock extends Sequential {
  constructor(inDim: number, mlpDim: number, dropout: number) {
    super(new Linear(inDim, mlpDim), new GELU(), new Dropout(dropout), new Linear(mlpDim, inDim), new Dropout(dropout));
    for (const m of this.modules()) {
      if (m instanceof Linear) {
        xavierUniform_(m.weight);
        if (m.bias !== null) normal_(m.bias, 0, 1e-6);
      }
    }
  }

  /** Also accepts the `linear_1` / `linear_2` keys of old checkpoints. */
  override loadStateDict(stateDict: StateDict | Map<string, Tensor>, options: { strict?: boolean } = {}): LoadResult {
    return super.loadStateDict(renameLegacyMlpKeys(this, stateDict), options);
  }
}

/**
 * Pre-norm transformer block: x + dropout(attention(ln_1(x))), then + mlp(ln_2(·)).
 *
 * @example
 * const block = new EncoderBlock(12, 768, 3072, 0, 0);
 * block.forward(torch.randn(1, 197, 768)).shape; // [1, 197, 768]
 */
export class EncoderBlock extends Module {
  ln_1: Module;
  self_attention: MultiheadAttention;
  dropout: Dropout;
  ln_2: Module;
  mlp: MLPBlock;

  constructor(
    readonly numHeads: number, hiddenDim: number, mlpDim: number, dropout: number, attentionDropout: number,
    normLayer: (dim: number) => Module = vitNorm,
  ) {
    super();
    this.ln_1 = normLayer(hiddenDim);
    this.self_attention = new MultiheadAttention(hiddenDim, numHeads, { dropout: attentionDropout, batchFirst: true });
    this.dropout = new Dropout(dropout);
    this.ln_2 = normLayer(hiddenDim);
    this.mlp = new MLPBlock(hiddenDim, mlpDim, dropout);
  }

  forward(input: Tensor): Tensor {
    if (input.ndim !== 3) throw new RangeError(`Expected (batch_size, seq_length, hidden_dim) got [${input.shape.join(', ')}]`);
    const h = this.ln_1.forward(input);
    const [attended] = this.self_attention.forward(h, h, h, { needWeights: false });
    const x = this.dropout.forward(attended).add(input);
    return x.add(this.mlp.forward(this.ln_2.forward(x)));
  }

  override loadStateDict(stateDict: StateDict | Map<string, Tensor>, options: { strict?: boolean } = {}): LoadResult {
    return super.loadStateDict(renameLegacyMlpKeys(this, stateDict), options);
  }
}

/**
 * Adds the learned position embedding, then runs the blocks (`layers.encoder_layer_N`) and a final norm.
 *
 * @example
 * const enc = new Encoder(197, 12, 12, 768, 3072, 0, 0);
 * enc.forward(torch.randn(1, 197, 768)).shape; // [1, 197, 768]
 */
export class Encoder extends Module {
  pos_embedding: Tensor;
  dropout: Dropout;
  layers: Sequential;
  ln: Module;

  constructor(
    seqLength: number, numLayers: number, numHeads: number, hiddenDim: number, mlpDim: number, dropout: number,
    attentionDropout: number, normLayer: (dim: number) => Module = vitNorm,
  ) {
    super();
    // Batch first: [1, seq, hidden], N(0, 0.02²) as in BERT.
    this.pos_embedding = Parameter(normal_(empty([1, seqLength, hiddenDim]), 0, 0.02));
    this.dropout = new Dropout(dropout);
    const blocks: Record<string, Module> = {};
    for (let i = 0; i < numLayers; i++) {
      blocks[`encoder_layer_${i}`] = new EncoderBlock(numHeads, hiddenDim, mlpDim, dropout, attentionDropout, normLayer);
    }
    this.layers = new Sequential(blocks);
    this.ln = normLayer(hiddenDim);
  }

  forward(input: Tensor): Tensor {
    if (input.ndim !== 3) throw new RangeError(`Expected (batch_size, seq_length, hidden_dim) got [${input.shape.join(', ')}]`);
    return this.ln.forward(this.layers.forward(this.dropout.forward(input.add(this.pos_embedding))));
  }

  override loadStateDict(stateDict: StateDict | Map<string, Tensor>, options: { strict?: boolean } = {}): LoadResult {
    return super.loadStateDict(renameLegacyMlpKeys(this, stateDict), options);
  }
}
