#!/usr/bin/python3
"""Generates test/fixtures/rnn.json with Debian's PyTorch for test/nn/rnn.test.ts: RNN (tanh, relu), LSTM and
GRU with 1 and 2 layers, uni- and bidirectional, batch_first or not, with and without bias and initial states,
batched and unbatched, padded or packed (variable lengths, sorted or not); the three cells; packing itself. Each case holds the state dict, the inputs, the outputs and the
gradients of the input, the initial states and every parameter for random output gradients.
Run with /usr/bin/python3."""
import json
import os

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence, pack_sequence

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


def case(cls, args, kwargs=None, T=5, N=2, state=False, mode='train', name=None, cell=False, unbatched=False,
         lengths=None, enforce_sorted=True):
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
    batch_first = kwargs.get('batch_first', False)
    inp = x if lengths is None else pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    outs = m(inp, hx) if hx is not None else m(inp)
    if lengths is not None:
        # The packed output compares as the padded batch it unpacks to.
        outs = (pad_packed_sequence(outs[0], batch_first=batch_first)[0], outs[1])
    outs = flat(outs)
    gos = [torch.randn(o.shape) for o in outs]
    torch.autograd.backward(outs, gos)
    cases.append({
        'name': name or f'{cls} {kwargs}', 'cls': cls, 'args': list(args), 'kwargs': kwargs, 'mode': mode,
        'state': {k: enc(v) for k, v in m.state_dict().items()},
        'input': enc(x), 'states': [enc(s) for s in states],
        'outputs': [enc(o) for o in outs], 'gradOutputs': [enc(g) for g in gos],
        'inputGrad': enc(x.grad), 'stateGrads': [enc(s.grad) for s in states],
        'paramGrads': {n: enc(p.grad) for n, p in m.named_parameters()},
        **({'lengths': lengths, 'enforceSorted': enforce_sorted} if lengths is not None else {}),
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
# Packed variable-length batches: sorted and unsorted lengths, ties, a full-length batch (one segment).
case('LSTM', [3, 4], {'num_layers': 2, 'bidirectional': True}, T=5, N=4, state=True, lengths=[5, 3, 3, 1],
     name='LSTM packed 2 layers bidirectional with initial state')
case('LSTM', [3, 4], {'bidirectional': True, 'batch_first': True}, T=5, N=4, state=True, lengths=[2, 5, 1, 5],
     enforce_sorted=False, name='LSTM packed unsorted bidirectional batch_first with initial state')
case('LSTM', [3, 4], {}, T=4, N=3, lengths=[4, 4, 4], name='LSTM packed equal lengths')
case('GRU', [3, 4], {'bidirectional': True}, T=6, N=5, state=True, lengths=[4, 6, 2, 2, 1], enforce_sorted=False,
     name='GRU packed unsorted bidirectional with initial state')
case('GRU', [3, 4], {'num_layers': 2, 'batch_first': True}, T=4, N=3, lengths=[4, 2, 1], name='GRU packed 2 layers batch_first')
case('RNN', [3, 4], {'num_layers': 2}, T=5, N=3, lengths=[3, 5, 2], enforce_sorted=False, name='RNN packed unsorted 2 layers')
case('RNN', [3, 4], {'nonlinearity': 'relu', 'bidirectional': True}, T=3, N=3, state=True, lengths=[3, 2, 2],
     name='RNN relu packed bidirectional with initial state')
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

# Packing on its own: the rows, batch sizes and permutations, and unpacking with padding value and total length.
torch.manual_seed(11)
padded = torch.randn(3, 4, 2)
packed = pack_padded_sequence(padded, [2, 3, 1], batch_first=True, enforce_sorted=False)
sequences = [torch.randn(n, 2) for n in (2, 4, 1)]
packing = {
    'padded': enc(padded), 'lengths': [2, 3, 1],
    'data': enc(packed.data), 'batchSizes': packed.batch_sizes.tolist(),
    'sortedIndices': packed.sorted_indices.tolist(), 'unsortedIndices': packed.unsorted_indices.tolist(),
    'unpacked': enc(pad_packed_sequence(packed, batch_first=False, padding_value=-1.0, total_length=5)[0]),
    'sequences': [enc(t) for t in sequences],
    'padSequence': enc(pad_sequence(sequences, batch_first=True, padding_value=9.0)),
    'packSequence': enc(pack_sequence(sequences, enforce_sorted=False).data),
}

with open(OUT, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases, 'inits': inits, 'packing': packing}, f, separators=(',', ':'))
print(f'wrote {len(cases)} cases to {os.path.relpath(OUT)} ({os.path.getsize(OUT) // 1024} KiB)')
