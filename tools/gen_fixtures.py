#!/usr/bin/python3
"""Generates test/fixtures/ops.json with Debian's PyTorch: inputs, outputs and input gradients for every op
sample that test/ops/op_info.ts runs. Run with /usr/bin/python3 (npm run fixtures)."""
import json
import math
import os

import torch

torch.manual_seed(1234)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'ops.json')

DT = {'float32': torch.float32, 'float64': torch.float64, 'bfloat16': torch.bfloat16, 'float16': torch.float16,
      'int64': torch.int64, 'int32': torch.int32, 'uint8': torch.uint8, 'bool': torch.bool}
NAME = {v: k for k, v in DT.items()}


def enc(t):
    t = t.detach()
    vals = t.to(torch.float64).reshape(-1).tolist() if t.is_floating_point() else t.reshape(-1).tolist()
    short = t.dtype in (torch.float32, torch.bfloat16, torch.float16)
    def num(v):
        if isinstance(v, bool):
            return int(v)
        if isinstance(v, float) and not math.isfinite(v):
            return 'nan' if math.isnan(v) else ('inf' if v > 0 else '-inf')
        # 9 significant digits identify a float32 exactly, and keep the fixture files small.
        return float('%.9g' % v) if short and isinstance(v, float) else v
    return {'shape': list(t.shape), 'dtype': NAME[t.dtype], 'data': [num(v) for v in vals]}


# Input spec: (shape, kind, dtype, transform). kind: normal | pos | unit (|x|<0.9) | int:N (0..N-1) | bool
def make(shape, kind='normal', dtype=None, transform=None):
    if dtype is None:
        dtype = 'bool' if kind == 'bool' else 'int64' if kind.startswith('int:') else 'float32'
    base_shape = list(shape)
    if transform == 't':
        base_shape[-1], base_shape[-2] = base_shape[-2], base_shape[-1]
    if transform == 'step':
        base_shape[-1] = base_shape[-1] * 2
    if kind == 'normal':
        t = torch.randn(base_shape, dtype=torch.float64)
    elif kind == 'pos':
        t = torch.rand(base_shape, dtype=torch.float64) * 2 + 0.5
    elif kind == 'unit':
        t = torch.rand(base_shape, dtype=torch.float64) * 1.6 - 0.8
    elif kind.startswith('int:'):
        t = torch.randint(0, int(kind[4:]), base_shape)
    elif kind == 'bool':
        t = torch.rand(base_shape) > 0.5
    else:
        raise ValueError(kind)
    t = t.to(DT[dtype])
    return {'base': t, 'transform': transform}


def view_of(spec, base):
    if spec['transform'] == 't':
        return base.transpose(-1, -2)
    if spec['transform'] == 'step':
        return base[..., ::2]
    return base


cases = []


def case(op, inputs, kwargs=None, grad=True, name=None, frozen=()):
    kwargs = kwargs or {}
    bases = [s['base'].clone().requires_grad_(grad and s['base'].is_floating_point() and i not in frozen)
             for i, s in enumerate(inputs)]
    views = [view_of(s, b) for s, b in zip(inputs, bases)]
    out = OPS[op](*views, **kwargs)
    if any(v.dtype == torch.bfloat16 for v in views) and not grad:
        # NOTE: PyTorch 1.13's bfloat16 CPU kernels round some intermediates to bfloat16 (gelu is off by 12%
        # near x = -2.8). antorcha computes 16-bit floats in float32 and rounds once, so the reference is
        # PyTorch's float32 result on the same bfloat16 inputs, rounded to bfloat16.
        wide = [v.float() if v.dtype == torch.bfloat16 else v for v in views]
        ref = OPS[op](*wide, **kwargs)
        refs = list(ref) if isinstance(ref, (tuple, list)) else [ref]
        out = [r.bfloat16() if r.is_floating_point() else r for r in refs]
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    entry = {
        'op': op, 'name': name or op, 'kwargs': kwargs,
        'inputs': [dict(enc(s['base']), transform=s['transform'], requiresGrad=b.requires_grad)
                   for s, b in zip(inputs, bases)],
        'outputs': [enc(o) for o in outs],
    }
    diff = [o for o in outs if o.requires_grad]
    if grad and diff:
        gos = [torch.randn(o.shape, dtype=torch.float64).to(o.dtype) for o in diff]
        grads = torch.autograd.grad(diff, [b for b in bases if b.requires_grad], gos, allow_unused=True)
        it = iter(grads)
        entry['gradOutputs'] = [enc(g) for g in gos]
        entry['grads'] = [(enc(next(it)) if b.requires_grad else None) for b in bases]
        entry['grads'] = [None if g is not None and g['data'] is None else g for g in entry['grads']]
    cases.append(entry)


# PyTorch side of every op name used by test/ops/op_info.ts.
OPS = {
    **{n: (lambda f: (lambda x: f(x)))(getattr(torch, n)) for n in [
        'neg', 'abs', 'exp', 'exp2', 'expm1', 'log', 'log2', 'log10', 'log1p', 'sqrt', 'rsqrt', 'square',
        'reciprocal', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'sigmoid', 'relu',
        'erf', 'sign', 'floor', 'ceil', 'round', 'trunc', 'logical_not', 'isnan']},
    'silu': lambda x: torch.nn.functional.silu(x),
    'gelu': lambda x, approximate='none': torch.nn.functional.gelu(x, approximate=approximate),
    'add': lambda a, b, alpha=1: torch.add(a, b, alpha=alpha),
    'sub': lambda a, b, alpha=1: torch.sub(a, b, alpha=alpha),
    'mul': torch.mul, 'div': torch.div, 'pow': torch.pow, 'maximum': torch.maximum, 'minimum': torch.minimum,
    'atan2': torch.atan2, 'remainder': torch.remainder, 'fmod': torch.fmod,
    'add_scalar': lambda a, s: a + s, 'sub_scalar': lambda a, s: a - s, 'mul_scalar': lambda a, s: a * s,
    'div_scalar': lambda a, s: a / s, 'pow_scalar': lambda a, s: a ** s, 'rpow_scalar': lambda a, s: s ** a,
    'rsub_scalar': lambda a, s: s - a, 'rdiv_scalar': lambda a, s: s / a,
    'remainder_scalar': lambda a, s: torch.remainder(a, s), 'fmod_scalar': lambda a, s: torch.fmod(a, s),
    'eq': torch.eq, 'ne': torch.ne, 'lt': torch.lt, 'le': torch.le, 'gt': torch.gt, 'ge': torch.ge,
    'lt_scalar': lambda a, s: a < s, 'logical_and': torch.logical_and, 'logical_or': torch.logical_or,
    'logical_xor': torch.logical_xor,
    'where': torch.where, 'clamp': lambda x, min=None, max=None: torch.clamp(x, min, max),
    'masked_fill': lambda x, m, value: x.masked_fill(m, value),
    'masked_fill_tensor': lambda x, m, v: x.masked_fill(m, v),
    'lerp': lambda a, b, weight: torch.lerp(a, b, weight),
    'to': lambda x, dtype: x.to(DT[dtype]),
    'clone': lambda x: x.clone(), 'contiguous': lambda x: x.contiguous(),
    'view': lambda x, shape: x.reshape(shape) if not x.is_contiguous() else x.view(shape),
    'reshape': lambda x, shape: x.reshape(shape),
    'permute': lambda x, dims: x.permute(dims), 'transpose': lambda x, d0, d1: x.transpose(d0, d1),
    'expand': lambda x, shape: x.expand(shape), 'squeeze': lambda x, dim=None: x.squeeze() if dim is None else x.squeeze(dim),
    'unsqueeze': lambda x, dim: x.unsqueeze(dim), 'flatten': lambda x, start=0, end=-1: x.flatten(start, end),
    'narrow': lambda x, dim, start, length: x.narrow(dim, start, length),
    'slice': lambda x, dim, start, end, step: x[(slice(None),) * dim + (slice(start, end, step),)],
    'select': lambda x, dim, index: x.select(dim, index),
    'sum': lambda x, dim=None, keepdim=False: x.sum() if dim is None else x.sum(dim, keepdim),
    'mean': lambda x, dim=None, keepdim=False: x.mean() if dim is None else x.mean(dim, keepdim),
    'prod': lambda x, dim=None, keepdim=False: x.prod() if dim is None else x.prod(dim, keepdim),
    'amax': lambda x, dim=None, keepdim=False: x.amax() if dim is None else x.amax(dim, keepdim),
    'amin': lambda x, dim=None, keepdim=False: x.amin() if dim is None else x.amin(dim, keepdim),
    'max': lambda x: x.max(), 'min': lambda x: x.min(),
    'max_dim': lambda x, dim, keepdim=False: tuple(x.max(dim, keepdim)),
    'min_dim': lambda x, dim, keepdim=False: tuple(x.min(dim, keepdim)),
    'argmax': lambda x, dim=None, keepdim=False: x.argmax(dim, keepdim),
    'argmin': lambda x, dim=None, keepdim=False: x.argmin(dim, keepdim),
    'var': lambda x, dim=None, correction=1, keepdim=False: torch.var(x, dim, unbiased=bool(correction), keepdim=keepdim),
    'std': lambda x, dim=None, correction=1, keepdim=False: torch.std(x, dim, unbiased=bool(correction), keepdim=keepdim),
    'logsumexp': lambda x, dim, keepdim=False: torch.logsumexp(x, dim, keepdim),
    'norm': lambda x, p=2, dim=None, keepdim=False: torch.norm(x, float(p) if p == 'inf' else p, dim, keepdim),
    'all': lambda x, dim=None: x.all() if dim is None else x.all(dim),
    'any': lambda x, dim=None: x.any() if dim is None else x.any(dim),
    'softmax': lambda x, dim: torch.softmax(x, dim), 'log_softmax': lambda x, dim: torch.log_softmax(x, dim),
    'matmul': torch.matmul, 'linear': torch.nn.functional.linear,
    'index_select': lambda x, i, dim: x.index_select(dim, i), 'gather': lambda x, i, dim: x.gather(dim, i),
    'scatter': lambda x, i, s, dim: x.scatter(dim, i, s), 'scatter_add': lambda x, i, s, dim: x.scatter_add(dim, i, s),
    'index_add': lambda x, i, s, dim, alpha=1: x.index_add(dim, i, s, alpha=alpha),
    'index': lambda x, *idx: x[tuple(idx)], 'index_cols': lambda x, j: x[:, j],
    'cat': lambda *ts, dim=0: torch.cat(ts, dim), 'stack': lambda *ts, dim=0: torch.stack(ts, dim),
    'split': lambda x, size, dim=0: tuple(torch.split(x, size, dim)),
    'chunk': lambda x, chunks, dim=0: tuple(torch.chunk(x, chunks, dim)),
    'unbind': lambda x, dim=0: tuple(torch.unbind(x, dim)),
    # Only some pieces reach the loss: the others' gradients are zeros.
    'split_some': lambda x, size, keep, dim=0: tuple(torch.split(x, size, dim)[i] for i in keep),
}

# ---------------------------------------------------------------- samples
N = make
UNARY = {'neg': 'normal', 'abs': 'normal', 'exp': 'normal', 'exp2': 'normal', 'expm1': 'normal', 'log': 'pos',
         'log2': 'pos', 'log10': 'pos', 'log1p': 'pos', 'sqrt': 'pos', 'rsqrt': 'pos', 'square': 'normal',
         'reciprocal': 'pos', 'sin': 'normal', 'cos': 'normal', 'tan': 'unit', 'asin': 'unit', 'acos': 'unit',
         'atan': 'normal', 'sinh': 'normal', 'cosh': 'normal', 'tanh': 'normal', 'sigmoid': 'normal',
         'relu': 'normal', 'silu': 'normal', 'erf': 'normal', 'gelu': 'normal', 'sign': 'normal',
         'floor': 'normal', 'ceil': 'normal', 'round': 'normal', 'trunc': 'normal'}
for op, kind in UNARY.items():
    case(op, [N([3, 4], kind)])
    case(op, [N([4, 3], kind, transform='t')], name=op + '/transposed')
    case(op, [N([], kind)], name=op + '/scalar')
    case(op, [N([0, 3], kind)], name=op + '/empty')
    case(op, [N([3, 4], kind, 'bfloat16')], name=op + '/bf16', grad=False)
case('gelu', [N([3, 4])], {'approximate': 'tanh'}, name='gelu/tanh')
OPS['relu_backward'] = lambda g, y: torch.ops.aten.threshold_backward(g, y, 0.0)
case('relu_backward', [N([3, 4]), N([3, 4])], frozen=(1,))
case('relu_backward', [N([3, 4], transform='t'), N([3, 4])], name='relu_backward/strided', frozen=(1,))
case('neg', [N([5], 'int:9')], name='neg/int64', grad=False)
case('abs', [N([2, 3], 'int:9')], name='abs/int64', grad=False)
case('exp', [N([2, 3], 'int:4')], name='exp/int-promotes', grad=False)
case('logical_not', [N([3, 4], 'bool')], grad=False)
case('isnan', [N([3, 4])], grad=False)

BINARY = {'add': ('normal', 'normal'), 'sub': ('normal', 'normal'), 'mul': ('normal', 'normal'),
          'div': ('normal', 'pos'), 'pow': ('pos', 'normal'), 'maximum': ('normal', 'normal'),
          'minimum': ('normal', 'normal'), 'atan2': ('normal', 'pos'), 'remainder': ('normal', 'pos'),
          'fmod': ('normal', 'pos')}
for op, (ka, kb) in BINARY.items():
    case(op, [N([3, 4], ka), N([3, 4], kb)])
    case(op, [N([3, 1], ka), N([1, 4], kb)], name=op + '/broadcast')
    case(op, [N([2, 3, 4], ka), N([4], kb)], name=op + '/broadcast-rank')
    case(op, [N([3, 4], ka, transform='t'), N([3, 4], kb, transform='step')], name=op + '/strided')
    case(op, [N([3, 4], ka), N([], kb)], name=op + '/0d')
    case(op, [N([0, 4], ka), N([4], kb)], name=op + '/empty')
    case(op, [N([3, 4], ka, 'bfloat16'), N([3, 4], kb, 'bfloat16')], name=op + '/bf16', grad=False)
case('add', [N([3, 4]), N([3, 4])], {'alpha': 2.5}, name='add/alpha')
case('sub', [N([3, 4]), N([4])], {'alpha': -0.5}, name='sub/alpha')
case('add', [N([3, 4], 'int:7'), N([3, 4], 'int:7')], name='add/int64', grad=False)
case('add', [N([3, 4], 'int:7'), N([3, 4])], name='add/promote-int-float')
case('mul', [N([3, 4], dtype='float64'), N([3, 4])], name='mul/promote-f64')
case('div', [N([3, 4], 'int:7'), N([3, 4], 'int:5')], name='div/int-true-division', grad=False)
for op, s in [('add_scalar', 2.5), ('sub_scalar', 1.5), ('mul_scalar', -3.0), ('div_scalar', 4.0),
              ('pow_scalar', 3.0), ('pow_scalar', 0.5), ('rpow_scalar', 2.0), ('rsub_scalar', 1.0),
              ('rdiv_scalar', 2.0), ('remainder_scalar', 0.7), ('fmod_scalar', 0.7)]:
    kind = 'pos' if op in ('pow_scalar', 'rdiv_scalar') else 'normal'
    case(op, [N([3, 4], kind)], {'s': s}, name=f'{op}/{s}')
case('mul_scalar', [N([3, 4], 'int:9')], {'s': 2}, name='mul_scalar/int', grad=False)
case('add_scalar', [N([3, 4], 'int:9')], {'s': 0.5}, name='add_scalar/int-float-promotes', grad=False)
for op in ['eq', 'ne', 'lt', 'le', 'gt', 'ge']:
    a = N([3, 4], 'int:3')
    case(op, [a, N([1, 4], 'int:3')], grad=False)
    case(op, [N([3, 4]), N([4])], name=op + '/float', grad=False)
case('lt_scalar', [N([3, 4])], {'s': 0.25}, grad=False)
for op in ['logical_and', 'logical_or', 'logical_xor']:
    case(op, [N([3, 4], 'bool'), N([4], 'bool')], grad=False)
case('where', [N([3, 4], 'bool'), N([3, 4]), N([3, 4])])
case('where', [N([3, 1], 'bool'), N([1, 4]), N([3, 4])], name='where/broadcast')
case('clamp', [N([3, 4])], {'min': -0.5, 'max': 0.5})
case('clamp', [N([3, 4])], {'min': -0.2}, name='clamp/min-only')
case('clamp', [N([3, 4], transform='t')], {'max': 0.1}, name='clamp/max-only-strided')
case('masked_fill', [N([3, 4]), N([3, 4], 'bool')], {'value': -1.5})
case('masked_fill', [N([3, 4]), N([4], 'bool')], {'value': 2.0}, name='masked_fill/broadcast-mask')
case('masked_fill_tensor', [N([3, 4]), N([3, 4], 'bool'), N([])], name='masked_fill/tensor-value')
case('lerp', [N([3, 4]), N([3, 4])], {'weight': 0.3})
for dt in ['float64', 'bfloat16', 'float16', 'int64', 'int32', 'uint8', 'bool']:
    case('to', [N([3, 4])], {'dtype': dt}, name='to/' + dt, grad=dt in ('float64', 'bfloat16', 'float16'))
case('to', [N([3, 4], 'int:200')], {'dtype': 'float32'}, name='to/int-float', grad=False)
case('clone', [N([3, 4], transform='t')])
case('contiguous', [N([3, 4], transform='t')])
case('view', [N([3, 4])], {'shape': [4, 3]})
case('view', [N([2, 3, 4])], {'shape': [6, -1]}, name='view/infer')
case('reshape', [N([3, 4], transform='t')], {'shape': [12]}, name='reshape/copy')
case('permute', [N([2, 3, 4])], {'dims': [2, 0, 1]})
case('transpose', [N([2, 3, 4])], {'d0': 0, 'd1': 2})
case('expand', [N([3, 1])], {'shape': [2, 3, 4]})
case('squeeze', [N([3, 1, 4, 1])])
case('squeeze', [N([3, 1, 4])], {'dim': 1}, name='squeeze/dim')
case('unsqueeze', [N([3, 4])], {'dim': -1})
case('flatten', [N([2, 3, 4])], {'start': 1})
case('narrow', [N([5, 4])], {'dim': 0, 'start': 1, 'length': 3})
case('slice', [N([4, 7])], {'dim': 1, 'start': 1, 'end': 6, 'step': 2})
case('select', [N([3, 4])], {'dim': 1, 'index': -1})
# Reductions
for op in ['sum', 'mean', 'prod', 'amax', 'amin']:
    case(op, [N([3, 4])], name=op + '/all')
    case(op, [N([3, 4, 5])], {'dim': 1}, name=op + '/dim')
    case(op, [N([3, 4, 5], transform='t')], {'dim': 2, 'keepdim': True}, name=op + '/keepdim-strided')
    if op != 'prod':  # PyTorch 1.13 has no bfloat16 prod on the CPU
        case(op, [N([3, 4], 'normal', 'bfloat16')], {'dim': 1}, name=op + '/bf16', grad=False)
for op in ['sum', 'mean', 'amax', 'amin']:
    case(op, [N([3, 4, 5])], {'dim': [0, 2]}, name=op + '/dims')
    case(op, [N([])], name=op + '/scalar')
case('prod', [{'base': torch.tensor([[0.5, 0.0, 2.0], [1.5, -2.0, 0.25], [0.0, 3.0, 0.0]]), 'transform': None}],
     {'dim': 1}, name='prod/zeros')
case('prod', [{'base': torch.tensor([[0.5, 0.0, 2.0], [1.5, -2.0, 0.25]]), 'transform': None}], name='prod/all-one-zero')
case('sum', [N([0, 4])], {'dim': 0}, name='sum/empty')
case('sum', [N([3, 4], 'int:5')], {'dim': 1}, name='sum/int64', grad=False)
case('sum', [N([6, 5])], {'dim': 0}, name='sum/columns')
case('max', [N([3, 4])])
case('min', [N([3, 4])])
case('max_dim', [N([3, 4])], {'dim': 1})
case('max_dim', [N([3, 4, 2])], {'dim': 0, 'keepdim': True}, name='max_dim/keepdim')
case('min_dim', [N([3, 4], transform='t')], {'dim': 1}, name='min_dim/strided')
case('argmax', [N([3, 4])], {'dim': 1}, grad=False)
case('argmax', [N([3, 4])], grad=False, name='argmax/flat')
case('argmin', [N([3, 4, 2])], {'dim': 0, 'keepdim': True}, grad=False)
for op in ['var', 'std']:
    case(op, [N([3, 4])], name=op + '/all')
    case(op, [N([3, 4])], {'dim': 1, 'correction': 0, 'keepdim': True}, name=op + '/dim-biased')
case('logsumexp', [N([3, 4])], {'dim': 1})
case('logsumexp', [N([2, 3, 4])], {'dim': [0, 2], 'keepdim': True}, name='logsumexp/dims')
case('norm', [N([3, 4])])
case('norm', [N([3, 4])], {'p': 1, 'dim': 1}, name='norm/p1')
case('norm', [N([3, 4])], {'p': 'inf', 'dim': 0}, name='norm/inf')
case('norm', [N([3, 4])], {'p': 3, 'dim': 1}, name='norm/p3')
case('all', [N([3, 4], 'bool')], grad=False)
case('any', [N([3, 4], 'bool')], {'dim': 1}, grad=False)
for op in ['softmax', 'log_softmax']:
    case(op, [N([3, 5])], {'dim': 1})
    case(op, [N([2, 3, 4])], {'dim': 1}, name=op + '/middle')
    case(op, [N([3, 5], transform='t')], {'dim': 0}, name=op + '/strided')
    case(op, [N([3, 5], 'normal', 'bfloat16')], {'dim': 1}, name=op + '/bf16', grad=False)
    case(op, [N([4, 6], dtype='float64')], {'dim': 1}, name=op + '/f64')
# Matrix products
case('matmul', [N([3, 4]), N([4, 5])])
case('matmul', [N([4]), N([4])], name='matmul/dot')
case('matmul', [N([4]), N([4, 5])], name='matmul/vec-mat')
case('matmul', [N([3, 4]), N([4])], name='matmul/mat-vec')
case('matmul', [N([2, 3, 4]), N([2, 4, 5])], name='matmul/batched')
case('matmul', [N([2, 1, 3, 4]), N([3, 4, 5])], name='matmul/broadcast')
case('matmul', [N([3, 4], transform='t'), N([4, 5], transform='t')], name='matmul/transposed')
case('matmul', [N([0, 4]), N([4, 5])], name='matmul/empty')
case('matmul', [N([3, 4], dtype='float64'), N([4, 5], dtype='float64')], name='matmul/f64')
case('matmul', [N([3, 8], 'normal', 'bfloat16'), N([8, 5], 'normal', 'bfloat16')], name='matmul/bf16', grad=False)
case('linear', [N([3, 4]), N([5, 4]), N([5])])
# Convolution, normalisation and pooling (float32-only native primitives: parity, then a float32 gradcheck)
F = torch.nn.functional
OPS.update({
    'conv2d': lambda x, w, b=None, stride=1, padding=0, dilation=1, groups=1: F.conv2d(x, w, b, stride, padding, dilation, groups),
    'batch_norm': lambda x, rm, rv, w=None, b=None, training=True, relu=False:
        (F.relu if relu else (lambda y: y))(F.batch_norm(x, rm.clone(), rv.clone(), w, b, training, 0.1, 1e-5)),
    'max_pool2d': lambda x, kernel, stride, padding=0, dilation=1, ceil=False: F.max_pool2d(x, kernel, stride, padding, dilation, ceil, True),
    'avg_pool2d': lambda x, kernel, stride, padding=0, ceil=False, include_pad=True, divisor=None: F.avg_pool2d(x, kernel, stride, padding, ceil, include_pad, divisor),
    'adaptive_avg_pool2d': lambda x, size: F.adaptive_avg_pool2d(x, size),
    'adaptive_max_pool2d': lambda x, size: F.adaptive_max_pool2d(x, size, True),
})

# One recurrent layer (what nn.RNN / LSTM / GRU stack): time-major x [T, N, I], h0 (and c0) [D, N, H], then per
# direction w_ih [G*H, I], w_hh [G*H, H], b_ih, b_hh; outputs (output, h_n[, c_n]).
def rnn_layer(x, h0, *rest, mode, bidirectional=False, reverse=False):
    if reverse:
        # One direction right to left is the left-to-right layer over the time-reversed sequence.
        out = rnn_layer(x.flip(0), h0, *rest, mode=mode)
        return (out[0].flip(0),) + tuple(out[1:])
    if mode == 'LSTM':
        c0, params = rest[0], list(rest[1:])
        return torch._VF.lstm(x, (h0, c0), params, True, 1, 0.0, True, bidirectional, False)
    fn = {'RNN_TANH': torch._VF.rnn_tanh, 'RNN_RELU': torch._VF.rnn_relu, 'GRU': torch._VF.gru}[mode]
    return fn(x, h0, list(rest), True, 1, 0.0, True, bidirectional, False)


OPS['rnn_layer'] = rnn_layer
case('conv2d', [N([2, 3, 6, 5]), N([4, 3, 3, 3]), N([4])], {'padding': [1, 1]})
case('conv2d', [N([2, 4, 7, 7]), N([6, 2, 3, 2])], {'stride': [2, 1], 'padding': [1, 0], 'dilation': [1, 2], 'groups': 2}, name='conv2d/grouped-strided')
case('conv2d', [N([1, 4, 5, 5]), N([4, 1, 3, 3]), N([4])], {'groups': 4, 'padding': [1, 1]}, name='conv2d/depthwise')
case('batch_norm', [N([4, 3, 2, 3]), N([3]), N([3], 'pos'), N([3], 'pos'), N([3])], {'training': True}, frozen=(1, 2))
case('batch_norm', [N([5, 3]), N([3]), N([3], 'pos')], {'training': True}, name='batch_norm/2d-no-affine', frozen=(1, 2))
case('batch_norm', [N([4, 3, 2, 3]), N([3]), N([3], 'pos'), N([3], 'pos'), N([3])], {'training': False}, name='batch_norm/eval', frozen=(1, 2))
case('max_pool2d', [N([2, 3, 7, 7])], {'kernel': [3, 3], 'stride': [2, 2], 'padding': [1, 1], 'ceil': True})
case('max_pool2d', [N([1, 2, 8, 9])], {'kernel': [2, 3], 'stride': [2, 2], 'dilation': [2, 1]}, name='max_pool2d/dilated')
# Non-overlapping windows (kernel == stride): the backward writes each cell once and zeroes the rest.
case('max_pool2d', [N([2, 3, 7, 5])], {'kernel': [2, 2], 'stride': [2, 2]}, name='max_pool2d/tiled-remainder')
case('max_pool2d', [N([2, 3, 7, 5])], {'kernel': [2, 2], 'stride': [2, 2], 'ceil': True}, name='max_pool2d/tiled-ceil')
case('avg_pool2d', [N([2, 3, 7, 6])], {'kernel': [3, 2], 'stride': [2, 2], 'padding': [1, 1], 'include_pad': False, 'ceil': True})
case('avg_pool2d', [N([1, 2, 6, 6])], {'kernel': [2, 2], 'stride': [2, 2], 'divisor': 3}, name='avg_pool2d/divisor')
case('adaptive_avg_pool2d', [N([2, 3, 7, 5])], {'size': [3, 2]})
case('adaptive_avg_pool2d', [N([2, 4, 5, 5])], {'size': [1, 1]}, name='adaptive_avg_pool2d/global')
case('adaptive_max_pool2d', [N([2, 3, 7, 5])], {'size': [3, 2]})
# Indexing
case('index_select', [N([5, 3]), {'base': torch.tensor([4, 0, 2, 2]), 'transform': None}], {'dim': 0})
case('index_select', [N([3, 5], transform='t'), {'base': torch.tensor([1, 1, 0]), 'transform': None}], {'dim': 1}, name='index_select/strided')
case('gather', [N([3, 4]), {'base': torch.tensor([[0, 3], [2, 2], [1, 0]]), 'transform': None}], {'dim': 1})
case('scatter', [N([3, 4]), {'base': torch.tensor([[0, 3], [2, 1], [1, 0]]), 'transform': None}, N([3, 2])], {'dim': 1})
case('scatter_add', [N([3, 4]), {'base': torch.tensor([[0, 0], [2, 2], [1, 3]]), 'transform': None}, N([3, 2])], {'dim': 1})
case('index_add', [N([4, 3]), {'base': torch.tensor([0, 2, 0]), 'transform': None}, N([3, 3])], {'dim': 0, 'alpha': 2.0})
case('index', [N([5, 3]), {'base': torch.tensor([4, 1, 1]), 'transform': None}], name='index/rows')
case('index', [N([4, 3]), {'base': torch.tensor([0, 3]), 'transform': None}, {'base': torch.tensor([2, 1]), 'transform': None}], name='index/pairs')
case('index', [N([3, 4]), N([3, 4], 'bool')], name='index/mask')
case('index_cols', [N([3, 4]), {'base': torch.tensor([[3, 0], [1, 1]]), 'transform': None}], name='index/cols-2d')
case('cat', [N([2, 3]), N([1, 3]), N([3, 3])], {'dim': 0})
case('cat', [N([2, 3], transform='t'), N([2, 1])], {'dim': 1}, name='cat/dim1-strided')
case('cat', [N([2, 3]), N([2, 3], dtype='float64')], {'dim': 0}, name='cat/promote')
case('stack', [N([2, 3]), N([2, 3])], {'dim': 1})
case('split', [N([5, 3])], {'size': 2})
case('split', [N([3, 6])], {'size': [1, 5], 'dim': 1}, name='split/sizes')
case('chunk', [N([3, 7])], {'chunks': 3, 'dim': 1})

# Recurrent layers last, so the random inputs of the samples above stay as they were. Small sizes: their
# float32 finite-difference check (test/ops/parity.test.ts) loses precision with every extra output.
case('rnn_layer', [N([3, 2, 2]), N([1, 2, 3]), N([3, 2]), N([3, 3]), N([3]), N([3])], {'mode': 'RNN_TANH'}, name='rnn_layer/tanh')
case('rnn_layer', [N([3, 2, 2]), N([2, 2, 3]), N([3, 2]), N([3, 3]), N([3]), N([3]), N([3, 2]), N([3, 3]), N([3]), N([3])],
     {'mode': 'RNN_RELU', 'bidirectional': True}, name='rnn_layer/relu-bidirectional')
case('rnn_layer', [N([3, 2, 2]), N([1, 2, 3]), N([1, 2, 3]), N([12, 2]), N([12, 3]), N([12]), N([12])], {'mode': 'LSTM'}, name='rnn_layer/lstm')
case('rnn_layer', [N([3, 2, 2]), N([2, 2, 3]), N([9, 2]), N([9, 3]), N([9]), N([9]), N([9, 2]), N([9, 3]), N([9]), N([9])],
     {'mode': 'GRU', 'bidirectional': True}, name='rnn_layer/gru-bidirectional')
case('rnn_layer', [N([3, 2, 2]), N([1, 2, 3]), N([1, 2, 3]), N([12, 2]), N([12, 3]), N([12]), N([12])],
     {'mode': 'LSTM', 'reverse': True}, name='rnn_layer/lstm-reverse')
case('rnn_layer', [N([4, 2, 2]), N([1, 2, 3]), N([9, 2]), N([9, 3]), N([9]), N([9])], {'mode': 'GRU', 'reverse': True},
     name='rnn_layer/gru-reverse')

# Added after the recurrent layers so that every earlier sample keeps its random inputs.
case('unbind', [N([3, 4])], {'dim': 1})
case('split_some', [N([7, 3])], {'size': 2, 'keep': [1, 3]}, name='split_some/middle-and-last')
# Batch norm with its ReLU fused (one kernel in antorcha, whose backward recomputes the ReLU's mask).
case('batch_norm', [N([4, 3, 2, 3]), N([3]), N([3], 'pos'), N([3], 'pos'), N([3])], {'training': True, 'relu': True},
     name='batch_norm/relu', frozen=(1, 2))
case('batch_norm', [N([4, 3, 2, 3]), N([3]), N([3], 'pos'), N([3], 'pos'), N([3])], {'training': False, 'relu': True},
     name='batch_norm/relu-eval', frozen=(1, 2))

with open(OUT, 'w') as f:
    json.dump({'generator': 'tools/gen_fixtures.py', 'torch': torch.__version__, 'cases': cases}, f, separators=(',', ':'), allow_nan=False)
print(f'wrote {len(cases)} cases to {os.path.relpath(OUT)} ({os.path.getsize(OUT) // 1024} KiB)')

# ---------------------------------------------------------------- the default generator's streams
streams = []
for name, fn in [
    ('rand', lambda: torch.rand(7)), ('randn-small', lambda: torch.randn(5)), ('randn-large', lambda: torch.randn(37)),
    ('randint', lambda: torch.randint(0, 10, (9,))), ('rand-f64', lambda: torch.rand(4, dtype=torch.float64)),
    ('randn-f64', lambda: torch.randn(3, dtype=torch.float64)),
]:
    torch.manual_seed(42)
    streams.append({'name': name, 'seed': 42, 'first': enc(fn()), 'second': enc(fn())})
with open(os.path.join(HERE, '..', 'test', 'fixtures', 'random.json'), 'w') as f:
    json.dump({'streams': streams}, f, separators=(',', ':'), allow_nan=False)
print(f'wrote {len(streams)} random streams')
