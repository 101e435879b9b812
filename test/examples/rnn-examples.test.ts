/** The lesson's SimpleRNN and SentimentLSTM examples: PyTorch's state-dict keys and shapes, and one training step. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { SentimentLSTM, main as lstmMain } from '../../examples/sentiment-lstm.js';
import { SimpleRNN, main as rnnMain } from '../../examples/simple-rnn.js';

// torch 1.13's state dicts of the same classes with a 1000-word vocabulary.
const LSTM_STATE: Record<string, number[]> = {
  'embedding.weight': [1000, 128], 'lstm.weight_ih_l0': [1024, 128], 'lstm.weight_hh_l0': [1024, 256], 'lstm.bias_ih_l0': [1024],
  'lstm.bias_hh_l0': [1024], 'lstm.weight_ih_l0_reverse': [1024, 128], 'lstm.weight_hh_l0_reverse': [1024, 256],
  'lstm.bias_ih_l0_reverse': [1024], 'lstm.bias_hh_l0_reverse': [1024], 'lstm.weight_ih_l1': [1024, 512], 'lstm.weight_hh_l1': [1024, 256],
  'lstm.bias_ih_l1': [1024], 'lstm.bias_hh_l1': [1024], 'lstm.weight_ih_l1_reverse': [1024, 512], 'lstm.weight_hh_l1_reverse': [1024, 256],
  'lstm.bias_ih_l1_reverse': [1024], 'lstm.bias_hh_l1_reverse': [1024], 'fc.weight': [1, 512], 'fc.bias': [1],
};
const RNN_STATE: Record<string, number[]> = {
  'embedding.weight': [1000, 128], 'rnn.weight_ih_l0': [256, 128], 'rnn.weight_hh_l0': [256, 256], 'rnn.bias_ih_l0': [256],
  'rnn.bias_hh_l0': [256], 'fc.weight': [2, 256], 'fc.bias': [2],
};

function checkState(model: torch.nn.Module, expected: Record<string, number[]>, params: number): void {
  torch.tidy(() => {
    const sd = model.stateDict();
    assert.deepEqual(Object.keys(sd), Object.keys(expected));
    for (const [k, shape] of Object.entries(expected)) assert.deepEqual(sd[k].shape, shape, k);
    assert.equal(model.parameters().reduce((n, p) => n + p.numel(), 0), params);
  });
}

test('SentimentLSTM has PyTorch\'s keys, shapes and 2,496,001 parameters (1000 words)', () => {
  checkState(torch.tidy(() => new SentimentLSTM(1000)), LSTM_STATE, 2496001);
});

test('SimpleRNN has PyTorch\'s keys, shapes and 227,330 parameters (1000 words)', () => {
  checkState(torch.tidy(() => new SimpleRNN(1000, 128, 256, 2)), RNN_STATE, 227330);
});

test('the examples run a forward pass and one Adam step with a finite loss', () => {
  for (const main of [lstmMain, rnnMain]) {
    const lines: string[] = [];
    const { loss, model } = main({ batchSize: 3, seqLen: 12, vocabSize: 50, log: (l) => lines.push(l) });
    assert.ok(Number.isFinite(loss) && loss > 0, `loss ${loss}`);
    assert.match(lines.join('\n'), /tokens \[3,12\]/);
    torch.dispose([...model.parameters()]);
  }
});
