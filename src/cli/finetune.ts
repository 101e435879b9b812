/**
 * `antorcha finetune`: transfer learning on Fashion-MNIST with the trainers' progress bar, metrics, charts and
 * checkpoints. A ResNet-18 for 28×28 images (`fashionResNet18`) learns classes 0–4 with random crops and flips
 * — or comes from `--backbone FILE`, a `.pth` or safetensors state dict of that model — and is saved as `<out>/backbone.pth`; a fresh model loads
 * it, every parameter is frozen, `fc` is replaced, and only the new head trains on classes 5–9. With
 * `--baseline` the same head also trains on a randomly initialised frozen backbone, for comparison.
 *
 * Files in the output folder: backbone.pth, and for the head (rewritten every epoch) metrics.jsonl,
 * checkpoint.safetensors (head and optimizer), metrics.svg, metrics.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../index.js';
import { nn, optim, type Tensor } from '../index.js';
import { DataLoader, Generator, TensorDataset, transforms } from '../data/index.js';
import { classesSlice, fashionResNet18, freezeAndReplaceHead, pretrainAugmentation } from '../../examples/transfer-learning.js';
import { loadFashionMnist } from './fashion_data.js';
import { readJsonl, type MetricsRecord } from '../utils/metrics.js';
import type { ProgressStream } from '../utils/progress.js';
import {
  ampLabel, ampRegion, endEpoch, epochLine, evaluate, freeAll, round, runFiles, startMetrics, trainEpoch, type AmpOption, type RunFiles,
} from './train_loop.js';

export interface FinetuneOptions {
  /** A state dict of the backbone (fashionResNet18 with 5 classes) to start from; default: pre-train one. */
  backbone?: string;
  /** Epochs of pre-training on classes 0–4 when no backbone is given (default 3). */
  pretrainEpochs?: number;
  /** Epochs of head training on classes 5–9 (default 3). */
  epochs?: number;
  batchSize?: number;
  /** Adam's learning rate for both phases (default 1e-3). */
  lr?: number;
  seed?: number;
  threads?: number;
  /** Output folder (default runs/finetune). */
  out?: string;
  data?: string;
  limit?: number;
  testLimit?: number;
  /** Also train the head on a randomly initialised frozen backbone and report both accuracies. */
  baseline?: boolean;
  /** 'bf16': forward passes and losses (both phases, and evaluation) under CPU autocast to bfloat16. */
  amp?: AmpOption;
  stdout?: ProgressStream;
}

export interface FinetuneResult {
  /** The head's metrics per epoch (pre-trained backbone). */
  metrics: MetricsRecord[];
  /** Test accuracy on classes 5–9 after the last epoch: pre-trained backbone, and random one with --baseline. */
  accuracy: number;
  baselineAccuracy: number | null;
  files: RunFiles & { backbone: string };
}

const EVAL_BATCH = 1000;
const TITLE = 'ResNet-18 head on Fashion-MNIST classes 5-9';

function score(logits: Tensor, y: Tensor): [number, number] {
  return [nn.functional.crossEntropy(logits, y, { reduction: 'sum' }).item(), logits.argmax(1).eq(y).sum().item()];
}

/**
 * One supervised step on the parameters `optimizer` holds, on the batch transformed by `augment` when given,
 * its forward pass and loss in `region` (autocast with --amp); returns the batch's loss and hits.
 */
function stepper(model: nn.Module, optimizer: optim.Optimizer, region: <T>(fn: () => T) => T, augment?: transforms.Compose) {
  const criterion = new nn.CrossEntropyLoss();
  return (x: Tensor, y: Tensor): [number, number] => {
    const input = augment === undefined ? x : augment.forwardBatch(x) as Tensor;
    const [logits, loss] = region(() => {
      const out = model.forward(input) as Tensor;
      return [out, criterion.forward(out, y)];
    });
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    return [loss.item(), logits.argmax(1).eq(y).sum().item()];
  };
}

/**
 * Runs the transfer-learning demo; see the file's comment.
 *
 * @example
 * const { accuracy, baselineAccuracy } = await finetune({ limit: 6000, testLimit: 1000, baseline: true });
 */
export async function finetune(options: FinetuneOptions = {}): Promise<FinetuneResult> {
  const out = options.out ?? 'runs/finetune';
  const stdout = options.stdout ?? process.stdout;
  const say = (line: string) => stdout.write(`${line}\n`);
  const seed = options.seed ?? 0;
  const batchSize = options.batchSize ?? 64;
  const lr = options.lr ?? 1e-3;
  const epochs = options.epochs ?? 3;
  const autocast = ampRegion(options.amp);
  const files = { ...runFiles(out), backbone: join(out, 'backbone.pth') };
  if (options.threads !== undefined) torch.setNumThreads(options.threads);
  mkdirSync(out, { recursive: true });

  const held: { tensors: Tensor[]; models: nn.Module[]; optimizers: optim.Optimizer[] } = { tensors: [], models: [], optimizers: [] };
  const keep = <T extends nn.Module>(m: T): T => { held.models.push(m); return m; };
  const keepOpt = <T extends optim.Optimizer>(o: T): T => { held.optimizers.push(o); return o; };
  try {
    const data = loadFashionMnist({ root: options.data, limit: options.limit, testLimit: options.testLimit });
    const [xA, yA] = classesSlice(data.train.images, data.train.labels, 0, 4);
    const [xB, yB] = classesSlice(data.train.images, data.train.labels, 5, 9);
    const [tA, uA] = classesSlice(data.test.images, data.test.labels, 0, 4);
    const [tB, uB] = classesSlice(data.test.images, data.test.labels, 5, 9);
    held.tensors.push(...Object.values(data.train), ...Object.values(data.test), xA, yA, xB, yB, tA, uA, tB, uB);
    const loader = (x: Tensor, y: Tensor, generator: Generator) => new DataLoader(new TensorDataset(x, y), { batchSize, shuffle: true, generator });
    say(`antorcha: transfer learning on Fashion-MNIST: backbone classes 0-4 (${xA.shape[0].toLocaleString('en-US')} images), `
      + `head classes 5-9 (${xB.shape[0].toLocaleString('en-US')} images), batch ${batchSize}, Adam lr ${lr}, `
      + `CPU with ${torch.getNumThreads()} thread(s)` + ampLabel(options.amp));

    torch.manualSeed(seed);
    if (options.backbone === undefined) {
      const net = keep(torch.tidy(() => fashionResNet18(5)));
      const opt = keepOpt(new optim.Adam(net.parameters(), { lr }));
      const generator = new Generator(seed);
      const pretrainEpochs = options.pretrainEpochs ?? 3;
      const step = stepper(net, opt, autocast, pretrainAugmentation(xA.shape[3]));
      for (let epoch = 1; epoch <= pretrainEpochs; epoch++) {
        const label = `backbone ${epoch}/${pretrainEpochs}`;
        const totals = trainEpoch(loader(xA, yA, generator), step, { stream: stdout, label, unit: 'img' });
        say(epochLine(label, totals, autocast(() => evaluate(net, tA, uA, EVAL_BATCH, score)), 'img'));
      }
      torch.tidy(() => torch.save(net.stateDict(), files.backbone));
      say(`saved the backbone to ${files.backbone}`);
    }
    const backbone = options.backbone ?? files.backbone;

    // The head on the pre-trained backbone, with metrics, charts and a checkpoint every epoch.
    const model = keep(torch.tidy(() => fashionResNet18(5)));
    const state = torch.load(backbone) as Record<string, Tensor>;
    model.loadStateDict(state);
    torch.dispose(state);
    freezeAndReplaceHead(model, 5);
    const optimizer = keepOpt(new optim.Adam(model.fc.parameters(), { lr }));
    const generator = new Generator(seed + 1);
    startMetrics(files.metrics, 1);
    let accuracy = NaN;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const label = `head ${epoch}/${epochs}`;
      const totals = trainEpoch(loader(xB, yB, generator), stepper(model, optimizer, autocast), { stream: stdout, label, unit: 'img' });
      const test = autocast(() => evaluate(model, tB, uB, EVAL_BATCH, score));
      accuracy = test.accuracy;
      say(epochLine(label, totals, test, 'img'));
      await endEpoch(out, files, () => ({ model: model.fc.stateDict(), optimizer: optimizer.stateDict(), epoch }), {
        epoch, train_loss: totals.loss, train_accuracy: totals.accuracy, test_loss: test.loss, test_accuracy: test.accuracy,
        seconds: round(totals.seconds, 3), images_per_second: round(totals.samples / totals.seconds, 1),
      }, TITLE);
    }

    let baselineAccuracy: number | null = null;
    if (options.baseline) {
      torch.manualSeed(seed + 2);
      const random = keep(torch.tidy(() => fashionResNet18(5)));
      freezeAndReplaceHead(random, 5);
      const opt = keepOpt(new optim.Adam(random.fc.parameters(), { lr }));
      const gen = new Generator(seed + 1);
      for (let epoch = 1; epoch <= epochs; epoch++) {
        const label = `baseline ${epoch}/${epochs}`;
        const totals = trainEpoch(loader(xB, yB, gen), stepper(random, opt, autocast), { stream: stdout, label, unit: 'img' });
        const test = autocast(() => evaluate(random, tB, uB, EVAL_BATCH, score));
        baselineAccuracy = test.accuracy;
        say(epochLine(label, totals, test, 'img'));
      }
    }
    say(`head test accuracy on classes 5-9: ${(100 * accuracy).toFixed(2)}% with the pre-trained backbone`
      + (baselineAccuracy === null ? '' : `, ${(100 * baselineAccuracy).toFixed(2)}% with a random frozen one`));
    say(`wrote ${files.backbone}, ${files.metrics}, ${files.checkpoint}, ${files.svg} and ${files.png}`);
    return { metrics: readJsonl(files.metrics), accuracy, baselineAccuracy, files };
  } finally {
    for (const m of held.models) freeAll(m, undefined);
    for (const o of held.optimizers) freeAll(undefined, o);
    torch.dispose(held.tensors);
  }
}
