"""Step-by-step reference for bench/spam_steps.ts: SimpleRNN on the exported SpamAssassin token ids from
PyTorch's initial weights, in a fixed batch order, recording every step's loss.

    /usr/bin/python3 bench/pytorch/spam_steps.py DATA STEPS SEED OUTDIR

Writes OUTDIR/init.bin (the initial state dict, float32, in state-dict order) with OUTDIR/init.json (names and
shapes), OUTDIR/order.json (the training rows in batch order) and OUTDIR/torch.json (losses, test accuracy).
"""
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from spam import SimpleRNN  # noqa: E402


def main(path, steps, seed, out):
    torch.set_num_threads(2)
    torch.set_flush_denormal(True)
    with open(path) as f:
        data = json.load(f)
    x_train = torch.tensor(data['train']['tokens'], dtype=torch.long)
    y_train = torch.tensor(data['train']['labels'], dtype=torch.long)
    x_test = torch.tensor(data['test']['tokens'], dtype=torch.long)
    y_test = torch.tensor(data['test']['labels'], dtype=torch.long)
    torch.manual_seed(seed)
    model = SimpleRNN(data['vocab_size'], 128, 256, 2)
    os.makedirs(out, exist_ok=True)
    state = model.state_dict()
    with open(os.path.join(out, 'init.bin'), 'wb') as f:
        for t in state.values():
            f.write(t.detach().float().contiguous().numpy().tobytes())
    with open(os.path.join(out, 'init.json'), 'w') as f:
        json.dump([{'name': k, 'shape': list(v.shape)} for k, v in state.items()], f)
    n = len(y_train)
    order = torch.cat([torch.randperm(n, generator=torch.Generator().manual_seed(seed + e))
                       for e in range((steps * 64) // n + 1)]).tolist()
    with open(os.path.join(out, 'order.json'), 'w') as f:
        json.dump(order, f)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    model.train()
    for s in range(steps):
        rows = torch.tensor(order[s * 64:(s + 1) * 64])
        optimizer.zero_grad()
        loss = criterion(model(x_train[rows]), y_train[rows])
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        print(f'step {s + 1}: loss {losses[-1]:.6f}', file=sys.stderr)
    model.eval()
    with torch.no_grad():
        correct = sum(int((model(x_test[i:i + 500]).argmax(1) == y_test[i:i + 500]).sum()) for i in range(0, len(y_test), 500))
    with open(os.path.join(out, 'torch.json'), 'w') as f:
        json.dump({'losses': losses, 'test_accuracy': correct / len(y_test)}, f)


if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
