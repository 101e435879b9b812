/**
 * The lesson's SimpleRNN, written line for line as in PyTorch: an embedding, a one-layer Elman RNN
 * (batch-first), and a linear classifier on the last hidden state.
 *
 * Run it: `node dist/examples/simple-rnn.js` (a forward pass on random token ids and one Adam step).
 *
 * @example
 * import { SimpleRNN } from './simple-rnn.js';
 * const model = new SimpleRNN(20000, 128, 256, 2);
 * const logits = model.forward(torch.randint(0, 20000, [8, 200])); // [8, 2]
 */
import { pathToFileURL } from 'node:url';
import * as torch from '../src/index.js';
import { nn, optim, type Tensor } from '../src/index.js';

export class SimpleRNN extends nn.Module {
  embedding: nn.Embedding;
  rnn: nn.RNN;
  fc: nn.Linear;

  constructor(vocabSize: number, embedDim: number, hiddenDim: number, outputDim: number) {
    super();
    this.embedding = new nn.Embedding(vocabSize, embedDim);
    this.rnn = new nn.RNN(embedDim, hiddenDim, { batchFirst: true });
    this.fc = new nn.Linear(hiddenDim, outputDim);
  }

  forward(x: Tensor): Tensor {
    const [, hidden] = this.rnn.forward(this.embedding.forward(x));
    return this.fc.forward(hidden.squeeze(0));
  }
}

/**
 * A forward pass on random token ids, then one training step (cross-entropy, Adam lr 1e-3); returns the loss.
 *
 * @example
 * const { loss } = main({ batchSize: 4, seqLen: 20, vocabSize: 100 });
 */
export function main(options: { batchSize?: number; seqLen?: number; vocabSize?: number; log?: (line: string) => void } = {}) {
  const batchSize = options.batchSize ?? 8, seqLen = options.seqLen ?? 50, vocabSize = options.vocabSize ?? 20000;
  const log = options.log ?? ((line: string) => console.log(line));
  torch.manualSeed(0);
  const model = new SimpleRNN(vocabSize, 128, 256, 2);
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const loss = torch.tidy(() => {
    const x = torch.randint(0, vocabSize, [batchSize, seqLen]);
    const y = torch.randint(0, 2, [batchSize]);
    const logits = model.forward(x);
    log(`tokens ${JSON.stringify(x.shape)} -> logits ${JSON.stringify(logits.shape)}`);
    const l = criterion.forward(logits, y);
    optimizer.zeroGrad();
    l.backward();
    optimizer.step();
    return l.item();
  });
  log(`loss ${loss.toFixed(4)}`);
  return { loss, model };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
