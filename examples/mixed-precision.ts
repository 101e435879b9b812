/**
 * The lesson's mixed-precision training loop: the forward pass and the loss run inside an autocast region
 * (matrix products and convolutions in 16-bit floats, the loss in float32), and a GradScaler scales the
 * loss before backward, unscales the gradients, skips steps whose gradients overflowed and adapts the
 * scale. The device is chosen as in the lesson; here it is the CPU, where autocast computes in bfloat16
 * (CUDA's default would be float16). The data is a small synthetic task (which colour channel is
 * brightest), so the program runs anywhere in a few seconds.
 *
 * Run it: `node dist/examples/mixed-precision.js`
 *
 * @example
 * const { losses, scales } = main({ epochs: 2 });
 */
import { pathToFileURL } from 'node:url';
import * as torch from '../src/index.js';
import { nn, optim, type DType, type Tensor } from '../src/index.js';
import { DataLoader, Generator, TensorDataset } from '../src/data/index.js';
import { SimpleCNN } from './simple-cnn.js';

export interface MixedPrecisionOptions {
  /** Passes over the data (default 3). */
  epochs?: number;
  /** Synthetic images (default 96). */
  samples?: number;
  /** Images per step (default 16). */
  batchSize?: number;
  /** Seed of the weights, the data and the shuffling (default 0). */
  seed?: number;
  /** Where the lines go (default console.log). */
  log?: (line: string) => void;
}

export interface MixedPrecisionResult {
  /** Mean training loss of each epoch. */
  losses: number[];
  /** The GradScaler's scale after each epoch. */
  scales: number[];
  /** Accuracy on the training images after the last epoch, in [0, 1]. */
  accuracy: number;
  /** dtype of the logits inside the autocast region. */
  logitsDtype: DType;
  model: SimpleCNN;
}

/** Images whose label is the channel with the largest mean (3 classes). */
function syntheticData(samples: number): [Tensor, Tensor] {
  const images = torch.randn(samples, 3, 32, 32);
  const labels = torch.randint(0, 3, [samples]);
  // Brighten the labelled channel so that the task is learnable in a few steps.
  const boost = torch.eye(3).indexSelect(0, labels).view(samples, 3, 1, 1);
  return [images.add(boost.mul(0.5)), labels];
}

/**
 * Trains SimpleCNN with autocast and GradScaler, printing the loss and the scale after each epoch.
 *
 * @example
 * main({ epochs: 1, log: () => {} });
 */
export function main(options: MixedPrecisionOptions = {}): MixedPrecisionResult {
  const log = options.log ?? ((line: string) => console.log(line));
  const epochs = options.epochs ?? 3;
  torch.manualSeed(options.seed ?? 0);

  const device = torch.device(torch.cuda.isAvailable() ? 'cuda' : 'cpu');
  const amp = { deviceType: device.type, dtype: (device.type === 'cuda' ? 'float16' : 'bfloat16') as DType };
  const [images, labels] = syntheticData(options.samples ?? 96);
  const loader = new DataLoader(new TensorDataset(images, labels), {
    batchSize: options.batchSize ?? 16, shuffle: true, generator: new Generator().manualSeed(options.seed ?? 0),
  });

  const model = new SimpleCNN(3, 3).to(device);
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const scaler = new torch.amp.GradScaler();
  log(`device ${device}, autocast ${amp.dtype}, GradScaler scale ${scaler.getScale()}`);

  const losses: number[] = [], scales: number[] = [];
  let logitsDtype: DType = 'float32';
  for (let epoch = 0; epoch < epochs; epoch++) {
    let sum = 0, count = 0;
    for (const [inputs, targets] of loader) {
      sum += torch.tidy(() => {
        const x = inputs.to(device), y = targets.to(device);
        optimizer.zeroGrad();
        const loss = torch.amp.autocast(amp, () => {
          const outputs = model.forward(x);
          logitsDtype = outputs.dtype;
          return criterion.forward(outputs, y);
        });
        scaler.scale(loss).backward();
        scaler.step(optimizer);
        scaler.update();
        return loss.item() * x.size(0);
      });
      count += inputs.size(0);
    }
    losses.push(sum / count);
    scales.push(scaler.getScale());
    log(`epoch ${epoch + 1}: loss ${(sum / count).toFixed(4)}, scale ${scaler.getScale()}`);
  }
  model.eval();
  const accuracy = torch.tidy(() => torch.noGrad(() => torch.amp.autocast(amp, () =>
    model.forward(images).argmax(1).eq(labels).float().mean().item())));
  log(`training accuracy ${(accuracy * 100).toFixed(1)}%`);
  return { losses, scales, accuracy, logitsDtype, model };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
