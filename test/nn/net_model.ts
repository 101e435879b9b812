/** The small net of tools/gen_nn_fixtures.py (class Net), written as a user would in TypeScript. */
import type { Tensor } from '../../src/index.js';
import * as nn from '../../src/nn/index.js';

export class Net extends nn.Module {
  features = new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2));
  bn = new nn.BatchNorm1d(16);
  drop = new nn.Dropout(0.25);
  fc = new nn.Linear(16, 5);
  heads = new nn.ModuleDict({ a: new nn.Linear(5, 2), b: new nn.Linear(5, 3, { bias: false }) });
  norms = new nn.ModuleList([new nn.LayerNorm(5), new nn.GroupNorm(1, 5)]);

  forward(x: Tensor): Tensor {
    x = this.features.forward(x).flatten(1);
    x = this.fc.forward(this.drop.forward(this.bn.forward(x)));
    x = this.norms[0].forward(x);
    return this.heads.get('a').forward(x);
  }
}
