#!/usr/bin/python3
"""Generates test/fixtures/fused_conv_bn.json with Debian's PyTorch for test/nn/fused_conv_bn.test.ts: eval-mode
Conv2d -> BatchNorm2d (-> + shortcut) (-> ReLU) units as PyTorch runs them unfused, with non-trivial running
statistics, affine parameters and eps, so the folded inference convolution is checked against PyTorch itself.
Run with /usr/bin/python3."""
import json
import math
import os

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'fused_conv_bn.json')


def enc(t):
    t = t.detach().contiguous()
    return {'shape': list(t.shape), 'dtype': 'float32', 'data': [float(repr(v)) for v in t.reshape(-1).numpy()]}


cases = []


def case(name, cin, cout, k, stride=1, padding=0, groups=1, dilation=1, bias=False, eps=1e-5, affine=True,
         residual=False, relu=True, n=2, size=7):
    torch.manual_seed(len(cases) + 5)
    conv = nn.Conv2d(cin, cout, k, stride=stride, padding=padding, groups=groups, dilation=dilation, bias=bias)
    bn = nn.BatchNorm2d(cout, eps=eps, affine=affine)
    with torch.no_grad():
        bn.running_mean.normal_(0, 0.5)
        bn.running_var.uniform_(0.2, 2.0)
        if affine:
            bn.weight.normal_(1, 0.3)
            bn.bias.normal_(0, 0.3)
    conv.eval()
    bn.eval()
    x = torch.randn(n, cin, size, size)
    with torch.no_grad():
        y = bn(conv(x))
        r = torch.randn_like(y) if residual else None
        if r is not None:
            y = y + r
        if relu:
            y = torch.relu(y)
    state = {f'0.{k}': enc(v) for k, v in conv.state_dict().items()}
    state.update({f'1.{k}': enc(v) for k, v in bn.state_dict().items() if v.dtype == torch.float32})
    cases.append({
        'name': name, 'conv': {'in': cin, 'out': cout, 'kernel': k, 'stride': stride, 'padding': padding,
                               'groups': groups, 'dilation': dilation, 'bias': bias},
        'bn': {'eps': eps, 'affine': affine}, 'relu': relu, 'state': state, 'input': enc(x),
        'residual': enc(r) if r is not None else None, 'output': enc(y)})


case('3x3, bias, eps 1e-3, residual, relu', 6, 8, 3, padding=1, bias=True, eps=1e-3, residual=True)
case('1x1 stride 2, no relu (a shortcut projection)', 8, 16, 1, stride=2, relu=False)
case('3x3 stride 2, grouped, dilated', 8, 8, 3, stride=2, padding=2, groups=4, dilation=2)
case('5x5 depthwise, no affine, residual without relu', 4, 4, 5, padding=2, groups=4, affine=False, residual=True,
     relu=False)
# 16 or more channels, 3x3, stride 1, padding 1: the folded convolution runs on Winograd's F(2x2, 3x3) with the ReLU
# in its output transform.
case('3x3 16 -> 32, relu (Winograd)', 16, 32, 3, padding=1, bias=True, size=5)

with open(OUT, 'w') as f:
    json.dump({'cases': cases}, f, separators=(',', ':'))
print(f'{len(cases)} cases -> {os.path.relpath(OUT)}')
