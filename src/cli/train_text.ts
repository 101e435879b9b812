/**
 * `antorcha train spam`: the lesson's SentimentLSTM (`--model lstm`) or SimpleRNN (`--model rnn`) telling
 * spam from ham in the SpamAssassin corpus, with the image trainer's progress bar, metrics file, checkpoint
 * every epoch, `--resume` and charts.
 *
 * Text pipeline: torchtext's basic_english tokenizer, a vocabulary of the training split's most frequent
 * tokens (`minFreq` times or more, `vocabSize` tokens at most with <pad> and <unk>), and every message cut
 * or padded at the end to `maxLength` tokens. The messages are encoded once, into an int64 tensor per
 * split; the loader then gathers each batch with one indexSelect, as for images.
 *
 * Files in the output folder:
 * - vocab.json: the vocabulary (written when a fresh run starts; `--resume` reloads it)
 * - metrics.jsonl: one JSON line per epoch (epoch, train_loss, train_accuracy, test_loss, test_accuracy,
 *   seconds, sequences_per_second, rss_mb)
 * - checkpoint.safetensors: { model, optimizer, epoch, seed, generator, options } (atomic write)
 * - metrics.svg, metrics.png: the curves
 *
 * With `exportData`, the encoded splits are written as JSON instead of training, so that another framework
 * (bench/pytorch/spam.py) trains the same recipe on exactly the same token ids.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as torch from '../index.js';
import { nn, optim, type Tensor } from '../index.js';
import { DataLoader, Generator, TensorDataset, text } from '../data/index.js';
import type { OptimizerStateDict } from '../optim/index.js';
import { atomicWrite, writeAll } from '../io/atomic.js';
import { SentimentLSTM } from '../../examples/sentiment-lstm.js';
import { SimpleRNN } from '../../examples/simple-rnn.js';
import { readJsonl, type MetricsRecord } from '../utils/metrics.js';
import type { ProgressStream } from '../utils/progress.js';
import {
  CheckpointNotFoundError, ampLabel, ampRegion, resumeFrom, endEpoch, epochLine, evaluate, freeAll, loadCheckpoint, round, runFiles, startMetrics,
  trainEpoch, writeCharts, type AmpOption, type RunFiles,
} from './train_loop.js';

/** The two models of the lesson. */
export type TextModelName = 'lstm' | 'rnn';

export interface TextTrainOptions {
  /** 'lstm' (SentimentLSTM, default) or 'rnn' (SimpleRNN); on resume, the checkpoint's unless given. */
  model?: TextModelName;
  /** Train until this epoch (default 3); with `resume`, the total including the epochs already done. */
  epochs?: number;
  /** Messages per training step (default 64). */
  batchSize?: number;
  /** Adam's learning rate (default 1e-3; on resume, the checkpoint's unless given). */
  lr?: number;
  /** Tokens per message: longer ones keep their first `maxLength`, shorter ones are padded (default 200). */
  maxLength?: number;
  /** Largest vocabulary, <pad> and <unk> included (default 20000). */
  vocabSize?: number;
  /** Tokens seen fewer times than this in the training split become <unk> (default 2). */
  minFreq?: number;
  /** Threads of the native kernels (default: as set, i.e. all cores). */
  threads?: number;
  /** Seed of the weights' initialisation, the shuffling and dropout (default 0). */
  seed?: number;
  /** Output folder (default runs/spam-<model>). */
  out?: string;
  /** Continue from `<out>/checkpoint.safetensors` with `<out>/vocab.json`. */
  resume?: boolean;
  /**
   * Use only N training messages, spread evenly over the split (whose messages are in corpus order, ham
   * groups before spam ones, so its first N would all be ham).
   */
  limit?: number;
  /** Use only N test messages, chosen the same way. */
  testLimit?: number;
  /** Write the encoded splits to this JSON file and stop, without training. */
  exportData?: string;
  /** 'bf16': forward pass and loss under CPU autocast to bfloat16 (on resume, the checkpoint's unless given). */
  amp?: AmpOption;
  /** The SpamAssassin package folder, where Node's module resolution does not find it. */
  root?: string;
  /** Where lines and the progress bar go (default process.stdout); a TTY gets the redrawn bar. */
  stdout?: ProgressStream;
}

/** The files of a training run: the image trainer's, and the vocabulary. */
export interface TextRunFiles extends RunFiles {
  vocab: string;
}

/** What `trainText` returns after training: the metrics of every epoch in the output folder, and the files. */
export interface TextTrainResult {
  metrics: MetricsRecord[];
  files: TextRunFiles;
}

/** What `trainText` returns with `exportData`: no metrics, and the file written. */
export interface TextExportResult {
  metrics: [];
  files: { data: string };
}

/** The JSON written by `exportData`: token ids already padded or truncated to `max_length`. */
export interface ExportedTextData {
  /** Rows of the embedding: the vocabulary's actual size (at most `vocabSize`). */
  vocab_size: number;
  pad_index: number;
  max_length: number;
  train: { tokens: number[][]; labels: number[] };
  test: { tokens: number[][]; labels: number[] };
}

/** A `trainText` option out of range, or a `resume` that contradicts the checkpoint. */
export class TrainOptionError extends Error {
  override name = 'TrainOptionError';
}

interface TextCheckpoint {
  model: Record<string, Tensor>;
  optimizer: OptimizerStateDict;
  epoch: number;
  seed: number;
  /** The shuffling generator's state after `epoch` (it also seeds each epoch's dropout, see below). */
  generator: Uint32Array;
  options: {
    model: TextModelName; batch_size: number; max_length: number; vocab_size: number; min_freq: number;
    limit: number | null; test_limit: number | null; amp?: AmpOption;
    /** sha256 of vocab.json's text: a resume refuses a vocabulary that is not the one trained with. */
    vocab_sha256: string;
  };
}

const TITLES: Record<TextModelName, string> = { lstm: 'SentimentLSTM on SpamAssassin', rnn: 'SimpleRNN on SpamAssassin' };
// Batches of 256 keep evaluation's activations small ([256, L, 512] floats per LSTM layer).
const EVAL_BATCH = 256;

/** One encoded split: rows of exactly `maxLength` token ids, and labels (1 = spam). */
interface EncodedSplit {
  tokens: number[][];
  labels: number[];
}

/** `k` indices spread evenly over [0, n) (all of them when k ≥ n), in order. */
function spread(n: number, k: number | undefined): number[] {
  const m = Math.min(k ?? n, n);
  return Array.from({ length: m }, (_, i) => Math.floor((i * n) / m));
}

/**
 * Tokenizes the chosen messages of a split, yielding each message's full token list (what a vocabulary
 * counts) and keeping only its first `maxLength` tokens in `heads` (all that encoding needs), so the
 * whole split's tokens are never held at once.
 */
function* tokenLists(ds: text.SpamAssassin, indices: number[], maxLength: number, heads: string[][]): IterableIterator<string[]> {
  for (const i of indices) {
    const tokens = text.tokenize(ds.text(i));
    heads.push(tokens.slice(0, maxLength));
    yield tokens;
  }
}

/** The first `maxLength` tokens of each chosen message. */
function tokenHeads(ds: text.SpamAssassin, indices: number[], maxLength: number): string[][] {
  const heads: string[][] = [];
  for (const tokens of tokenLists(ds, indices, maxLength, heads)) void tokens;
  return heads;
}

function encodeSplit(heads: string[][], labels: number[], vocab: text.Vocab, maxLength: number): EncodedSplit {
  return { tokens: heads.map((h) => text.padOrTruncate(vocab.encode(h), maxLength, vocab.padIndex)), labels };
}

/** Token ids [N, L] int64, and labels as the model's loss wants them: float32 [N, 1] (BCE) or int64 [N]. */
function toTensors(split: EncodedSplit, model: TextModelName): { tokens: Tensor; labels: Tensor } {
  return {
    tokens: torch.tensor(split.tokens, { dtype: 'int64' }),
    labels: model === 'lstm' ? torch.tensor(split.labels.map((y) => [y]), { dtype: 'float32' }) : torch.tensor(split.labels, { dtype: 'int64' }),
  };
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

function writeText(path: string, s: string): void {
  atomicWrite(path, (fd) => writeAll(fd, Buffer.from(s, 'utf8')));
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new TrainOptionError(message);
}

const isInt = (x: number | undefined, min: number): boolean => x === undefined || (Number.isSafeInteger(x) && x >= min);

function validate(o: TextTrainOptions): void {
  check(o.model === undefined || o.model === 'lstm' || o.model === 'rnn', `model must be 'lstm' or 'rnn', got ${JSON.stringify(o.model)}`);
  for (const key of ['epochs', 'batchSize', 'maxLength', 'minFreq', 'limit', 'testLimit'] as const) {
    check(isInt(o[key], 1), `${key} must be a positive integer, got ${o[key]}`);
  }
  check(isInt(o.vocabSize, 2), `vocabSize must be an integer of at least 2 (<pad> and <unk> count), got ${o.vocabSize}`);
  check(isInt(o.seed, 0), `seed must be a non-negative integer, got ${o.seed}`);
  check(o.lr === undefined || (Number.isFinite(o.lr) && o.lr > 0), `lr must be a positive number, got ${o.lr}`);
  check(o.exportData === undefined || (typeof o.exportData === 'string' && o.exportData !== ''), 'exportData must be a file name');
  check(!(o.resume && o.exportData !== undefined), 'exportData writes the data of a fresh vocabulary; it cannot be combined with resume');
}

/**
 * Trains the lesson's SentimentLSTM or SimpleRNN on SpamAssassin, writing metrics, a checkpoint and charts
 * into `out` after every epoch (the vocabulary when it starts). With `exportData`, writes the encoded
 * splits as JSON (see `ExportedTextData`) and returns without training. A missing corpus package is a
 * DatasetNotFoundError that says how to install it.
 *
 * @example
 * const { metrics } = await trainText({ model: 'rnn', epochs: 1, limit: 1000, out: 'runs/quick' });
 * console.log(metrics.at(-1)?.test_accuracy);
 */
export function trainText(options: TextTrainOptions & { exportData: string }): Promise<TextExportResult>;
export function trainText(options?: TextTrainOptions & { exportData?: undefined }): Promise<TextTrainResult>;
export function trainText(options?: TextTrainOptions): Promise<TextTrainResult | TextExportResult>;
export async function trainText(options: TextTrainOptions = {}): Promise<TextTrainResult | TextExportResult> {
  validate(options);
  const out = options.out ?? `runs/spam-${options.model ?? 'lstm'}`;
  const epochs = options.epochs ?? 3;
  const stdout = options.stdout ?? process.stdout;
  const say = (line: string) => stdout.write(`${line}\n`);
  const files: TextRunFiles = { ...runFiles(out), vocab: join(out, 'vocab.json') };
  if (options.threads !== undefined) torch.setNumThreads(options.threads);

  const ckpt = options.resume ? loadCheckpoint<TextCheckpoint>(files.checkpoint) : null;
  const held: { ckpt: TextCheckpoint | null; tensors: Tensor[]; model?: nn.Module; optimizer?: optim.Adam } = { ckpt, tensors: [] };
  try {
    if (ckpt) {
      const saved = ckpt.options;
      const contradicts = (given: number | string | undefined, stored: number | string, what: string) => check(given === undefined || given === stored,
        `--resume: ${files.checkpoint} was trained with ${what} ${stored}, not ${given} (resume without it, or start a fresh run in another folder)`);
      contradicts(options.model, saved.model, 'model');
      contradicts(options.vocabSize, saved.vocab_size, 'vocabulary size');
      contradicts(options.minFreq, saved.min_freq, 'minimum frequency');
    }
    const modelName = ckpt?.options.model ?? options.model ?? 'lstm';
    const seed = ckpt?.seed ?? options.seed ?? 0;
    const batchSize = options.batchSize ?? ckpt?.options.batch_size ?? 64;
    const maxLength = options.maxLength ?? ckpt?.options.max_length ?? 200;
    const vocabSize = ckpt?.options.vocab_size ?? options.vocabSize ?? 20000;
    const minFreq = ckpt?.options.min_freq ?? options.minFreq ?? 2;
    const limit = options.limit ?? ckpt?.options.limit ?? undefined;
    const testLimit = options.testLimit ?? ckpt?.options.test_limit ?? undefined;
    const amp = options.amp ?? ckpt?.options.amp ?? null;
    const autocast = ampRegion(amp);
    const title = TITLES[modelName];

    // Both splits are made first, so a missing package fails before anything is written. The split keeps
    // its own fixed seed, not `seed`: runs with different seeds are scored on the same test messages.
    const trainSet = new text.SpamAssassin({ train: true, root: options.root });
    const testSet = new text.SpamAssassin({ train: false, root: options.root });
    const trainIndices = spread(trainSet.length, limit), testIndices = spread(testSet.length, testLimit);
    let vocab: text.Vocab, vocabText: string, trainHeads: string[][];
    if (ckpt) {
      if (!existsSync(files.vocab)) throw new CheckpointNotFoundError(`--resume: no vocabulary at ${files.vocab} beside the checkpoint`);
      vocabText = readFileSync(files.vocab, 'utf8');
      check(sha256(vocabText) === ckpt.options.vocab_sha256, `--resume: ${files.vocab} is not the vocabulary ${files.checkpoint} was trained with`);
      vocab = text.Vocab.fromJSON(vocabText);
      trainHeads = tokenHeads(trainSet, trainIndices, maxLength);
    } else {
      // From the training messages only (the test split must stay unseen), read and tokenized once.
      trainHeads = [];
      vocab = text.Vocab.build(tokenLists(trainSet, trainIndices, maxLength, trainHeads), { minFreq, maxSize: vocabSize });
      vocabText = JSON.stringify(vocab);
    }
    const labelsOf = (ds: text.SpamAssassin, indices: number[]) => indices.map((i) => ds.targets[i]);
    const trainData = encodeSplit(trainHeads, labelsOf(trainSet, trainIndices), vocab, maxLength);
    const testData = encodeSplit(tokenHeads(testSet, testIndices, maxLength), labelsOf(testSet, testIndices), vocab, maxLength);

    if (options.exportData !== undefined) {
      const exported: ExportedTextData = { vocab_size: vocab.length, pad_index: vocab.padIndex, max_length: maxLength, train: trainData, test: testData };
      mkdirSync(dirname(options.exportData), { recursive: true });
      writeText(options.exportData, JSON.stringify(exported));
      say(`wrote ${options.exportData}: ${trainData.labels.length.toLocaleString('en-US')} training and `
        + `${testData.labels.length.toLocaleString('en-US')} test messages of ${maxLength} token ids, vocabulary ${vocab.length.toLocaleString('en-US')}`);
      return { metrics: [], files: { data: options.exportData } };
    }

    mkdirSync(out, { recursive: true });
    if (!ckpt) writeText(files.vocab, vocabText);
    const trainT = toTensors(trainData, modelName), testT = toTensors(testData, modelName);
    held.tensors.push(trainT.tokens, trainT.labels, testT.tokens, testT.labels);

    torch.manualSeed(seed);
    const model = (held.model = torch.tidy(() => (modelName === 'lstm' ? new SentimentLSTM(vocab.length) : new SimpleRNN(vocab.length, 128, 256, 2))));
    const criterion = modelName === 'lstm' ? new nn.BCELoss() : new nn.CrossEntropyLoss();
    const optimizer = (held.optimizer = new optim.Adam(model.parameters(), { lr: options.lr ?? 1e-3 }));
    const generator = new Generator(seed);
    const loader = new DataLoader(new TensorDataset(trainT.tokens, trainT.labels), { batchSize, shuffle: true, generator });
    // SentimentLSTM outputs probabilities [B, 1] (spam if > 0.5), SimpleRNN logits [B, 2] (the larger wins).
    const hits = (output: Tensor, y: Tensor): number =>
      (modelName === 'lstm' ? output.gt(0.5).float().eq(y) : output.argmax(1).eq(y)).sum().item();
    const score = (output: Tensor, y: Tensor): [number, number] => [
      (modelName === 'lstm'
        ? nn.functional.binaryCrossEntropy(output, y, { reduction: 'sum' })
        : nn.functional.crossEntropy(output, y, { reduction: 'sum' })).item(),
      hits(output, y),
    ];

    const startEpoch = resumeFrom(ckpt, model, optimizer, generator, options.lr);
    startMetrics(files.metrics, startEpoch);

    const count = (n: number) => n.toLocaleString('en-US');
    say(`antorcha: ${title}: ${count(trainData.labels.length)} training and ${count(testData.labels.length)} test messages, `
      + `vocabulary ${count(vocab.length)}, ${maxLength} tokens each, batch ${batchSize}, Adam lr ${optimizer.paramGroups[0].lr}, `
      + `CPU with ${torch.getNumThreads()} thread(s)` + ampLabel(amp));
    if (startEpoch > 1) say(`resuming after epoch ${startEpoch - 1} from ${files.checkpoint}`);
    if (startEpoch > epochs) say(`already trained ${startEpoch - 1} epoch(s); nothing to do (raise --epochs to continue)`);

    for (let epoch = startEpoch; epoch <= epochs; epoch++) {
      const label = `epoch ${epoch}/${epochs}`;
      // torch has no generator state to checkpoint, so each epoch's dropout draws are seeded from the
      // shuffling generator, which is checkpointed: a resumed run then repeats an uninterrupted one.
      torch.manualSeed(generator.nextUint32());
      const totals = trainEpoch(loader, (x, y) => {
        const [output, l] = autocast(() => {
          const out = model.forward(x) as Tensor;
          return [out, criterion.forward(out, y)];
        });
        optimizer.zeroGrad();
        l.backward();
        optimizer.step();
        return [l.item(), hits(output, y)];
      }, { stream: stdout, label, unit: 'seq' });
      const test = autocast(() => evaluate(model, testT.tokens, testT.labels, EVAL_BATCH, score));
      const record: MetricsRecord = {
        epoch,
        train_loss: totals.loss, train_accuracy: totals.accuracy,
        test_loss: test.loss, test_accuracy: test.accuracy,
        seconds: round(totals.seconds, 3), sequences_per_second: round(totals.samples / totals.seconds, 1),
        rss_mb: round(process.memoryUsage().rss / 2 ** 20, 1),
      };
      say(epochLine(label, totals, test, 'seq'));
      await endEpoch(out, files, (): TextCheckpoint => ({
        model: model.stateDict(), optimizer: optimizer.stateDict(), epoch, seed, generator: generator.getState(),
        options: {
          model: modelName, batch_size: batchSize, max_length: maxLength, vocab_size: vocabSize, min_freq: minFreq,
          limit: limit ?? null, test_limit: testLimit ?? null, amp, vocab_sha256: sha256(vocabText),
        },
      }), record, title);
    }

    if (startEpoch > epochs) await writeCharts(out, title);
    const metrics = readJsonl(files.metrics);
    say(`wrote ${files.vocab}, ${files.metrics}, ${files.checkpoint}, ${files.svg} and ${files.png}`);
    return { metrics, files };
  } finally {
    freeAll(held.model, held.optimizer, held.ckpt, held.tensors);
  }
}
