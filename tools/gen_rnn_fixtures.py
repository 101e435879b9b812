#!/usr/bin/python3
"""Generates test/fixtures/rnn.json with Debian's PyTorch for test/nn/rnn.test.ts: RNN (tanh, relu), LSTM and
GRU with 1 and 2 layers, uni- and bidirectional, batch_first or not, with and without bias and initial states,
batched and unbatched; the three cells. Each case holds the state dict, the inputs, the outputs and the
gradients of the input, the initial states and every parameter for random output gradients.
Run with /usr/bin/python3."""
import json
import os

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'rnn.json')


def enc(t):
    t = t.detach()
    return {'shape': list(t.shape), 'data': [float(repr(v)) for v in t.reshape(-1).numpy()]}


def flat(out):
    """(output, h) or (output, (h, c)) or a cell's h or (h, c) as a flat list."""
    if isinstance(out, torch.Tensor):
        return [out]
    res = []
    for o in out:
        res.extend(flat(o))
    return res


cases = []
seed = [7]


def case(cls, args, kwargs=None, T=5, N=2, state=False, mode='train', name=None, cell=False, unbatched=False):
    kwargs = kwargs or {}
    seed[0] += 1
    torch.manual_seed(seed[0])
    m = getattr(nn, cls)(*args, **kwargs)
    m.train(mode == 'train')
    I, H = args[0], args[1]
    if cell:
        x = torch.randn(*([I] if unbatched else [N, I]))
        sshape = [H] if unbatched else [N, H]
    else:
        L = kwargs.get('num_layers', 1) * (2 if kwargs.get('bidirectional') else 1)
        if unbatched:
            x = torch.randn(T, I)
        else:
            x = torch.randn(N, T, I) if kwargs.get('batch_first') else torch.randn(T, N, I)
        sshape = [L, H] if unbatched else [L, N, H]
    x.requires_grad_(True)
    states = []
    if state:
        states = [torch.randn(*sshape).requires_grad_(True) for _ in range(2 if cls.startswith('LSTM') else 1)]
    hx = None
    if states:
        hx = tuple(states) if cls.startswith('LSTM') else states[0]
    outs = flat(m(x, hx) if hx is not None else m(x))
    gos = [torch.randn(o.shape) for o in outs]
    torch.autograd.backward(outs, gos)
    cases.append({
        'name': name or f'{cls} {kwargs}', 'cls': cls, 'args': list(args), 'kwargs': kwargs, 'mode': mode,
        'state': {k: enc(v) for k, v in m.state_dict().items()},
        'input': enc(x), 'states': [enc(s) for s in states],
        'outputs': [enc(o) for o in outs], 'gradOutputs': [enc(g) for g in gos],
        'inputGrad': enc(x.grad), 'stateGrads': [enc(s.grad) for s in states],
        'paramGrads': {n: enc(p.grad) for n, p in m.named_parameters()},
    })


for cls in ['RNN', 'LSTM', 'GRU']:
    case(cls, [3, 4])
    case(cls, [3, 4], {'num_layers': 2}, state=True, name=f'{cls} 2 layers with initial state')
    case(cls, [3, 4], {'bidirectional': True, 'batch_first': True}, name=f'{cls} bidirectional batch_first')
    case(cls, [3, 4], {'num_layers': 2, 'bidirectional': True}, state=True, name=f'{cls} 2 layers bidirectional with initial state')
    case(cls, [3, 4], {'bias': False, 'batch_first': True}, state=True, name=f'{cls} no bias batch_first with initial state')
    case(cls, [3, 4], {'num_layers': 2, 'dropout': 0.5}, mode='eval', name=f'{cls} dropout off in eval')
    case(cls, [3, 4], {'bidirectional': True}, T=4, unbatched=True, state=True, name=f'{cls} unbatched bidirectional')
case('RNN', [3, 4], {'nonlinearity': 'relu', 'num_layers': 2}, name='RNN relu 2 layers')
case('LSTM', [6, 5], {'num_layers': 2, 'bidirectional': True, 'batch_first': True}, T=7, N=3, state=True, name='LSTM 2x bidirectional, wider')
for cls in ['RNNCell', 'LSTMCell', 'GRUCell']:
    case(cls, [3, 4], cell=True, name=f'{cls} without state')
    case(cls, [3, 4], cell=True, state=True, name=f'{cls} with state')
    case(cls, [3, 4], {'bias': False}, cell=True, state=True, unbatched=True, name=f'{cls} unbatched no bias')
case('RNNCell', [3, 4], {'nonlinearity': 'relu'}, cell=True, state=True, name='RNNCell relu')

# Initialisation after manual_seed: the same draws in the same order.
inits = []
for cls, args, kwargs in [('LSTM', [3, 4], {'num_layers': 2, 'bidirectional': True}), ('GRU', [2, 3], {}),
                          ('RNN', [2, 3], {'bias': False}), ('LSTMCell', [2, 3], {})]:
    torch.manual_seed(5)
    m = getattr(nn, cls)(*args, **kwargs)
    inits.append({'cls': cls, 'args': args, 'kwargs': kwargs, 'state': {k: enc(v) for k, v in m.state_dict().items()}})

with open(OUT, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases, 'inits': inits}, f, separators=(',', ':'))
print(f'wrote {len(cases)} cases to {os.path.relpath(OUT)} ({os.path.getsize(OUT) // 1024} KiB)')
