#!/usr/bin/python3
"""Generates the fixtures of antorcha's own float32 convolution paths with Debian's PyTorch.

test/fixtures/conv_winograd.json, for test/nn/conv_winograd.test.ts: 3x3
convolutions with stride 1, padding 1 and at least 16 channels (the shapes antorcha runs on Winograd's
F(2x2, 3x3)), computed in float64 from float32 inputs: the output and the gradients of the input, the weight
(with 16 or more input channels, the unfolded-rows product of native/cpu/conv_gemm.cc) and the bias for an
output gradient, and the same passes on absolute values (the sums of |terms| that bound rounding errors).
Odd sizes put tiles over the bottom and right edges.

test/fixtures/conv_gemm.json, for test/nn/conv_gemm.test.ts: kernels larger than 1x1 that run as unfolded rows
times packed weights (strided, 5x5, 2x2, and a residual add with ReLU as an inference block ends), forward
only, with the same float64 reference and absolute-value sums. Sizes give row counts that are not multiples
of the kernel's 6 rows and depths (KH * KW * C) over 256, which take two passes.
Run with /usr/bin/python3."""
import json
import os

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'conv_winograd.json')
OUT_GEMM = os.path.join(HERE, '..', 'test', 'fixtures', 'conv_gemm.json')


def enc(t):
    """float32 with 9 significant digits (which identify a float32), float64 with 11 (ample for a reference
    that float32 results are held to)."""
    t = t.detach().contiguous()
    single = t.dtype == torch.float32
    return {'shape': list(t.shape), 'dtype': 'float32' if single else 'float64',
            'data': [float(('%.9g' if single else '%.11g') % v) for v in t.reshape(-1).tolist()]}


def enc_bound(t):
    """A sum of |terms|, only a scale for the rounding bound: 4 significant digits are ample."""
    t = t.detach().contiguous()
    return {'shape': list(t.shape), 'dtype': 'float64', 'data': [float('%.4g' % v) for v in t.reshape(-1).tolist()]}


cases = []
for name, (n, cin, cout, h, w, bias) in {
    'no bias, 16 -> 16, 5x7': (2, 16, 16, 5, 7, False),
    'bias, 16 -> 32, 5x6': (1, 16, 32, 5, 6, True),
}.items():
    torch.manual_seed(len(cases) + 11)
    x, wt = torch.randn(n, cin, h, w), torch.randn(cout, cin, 3, 3)
    b = torch.randn(cout) if bias else None
    gy = torch.randn(n, cout, h, w)
    xd, wd = x.double().requires_grad_(), wt.double().requires_grad_()
    bd = b.double().requires_grad_() if bias else None
    y = F.conv2d(xd, wd, bd, padding=1)
    y.backward(gy.double())  # the gradients of the input, the weight and the bias
    with torch.no_grad():
        y_abs = F.conv2d(x.double().abs(), wt.double().abs(), b.double().abs() if bias else None, padding=1)
        gx_abs = torch.nn.grad.conv2d_input(x.shape, wt.double().abs(), gy.double().abs(), padding=1)
        gw_abs = torch.nn.grad.conv2d_weight(x.double().abs(), wt.shape, gy.double().abs(), padding=1)
    cases.append({
        'name': name, 'inputs': [enc(x), enc(wt)] + ([enc(b)] if bias else []), 'gradOutput': enc(gy),
        'output': enc(y), 'outputAbs': enc_bound(y_abs),
        'inputGrad': enc(xd.grad), 'inputGradAbs': enc_bound(gx_abs),
        'weightGrad': enc(wd.grad), 'weightGradAbs': enc_bound(gw_abs),
        **({'biasGrad': enc(bd.grad), 'biasGradAbs': enc_bound(gy.double().abs().sum((0, 2, 3)))} if bias else {}),
    })



def gemm_cases():
    out = []
    for name, (n, cin, cout, h, w, k, stride, pad, bias, residual) in {
        '3x3 stride 2, 8 -> 16, 9x9, bias': (2, 8, 16, 9, 9, 3, 2, 1, True, False),
        '5x5 padding 2, 12 -> 16, 7x6 (depth 300)': (1, 12, 16, 7, 6, 5, 1, 2, False, False),
        '2x2 stride 2, 8 -> 16, 6x6': (2, 8, 16, 6, 6, 2, 2, 0, True, False),
        '3x3, 32 -> 16, 7x7, + residual, ReLU (depth 288)': (1, 32, 16, 7, 7, 3, 1, 1, True, True),
    }.items():
        torch.manual_seed(len(out) + 31)
        x, wt = torch.randn(n, cin, h, w), torch.randn(cout, cin, k, k)
        b = torch.randn(cout) if bias else None
        with torch.no_grad():
            y = F.conv2d(x.double(), wt.double(), b.double() if bias else None, stride=stride, padding=pad)
            y_abs = F.conv2d(x.double().abs(), wt.double().abs(), b.double().abs() if bias else None, stride=stride,
                             padding=pad)
            case = {'name': name, 'stride': stride, 'padding': pad,
                    'inputs': [enc(x), enc(wt)] + ([enc(b)] if bias else [])}
            if residual:
                r = torch.randn(y.shape)
                y, y_abs = torch.relu(y + r.double()), y_abs + r.double().abs()
                case['residual'] = enc(r)
        out.append({**case, 'output': enc(y), 'outputAbs': enc_bound(y_abs)})
    return out


for path, found in ((OUT, cases), (OUT_GEMM, gemm_cases())):
    with open(path, 'w') as f:
        json.dump({'generator': 'tools/gen_conv_fixtures.py', 'torch': torch.__version__, 'cases': found}, f,
                  separators=(',', ':'))
    print(f'wrote {len(found)} cases to {os.path.relpath(path)} ({os.path.getsize(path) // 1024} KiB)')
