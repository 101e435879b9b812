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
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../index.js';
import { nn, optim, type Tensor } from '../index.js';
import { DataLoader, Generator, TensorDataset } from '../data/index.js';
import type { OptimizerStateDict } from '../optim/index.js';
import { SimpleCNN } from '../../examples/simple-cnn.js';
import { loadFashionMnist, type FashionMnistTensors, type Split } from './fashion_data.js';
import { appendJsonl, readJsonl, writeJsonl, type MetricsRecord } from '../utils/metrics.js';
import { epochProgress, formatDuration, type ProgressStream } from '../utils/progress.js';
import { writeTrainingCharts, type EpochCurvePoint } from '../utils/plot.js';

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
  /** Where lines and the progress bar go (default process.stdout); a TTY gets the redrawn bar. */
  stdout?: ProgressStream;
}

/** What `train` returns: the metrics of every epoch in the output folder, and where the files are. */
export interface TrainResult {
  metrics: MetricsRecord[];
  files: { metrics: string; checkpoint: string; svg: string; png: string };
}

/** The checkpoint as saved; `optimizer` is PyTorch's layout, so the file reads like a PyTorch one. */
interface Checkpoint {
  model: Record<string, Tensor>;
  optimizer: OptimizerStateDict;
  epoch: number;
  seed: number;
  /** The shuffling generator's state after `epoch`: the next epoch's order is the one it would have had. */
  generator: Uint32Array;
  options: { batch_size: number; limit: number | null; test_limit: number | null };
}

const EVAL_BATCH = 1000;
const TITLE = 'SimpleCNN on Fashion-MNIST';

/** Mean loss and accuracy of the model over a split, in eval mode, in batches of 1000 without gradients. */
function evaluate(model: nn.Module, split: Split): { loss: number; accuracy: number } {
  const n = split.images.shape[0];
  let lossSum = 0, correct = 0;
  model.eval();
  torch.noGrad(() => {
    for (let start = 0; start < n; start += EVAL_BATCH) {
      const len = Math.min(EVAL_BATCH, n - start);
      torch.tidy(() => {
        const x = split.images.narrow(0, start, len);
        const y = split.labels.narrow(0, start, len);
        const logits = model.forward(x);
        lossSum += nn.functional.crossEntropy(logits, y, { reduction: 'sum' }).item();
        correct += logits.argmax(1).eq(y).sum().item();
      });
    }
  });
  model.train();
  return { loss: lossSum / n, accuracy: correct / n };
}

/** `--resume` without a checkpoint to resume from. */
export class CheckpointNotFoundError extends Error {
  override name = 'CheckpointNotFoundError';
}

function loadCheckpoint(path: string): Checkpoint {
  if (!existsSync(path)) throw new CheckpointNotFoundError(`--resume: no checkpoint at ${path} (run without --resume first, or pass --out)`);
  return torch.load(path) as Checkpoint;
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

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
  const files = {
    metrics: join(out, 'metrics.jsonl'), checkpoint: join(out, 'checkpoint.safetensors'),
    svg: join(out, 'metrics.svg'), png: join(out, 'metrics.png'),
  };
  if (options.threads !== undefined) torch.setNumThreads(options.threads);
  mkdirSync(out, { recursive: true });

  const ckpt = options.resume ? loadCheckpoint(files.checkpoint) : null;
  const seed = ckpt?.seed ?? options.seed ?? 0;
  const batchSize = options.batchSize ?? ckpt?.options.batch_size ?? 64;
  const limit = options.limit ?? ckpt?.options.limit ?? undefined;
  const testLimit = options.testLimit ?? ckpt?.options.test_limit ?? undefined;

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

    let startEpoch = 1;
    if (ckpt) {
      model.loadStateDict(ckpt.model);
      optimizer.loadStateDict(ckpt.optimizer);
      if (options.lr !== undefined) for (const group of optimizer.paramGroups) group.lr = options.lr;
      generator.setState(ckpt.generator);
      startEpoch = ckpt.epoch + 1;
      // Lines of epochs after the checkpoint (a run stopped between the two writes) are redone.
      writeJsonl(files.metrics, readJsonl(files.metrics).filter((r) => Number(r.epoch) < startEpoch));
    } else {
      writeJsonl(files.metrics, []);
    }

    const nTrain = data.train.images.shape[0], nTest = data.test.images.shape[0];
    say(`antorcha: ${TITLE}: ${nTrain.toLocaleString('en-US')} training and ${nTest.toLocaleString('en-US')} test images, `
      + `batch ${batchSize}, Adam lr ${optimizer.paramGroups[0].lr}, CPU with ${torch.getNumThreads()} thread(s)`);
    if (startEpoch > 1) say(`resuming after epoch ${startEpoch - 1} from ${files.checkpoint}`);
    if (startEpoch > epochs) say(`already trained ${startEpoch - 1} epoch(s); nothing to do (raise --epochs to continue)`);

    for (let epoch = startEpoch; epoch <= epochs; epoch++) {
      const label = `epoch ${epoch}/${epochs}`;
      const progress = epochProgress({ stream: stdout, label, total: loader.length });
      let lossSum = 0, correct = 0, seen = 0, step = 0;
      const start = performance.now();
      try {
        for (const [x, y] of loader) {
          // One tidy per step: the activations, gradients' temporaries and the graph are freed here, so
          // native memory stays flat (parameters and Adam's moments are kept by nn and optim).
          const [loss, hits] = torch.tidy(() => {
            const logits = model.forward(x);
            const l = criterion.forward(logits, y);
            optimizer.zeroGrad();
            l.backward();
            optimizer.step();
            return [l.item(), logits.argmax(1).eq(y).sum().item()];
          });
          const n = y.shape[0];
          lossSum += loss * n;
          correct += hits;
          seen += n;
          progress.update(++step, { loss: lossSum / seen, accuracy: correct / seen, images: seen });
        }
      } finally {
        progress.stop();
      }
      const seconds = (performance.now() - start) / 1000;
      const test = evaluate(model, data.test);
      const record: MetricsRecord = {
        epoch,
        train_loss: lossSum / seen, train_accuracy: correct / seen,
        test_loss: test.loss, test_accuracy: test.accuracy,
        seconds: round(seconds, 3), images_per_second: round(seen / seconds, 1),
      };
      say(`${label}  loss ${(lossSum / seen).toFixed(4)}  acc ${((correct / seen) * 100).toFixed(2)}%  `
        + `${Math.round(seen / seconds).toLocaleString('en-US')} img/s  ${formatDuration(seconds)}  |  `
        + `test loss ${test.loss.toFixed(4)}  acc ${(test.accuracy * 100).toFixed(2)}%`);

      // Checkpoint first, then the metrics line: a run stopped in between redoes the epoch on resume
      // (its stale line is dropped above), never skips one.
      torch.tidy(() => { // stateDict()'s views die here; the optimizer's state tensors are its own (kept)
        const checkpoint: Checkpoint = {
          model: model.stateDict(), optimizer: optimizer.stateDict(), epoch, seed, generator: generator.getState(),
          options: { batch_size: batchSize, limit: limit ?? null, test_limit: testLimit ?? null },
        };
        torch.save(checkpoint as unknown as torch.Saveable, files.checkpoint);
      });
      appendJsonl(files.metrics, record);
      await writeTrainingCharts(readJsonl(files.metrics) as unknown as EpochCurvePoint[], join(out, 'metrics'), { title: TITLE });
    }

    const metrics = readJsonl(files.metrics);
    if (startEpoch > epochs && metrics.length > 0) {
      await writeTrainingCharts(metrics as unknown as EpochCurvePoint[], join(out, 'metrics'), { title: TITLE });
    }
    say(`wrote ${files.metrics}, ${files.checkpoint}, ${files.svg} and ${files.png}`);
    return { metrics, files };
  } finally {
    // Parameters, buffers and Adam's moments are kept tensors: free them now, not at some later GC.
    const { data, model, optimizer } = held;
    const optimizerState = optimizer ? [...optimizer.state.values()].flatMap((st) => Object.values(st)) : [];
    torch.dispose([ckpt, data, model?.parameters(), model?.buffers(), optimizerState]);
  }
}
