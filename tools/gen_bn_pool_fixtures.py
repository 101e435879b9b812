#!/usr/bin/python3
"""Generates test/fixtures/bn_relu_pool.json with Debian's PyTorch for test/nn/bn_relu_pool.test.ts:
nn.Sequential(BatchNorm2d, ReLU, MaxPool2d) as PyTorch runs it, in float64 (so the reference carries no float32
rounding of its own), over a few steps in train and eval mode: outputs, the input's and the parameters'
gradients for a given output gradient, and the running statistics after the steps. Sizes that the windows do not
divide, a non-square window, ceil mode with an exact division, and no affine parameters.
Run with /usr/bin/python3."""
import json
import os

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'bn_relu_pool.json')


def enc(t, digits=12):
    """float64 values to `digits` significant digits: 9 identify the float32-exact inputs, 12 are far below the
    tests' tolerances for the results."""
    t = t.detach().contiguous()
    return {'shape': list(t.shape), 'dtype': 'float64', 'data': [float(f'{v:.{digits}g}') for v in t.reshape(-1).tolist()]}


cases = []


def case(name, shape, kernel, eps=1e-5, momentum=0.1, affine=True, ceil_mode=False, modes=('train', 'train', 'eval')):
    torch.manual_seed(len(cases) + 11)
    c = shape[1]
    bn = nn.BatchNorm2d(c, eps=eps, momentum=momentum, affine=affine).double()
    with torch.no_grad():
        bn.running_mean.normal_(0, 0.5)
        bn.running_var.uniform_(0.5, 2.0)
        if affine:
            bn.weight.normal_(1, 0.3)
            bn.bias.normal_(0, 0.3)
    state = {k: enc(v) for k, v in bn.state_dict().items() if v.dtype == torch.float64}
    seq = nn.Sequential(bn, nn.ReLU(), nn.MaxPool2d(kernel, ceil_mode=ceil_mode))
    steps = []
    for mode in modes:
        seq.train(mode == 'train')
        # Inputs exact in float32, so the float32 runs of the test see the same numbers.
        x = (torch.randn(*shape) * 1.5 + 0.3).double().requires_grad_(True)
        y = seq(x)
        g = torch.randn(y.shape).double()
        y.backward(g)
        step = {'mode': mode, 'input': enc(x, 9), 'output': enc(y), 'gradOutput': enc(g, 9), 'inputGrad': enc(x.grad)}
        if affine:
            step['paramGrads'] = {'weight': enc(bn.weight.grad), 'bias': enc(bn.bias.grad)}
            bn.weight.grad = None
            bn.bias.grad = None
        steps.append(step)
    after = {k: enc(v) for k, v in bn.state_dict().items() if v.dtype == torch.float64}
    cases.append({'name': name, 'channels': c, 'kernel': kernel, 'eps': eps, 'momentum': momentum, 'affine': affine,
                  'ceilMode': ceil_mode, 'state': state, 'steps': steps, 'stateAfter': after})


case('2x2 windows over 7x9 (a row and a column left over), eps 1e-3, momentum 0.3', [2, 5, 7, 9], 2, eps=1e-3,
     momentum=0.3)
case('3x2 windows, ceil mode with an exact division', [2, 4, 9, 8], (3, 2), ceil_mode=True)
case('2x2 windows, no affine parameters', [2, 3, 6, 6], 2, affine=False)
case('2x2 windows over 16 channels (vector-wide rows)', [2, 16, 4, 6], 2)

with open(OUT, 'w') as f:
    json.dump({'cases': cases}, f, separators=(',', ':'))
print(f'wrote {len(cases)} cases to {OUT}')
