/**
 * Step-by-step parity of SimpleRNN training with PyTorch: the same initial weights, the same batches in the
 * same order, the same token ids; prints both sides' losses side by side and the test accuracies. Run the
 * PyTorch side first (it writes the weights, the order and its losses):
 *
 *   node dist/src/cli/main.js train spam --export-data /tmp/spam.json
 *   /usr/bin/python3 bench/pytorch/spam_steps.py /tmp/spam.json 228 0 /tmp/steps
 *   node dist/bench/spam_steps.js /tmp/spam.json /tmp/steps [--threads 2]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import { nn, optim, type Tensor } from '../src/index.js';
import { SimpleRNN } from '../examples/simple-rnn.js';

interface Exported { vocab_size: number; train: { tokens: number[][]; labels: number[] }; test: { tokens: number[][]; labels: number[] } }

function loadInit(model: nn.Module, dir: string): void {
  const layout = JSON.parse(readFileSync(join(dir, 'init.json'), 'utf8')) as { name: string; shape: number[] }[];
  const bytes = readFileSync(join(dir, 'init.bin'));
  const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  let offset = 0;
  const state: Record<string, Tensor> = {};
  for (const { name, shape } of layout) {
    const n = shape.reduce((a, b) => a * b, 1);
    state[name] = torch.tensor(Array.from(all.subarray(offset, offset + n))).reshape(shape);
    offset += n;
  }
  model.loadStateDict(state);
}

function main(argv: string[]): void {
  const [dataPath, dir] = argv;
  const threadsAt = argv.indexOf('--threads');
  if (threadsAt >= 0) torch.setNumThreads(Number(argv[threadsAt + 1]));
  const data = JSON.parse(readFileSync(dataPath, 'utf8')) as Exported;
  const reference = JSON.parse(readFileSync(join(dir, 'torch.json'), 'utf8')) as { losses: number[]; test_accuracy: number };
  const order = JSON.parse(readFileSync(join(dir, 'order.json'), 'utf8')) as number[];
  const xTrain = torch.keep(torch.tensor(data.train.tokens, { dtype: 'int64' }));
  const yTrain = torch.keep(torch.tensor(data.train.labels, { dtype: 'int64' }));
  const model = new SimpleRNN(data.vocab_size, 128, 256, 2);
  loadInit(model, dir);
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
  model.train();
  const diffs: number[] = [];
  reference.losses.forEach((theirs, s) => {
    const ours = torch.tidy(() => {
      const rows = torch.tensor(order.slice(s * 64, (s + 1) * 64), { dtype: 'int64' });
      optimizer.zeroGrad();
      const loss = criterion.forward(model.forward(xTrain.indexSelect(0, rows)), yTrain.indexSelect(0, rows));
      loss.backward();
      optimizer.step();
      return loss.item();
    });
    diffs.push(Math.abs(ours - theirs));
    console.log(`step ${s + 1}: antorcha ${ours.toFixed(6)}  pytorch ${theirs.toFixed(6)}  |diff| ${Math.abs(ours - theirs).toExponential(2)}`);
  });
  model.eval();
  const correct = torch.noGrad(() => {
    let c = 0;
    for (let i = 0; i < data.test.labels.length; i += 500) {
      c += torch.tidy(() => {
        const x = torch.tensor(data.test.tokens.slice(i, i + 500), { dtype: 'int64' });
        const y = torch.tensor(data.test.labels.slice(i, i + 500), { dtype: 'int64' });
        return model.forward(x).argmax(1).eq(y).sum().item();
      });
    }
    return c;
  });
  const accuracy = correct / data.test.labels.length;
  const firstOff = diffs.findIndex((d) => d > 1e-3);
  console.log(`test accuracy: antorcha ${(100 * accuracy).toFixed(2)}%  pytorch ${(100 * reference.test_accuracy).toFixed(2)}%`);
  console.log(`first step with |loss difference| > 1e-3: ${firstOff < 0 ? 'none' : firstOff + 1}`);
}

main(process.argv.slice(2));
