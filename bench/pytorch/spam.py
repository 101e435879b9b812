"""The PyTorch side of `antorcha train spam`: the same recipe on exactly the same token ids.

    node dist/src/cli/main.js train spam --export-data /tmp/spam.json   # vocabulary + encoded splits
    /usr/bin/python3 bench/pytorch/spam.py /tmp/spam.json lstm 3 0 2    # FILE MODEL EPOCHS SEED THREADS

MODEL is lstm (SentimentLSTM, BCELoss on probabilities) or rnn (SimpleRNN, CrossEntropyLoss on logits),
defined as in examples/sentiment-lstm.ts and examples/simple-rnn.ts. Adam lr 1e-3, batch 64, shuffled by a
torch.Generator seeded with SEED. Prints one JSON line per epoch: epoch, seconds (the training steps only),
train_loss, test_accuracy.
"""
import json
import sys
import time

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class SentimentLSTM(nn.Module):
    def __init__(self, vocab_size, embed_dim=128, hidden_dim=256):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, num_layers=2, bidirectional=True, dropout=0.3, batch_first=True)
        self.fc = nn.Linear(hidden_dim * 2, 1)

    def forward(self, x):
        _, (h, _) = self.lstm(self.embedding(x))
        # h is [layers * 2, N, H]: the top layer's forward state is h[-2], its backward state h[-1].
        return torch.sigmoid(self.fc(torch.cat([h[-2], h[-1]], dim=1)))


class SimpleRNN(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_dim, output_dim):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.rnn = nn.RNN(embed_dim, hidden_dim, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        _, hidden = self.rnn(self.embedding(x))
        return self.fc(hidden.squeeze(0))


def main(path, model_name, epochs, seed, threads):
    torch.set_num_threads(threads)
    torch.set_flush_denormal(True)  # as antorcha does: PyTorch's RNNs run many times slower on denormals
    with open(path) as f:
        data = json.load(f)
    lstm = model_name == 'lstm'

    def split(name):
        x = torch.tensor(data[name]['tokens'], dtype=torch.long)
        y = torch.tensor(data[name]['labels'])
        return x, (y.float().unsqueeze(1) if lstm else y.long())

    (x_train, y_train), (x_test, y_test) = split('train'), split('test')
    torch.manual_seed(seed)
    model = SentimentLSTM(data['vocab_size']) if lstm else SimpleRNN(data['vocab_size'], 128, 256, 2)
    criterion = nn.BCELoss() if lstm else nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))

    def predict(output):
        return (output > 0.5).float() if lstm else output.argmax(1)

    for epoch in range(1, epochs + 1):
        model.train()
        loss_sum, seen = 0.0, 0
        start = time.perf_counter()
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(y)
            seen += len(y)
        seconds = time.perf_counter() - start

        model.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, len(y_test), 256):
                correct += (predict(model(x_test[i:i + 256])) == y_test[i:i + 256]).sum().item()
        print(json.dumps({'epoch': epoch, 'seconds': round(seconds, 3), 'train_loss': loss_sum / seen,
                          'test_accuracy': correct / len(y_test)}), flush=True)


if __name__ == '__main__':
    if len(sys.argv) != 6 or sys.argv[2] not in ('lstm', 'rnn'):
        sys.exit('usage: spam.py FILE lstm|rnn EPOCHS SEED THREADS')
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
