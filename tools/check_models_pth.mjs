// The antorcha side of tools/check_models_pth.py (run that first with `export`): loads torchvision's .pth
// files through each builder's `weights` option and compares eval logits with PyTorch's, then saves its
// own randomly initialised models as .pth with outputs for `check_models_pth.py check`.
//
//   node tools/check_models_pth.mjs DIR
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../dist/src/index.js';
import { models } from '../dist/src/models/index.js';
import { formulaInput } from '../dist/test/models/formula_weights.js';

const ARCHS = ['alexnet', 'resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152',
  ...Array.from({ length: 8 }, (_, i) => `efficientnet_b${i}`), 'vit_b_16', 'vit_b_32'];
const dir = process.argv[2];
torch.setNumThreads(2);
let worst = 0;
for (const arch of ARCHS) {
  const input = () => formulaInput(arch.startsWith('vit') ? [1, 3, 224, 224] : [1, 3, 64, 64]);
  const logits = (m) => torch.tidy(() => torch.noGrad(() => Array.from(m.eval().forward(input()).dataSync())));
  const loaded = models[arch]({ weights: join(dir, `${arch}.pth`) });
  const got = logits(loaded);
  const want = JSON.parse(readFileSync(join(dir, `${arch}.out.json`), 'utf8'));
  const scale = Math.max(...want.map(Math.abs));
  // All-zero logits would check nothing: they count as a failure.
  const err = scale > 0 ? Math.max(...got.map((v, i) => Math.abs(v - want[i]))) / scale : Infinity;
  worst = Math.max(worst, err);
  torch.dispose([loaded.parameters(), loaded.buffers()]);
  torch.manualSeed(1);
  const mine = models[arch]();
  // torchvision starts ViT's head at zero (all logits 0): give it weights so the logits say something.
  if (arch.startsWith('vit')) torch.noGrad(() => new Map(mine.namedParameters()).get('heads.head.weight').normal_(0, 0.02));
  torch.save(mine.stateDict(), join(dir, `${arch}.antorcha.pth`));
  writeFileSync(join(dir, `${arch}.antorcha.out.json`), JSON.stringify(logits(mine)));
  torch.dispose([mine.parameters(), mine.buffers()]);
  console.log(`${arch}: torchvision .pth loads; logits max |diff| / max |logit| ${err.toExponential(2)} (max |logit| ${scale.toExponential(2)}); wrote ${arch}.antorcha.pth`);
}
console.log(`worst ${worst.toExponential(2)}`);
if (worst > 1e-4) process.exitCode = 1;
