/**
 * What the trainers of `antorcha train` (images: train.ts, text: train_text.ts) share: where a run keeps
 * its files, loading the checkpoint to resume from, one epoch of steps with its progress display,
 * evaluation in batches, the end-of-epoch writes (checkpoint, metrics line, charts) and freeing the
 * model's and optimizer's tensors.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../index.js';
import type { nn, optim, Tensor } from '../index.js';
import { appendJsonl, readJsonl, writeJsonl, type MetricsRecord } from '../utils/metrics.js';
import { epochProgress, formatDuration, type ProgressStream } from '../utils/progress.js';
import { writeTrainingCharts, type EpochCurvePoint } from '../utils/plot.js';
import { hasNativeBfloat16 } from '../amp/native_support.js';

/** The trainers' `--amp`: the autocast dtype of the forward pass, or none (float32). */
export type AmpOption = 'bf16' | null | undefined;

/**
 * The region a mixed-precision step runs its forward pass and loss in: CPU autocast to bfloat16 with `--amp bf16`
 * (products and convolutions in bfloat16, the loss in float32: PyTorch's policy), else the call itself.
 *
 * @example
 * const region = ampRegion('bf16');
 * const loss = region(() => criterion.forward(model.forward(x), y));
 */
export function ampRegion(amp: AmpOption): <T>(fn: () => T) => T {
  return (fn) => (amp === 'bf16' ? torch.autocast({ deviceType: 'cpu', dtype: 'bfloat16' }, fn) : fn());
}

/**
 * What the trainers' first line says about `--amp`: nothing for float32, else the autocast dtype, and on a CPU
 * without bfloat16 instructions (oneDNN computes bfloat16 natively only with AVX-512) that it is emulated there:
 * PyTorch's dtypes and values, at float32 speed or below.
 *
 * @example
 * say(`... CPU with 2 thread(s)${ampLabel('bf16')}`); // ", autocast bfloat16" on an AVX-512 / AMX CPU
 */
export function ampLabel(amp: AmpOption): string {
  if (amp !== 'bf16') return '';
  return hasNativeBfloat16() ? ', autocast bfloat16'
    : ', autocast bfloat16 (emulated: this CPU has no bfloat16 instructions, so no faster than float32)';
}

/** The files a run rewrites at the end of every epoch. */
export interface RunFiles {
  metrics: string;
  checkpoint: string;
  svg: string;
  png: string;
}

/**
 * The paths of a run's files in the folder `out`.
 *
 * @example
 * runFiles('runs/x').checkpoint; // 'runs/x/checkpoint.safetensors'
 */
export function runFiles(out: string): RunFiles {
  return {
    metrics: join(out, 'metrics.jsonl'), checkpoint: join(out, 'checkpoint.safetensors'),
    svg: join(out, 'metrics.svg'), png: join(out, 'metrics.png'),
  };
}

/** `--resume` without a checkpoint (or the files beside it) to resume from. */
export class CheckpointNotFoundError extends Error {
  override name = 'CheckpointNotFoundError';
}

/**
 * Loads the checkpoint written by a previous run; a CheckpointNotFoundError when there is none.
 *
 * @example
 * const ckpt = loadCheckpoint<{ epoch: number }>('runs/x/checkpoint.safetensors');
 */
export function loadCheckpoint<T>(path: string): T {
  if (!existsSync(path)) throw new CheckpointNotFoundError(`--resume: no checkpoint at ${path} (run without --resume first, or pass --out)`);
  return torch.load(path) as T;
}

/**
 * Starts metrics.jsonl for a run whose first epoch is `startEpoch`: empty for a fresh run; on resume,
 * the lines of the epochs before it. Lines of later epochs (a run stopped between the checkpoint and the
 * metrics write, see `endEpoch`) are dropped, since those epochs are trained again.
 *
 * @example
 * startMetrics('runs/x/metrics.jsonl', ckpt ? ckpt.epoch + 1 : 1);
 */
/** What a checkpoint holds for resuming (both trainers save these keys). */
export interface ResumeState {
  model: Record<string, Tensor>;
  optimizer: Parameters<optim.Optimizer['loadStateDict']>[0];
  generator: Uint32Array;
  epoch: number;
}

/**
 * Restores model, optimizer and shuffling state from a checkpoint (a given `lr` overrides the saved one);
 * returns the first epoch still to run (1 without a checkpoint).
 *
 * @example
 * const startEpoch = resumeFrom(ckpt, model, optimizer, generator, options.lr);
 */
export function resumeFrom(
  ckpt: ResumeState | null, model: nn.Module, optimizer: optim.Optimizer, generator: { setState(s: Uint32Array): void },
  lr: number | undefined,
): number {
  if (!ckpt) return 1;
  model.loadStateDict(ckpt.model);
  optimizer.loadStateDict(ckpt.optimizer);
  if (lr !== undefined) for (const group of optimizer.paramGroups) group.lr = lr;
  generator.setState(ckpt.generator);
  return ckpt.epoch + 1;
}

export function startMetrics(path: string, startEpoch: number): void {
  writeJsonl(path, startEpoch > 1 ? readJsonl(path).filter((r) => Number(r.epoch) < startEpoch) : []);
}

/** Rounds for the metrics file (timings need no 15 digits). @example round(1.23456, 2) // 1.23 */
export const round = (x: number, digits: number): number => Number(x.toFixed(digits));

/** Totals of one training epoch. */
export interface EpochTotals {
  /** Mean training loss over the epoch's samples. */
  loss: number;
  /** Fraction of the epoch's samples classified correctly, in [0, 1]. */
  accuracy: number;
  /** Samples seen. */
  samples: number;
  /** Wall time of the epoch's steps. */
  seconds: number;
}

export interface TrainEpochOptions {
  /** Where the progress goes. */
  stream: ProgressStream;
  /** E.g. 'epoch 2/3'. */
  label: string;
  /** What a sample is called in the rate, e.g. 'img' (img/s) or 'seq' (seq/s). */
  unit: string;
}

/**
 * Runs one epoch: for each batch `[x, y]`, `step(x, y)` (the forward, backward and optimizer step)
 * returns the batch's mean loss and number of correct predictions. Each step runs in its own `tidy`, so
 * the activations, the graph and the gradients' temporaries are freed when it ends and native memory
 * stays flat (parameters and the optimizer's state are kept tensors).
 *
 * @example
 * const totals = trainEpoch(loader, (x, y) => { ...; return [loss.item(), hits]; }, { stream: process.stdout, label: 'epoch 1/3', unit: 'img' });
 */
export function trainEpoch(
  loader: Iterable<readonly Tensor[]> & { readonly length: number },
  step: (x: Tensor, y: Tensor) => [loss: number, hits: number],
  options: TrainEpochOptions,
): EpochTotals {
  const progress = epochProgress({ stream: options.stream, label: options.label, total: loader.length, unit: options.unit });
  let lossSum = 0, correct = 0, seen = 0, n = 0;
  const start = performance.now();
  try {
    for (const [x, y] of loader) {
      const [loss, hits] = torch.tidy(() => step(x, y));
      const size = y.shape[0];
      lossSum += loss * size;
      correct += hits;
      seen += size;
      progress.update(++n, { loss: lossSum / seen, accuracy: correct / seen, images: seen });
    }
  } finally {
    progress.stop();
  }
  return { loss: lossSum / seen, accuracy: correct / seen, samples: seen, seconds: (performance.now() - start) / 1000 };
}

/**
 * Mean loss and accuracy of `model` over `inputs` / `targets`, in eval mode, without gradients, in
 * batches of `batchSize` (one tidy each); `score(output, target)` gives a batch's summed loss and its
 * number of correct predictions. The model is back in training mode afterwards.
 *
 * @example
 * const test = evaluate(model, images, labels, 1000, (logits, y) => [
 *   nn.functional.crossEntropy(logits, y, { reduction: 'sum' }).item(), logits.argmax(1).eq(y).sum().item()]);
 */
export function evaluate(
  model: nn.Module, inputs: Tensor, targets: Tensor, batchSize: number,
  score: (output: Tensor, target: Tensor) => [lossSum: number, hits: number],
): { loss: number; accuracy: number } {
  const n = inputs.shape[0];
  let lossSum = 0, correct = 0;
  model.eval();
  try {
    torch.noGrad(() => {
      for (let start = 0; start < n; start += batchSize) {
        const len = Math.min(batchSize, n - start);
        torch.tidy(() => {
          const [loss, hits] = score(model.forward(inputs.narrow(0, start, len)) as Tensor, targets.narrow(0, start, len));
          lossSum += loss;
          correct += hits;
        });
      }
    });
  } finally {
    model.train();
  }
  return { loss: lossSum / n, accuracy: correct / n };
}

/**
 * The epoch's summary line, e.g. `epoch 1/3  loss 0.4123  acc 85.10%  1,234 img/s  0:52  |  test loss ...`.
 *
 * @example
 * say(epochLine('epoch 1/3', totals, test, 'img'));
 */
export function epochLine(label: string, train: EpochTotals, test: { loss: number; accuracy: number }, unit: string): string {
  return `${label}  loss ${train.loss.toFixed(4)}  acc ${(train.accuracy * 100).toFixed(2)}%  `
    + `${Math.round(train.samples / train.seconds).toLocaleString('en-US')} ${unit}/s  ${formatDuration(train.seconds)}  |  `
    + `test loss ${test.loss.toFixed(4)}  acc ${(test.accuracy * 100).toFixed(2)}%`;
}

/**
 * The end-of-epoch writes: the checkpoint (atomic; built by `checkpoint()` inside a tidy, so the state
 * dict's views are freed), then the metrics line, then the charts from all the lines so far.
 *
 * @example
 * await endEpoch(out, files, () => ({ model: model.stateDict(), epoch }), record, 'SimpleCNN on Fashion-MNIST');
 */
export async function endEpoch(out: string, files: RunFiles, checkpoint: () => object, record: MetricsRecord, title: string): Promise<void> {
  // Checkpoint first, then the metrics line: a run stopped in between redoes the epoch on resume
  // (startMetrics drops its stale line), never skips one.
  torch.tidy(() => torch.save(checkpoint() as unknown as torch.Saveable, files.checkpoint));
  appendJsonl(files.metrics, record);
  await writeCharts(out, title);
}

/**
 * Redraws `<out>/metrics.svg` and `.png` from `<out>/metrics.jsonl`.
 *
 * @example
 * await writeCharts('runs/x', 'SimpleCNN on Fashion-MNIST');
 */
export async function writeCharts(out: string, title: string): Promise<void> {
  const points = readJsonl(join(out, 'metrics.jsonl')) as unknown as EpochCurvePoint[];
  if (points.length > 0) await writeTrainingCharts(points, join(out, 'metrics'), { title });
}

/**
 * Frees a model's parameters and buffers, an optimizer's state tensors and anything else given (tensors,
 * or objects and arrays holding them). They are kept tensors, which no scope frees: without this they
 * would wait for some later garbage collection.
 *
 * @example
 * try { ... } finally { freeAll(model, optimizer, data); }
 */
export function freeAll(model: nn.Module | undefined, optimizer: optim.Optimizer | undefined, ...rest: unknown[]): void {
  const optimizerState = optimizer ? [...optimizer.state.values()].flatMap((st) => Object.values(st)) : [];
  torch.dispose([rest, model?.parameters(), model?.buffers(), optimizerState]);
}
