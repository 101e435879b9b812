/**
 * The lesson's transfer learning, written line for line as in PyTorch: load a pretrained ResNet, freeze every
 * parameter, replace `fc` with a new head for the new classes, and train only that head with Adam.
 *
 * `transferLearning` is the lesson's program (ImageNet ResNet-50 weights: a `.pth` path, or
 * `models.ResNet50_Weights.IMAGENET1K_V2` to download them). Since no ImageNet weights ship with antorcha,
 * the runnable demo does the same on Fashion-MNIST: it pre-trains a ResNet-18 (one input channel) on classes
 * 0–4, saves it as a PyTorch `.pth`, loads it back into a fresh model, freezes it, replaces `fc` and trains the
 * new head on classes 5–9 — and, for comparison, the same head on a randomly initialised frozen backbone.
 *
 * Run it: `node dist/examples/transfer-learning.js` (a few minutes on two cores; `antorcha finetune` is the
 * same with a progress bar, metrics, charts and checkpoints).
 *
 * @example
 * import { transferLearning } from './transfer-learning.js';
 * const { model, optimizer } = transferLearning('resnet50.pth', 5);
 */
import { pathToFileURL } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import { nn, optim, type Tensor } from '../src/index.js';
import { models } from '../src/models/index.js';
import type { WeightsSource } from '../src/models/index.js';
import { DataLoader, TensorDataset } from '../src/data/index.js';
import { loadFashionMnist } from '../src/cli/fashion_data.js';

/**
 * The lesson's program: a pretrained ResNet-50 with every parameter frozen and a new `fc` for `numClasses`
 * classes; only the new head's parameters go to Adam.
 *
 * @example
 * const { model, optimizer } = transferLearning(models.ResNet50_Weights.IMAGENET1K_V2, 5);
 */
export function transferLearning(weights: WeightsSource | null, numClasses: number) {
  const model = models.resnet50({ weights });
  for (const param of model.parameters()) param.requiresGrad = false;
  model.fc = new nn.Linear(model.fc.inFeatures, numClasses);
  const optimizer = new optim.Adam(model.fc.parameters(), { lr: 0.001 });
  return { model, optimizer };
}

/**
 * A ResNet-18 for 28×28 grayscale images: torchvision's layout with a one-channel stem.
 *
 * @example
 * const backbone = fashionResNet18(5);
 */
export function fashionResNet18(numClasses: number): models.ResNet {
  const model = models.resnet18({ numClasses });
  const rgbStem = model.conv1;
  model.conv1 = new nn.Conv2d(1, 64, 7, { stride: 2, padding: 3, bias: false });
  torch.dispose(rgbStem.parameters()); // parameters are kept tensors: freed now rather than by a later GC
  return model;
}

/**
 * Freezes every parameter of `model` and gives it a new `fc` for `numClasses` classes (trainable).
 *
 * @example
 * freezeAndReplaceHead(model, 5); const opt = new optim.Adam(model.fc.parameters());
 */
export function freezeAndReplaceHead(model: models.ResNet, numClasses: number): void {
  for (const param of model.parameters()) param.requiresGrad = false;
  const oldHead = model.fc;
  model.fc = new nn.Linear(model.fc.inFeatures, numClasses);
  torch.dispose(oldHead.parameters());
}

/** The images and labels (shifted to start at 0) of the classes in [from, to]. */
export function classesSlice(images: Tensor, labels: Tensor, from: number, to: number): [Tensor, Tensor] {
  return torch.tidy(() => {
    const keep = labels.ge(from).logicalAnd(labels.le(to)).nonzero().view(-1);
    return [images.indexSelect(0, keep), labels.indexSelect(0, keep).sub(from)];
  });
}

/** Trains `params` of `model` for `epochs` epochs on (x, y) with Adam and cross-entropy; model.train() as the lesson. */
export function fit(model: nn.Module, params: Tensor[], x: Tensor, y: Tensor, epochs: number, log: (line: string) => void): void {
  const optimizer = new optim.Adam(params, { lr: 0.001 });
  const criterion = new nn.CrossEntropyLoss();
  const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true });
  model.train();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let sum = 0, n = 0;
    for (const [images, labels] of loader) {
      sum += torch.tidy(() => {
        optimizer.zeroGrad();
        const loss = criterion.forward(model.forward(images) as Tensor, labels);
        loss.backward();
        optimizer.step();
        return loss.item() * labels.shape[0];
      });
      n += labels.shape[0];
    }
    log(`  epoch ${epoch}/${epochs}: train loss ${(sum / n).toFixed(4)}`);
  }
  torch.dispose(Object.values(optimizer.state).flatMap((s) => Object.values(s)));
}

/** Test accuracy of `model` on (x, y), in eval mode, in batches of 1000. */
export function accuracy(model: nn.Module, x: Tensor, y: Tensor): number {
  model.eval();
  let correct = 0;
  torch.noGrad(() => {
    for (let i = 0; i < x.shape[0]; i += 1000) {
      const len = Math.min(1000, x.shape[0] - i);
      correct += torch.tidy(() => (model.forward(x.narrow(0, i, len)) as Tensor).argmax(1).eq(y.narrow(0, i, len)).sum().item());
    }
  });
  model.train();
  return correct / x.shape[0];
}

export interface DemoOptions {
  /** Epochs of pre-training on classes 0–4 (default 2) and of head training on classes 5–9 (default 2). */
  pretrainEpochs?: number;
  headEpochs?: number;
  /** Use only the first N training / test images of Fashion-MNIST. */
  limit?: number;
  testLimit?: number;
  /** Where the backbone's .pth goes (default a temporary folder). */
  out?: string;
  log?: (line: string) => void;
}

/**
 * The runnable demo; returns the head's test accuracy on classes 5–9 with the pre-trained backbone and with
 * a randomly initialised one.
 *
 * @example
 * const { pretrained, random } = demo({ limit: 6000, testLimit: 1000 });
 */
export function demo(options: DemoOptions = {}): { pretrained: number; random: number; backbonePath: string } {
  const log = options.log ?? console.log;
  const data = loadFashionMnist({ limit: options.limit, testLimit: options.testLimit });
  const [xA, yA] = classesSlice(data.train.images, data.train.labels, 0, 4);
  const [xB, yB] = classesSlice(data.train.images, data.train.labels, 5, 9);
  const [tA, uA] = classesSlice(data.test.images, data.test.labels, 0, 4);
  const [tB, uB] = classesSlice(data.test.images, data.test.labels, 5, 9);
  const out = options.out ?? mkdtempSync(join(tmpdir(), 'transfer-'));
  const backbonePath = join(out, 'backbone.pth');

  torch.manualSeed(0);
  const pretrainedNet = fashionResNet18(5);
  log(`pre-training a ResNet-18 on classes 0-4 (${xA.shape[0]} images)`);
  fit(pretrainedNet, pretrainedNet.parameters(), xA, yA, options.pretrainEpochs ?? 2, log);
  log(`  test accuracy on classes 0-4: ${(100 * accuracy(pretrainedNet, tA, uA)).toFixed(2)}%`);
  torch.save(pretrainedNet.stateDict(), backbonePath);
  log(`saved ${backbonePath}`);

  const results: number[] = [];
  for (const pretrained of [true, false]) {
    const model = fashionResNet18(5);
    if (pretrained) model.loadStateDict(torch.load(backbonePath) as Record<string, Tensor>);
    freezeAndReplaceHead(model, 5);
    log(`training a new head on classes 5-9 (${xB.shape[0]} images), ${pretrained ? 'pre-trained' : 'randomly initialised'} frozen backbone`);
    fit(model, model.fc.parameters(), xB, yB, options.headEpochs ?? 2, log);
    results.push(accuracy(model, tB, uB));
    log(`  test accuracy on classes 5-9: ${(100 * results.at(-1)!).toFixed(2)}%`);
  }
  return { pretrained: results[0], random: results[1], backbonePath };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) demo();
