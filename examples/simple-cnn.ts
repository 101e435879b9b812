/**
 * The lesson's SimpleCNN, written line for line as in PyTorch: three conv → batch-norm → ReLU blocks (the first
 * two followed by 2×2 max pooling), global average pooling, and one linear classifier. Its state-dict keys
 * are PyTorch's (`features.0.weight`, `features.1.running_mean`, ..., `classifier.weight`), so a checkpoint
 * written by the PyTorch version loads into this one unchanged.
 *
 * Run it: `node dist/examples/simple-cnn.js` (a forward pass on a 3×32×32 batch and one Adam step).
 *
 * @example
 * import { SimpleCNN } from './simple-cnn.js';
 * const model = new SimpleCNN(1, 10);                 // Fashion-MNIST: 1 channel, 10 classes
 * const logits = model.forward(torch.randn(8, 1, 28, 28)); // [8, 10]
 */
import { pathToFileURL } from 'node:url';
import * as torch from '../src/index.js';
import { nn, optim, type Tensor } from '../src/index.js';

export class SimpleCNN extends nn.Module {
  features: nn.Sequential;
  classifier: nn.Linear;

  constructor(inChannels = 3, numClasses = 10) {
    super();
    // Assigned in the constructor, not as field initializers: class fields run before the constructor's
    // parameters could be read through `this`, as in PyTorch's __init__.
    this.features = new nn.Sequential(
      new nn.Conv2d(inChannels, 32, 3, { padding: 1 }), new nn.BatchNorm2d(32), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(32, 64, 3, { padding: 1 }), new nn.BatchNorm2d(64), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(64, 128, 3, { padding: 1 }), new nn.BatchNorm2d(128), new nn.ReLU(),
      new nn.AdaptiveAvgPool2d(1),
    );
    this.classifier = new nn.Linear(128, numClasses);
  }

  forward(x: Tensor): Tensor {
    x = this.features.forward(x);
    return this.classifier.forward(x.view(x.size(0), -1));
  }
}

export interface SimpleCnnDemoOptions {
  /** Images in the random batch (default 16). */
  batchSize?: number;
  /** Seed of the random generator (default 0). */
  seed?: number;
  /** Where the lines go (default console.log). */
  log?: (line: string) => void;
}

export interface SimpleCnnDemoResult {
  /** Shape of the logits of the forward pass, [batchSize, 10]. */
  outputShape: number[];
  /** Cross-entropy of the training step, before the update. */
  loss: number;
  /** The model, after one Adam step. */
  model: SimpleCNN;
}

/**
 * A forward pass of SimpleCNN on a random 3×32×32 batch, then one training step (cross-entropy, Adam with
 * lr 1e-3), printing the shapes and the loss.
 *
 * @example
 * const { outputShape, loss } = main({ batchSize: 4 });
 */
export function main(options: SimpleCnnDemoOptions = {}): SimpleCnnDemoResult {
  const batchSize = options.batchSize ?? 16;
  const log = options.log ?? ((line: string) => console.log(line));
  torch.manualSeed(options.seed ?? 0);

  const model = new SimpleCNN(3, 10);
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const numParams = model.parameters().reduce((n, p) => n + p.numel(), 0);
  log(`SimpleCNN: ${numParams.toLocaleString('en-US')} parameters`);

  // tidy frees the batch, the activations and the gradients' temporaries when the step ends.
  const { outputShape, loss } = torch.tidy(() => {
    const x = torch.randn(batchSize, 3, 32, 32);
    const y = torch.randint(0, 10, [batchSize]);
    log(`input  ${JSON.stringify(x.shape)}`);

    const logits = model.forward(x);
    log(`logits ${JSON.stringify(logits.shape)}`);
    const l = criterion.forward(logits, y);
    optimizer.zeroGrad();
    l.backward();
    optimizer.step();
    return { outputShape: logits.shape, loss: l.item() };
  });
  log(`loss   ${loss.toFixed(4)} (one Adam step, lr 1e-3)`);
  return { outputShape, loss, model };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
