#!/usr/bin/python3
"""Generates test/fixtures/nn.json with Debian's PyTorch for test/nn/*.test.ts: layer forward and backward
(input and parameter gradients, train and eval), batch-norm running statistics, every loss with its options
and reductions, F.pad, initialisation streams after manual_seed, and a small net's state-dict keys and
print. Run with /usr/bin/python3 (the python3 first on PATH has no torch)."""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'nn.json')
NAME = {torch.float32: 'float32', torch.float64: 'float64', torch.int64: 'int64', torch.bool: 'bool'}


def enc(t):
    """A tensor as JSON. float32 values are written as the shortest decimal that reads back as the same float32
    (the tests round them with Math.fround), which halves the file against float64 digits."""
    t = t.detach()
    if t.dtype == torch.float32:
        vals = [float(repr(v)) for v in t.reshape(-1).numpy()]
    else:
        vals = t.to(torch.float64).reshape(-1).tolist() if t.is_floating_point() else t.reshape(-1).tolist()
    def num(v):
        if isinstance(v, bool):
            return int(v)
        if isinstance(v, float) and not math.isfinite(v):
            return 'nan' if math.isnan(v) else ('inf' if v > 0 else '-inf')
        return v
    return {'shape': list(t.shape), 'dtype': NAME[t.dtype], 'data': [num(v) for v in vals]}


def jsonable(v):
    """Constructor arguments as JSON: tuples become lists, tensors {'tensor': ...}."""
    if isinstance(v, torch.Tensor):
        return {'tensor': enc(v)}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    return v


seed = [100]


def next_seed():
    seed[0] += 1
    torch.manual_seed(seed[0])


# ---------------------------------------------------------------------------------------------- layers
layers = []


def layer(cls, args=(), kwargs=None, shape=(3, 5), steps=('train',), kind='normal', name=None, running=False, nonleaf=False):
    """One module: state (randomised parameters), then per step: mode, input, outputs and gradients."""
    kwargs = kwargs or {}
    next_seed()
    m = getattr(nn, cls)(*args, **kwargs)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.randn_like(p) * 0.5 + (1.0 if p.dim() == 1 and 'Norm' in cls else 0.0))
        if running and m.running_mean is not None:
            m.running_mean.copy_(torch.randn_like(m.running_mean))
            m.running_var.copy_(torch.rand_like(m.running_var) + 0.5)
    entry = {'name': name or cls, 'cls': cls, 'args': jsonable(list(args)), 'kwargs': jsonable(kwargs), 'nonleaf': nonleaf,
             'state': {k: enc(v) for k, v in m.state_dict().items()}, 'steps': []}
    for mode in steps:
        m.train(mode == 'train')
        if kind == 'normal':
            x = torch.randn(shape).requires_grad_(True)
        elif kind == 'large':
            x = (torch.randn(shape) * 50).requires_grad_(True)
        elif kind.startswith('int:'):
            x = torch.randint(0, int(kind[4:]), shape)
        # In-place layers need a non-leaf input: they see x * 1.
        out = m(x * 1.0 if nonleaf else x)
        outs = list(out) if isinstance(out, tuple) else [out]
        step = {'mode': mode, 'input': enc(x), 'outputs': [enc(o) for o in outs]}
        diff = [o for o in outs if o.requires_grad]
        if diff:
            gos = [torch.randn(o.shape) for o in diff]
            torch.autograd.backward(diff, gos)
            step['gradOutputs'] = [enc(g) for g in gos]
            step['inputGrad'] = enc(x.grad) if x.is_floating_point() and x.grad is not None else None
            step['paramGrads'] = {n: enc(p.grad) for n, p in m.named_parameters() if p.grad is not None}
            m.zero_grad(set_to_none=True)
        entry['steps'].append(step)
    if any(True for _ in m.buffers()):
        entry['stateAfter'] = {k: enc(v) for k, v in m.state_dict().items()}
    layers.append(entry)


layer('Linear', [4, 3], shape=(2, 4))
layer('Linear', [4, 3], {'bias': False}, shape=(3, 2, 4), name='Linear no bias, 3-D input')
layer('Linear', [4, 2], shape=(4,), name='Linear unbatched')
layer('Identity', shape=(2, 3))
layer('Flatten', shape=(2, 3, 2, 2))
layer('Flatten', [0, 2], shape=(2, 3, 2, 2), name='Flatten(0, 2)')
layer('Unflatten', [1, (2, 3)], shape=(2, 6))
for cls, args in [('ReLU', []), ('ReLU6', []), ('Hardtanh', [-0.5, 0.5]), ('LeakyReLU', [0.2]), ('ELU', [0.7]),
                  ('GELU', []), ('GELU', ['tanh']), ('SiLU', []), ('Mish', []), ('Softplus', [2, 3]), ('Sigmoid', []),
                  ('Tanh', []), ('Softmax', [1]), ('LogSoftmax', [-1]), ('Softmin', [0])]:
    next_seed()
    layer(cls, args, shape=(3, 5), name=f'{cls}({", ".join(map(repr, args))})')
layer('ReLU', [], {'inplace': True}, shape=(3, 5), name='ReLU(inplace=True)', nonleaf=True)
layer('LeakyReLU', [0.1], {'inplace': True}, shape=(3, 5), name='LeakyReLU(inplace=True)', nonleaf=True)
layer('ELU', [1.0], shape=(2, 3), kind='large', name='ELU large inputs')
layer('Softplus', [], shape=(2, 3), kind='large', name='Softplus large inputs')
layer('Dropout', [0.4], shape=(3, 4), steps=('eval',), name='Dropout eval is the identity')
layer('Dropout2d', [0.4], shape=(2, 3, 2, 2), steps=('eval',), name='Dropout2d eval')
layer('LayerNorm', [5], shape=(3, 5))
layer('LayerNorm', [(3, 4)], {'elementwise_affine': False}, shape=(2, 3, 4), name='LayerNorm([3, 4]) no affine')
layer('LayerNorm', [4], {'eps': 1e-3}, shape=(2, 3, 4), name='LayerNorm eps 1e-3')
layer('GroupNorm', [2, 4], shape=(2, 4, 3, 3))
layer('GroupNorm', [1, 3], {'affine': False}, shape=(2, 3, 5), name='GroupNorm(1, 3) no affine')
layer('GroupNorm', [3, 6], {'eps': 1e-3}, shape=(2, 6, 2, 2), name='GroupNorm(3, 6) eps')
layer('Embedding', [10, 3], {'padding_idx': 1}, shape=(2, 3), kind='int:10')

# Conv, pooling and batch norm (the native ops): in their own test files.
layer('Conv2d', [3, 4, 3], shape=(2, 3, 4, 4))
layer('Conv2d', [3, 4, 3], {'stride': 2, 'padding': 1}, shape=(1, 3, 5, 5), name='Conv2d stride 2 padding 1')
layer('Conv2d', [4, 6, (3, 2)], {'groups': 2, 'dilation': (2, 1), 'padding': (2, 1)}, shape=(1, 4, 6, 4), name='Conv2d groups dilation')
layer('Conv2d', [2, 3, 3], {'padding': 'same'}, shape=(2, 2, 5, 5), name="Conv2d padding='same'")
layer('Conv2d', [2, 3, 4], {'padding': 'same', 'dilation': (1, 1)}, shape=(1, 2, 6, 5), name="Conv2d padding='same' even kernel")
layer('Conv2d', [2, 3, (2, 3)], {'padding': 'same', 'dilation': 2}, shape=(1, 2, 6, 6), name="Conv2d padding='same' dilated")
layer('Conv2d', [2, 3, 3], {'padding': 'valid', 'bias': False}, shape=(2, 2, 5, 5), name="Conv2d 'valid' no bias")
for mode in ['reflect', 'replicate', 'circular']:
    layer('Conv2d', [2, 3, 3], {'padding': 1, 'padding_mode': mode}, shape=(1, 2, 5, 4), name=f'Conv2d padding_mode={mode}')
layer('Conv2d', [3, 2, 3], {'padding': 1}, shape=(3, 5, 5), name='Conv2d unbatched')
# From 16 input channels the weight gradient is one matrix product over unfolded patches (native/cpu/conv_gemm.cc).
layer('Conv2d', [16, 5, 3], {'stride': 2, 'padding': 1, 'dilation': 2}, shape=(2, 16, 7, 6), name='Conv2d 16 channels strided dilated')
layer('Conv2d', [16, 4, (3, 2)], {'padding': (1, 0), 'bias': False}, shape=(3, 16, 5, 4), name='Conv2d 16 channels no bias')
layer('Conv2d', [24, 6, 1], shape=(2, 24, 3, 5), name='Conv2d 24 channels 1x1')
layer('Conv1d', [2, 3, 3], shape=(2, 2, 7))
layer('Conv1d', [4, 4, 3], {'groups': 4, 'padding': 'same'}, shape=(2, 4, 6), name='Conv1d depthwise same')
layer('Conv1d', [2, 3, 3], {'stride': 2, 'padding': 1, 'dilation': 2}, shape=(2, 2, 9), name='Conv1d stride dilation')
layer('Conv1d', [2, 2, 2], {'padding': 'same'}, shape=(1, 2, 5), name="Conv1d padding='same' even kernel")
layer('Conv1d', [2, 3, 3], shape=(2, 6), name='Conv1d unbatched')
layer('MaxPool2d', [2], shape=(2, 2, 4, 4))
layer('MaxPool2d', [3], {'stride': 2, 'padding': 1}, shape=(2, 2, 7, 7), name='MaxPool2d(3, 2, 1)')
layer('MaxPool2d', [(2, 3)], {'stride': 1, 'dilation': (1, 2)}, shape=(1, 2, 5, 7), name='MaxPool2d dilation')
layer('MaxPool2d', [3], {'stride': 2, 'ceil_mode': True}, shape=(1, 2, 8, 8), name='MaxPool2d ceil_mode')
layer('MaxPool2d', [2], {'return_indices': True}, shape=(2, 2, 4, 6), name='MaxPool2d return_indices')
layer('MaxPool2d', [2], shape=(3, 4, 4), name='MaxPool2d unbatched')
layer('AvgPool2d', [2], shape=(2, 2, 4, 4))
layer('AvgPool2d', [3], {'stride': 2, 'padding': 1, 'count_include_pad': False}, shape=(1, 2, 7, 7), name='AvgPool2d exclude pad')
layer('AvgPool2d', [3], {'stride': 2, 'padding': 1, 'ceil_mode': True}, shape=(1, 2, 6, 6), name='AvgPool2d ceil_mode')
layer('AvgPool2d', [2], {'divisor_override': 3}, shape=(1, 2, 4, 4), name='AvgPool2d divisor_override')
layer('AdaptiveAvgPool2d', [1], shape=(2, 3, 5, 5))
layer('AdaptiveAvgPool2d', [(3, 2)], shape=(1, 2, 7, 5), name='AdaptiveAvgPool2d uneven')
layer('AdaptiveAvgPool2d', [(None, 2)], shape=(1, 2, 3, 5), name='AdaptiveAvgPool2d None')
layer('AdaptiveMaxPool2d', [(2, 3)], {'return_indices': True}, shape=(1, 2, 5, 7), name='AdaptiveMaxPool2d indices')
layer('MaxPool1d', [3], {'stride': 2, 'padding': 1}, shape=(2, 2, 9))
layer('AvgPool1d', [3], shape=(2, 2, 7))
layer('AdaptiveAvgPool1d', [2], shape=(2, 2, 7))
layer('BatchNorm2d', [3], shape=(3, 3, 2, 2), steps=('train', 'train', 'eval'))
layer('BatchNorm2d', [3], {'momentum': None}, shape=(2, 3, 2, 2), steps=('train', 'train', 'eval'), name='BatchNorm2d momentum=None')
layer('BatchNorm2d', [3], {'affine': False}, shape=(2, 3, 2, 2), steps=('train', 'eval'), name='BatchNorm2d affine=False')
layer('BatchNorm2d', [3], {'track_running_stats': False}, shape=(2, 3, 2, 2), steps=('train', 'eval'), name='BatchNorm2d no running stats')
layer('BatchNorm2d', [3], shape=(2, 3, 2, 2), steps=('eval',), running=True, name='BatchNorm2d eval with running stats')
layer('BatchNorm1d', [4], shape=(5, 4), steps=('train', 'eval'))
layer('BatchNorm1d', [3], {'eps': 1e-3, 'momentum': 0.3}, shape=(4, 3, 3), steps=('train', 'eval'), name='BatchNorm1d 3-D')

# ---------------------------------------------------------------------------------------------- losses
losses = []


def loss(cls, kwargs, x, target, name):
    for reduction in ['mean', 'sum', 'none']:
        x_ = x.clone().requires_grad_(True)
        m = getattr(nn, cls)(reduction=reduction, **kwargs)
        out = m(x_, target)
        g = torch.randn(out.shape)
        out.backward(g)
        losses.append({'name': f'{name} ({reduction})', 'cls': cls, 'kwargs': jsonable(dict(kwargs, reduction=reduction)),
                       'input': enc(x), 'target': enc(target), 'output': enc(out), 'gradOutput': enc(g),
                       'inputGrad': enc(x_.grad)})


next_seed()
logits = torch.randn(6, 5) * 2
labels = torch.tensor([0, 4, 2, -100, 2, 1])
cw = torch.rand(5) + 0.2
probs = torch.softmax(torch.randn(6, 5), 1)
loss('CrossEntropyLoss', {}, logits, labels, 'CrossEntropyLoss ignore -100')
loss('CrossEntropyLoss', {'weight': cw}, logits, labels, 'CrossEntropyLoss weight')
loss('CrossEntropyLoss', {'weight': cw, 'ignore_index': 2}, logits, torch.tensor([0, 4, 2, 3, 2, 1]), 'CrossEntropyLoss weight ignore_index=2')
loss('CrossEntropyLoss', {'label_smoothing': 0.1}, logits, labels, 'CrossEntropyLoss label_smoothing')
loss('CrossEntropyLoss', {'label_smoothing': 0.2, 'weight': cw}, logits, labels, 'CrossEntropyLoss label_smoothing weight')
loss('CrossEntropyLoss', {}, logits, probs, 'CrossEntropyLoss probabilities')
loss('CrossEntropyLoss', {'weight': cw, 'label_smoothing': 0.15}, logits, probs, 'CrossEntropyLoss probabilities weight smoothing')
loss('CrossEntropyLoss', {'weight': torch.rand(3) + 0.5}, torch.randn(2, 3, 2, 2), torch.tensor([[[0, 2], [1, -100]], [[2, 2], [0, 1]]]), 'CrossEntropyLoss spatial')
loss('CrossEntropyLoss', {}, torch.randn(2, 3, 4), torch.softmax(torch.randn(2, 3, 4), 1), 'CrossEntropyLoss spatial probabilities')
loss('CrossEntropyLoss', {}, torch.randn(5), torch.tensor(3), 'CrossEntropyLoss unbatched')
loss('CrossEntropyLoss', {'label_smoothing': 0.1}, torch.randn(2, 3, 4), torch.tensor([[0, 1, 2, -100], [2, 2, 1, 0]]), 'CrossEntropyLoss spatial smoothing')
logp = torch.log_softmax(torch.randn(6, 5), 1)
loss('NLLLoss', {}, logp, labels, 'NLLLoss')
loss('NLLLoss', {'weight': cw}, logp, labels, 'NLLLoss weight')
loss('NLLLoss', {}, torch.log_softmax(torch.randn(2, 3, 2, 2), 1), torch.tensor([[[0, 2], [1, 1]], [[2, 0], [0, 1]]]), 'NLLLoss spatial')
p = torch.sigmoid(torch.randn(3, 4))
t = torch.rand(3, 4)
loss('BCELoss', {}, p, t, 'BCELoss')
loss('BCELoss', {'weight': torch.rand(4)}, p, (t > 0.5).float(), 'BCELoss weight binary targets')
z = torch.randn(3, 4) * 3
loss('BCEWithLogitsLoss', {}, z, t, 'BCEWithLogitsLoss')
loss('BCEWithLogitsLoss', {'pos_weight': torch.rand(4) * 3, 'weight': torch.rand(3, 1)}, z, t, 'BCEWithLogitsLoss pos_weight weight')
loss('BCEWithLogitsLoss', {}, torch.tensor([[-60.0, -20.0, 0.0, 20.0, 60.0]]), torch.tensor([[0.0, 1.0, 0.5, 0.0, 1.0]]), 'BCEWithLogitsLoss large logits')
a, b = torch.randn(3, 4), torch.randn(3, 4)
loss('MSELoss', {}, a, b, 'MSELoss')
loss('L1Loss', {}, a, b, 'L1Loss')
loss('SmoothL1Loss', {}, a, b, 'SmoothL1Loss')
loss('SmoothL1Loss', {'beta': 0.5}, a, b, 'SmoothL1Loss beta=0.5')
loss('SmoothL1Loss', {'beta': 0.0}, a, b, 'SmoothL1Loss beta=0')
loss('HuberLoss', {}, a * 2, b, 'HuberLoss')
loss('HuberLoss', {'delta': 0.5}, a, b, 'HuberLoss delta=0.5')

# ---------------------------------------------------------------------------------------------- F.pad, F.normalize
functional = []


def fcase(name, fn, kwargs, x):
    x_ = x.clone().requires_grad_(True)
    out = fn(x_, **kwargs)
    g = torch.randn(out.shape)
    out.backward(g)
    functional.append({'name': name, 'kwargs': jsonable(kwargs), 'input': enc(x), 'output': enc(out),
                       'gradOutput': enc(g), 'inputGrad': enc(x_.grad)})


next_seed()
xp = torch.randn(1, 2, 3, 4)
fcase('pad', F.pad, {'pad': [1, 2], 'value': 0.5}, xp)
fcase('pad', F.pad, {'pad': [1, 0, -1, 2]}, xp)
fcase('pad', F.pad, {'pad': [0, 0, 0, 0, 1, 1]}, xp)
for mode in ['reflect', 'replicate', 'circular']:
    fcase('pad', F.pad, {'pad': [2, 1, 1, 2], 'mode': mode}, xp)
fcase('normalize', F.normalize, {'dim': 1}, torch.randn(3, 4))
fcase('normalize', F.normalize, {'p': 1, 'dim': 0}, torch.randn(3, 4))

# ---------------------------------------------------------------------------------------------- init streams
init = []


def stream(seed_value, modules):
    torch.manual_seed(seed_value)
    built = [getattr(nn, cls)(*args, **kwargs) for cls, args, kwargs in modules]
    init.append({'seed': seed_value, 'modules': [{'cls': c, 'args': jsonable(a), 'kwargs': jsonable(k)} for c, a, k in modules],
                 'states': [{k: enc(v) for k, v in m.state_dict().items()} for m in built]})


stream(0, [('Linear', [4, 3], {})])
stream(1, [('Linear', [5, 2], {'bias': False}), ('Linear', [3, 3], {})])
stream(2, [('Conv2d', [3, 4, 3], {})])
stream(3, [('Conv1d', [2, 3, 5], {})])
stream(4, [('Conv2d', [4, 6, (3, 2)], {'groups': 2}), ('Linear', [6, 2], {})])
stream(5, [('LayerNorm', [3], {}), ('BatchNorm2d', [2], {}), ('Linear', [2, 2], {})])

init_fns = []


def init_fn(fn, shape, kwargs, exact):
    torch.manual_seed(7)
    t = torch.empty(shape)
    getattr(nn.init, fn)(t, **kwargs)
    init_fns.append({'fn': fn, 'shape': list(shape), 'kwargs': kwargs, 'exact': exact, 'output': enc(t)})


init_fn('uniform_', (3, 4), {'a': -2.0, 'b': 0.5}, True)
init_fn('xavier_uniform_', (5, 4), {'gain': 1.5}, True)
init_fn('kaiming_uniform_', (6, 3, 2, 2), {'mode': 'fan_out', 'nonlinearity': 'relu'}, True)
init_fn('kaiming_uniform_', (4, 3), {'a': 0.1}, True)
init_fn('normal_', (20,), {'mean': 1.0, 'std': 0.5}, False)
init_fn('xavier_normal_', (5, 4), {}, False)
init_fn('kaiming_normal_', (6, 3, 2, 2), {'mode': 'fan_out', 'nonlinearity': 'relu'}, False)
gains = {f'{n}:{p}': nn.init.calculate_gain(n, p) for n, p in
         [('linear', None), ('conv2d', None), ('sigmoid', None), ('tanh', None), ('relu', None), ('leaky_relu', None),
          ('leaky_relu', 0.2), ('leaky_relu', math.sqrt(5)), ('selu', None)]}


# ---------------------------------------------------------------------------------------------- prints
repr_specs = [
    ('Conv2d', [3, 8, 3], {'padding': 'same'}), ('Conv1d', [3, 3, 3], {}),
    ('Conv2d', [3, 8, (3, 5)], {'stride': 2, 'padding': 1, 'dilation': 2, 'bias': False, 'padding_mode': 'reflect'}),
    ('Conv2d', [4, 8, 1], {'groups': 2, 'padding': 'valid'}),
    ('BatchNorm2d', [8], {}), ('BatchNorm1d', [3], {'momentum': None, 'affine': False, 'track_running_stats': False}),
    ('MaxPool2d', [2], {}), ('MaxPool2d', [(2, 3)], {'stride': 1, 'return_indices': True, 'ceil_mode': True}),
    ('AvgPool2d', [2], {}), ('AvgPool2d', [3], {'stride': 2, 'padding': 1, 'ceil_mode': True, 'count_include_pad': False}),
    ('AdaptiveAvgPool2d', [1], {}), ('AdaptiveAvgPool2d', [(None, 7)], {}), ('AdaptiveMaxPool2d', [(2, 3)], {'return_indices': True}),
    ('MaxPool1d', [3], {'stride': 2}), ('AvgPool1d', [3], {}), ('AdaptiveAvgPool1d', [4], {}),
    ('Linear', [3, 4], {}), ('Linear', [3, 4], {'bias': False}), ('Identity', [], {}), ('Flatten', [], {}),
    ('Unflatten', [1, (2, 5)], {}), ('ReLU', [], {}), ('ReLU', [], {'inplace': True}), ('ReLU6', [], {}),
    ('Hardtanh', [-2.0, 2.0], {}), ('LeakyReLU', [], {}), ('LeakyReLU', [0.2], {'inplace': True}), ('ELU', [], {}),
    ('ELU', [0.5], {}), ('GELU', [], {}), ('GELU', ['tanh'], {}), ('SiLU', [], {}), ('Mish', [], {}), ('Softplus', [], {}),
    ('Sigmoid', [], {}), ('Tanh', [], {}), ('Softmax', [1], {}), ('LogSoftmax', [-1], {}), ('Softmax', [], {}),
    ('Softmin', [0], {}), ('Dropout', [], {}), ('Dropout', [0.25], {}), ('Dropout', [1e-7], {}), ('Dropout2d', [0.1], {}),
    ('Dropout1d', [0.3], {'inplace': True}), ('LayerNorm', [4], {}), ('LayerNorm', [(3, 4)], {'eps': 1e-6, 'elementwise_affine': False}),
    ('GroupNorm', [2, 4], {}), ('Embedding', [10, 3], {}), ('Embedding', [10, 3], {'padding_idx': -1}),
    ('CrossEntropyLoss', [], {}), ('NLLLoss', [], {}), ('BCELoss', [], {}), ('BCEWithLogitsLoss', [], {}), ('MSELoss', [], {}),
    ('L1Loss', [], {}), ('SmoothL1Loss', [], {}), ('HuberLoss', [], {}),
]
reprs = [{'cls': c, 'args': jsonable(a), 'kwargs': jsonable(k), 'repr': repr(getattr(nn, c)(*a, **k))} for c, a, k in repr_specs]


# ---------------------------------------------------------------------------------------------- a small net
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2))
        self.bn = nn.BatchNorm1d(16)
        self.drop = nn.Dropout(0.25)
        self.fc = nn.Linear(16, 5)
        self.heads = nn.ModuleDict({'a': nn.Linear(5, 2), 'b': nn.Linear(5, 3, bias=False)})
        self.norms = nn.ModuleList([nn.LayerNorm(5), nn.GroupNorm(1, 5)])

    def forward(self, x):
        x = self.features(x).flatten(1)
        x = self.fc(self.drop(self.bn(x)))
        x = self.norms[0](x)
        return self.heads['a'](x)


torch.manual_seed(0)
net = Net()
net_repr = repr(net)
x_net = torch.randn(3, 1, 4, 4)
y_net = torch.tensor([0, 1, 1])
net.drop.p = 0.0  # the dropout mask is not PyTorch's stream
out_net = net(x_net)
loss_net = F.cross_entropy(out_net, y_net)
loss_net.backward()
net_fixture = {
    'seed': 0, 'repr': net_repr, 'stateKeys': list(net.state_dict().keys()),
    'parameterNames': [n for n, _ in net.named_parameters()], 'bufferNames': [n for n, _ in net.named_buffers()],
    'moduleNames': [n for n, _ in net.named_modules()],
    'initialState': None, 'input': enc(x_net), 'target': enc(y_net), 'loss': enc(loss_net),
    'grads': {n: enc(p.grad) for n, p in net.named_parameters() if p.grad is not None},
    'stateAfter': {k: enc(v) for k, v in net.state_dict().items() if 'running' in k or 'num_batches' in k},
}
torch.manual_seed(0)
net_fixture['initialState'] = {k: enc(v) for k, v in Net().state_dict().items()}

with open(OUT, 'w') as f:
    json.dump({'generator': 'tools/gen_nn_fixtures.py', 'torch': torch.__version__, 'layers': layers, 'losses': losses,
               'functional': functional, 'reprs': reprs, 'init': init, 'initFns': init_fns, 'gains': gains, 'net': net_fixture},
              f, separators=(',', ':'), allow_nan=False)
print(f'wrote {len(layers)} layers, {len(losses)} losses, {len(functional)} functional cases, {len(init)} init streams '
      f'to {os.path.relpath(OUT)} ({os.path.getsize(OUT) // 1024} KiB)')
