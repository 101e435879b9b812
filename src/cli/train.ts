/**
 * `antorcha train`: the lesson's SimpleCNN on Fashion-MNIST, written as a PyTorch user writes the loop
 * (DataLoader, CrossEntropyLoss, Adam, model.train()/eval(), torch.noGrad), with a progress bar, a metrics
 * file, a checkpoint every epoch that `--resume` continues from, and loss/accuracy charts.
 *
 * Files in the output folder, rewritten at the end of every epoch:
 * - metrics.jsonl: one JSON line per epoch (epoch, train_loss, train_accuracy, test_loss, test_accuracy,
 *   seconds, images_per_second)
 * - checkpoint.safetensors: { model, optimizer, epoch, seed, generator, options } (atomic write)
 * - metrics.svg, metrics.png: the curves
 */
import { mkdirSync } from 'node:fs';
import * as torch from '../index.js';
import { nn, optim, type Tensor } from '../index.js';
import { DataLoader, Generator, TensorDataset } from '../data/index.js';
import type { OptimizerStateDict } from '../optim/index.js';
import { SimpleCNN } from '../../examples/simple-cnn.js';
import { loadFashionMnist, type FashionMnistTensors } from './fashion_data.js';
import { readJsonl, type MetricsRecord } from '../utils/metrics.js';
import type { ProgressStream } from '../utils/progress.js';
import {
  ampLabel, ampRegion, endEpoch, epochLine, evaluate, freeAll, loadCheckpoint, resumeFrom, round, runFiles, startMetrics, trainEpoch, writeCharts,
  type RunFiles,
} from './train_loop.js';

export { CheckpointNotFoundError } from './train_loop.js';

export interface TrainOptions {
  /** Train until this epoch (default 3); with `resume`, the total including the epochs already done. */
  epochs?: number;
  /** Images per training step (default 64). */
  batchSize?: number;
  /** Adam's learning rate (default 1e-3; on resume, the checkpoint's unless given). */
  lr?: number;
  /** Threads of the native kernels (default: as set, i.e. all cores). */
  threads?: number;
  /** Seed of the weights' initialisation and of the shuffling (default 0). */
  seed?: number;
  /** Output folder (default runs/fashion-mnist). */
  out?: string;
  /** Continue from `<out>/checkpoint.safetensors`. */
  resume?: boolean;
  /** Folder with the Fashion-MNIST IDX files (default: Debian's /usr/share/datasets/fashion-mnist). */
  data?: string;
  /** Use only the first N training images. */
  limit?: number;
  /** Use only the first N test images. */
  testLimit?: number;
  /** 'bf16': forward pass and loss under CPU autocast in bfloat16 (weights and optimizer stay float32). */
  amp?: 'bf16' | null;
  /** Where lines and the progress bar go (default process.stdout); a TTY gets the redrawn bar. */
  stdout?: ProgressStream;
}

/** What `train` returns: the metrics of every epoch in the output folder, and where the files are. */
export interface TrainResult {
  metrics: MetricsRecord[];
  files: RunFiles;
}

/** The checkpoint as saved; `optimizer` is PyTorch's layout, so the file reads like a PyTorch one. */
interface Checkpoint {
  model: Record<string, Tensor>;
  optimizer: OptimizerStateDict;
  epoch: number;
  seed: number;
  /** The shuffling generator's state after `epoch`: the next epoch's order is the one it would have had. */
  generator: Uint32Array;
  options: { batch_size: number; limit: number | null; test_limit: number | null; amp?: 'bf16' | null };
}

const EVAL_BATCH = 1000;
const TITLE = 'SimpleCNN on Fashion-MNIST';

/** Summed cross-entropy and correct predictions of a batch of logits. */
function score(logits: Tensor, y: Tensor): [number, number] {
  return [nn.functional.crossEntropy(logits, y, { reduction: 'sum' }).item(), logits.argmax(1).eq(y).sum().item()];
}

/**
 * Trains SimpleCNN on Fashion-MNIST, writing metrics, a checkpoint and charts into `out` after every epoch.
 *
 * @example
 * const { metrics } = await train({ epochs: 1, limit: 1024, out: 'runs/quick' });
 * console.log(metrics.at(-1)?.test_accuracy);
 */
export async function train(options: TrainOptions = {}): Promise<TrainResult> {
  const out = options.out ?? 'runs/fashion-mnist';
  const epochs = options.epochs ?? 3;
  const stdout = options.stdout ?? process.stdout;
  const say = (line: string) => stdout.write(`${line}\n`);
  const files = runFiles(out);
  if (options.threads !== undefined) torch.setNumThreads(options.threads);
  mkdirSync(out, { recursive: true });

  const ckpt = options.resume ? loadCheckpoint<Checkpoint>(files.checkpoint) : null;
  const seed = ckpt?.seed ?? options.seed ?? 0;
  const batchSize = options.batchSize ?? ckpt?.options.batch_size ?? 64;
  const limit = options.limit ?? ckpt?.options.limit ?? undefined;
  const testLimit = options.testLimit ?? ckpt?.options.test_limit ?? undefined;
  const amp = options.amp ?? ckpt?.options.amp ?? null;
  const autocast = ampRegion(amp);

  // Everything below holds native memory, freed in `finally` (kept tensors are not freed by any scope).
  const held: { data?: FashionMnistTensors; model?: SimpleCNN; optimizer?: optim.Adam } = {};
  try {
    const data = (held.data = loadFashionMnist({ root: options.data, limit, testLimit }));
    torch.manualSeed(seed);
    const model = (held.model = torch.tidy(() => new SimpleCNN(1, 10)));
    const criterion = new nn.CrossEntropyLoss();
    const optimizer = (held.optimizer = new optim.Adam(model.parameters(), { lr: options.lr ?? 1e-3 }));
    const generator = new Generator(seed);
    const loader = new DataLoader(new TensorDataset(data.train.images, data.train.labels), { batchSize, shuffle: true, generator });

    const startEpoch = resumeFrom(ckpt, model, optimizer, generator, options.lr);
    startMetrics(files.metrics, startEpoch);

    const nTrain = data.train.images.shape[0], nTest = data.test.images.shape[0];
    say(`antorcha: ${TITLE}: ${nTrain.toLocaleString('en-US')} training and ${nTest.toLocaleString('en-US')} test images, `
      + `batch ${batchSize}, Adam lr ${optimizer.paramGroups[0].lr}, CPU with ${torch.getNumThreads()} thread(s)`
      + ampLabel(amp));
    if (startEpoch > 1) say(`resuming after epoch ${startEpoch - 1} from ${files.checkpoint}`);
    if (startEpoch > epochs) say(`already trained ${startEpoch - 1} epoch(s); nothing to do (raise --epochs to continue)`);

    for (let epoch = startEpoch; epoch <= epochs; epoch++) {
      const label = `epoch ${epoch}/${epochs}`;
      const totals = trainEpoch(loader, (x, y) => {
        const [logits, l] = autocast(() => {
          const out = model.forward(x);
          return [out, criterion.forward(out, y)];
        });
        optimizer.zeroGrad();
        l.backward();
        optimizer.step();
        return [l.item(), logits.argmax(1).eq(y).sum().item()];
      }, { stream: stdout, label, unit: 'img' });
      const test = autocast(() => evaluate(model, data.test.images, data.test.labels, EVAL_BATCH, score));
      const record: MetricsRecord = {
        epoch,
        train_loss: totals.loss, train_accuracy: totals.accuracy,
        test_loss: test.loss, test_accuracy: test.accuracy,
        seconds: round(totals.seconds, 3), images_per_second: round(totals.samples / totals.seconds, 1),
      };
      say(epochLine(label, totals, test, 'img'));
      await endEpoch(out, files, (): Checkpoint => ({
        model: model.stateDict(), optimizer: optimizer.stateDict(), epoch, seed, generator: generator.getState(),
        options: { batch_size: batchSize, limit: limit ?? null, test_limit: testLimit ?? null, amp },
      }), record, TITLE);
    }

    if (startEpoch > epochs) await writeCharts(out, TITLE);
    const metrics = readJsonl(files.metrics);
    say(`wrote ${files.metrics}, ${files.checkpoint}, ${files.svg} and ${files.png}`);
    return { metrics, files };
  } finally {
    freeAll(held.model, held.optimizer, ckpt, held.data);
  }
}
