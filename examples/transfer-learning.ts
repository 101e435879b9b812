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
 * Why this recipe: with torchvision's 7×7 stride-2 stem and max-pool a 28×28 image is a single pixel in
 * layer4, and a backbone pre-trained for two epochs without augmentation gave the head barely better features
 * than a random one (a random frozen ResNet is a strong feature extractor for these images: a linear model on
 * the raw pixels alone reaches ~94% on classes 5–9). The backbone here keeps torchvision's layout and names but
 * has a 3×3 stride-2 stem without max-pool and half the width (layer4 works on 2×2 maps; twice as fast), and
 * pre-trains three epochs with random crops (2 pixels of padding) and flips, which keeps its features less
 * specialised to the five pre-training classes. Both heads train in model.train() as the lesson, so the batch
 * norms of either frozen backbone normalise with the statistics of the new classes.
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
import { DataLoader, TensorDataset, transforms } from '../src/data/index.js';
import { FASHION_MNIST_MEAN, FASHION_MNIST_STD, loadFashionMnist } from '../src/cli/fashion_data.js';

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

/** Channels of the four stages: half of torchvision's 64–512, enough for 28×28 images and twice as fast. */
export const FASHION_WIDTHS = [32, 64, 128, 256] as const;

/**
 * A ResNet-18 for 28×28 grayscale images: torchvision's layout and attribute names (stem, four stages of two
 * BasicBlocks, average pool, `fc`), with a stem sized for small images — a 3×3 stride-2 convolution from one
 * channel and no max-pool, so the stages see 14×14, 7×7, 4×4 and 2×2 maps (torchvision's 7×7 stride-2 stem
 * and max-pool would leave layer4 a single pixel) — and the stage widths of `FASHION_WIDTHS`.
 *
 * @example
 * const backbone = fashionResNet18(5);
 * backbone.forward(torch.randn([2, 1, 28, 28])).shape; // [2, 5]
 */
export function fashionResNet18(numClasses: number): models.ResNet {
  const model = models.resnet18({ numClasses });
  const replaced = [...model.parameters(), ...model.buffers()]; // every layer below is replaced
  const [w1, w2, w3, w4] = FASHION_WIDTHS;
  model.conv1 = new nn.Conv2d(1, w1, 3, { stride: 2, padding: 1, bias: false });
  model.bn1 = new nn.BatchNorm2d(w1);
  (model as { maxpool: nn.Module }).maxpool = new nn.Identity(); // typed MaxPool2d; PyTorch: model.maxpool = nn.Identity()
  model.layer1 = stage(w1, w1, 1);
  model.layer2 = stage(w1, w2, 2);
  model.layer3 = stage(w2, w3, 2);
  model.layer4 = stage(w3, w4, 2);
  model.fc = new nn.Linear(w4, numClasses);
  torch.dispose(replaced); // parameters and buffers are kept tensors: freed now rather than by a later GC
  // torchvision's initialisation of the new convolutions (batch norms start at weight 1, bias 0).
  torch.noGrad(() => {
    for (const m of model.modules()) if (m instanceof nn.Conv2d) nn.init.kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
  });
  return model;
}

/** Two BasicBlocks, the first changing width and stride through a projection shortcut, as torchvision's. */
function stage(inPlanes: number, planes: number, stride: number): nn.Sequential {
  const downsample = stride !== 1 || inPlanes !== planes
    ? new nn.Sequential(new nn.Conv2d(inPlanes, planes, 1, { stride, bias: false }), new nn.BatchNorm2d(planes))
    : null;
  return new nn.Sequential(new models.BasicBlock(inPlanes, planes, { stride, downsample }), new models.BasicBlock(planes, planes));
}

/**
 * The pre-training's augmentation, per image of a normalised batch of `size`×`size` images: a random window
 * of the image padded by 2 pixels of background, and a left-right flip with probability ½.
 *
 * @example
 * const batch = pretrainAugmentation(28).forwardBatch(images);
 */
export function pretrainAugmentation(size = 28): transforms.Compose {
  const background = -FASHION_MNIST_MEAN / FASHION_MNIST_STD; // a black pixel after normalisation
  return new transforms.Compose([new transforms.RandomCrop(size, { padding: 2, fill: background }), new transforms.RandomHorizontalFlip()]);
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

/**
 * Trains `params` of `model` for `epochs` epochs on (x, y) with Adam and cross-entropy, in model.train() as
 * the lesson; `augment`, when given, transforms every batch first.
 */
export function fit(
  model: nn.Module, params: Tensor[], x: Tensor, y: Tensor, epochs: number, log: (line: string) => void,
  augment?: transforms.Compose,
): void {
  const optimizer = new optim.Adam(params, { lr: 0.001 });
  const criterion = new nn.CrossEntropyLoss();
  const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true });
  model.train();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let sum = 0, n = 0;
    for (const [images, labels] of loader) {
      sum += torch.tidy(() => {
        optimizer.zeroGrad();
        const input = augment === undefined ? images : augment.forwardBatch(images) as Tensor;
        const loss = criterion.forward(model.forward(input) as Tensor, labels);
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
  /** Epochs of pre-training on classes 0–4 (default 3) and of head training on classes 5–9 (default 3). */
  pretrainEpochs?: number;
  headEpochs?: number;
  /** Use only the first N training / test images of Fashion-MNIST. */
  limit?: number;
  testLimit?: number;
  /** Seed of the weights, the shuffling and the augmentation (default 0). */
  seed?: number;
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

  torch.manualSeed(options.seed ?? 0);
  const pretrainedNet = fashionResNet18(5);
  log(`pre-training a ResNet-18 on classes 0-4 (${xA.shape[0]} images)`);
  fit(pretrainedNet, pretrainedNet.parameters(), xA, yA, options.pretrainEpochs ?? 3, log, pretrainAugmentation(xA.shape[3]));
  log(`  test accuracy on classes 0-4: ${(100 * accuracy(pretrainedNet, tA, uA)).toFixed(2)}%`);
  torch.save(pretrainedNet.stateDict(), backbonePath);
  log(`saved ${backbonePath}`);

  const results: number[] = [];
  for (const pretrained of [true, false]) {
    const model = fashionResNet18(5);
    if (pretrained) model.loadStateDict(torch.load(backbonePath) as Record<string, Tensor>);
    freezeAndReplaceHead(model, 5);
    log(`training a new head on classes 5-9 (${xB.shape[0]} images), ${pretrained ? 'pre-trained' : 'randomly initialised'} frozen backbone`);
    fit(model, model.fc.parameters(), xB, yB, options.headEpochs ?? 3, log);
    results.push(accuracy(model, tB, uB));
    log(`  test accuracy on classes 5-9: ${(100 * results.at(-1)!).toFixed(2)}%`);
  }
  return { pretrained: results[0], random: results[1], backbonePath };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) demo();
