/**
 * AlexNet (Krizhevsky, "One weird trick for parallelizing convolutional neural networks", 2014) as
 * torchvision builds it: the single-tower variant its checkpoints were trained with. State-dict keys
 * (`features.0.weight` ... `classifier.6.bias`), their order and shapes are torchvision's.
 */
import type { Tensor } from '../tensor.js';
import { Module } from '../nn/module.js';
import { Sequential } from '../nn/containers.js';
import { Conv2d } from '../nn/modules/conv.js';
import { ReLU } from '../nn/modules/activation.js';
import { MaxPool2d, AdaptiveAvgPool2d } from '../nn/modules/pooling.js';
import { Dropout } from '../nn/modules/dropout.js';
import { Linear } from '../nn/modules/linear.js';
import { loadWeights, type BuilderOptions } from './weights.js';

export interface AlexNetOptions extends BuilderOptions {
  /** Size of the classifier's output. Default 1000. */
  numClasses?: number;
  /** Dropout probability before the two hidden Linear layers. Default 0.5. */
  dropout?: number;
}

/**
 * Five convolutions with max pooling, a 6x6 adaptive average pool and a three-layer classifier with
 * dropout. Layers keep PyTorch's default initialisation, as in torchvision.
 *
 * @example
 * const m = new AlexNet({ numClasses: 10 });
 * m.eval().forward(torch.randn(1, 3, 224, 224)).shape; // [1, 10]
 */
export class AlexNet extends Module {
  features: Sequential;
  avgpool: AdaptiveAvgPool2d;
  classifier: Sequential;

  constructor(options: Omit<AlexNetOptions, 'weights'> = {}) {
    super();
    const numClasses = options.numClasses ?? 1000;
    if (!Number.isInteger(numClasses) || numClasses <= 0) throw new RangeError(`numClasses must be a positive integer, got ${numClasses}`);
    const p = options.dropout ?? 0.5;
    const relu = () => new ReLU({ inplace: true });
    const pool = () => new MaxPool2d(3, { stride: 2 });
    this.features = new Sequential(
      new Conv2d(3, 64, 11, { stride: 4, padding: 2 }), relu(), pool(),
      new Conv2d(64, 192, 5, { padding: 2 }), relu(), pool(),
      new Conv2d(192, 384, 3, { padding: 1 }), relu(),
      new Conv2d(384, 256, 3, { padding: 1 }), relu(),
      new Conv2d(256, 256, 3, { padding: 1 }), relu(), pool(),
    );
    this.avgpool = new AdaptiveAvgPool2d([6, 6]);
    this.classifier = new Sequential(
      new Dropout(p), new Linear(256 * 6 * 6, 4096), relu(),
      new Dropout(p), new Linear(4096, 4096), relu(),
      new Linear(4096, numClasses),
    );
  }

  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.avgpool.forward(this.features.forward(x)).flatten(1));
  }
}

/**
 * AlexNet; torchvision.models.alexnet.
 *
 * @example
 * const m = models.alexnet({ weights: 'alexnet.pth' });
 */
export function alexnet(options: AlexNetOptions = {}): AlexNet {
  const model = new AlexNet(options);
  return options.weights ? loadWeights(model, options.weights) : model;
}
