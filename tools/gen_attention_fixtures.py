#!/usr/bin/python3
"""Generates test/fixtures/attention.json with Debian's PyTorch for test/nn/attention.test.ts: nn.MultiheadAttention
in self- and cross-attention, batch-first or not, batched or not, with key-padding and attention masks (bool and
float, 2-D and 3-D), separate key/value sizes, no bias, bias_k/bias_v and zero attention, averaged or per-head
weights. Each case holds the state dict, the inputs, the outputs and the gradients of the inputs and of every
parameter for random output gradients; plus the state a seeded constructor draws. Run with /usr/bin/python3."""
import json
import math
import os

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'attention.json')


def enc(t):
    t = t.detach()
    if t.dtype == torch.bool:
        return {'shape': list(t.shape), 'dtype': 'bool', 'data': [int(v) for v in t.reshape(-1).tolist()]}
    data = [float(repr(v)) for v in t.reshape(-1).numpy()]
    data = [v if math.isfinite(v) else ('-inf' if v < 0 else 'inf') for v in data]
    return {'shape': list(t.shape), 'dtype': 'float32', 'data': data}


cases = []


def case(name, E, H, L, S, N, kwargs=None, cross=False, kv_same=False, batched=True, kpm=None, mask=None,
         need_weights=True, average=True, mode='train'):
    """kpm / mask: None, 'bool' or 'float'; mask may be 'bool3' / 'float3' for the per-head 3-D form."""
    kwargs = kwargs or {}
    torch.manual_seed(len(cases) + 11)
    m = nn.MultiheadAttention(E, H, **kwargs)
    # Non-zero biases, so their gradients and effects are visible.
    with torch.no_grad():
        for p in m.parameters():
            if p.dim() < 2 or p.shape[0] == 1:
                p.normal_(0, 0.3)
    m.train(mode == 'train')
    bf = kwargs.get('batch_first', False)

    def shape(length, dim):
        if not batched:
            return [length, dim]
        return [N, length, dim] if bf else [length, N, dim]

    q = torch.randn(shape(L, E), requires_grad=True)
    if cross:
        k = torch.randn(shape(S, kwargs.get('kdim', E)), requires_grad=True)
        v = k if kv_same else torch.randn(shape(S, kwargs.get('vdim', E)), requires_grad=True)
    else:
        S = L
        k = v = q
    extra = {}
    src = S + (1 if kwargs.get('add_bias_kv') else 0) + (1 if kwargs.get('add_zero_attn') else 0)
    if kpm is not None:
        pad = torch.zeros(N if batched else 1, S, dtype=torch.bool)
        pad[:, -1] = True
        if batched and N > 1:
            pad[0, 1] = True  # key 0 stays visible to every query
        pad = pad if batched else pad[0]
        extra['key_padding_mask'] = pad if kpm == 'bool' else torch.zeros(pad.shape).masked_fill(pad, -2.5)
    if mask is not None:
        mshape = [(N if batched else 1) * H, L, S] if mask.endswith('3') else [L, S]
        am = torch.rand(mshape) < 0.3
        am[..., 0] = False  # every query keeps one key: no all-masked row (those give NaN in PyTorch too)
        extra['attn_mask'] = am if mask.startswith('bool') else torch.randn(mshape)
    out, w = m(q, k, v, need_weights=need_weights, average_attn_weights=average, **extra)
    outs = [out] + ([w] if w is not None else [])
    gos = [torch.randn(o.shape) for o in outs]
    torch.autograd.backward(outs, gos)
    inputs = [q] + ([k] if cross else []) + ([v] if cross and not kv_same else [])
    cases.append({
        'name': name, 'args': [E, H], 'kwargs': kwargs, 'mode': mode, 'cross': cross, 'kvSame': kv_same,
        'needWeights': need_weights, 'average': average,
        'state': {n: enc(t) for n, t in m.state_dict().items()},
        'inputs': [enc(t) for t in inputs],
        **{('keyPaddingMask' if n == 'key_padding_mask' else 'attnMask'): enc(t) for n, t in extra.items()},
        'outputs': [enc(o) for o in outs], 'gradOutputs': [enc(g) for g in gos],
        'inputGrads': [enc(t.grad) for t in inputs],
        'paramGrads': {n: enc(p.grad) for n, p in m.named_parameters()},
    })


case('self-attention, sequence first', 8, 2, 4, 4, 3)
case('self-attention, batch first, no weights', 8, 2, 5, 5, 2, {'batch_first': True}, need_weights=False)
case('cross-attention, per-head weights, bool padding mask', 8, 4, 3, 5, 2, {'batch_first': True}, cross=True,
     kpm='bool', average=False)
case('cross-attention, key is value, float padding mask', 6, 3, 4, 6, 2, cross=True, kv_same=True, kpm='float')
case('self-attention, 2-D float mask with bool padding', 6, 3, 4, 4, 2, mask='float', kpm='bool')
case('self-attention, 3-D bool mask', 8, 2, 5, 5, 2, {'batch_first': True}, mask='bool3')
case('self-attention, 2-D bool mask with bool padding', 8, 2, 5, 5, 2, mask='bool', kpm='bool')
case('unbatched self-attention', 8, 4, 5, 5, 1, batched=False)
case('unbatched cross-attention with 3-D float mask', 8, 2, 3, 4, 1, cross=True, batched=False, mask='float3',
     kpm='bool')
case('kdim and vdim', 8, 2, 3, 4, 2, {'kdim': 5, 'vdim': 7, 'batch_first': True}, cross=True, kpm='bool')
case('no bias', 8, 2, 4, 4, 2, {'bias': False})
case('bias_k, bias_v and zero attention', 8, 2, 3, 5, 2, {'add_bias_kv': True, 'add_zero_attn': True}, cross=True,
     kpm='bool', mask='bool')
case('eval mode with dropout', 8, 2, 4, 4, 2, {'dropout': 0.25, 'batch_first': True}, mode='eval')

inits = []
for args, kwargs in [([8, 2], {}), ([8, 2], {'kdim': 5, 'vdim': 7}), ([6, 3], {'bias': False, 'add_bias_kv': True})]:
    torch.manual_seed(5)
    m = nn.MultiheadAttention(*args, **kwargs)
    inits.append({'args': args, 'kwargs': kwargs, 'state': {n: enc(t) for n, t in m.state_dict().items()},
                  'repr': repr(m)})

with open(OUT, 'w') as f:
    json.dump({'cases': cases, 'inits': inits}, f, separators=(',', ':'))
    f.write('\n')
print('wrote', OUT, os.path.getsize(OUT), 'bytes')
