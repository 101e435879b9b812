/**
 * The lesson's SentimentLSTM, written line for line as in PyTorch: an embedding, a 2-layer bidirectional
 * LSTM (dropout between the layers, batch-first), the last forward and backward hidden states concatenated,
 * one linear unit and a sigmoid. State-dict keys are PyTorch's (`embedding.weight`, `lstm.weight_ih_l0`,
 * `lstm.weight_hh_l1_reverse`, ..., `fc.bias`).
 *
 * Run it: `node dist/examples/sentiment-lstm.js` (a forward pass on a random batch of token ids and one Adam
 * step with binary cross-entropy).
 *
 * @example
 * import { SentimentLSTM } from './sentiment-lstm.js';
 * const model = new SentimentLSTM(20000);
 * const p = model.forward(torch.randint(0, 20000, [8, 200])); // [8, 1], probabilities
 */
import { pathToFileURL } from 'node:url';
import * as torch from '../src/index.js';
import { nn, optim, type Tensor } from '../src/index.js';

export class SentimentLSTM extends nn.Module {
  embedding: nn.Embedding;
  lstm: nn.LSTM;
  fc: nn.Linear;

  constructor(vocabSize: number, embedDim = 128, hiddenDim = 256) {
    super();
    this.embedding = new nn.Embedding(vocabSize, embedDim);
    this.lstm = new nn.LSTM(embedDim, hiddenDim, { numLayers: 2, bidirectional: true, dropout: 0.3, batchFirst: true });
    this.fc = new nn.Linear(hiddenDim * 2, 1);
  }

  forward(x: Tensor): Tensor {
    const [, [h]] = this.lstm.forward(this.embedding.forward(x));
    // h is [layers * 2, N, H]: the top layer's forward state is h[-2], its backward state h[-1].
    return torch.sigmoid(this.fc.forward(torch.cat([h.select(0, -2), h.select(0, -1)], 1)));
  }
}

/**
 * A forward pass on random token ids, then one training step (BCE, Adam lr 1e-3); returns the loss.
 *
 * @example
 * const { loss } = main({ batchSize: 4, seqLen: 20, vocabSize: 100 });
 */
export function main(options: { batchSize?: number; seqLen?: number; vocabSize?: number; log?: (line: string) => void } = {}) {
  const batchSize = options.batchSize ?? 8, seqLen = options.seqLen ?? 50, vocabSize = options.vocabSize ?? 20000;
  const log = options.log ?? ((line: string) => console.log(line));
  torch.manualSeed(0);
  const model = new SentimentLSTM(vocabSize);
  const criterion = new nn.BCELoss();
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const loss = torch.tidy(() => {
    const x = torch.randint(0, vocabSize, [batchSize, seqLen]);
    const y = torch.randint(0, 2, [batchSize, 1]).float();
    const p = model.forward(x);
    log(`tokens ${JSON.stringify(x.shape)} -> probabilities ${JSON.stringify(p.shape)}`);
    const l = criterion.forward(p, y);
    optimizer.zeroGrad();
    l.backward();
    optimizer.step();
    return l.item();
  });
  log(`loss ${loss.toFixed(4)}`);
  return { loss, model };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
