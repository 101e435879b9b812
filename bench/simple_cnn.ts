/** The lesson's SimpleCNN as the benchmark scripts build it (nn.Sequential, the PyTorch scripts' order). */
import { nn } from '../src/index.js';

/** SimpleCNN (3 conv blocks with BatchNorm, ReLU, pooling; Linear head) for `inChannels`-channel images. */
export function simpleCnn(inChannels: number): nn.Module {
  return new nn.Sequential(
    new nn.Conv2d(inChannels, 32, 3, { padding: 1 }), new nn.BatchNorm2d(32), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(32, 64, 3, { padding: 1 }), new nn.BatchNorm2d(64), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(64, 128, 3, { padding: 1 }), new nn.BatchNorm2d(128), new nn.ReLU(), new nn.AdaptiveAvgPool2d(1),
    new nn.Flatten(), new nn.Linear(128, 10));
}
