/** Vocab: a token <-> index mapping built from a corpus (torchtext.vocab.Vocab). */

/** Options of `Vocab.build`. */
export interface VocabBuildOptions {
  /** Keep only tokens seen at least this many times (default 1). */
  minFreq?: number;
  /** Largest vocabulary size, specials included (torchtext's `max_tokens`); the rarest tokens are dropped. */
  maxSize?: number;
  /** Tokens placed first, in this order, whatever their frequency (default `['<pad>', '<unk>']`). */
  specials?: string[];
  /** The special token used for padding (default '<pad>'); `padIndex` is its index. */
  padToken?: string;
  /** The special token that unknown tokens map to (default '<unk>'); `unkIndex` is its index. */
  unkToken?: string;
}

/** Options of the Vocab constructor: which of its tokens pad and stand for unknown tokens. */
export interface VocabOptions {
  padToken?: string;
  unkToken?: string;
}

/** What `toJSON` writes and `fromJSON` reads. */
export interface VocabJSON {
  format: 'antorcha.vocab';
  version: 1;
  tokens: string[];
  padToken: string;
  unkToken: string;
}

/**
 * A vocabulary: token `i` of `tokens` has index `i`. Usually made by `Vocab.build` from tokenized training
 * text, saved with `toJSON` beside the model's checkpoint (the model's embedding rows mean nothing with
 * another vocabulary) and restored with `fromJSON`.
 *
 * @example
 * const vocab = Vocab.build(train.map((s) => tokenize(s)), { minFreq: 2, maxSize: 20000 });
 * vocab.encode(tokenize('a new film')); // [5, 1, 17]: 'new' was too rare, so it is <unk> (1)
 * writeFileSync('vocab.json', JSON.stringify(vocab));
 * const same = Vocab.fromJSON(readFileSync('vocab.json', 'utf8'));
 */
export class Vocab {
  private readonly list: string[];
  private readonly index = new Map<string, number>();
  /** The padding token's name (it need not be in the vocabulary; then `padIndex` throws). */
  readonly padToken: string;
  /** The unknown token's name (when it is not in the vocabulary, encoding an unknown token throws). */
  readonly unkToken: string;

  /**
   * A vocabulary of exactly these tokens, in this order.
   *
   * @example
   * const vocab = new Vocab(['<pad>', '<unk>', 'the', 'a']);
   */
  constructor(tokens: Iterable<string>, options: VocabOptions = {}) {
    this.list = [...tokens];
    for (const [i, token] of this.list.entries()) {
      if (typeof token !== 'string') throw new TypeError(`Vocab: token ${i} is a ${typeof token}, not a string`);
      if (this.index.has(token)) throw new RangeError(`Vocab: token ${JSON.stringify(token)} appears twice (indices ${this.index.get(token)} and ${i})`);
      this.index.set(token, i);
    }
    this.padToken = options.padToken ?? '<pad>';
    this.unkToken = options.unkToken ?? '<unk>';
  }

  /**
   * Counts the tokens of a corpus and keeps the specials first, then the tokens by descending frequency.
   * Ties are broken by first appearance in the corpus, so the result does not depend on anything but the
   * corpus order (torchtext breaks ties alphabetically instead). Specials met in the corpus are not counted.
   *
   * @example
   * const vocab = Vocab.build([['a', 'b', 'b'], ['c', 'b', 'a']], { minFreq: 2 });
   * vocab.tokens; // ['<pad>', '<unk>', 'b', 'a']
   */
  static build(corpus: Iterable<Iterable<string>>, options: VocabBuildOptions = {}): Vocab {
    const { minFreq = 1, maxSize, specials = ['<pad>', '<unk>'] } = options;
    if (!Number.isInteger(minFreq) || minFreq < 1) throw new RangeError(`Vocab.build: minFreq must be a positive integer, got ${minFreq}`);
    if (maxSize !== undefined && (!Number.isInteger(maxSize) || maxSize < specials.length)) {
      throw new RangeError(`Vocab.build: maxSize must be an integer of at least the number of specials (${specials.length}), got ${maxSize}`);
    }
    const special = new Set(specials);
    const counts = new Map<string, number>(); // a Map iterates in insertion order: first appearance
    for (const tokens of corpus) {
      for (const token of tokens) {
        if (!special.has(token)) counts.set(token, (counts.get(token) ?? 0) + 1);
      }
    }
    // Array.prototype.sort is stable, so equal counts keep their first-appearance order.
    let kept = [...counts].filter(([, n]) => n >= minFreq).sort((a, b) => b[1] - a[1]);
    if (maxSize !== undefined) kept = kept.slice(0, maxSize - specials.length);
    return new Vocab([...specials, ...kept.map(([token]) => token)], { padToken: options.padToken, unkToken: options.unkToken });
  }

  /**
   * Restores a vocabulary written by `toJSON` (the object, or its JSON text).
   *
   * @example
   * const vocab = Vocab.fromJSON(readFileSync('checkpoints/vocab.json', 'utf8'));
   */
  static fromJSON(json: VocabJSON | string): Vocab {
    const value: unknown = typeof json === 'string' ? JSON.parse(json) : json;
    const v = value as Partial<VocabJSON> | null;
    if (v === null || typeof v !== 'object' || v.format !== 'antorcha.vocab') {
      throw new TypeError('Vocab.fromJSON: not a vocabulary written by Vocab.toJSON (format is not "antorcha.vocab")');
    }
    if (v.version !== 1) throw new TypeError(`Vocab.fromJSON: unsupported version ${String(v.version)} (this antorcha reads version 1)`);
    if (!Array.isArray(v.tokens) || typeof v.padToken !== 'string' || typeof v.unkToken !== 'string') {
      throw new TypeError('Vocab.fromJSON: expected a "tokens" array and "padToken" / "unkToken" strings');
    }
    return new Vocab(v.tokens, { padToken: v.padToken, unkToken: v.unkToken });
  }

  /** A plain object for JSON.stringify (which calls it), read back by `Vocab.fromJSON`. */
  toJSON(): VocabJSON {
    return { format: 'antorcha.vocab', version: 1, tokens: this.list.slice(), padToken: this.padToken, unkToken: this.unkToken };
  }

  /** Number of tokens, specials included (the rows an embedding of this vocabulary needs). */
  get length(): number {
    return this.list.length;
  }

  /** The tokens in index order (a copy). */
  get tokens(): string[] {
    return this.list.slice();
  }

  /** Index of the padding token; a RangeError when the vocabulary has none. */
  get padIndex(): number {
    return this.required(this.padToken, 'padding');
  }

  /** Index of the unknown token; a RangeError when the vocabulary has none. */
  get unkIndex(): number {
    return this.required(this.unkToken, 'unknown');
  }

  private required(token: string, role: string): number {
    const i = this.index.get(token);
    if (i === undefined) throw new RangeError(`Vocab: this vocabulary has no ${role} token ${JSON.stringify(token)}`);
    return i;
  }

  /** True when `token` has its own index. */
  has(token: string): boolean {
    return this.index.has(token);
  }

  /** The index of `token`, or the unknown token's index when it has none. */
  stoi(token: string): number {
    const i = this.index.get(token);
    if (i !== undefined) return i;
    const unk = this.index.get(this.unkToken);
    if (unk === undefined) throw new RangeError(`Vocab: ${JSON.stringify(token)} is not in the vocabulary, which has no unknown token ${JSON.stringify(this.unkToken)}`);
    return unk;
  }

  /** The token at `index`; a RangeError outside [0, length). */
  itos(index: number): string {
    if (!Number.isInteger(index) || index < 0 || index >= this.list.length) {
      throw new RangeError(`Vocab: index ${index} is out of range for a vocabulary of ${this.list.length} tokens`);
    }
    return this.list[index];
  }

  /** Indices of the tokens; unknown tokens map to the unknown token's index. */
  encode(tokens: Iterable<string>): number[] {
    const out: number[] = [];
    for (const token of tokens) out.push(this.stoi(token));
    return out;
  }

  /** Tokens of the indices (padding included; drop `padIndex` first to leave it out). */
  decode(ids: Iterable<number>): string[] {
    const out: string[] = [];
    for (const id of ids) out.push(this.itos(id));
    return out;
  }
}
