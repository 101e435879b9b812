#!/usr/bin/python3
"""Generates test/fixtures/amp.json with Debian's PyTorch 1.13 (run with /usr/bin/python3):

    /usr/bin/python3 tools/gen_amp_fixtures.py

- `registrations`: the ops PyTorch 1.13 registers for CPU autocast (the AutocastCPU dispatch key).
- `dtypes`: the output dtype of each case under torch.autocast('cpu', dtype=torch.bfloat16).
- `values`: inputs and results of conv2d, linear, matmul, bmm, an LSTM cell and layer, and a small CNN's
  forward and backward under autocast. PyTorch 1.13's own bfloat16 convolution and matrix products on a CPU
  without AVX-512 (this one) accumulate in bfloat16 (`pytorchAccumulationMismatches` records how far that
  lands from a float32-accumulated result), while bfloat16 kernels on AVX-512/AMX, PyTorch's linear/addmm
  and antorcha accumulate in float32 and round once. So each random case stores `expected`: PyTorch
  computing the same autocast casts (inputs rounded to bfloat16) with float32 accumulation and one final
  rounding; `exact` cases use small integers, where every partial sum is exact in bfloat16, and store
  PyTorch's own autocast output, which antorcha must reproduce bit for bit.
- `gradScaler`: PyTorch 1.13's GradScaler Python class run on the CPU. 1.13 has no CPU kernels for
  `_amp_foreach_non_finite_check_and_unscale_` and `_amp_update_scale_` (they raise NotImplementedError) and
  the class disables itself without CUDA, so this script loads the class's own source with the CUDA-only
  assertions removed and the two kernels emulated in Python as aten/src/ATen/native/cuda/AmpKernels.cu
  (v1.13) computes them. Gradients are chosen exactly (loss = sum(p * g)), with inf/NaN injected at some
  steps, and real torch.optim optimizers step.
"""
import inspect
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.cuda.amp.grad_scaler as grad_scaler_module

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'amp.json')
DTYPE_NAMES = {torch.float32: 'float32', torch.float64: 'float64', torch.bfloat16: 'bfloat16',
               torch.float16: 'float16', torch.int64: 'int64', torch.int32: 'int32', torch.bool: 'bool'}


def num(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, float):
        if not math.isfinite(v):
            return 'nan' if math.isnan(v) else ('inf' if v > 0 else '-inf')
        return float('%.9g' % v)
    return v


def enc(t):
    t = t.detach()
    data = t.reshape(-1).tolist() if t.dtype not in (torch.bfloat16, torch.float16) else t.float().reshape(-1).tolist()
    return {'shape': list(t.shape), 'dtype': DTYPE_NAMES[t.dtype], 'data': [num(v) for v in data]}


def autocast():
    return torch.autocast('cpu', dtype=torch.bfloat16)


# ----------------------------------------------------------------------------------------------- dtypes

def r(*shape):
    return torch.randn(*shape)


def bf(*shape):
    return torch.randn(*shape).bfloat16()


def labels(n, c):
    return torch.randint(0, c, (n,))


def simple_cnn():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(8, 3))


# Each case builds its inputs and returns a tensor; the TypeScript test has a twin for every name.
DTYPE_CASES = {
    # lower_precision_fp
    'conv1d': lambda: F.conv1d(r(2, 3, 8), r(4, 3, 3), r(4)),
    'conv2d': lambda: F.conv2d(r(2, 3, 8, 8), r(4, 3, 3, 3), r(4), padding=1),
    'conv2d_bf16_input': lambda: F.conv2d(bf(2, 3, 8, 8), r(4, 3, 3, 3)),
    'conv2d_module': lambda: nn.Conv2d(3, 4, 3)(r(2, 3, 8, 8)),
    'conv1d_module': lambda: nn.Conv1d(3, 4, 3)(r(2, 3, 8)),
    'linear': lambda: F.linear(r(4, 6), r(5, 6), r(5)),
    'linear_3d_no_bias': lambda: F.linear(r(2, 4, 6), r(5, 6)),
    'linear_module': lambda: nn.Linear(6, 5)(r(4, 6)),
    'matmul': lambda: torch.matmul(r(3, 5, 6), r(6, 4)),
    'matmul_1d': lambda: torch.matmul(r(6), r(6)),
    'matmul_bf16_f32': lambda: torch.matmul(bf(3, 6), r(6, 4)),
    'matmul_float64': lambda: torch.matmul(r(3, 6).double(), r(6, 4).double()),
    'matmul_int64': lambda: torch.matmul(torch.ones(3, 6, dtype=torch.long), torch.ones(6, 4, dtype=torch.long)),
    'mm': lambda: torch.mm(r(3, 6), r(6, 4)),
    'bmm': lambda: torch.bmm(r(2, 3, 6), r(2, 6, 4)),
    # fp32
    'prod': lambda: bf(3, 4).prod(),
    'prod_dim': lambda: bf(3, 4).prod(1),
    'pad_reflect_1d': lambda: F.pad(bf(2, 3, 5), (1, 2), mode='reflect'),
    'pad_reflect_2d': lambda: F.pad(bf(2, 3, 5, 5), (1, 1, 2, 2), mode='reflect'),
    'pad_replicate_1d': lambda: F.pad(bf(2, 3, 5), (1, 2), mode='replicate'),
    'pad_replicate_2d': lambda: F.pad(bf(2, 3, 5, 5), (1, 1, 2, 2), mode='replicate'),
    'pad_replicate_3d': lambda: F.pad(bf(1, 2, 3, 4, 4), (1, 1, 1, 1, 1, 1), mode='replicate'),
    'mse_loss': lambda: F.mse_loss(bf(4, 5), r(4, 5)),
    'mse_loss_bf16_bf16': lambda: F.mse_loss(bf(4, 5), bf(4, 5)),
    'l1_loss': lambda: F.l1_loss(bf(4, 5), bf(4, 5)),
    'smooth_l1_loss': lambda: F.smooth_l1_loss(bf(4, 5), bf(4, 5)),
    'huber_loss': lambda: F.huber_loss(bf(4, 5), bf(4, 5)),
    'cross_entropy': lambda: F.cross_entropy(bf(4, 5), labels(4, 5)),
    'cross_entropy_probs': lambda: F.cross_entropy(bf(4, 5), torch.rand(4, 5).softmax(1)),
    'nll_loss': lambda: F.nll_loss(bf(4, 5).log_softmax(1), labels(4, 5)),
    'binary_cross_entropy': lambda: F.binary_cross_entropy(torch.rand(4, 5).bfloat16(), torch.rand(4, 5)),
    'binary_cross_entropy_with_logits': lambda: F.binary_cross_entropy_with_logits(bf(4, 5), torch.rand(4, 5)),
    # promote
    'cat_mixed': lambda: torch.cat([bf(2, 3), r(2, 3)]),
    'cat_bf16': lambda: torch.cat([bf(2, 3), bf(2, 3)]),
    'stack_mixed': lambda: torch.stack([bf(2, 3), r(2, 3)]),
    # no policy on the CPU in 1.13: the input's dtype, or ordinary promotion
    'pad_constant': lambda: F.pad(bf(2, 3, 5, 5), (1, 1, 1, 1)),
    'pad_circular': lambda: F.pad(bf(2, 3, 5, 5), (1, 1, 1, 1), mode='circular'),
    'softmax_bf16': lambda: F.softmax(bf(4, 5), 1),
    'log_softmax_bf16': lambda: F.log_softmax(bf(4, 5), 1),
    'softmax_f32': lambda: F.softmax(r(4, 5), 1),
    'exp_bf16': lambda: bf(4, 5).exp(),
    'log_bf16': lambda: bf(4, 5).abs().log(),
    'sum_bf16': lambda: bf(4, 5).sum(),
    'mean_bf16': lambda: bf(4, 5).mean(),
    'add_bf16_f32': lambda: bf(4, 5) + r(4, 5),
    'mul_bf16_scalar': lambda: bf(4, 5) * 2.5,
    'relu_bf16': lambda: F.relu(bf(4, 5)),
    'gelu_bf16': lambda: F.gelu(bf(4, 5)),
    'sigmoid_bf16': lambda: torch.sigmoid(bf(4, 5)),
    'max_pool2d_bf16': lambda: F.max_pool2d(bf(2, 3, 8, 8), 2),
    'avg_pool2d_bf16': lambda: F.avg_pool2d(bf(2, 3, 8, 8), 2),
    'adaptive_avg_pool2d_bf16': lambda: F.adaptive_avg_pool2d(bf(2, 3, 8, 8), 1),
    'batch_norm_train_bf16': lambda: nn.BatchNorm2d(3).train()(bf(2, 3, 4, 4)),
    'batch_norm_eval_bf16': lambda: nn.BatchNorm2d(3).eval()(bf(2, 3, 4, 4)),
    'layer_norm_f32': lambda: nn.LayerNorm(5)(r(4, 5)),
    'dropout_bf16': lambda: F.dropout(bf(4, 5), 0.5),
    'embedding': lambda: nn.Embedding(10, 4)(torch.tensor([[1, 2], [3, 4]])),
    'lstm': lambda: nn.LSTM(4, 5)(r(3, 2, 4))[0],
    'lstm_h_n': lambda: nn.LSTM(4, 5, num_layers=2, bidirectional=True)(r(3, 2, 4))[1][0],
    'gru': lambda: nn.GRU(4, 5, batch_first=True)(r(2, 3, 4))[0],
    'rnn': lambda: nn.RNN(4, 5)(r(3, 2, 4))[0],
    'lstm_cell': lambda: nn.LSTMCell(4, 5)(r(2, 4))[0],
    'gru_cell': lambda: nn.GRUCell(4, 5)(r(2, 4)),
    'rnn_cell': lambda: nn.RNNCell(4, 5)(r(2, 4)),
    'multihead_attention': lambda: nn.MultiheadAttention(4, 2)(r(3, 1, 4), r(3, 1, 4), r(3, 1, 4))[0],
    'simple_cnn': lambda: simple_cnn()(r(2, 1, 8, 8)),
}


def dtype_cases():
    out = {}
    for name, fn in DTYPE_CASES.items():
        torch.manual_seed(0)
        with autocast():
            y = fn()
        out[name] = DTYPE_NAMES[y.dtype]
    return out


# ----------------------------------------------------------------------------------------------- values

def rounded(t):
    """The autocast cast: float32 -> bfloat16, back to float32 (exact) for a float32-accumulating op."""
    return t.bfloat16().float()


def integers(*shape):
    return torch.randint(-3, 4, shape).float()


def tol_failures(actual, reference):
    a, b = actual.double(), reference.double()
    return int(((a - b).abs() > 1e-5 + 1.6e-2 * b.abs()).sum())


def value_cases():
    torch.manual_seed(1)
    cases = {}

    # linear: PyTorch's bfloat16 addmm accumulates in float32 and rounds once, so its own output is expected.
    x, w, b = r(4, 6), r(5, 6), r(5)
    with autocast():
        y = F.linear(x, w, b)
    cases['linear'] = {'inputs': [enc(x), enc(w), enc(b)], 'expected': enc(y)}

    def conv(x, w, b):
        return F.conv2d(x, w, b, padding=1)

    def record(name, fn, args, exact_args):
        with autocast():
            own = fn(*args)
        reference = fn(*[rounded(a) for a in args]).bfloat16()
        cases[name] = {'inputs': [enc(a) for a in args], 'expected': enc(reference),
                       'pytorchAccumulationMismatches': tol_failures(own, reference)}
        with autocast():
            own_exact = fn(*exact_args)
        assert torch.equal(own_exact.float(), fn(*exact_args)), name + ': the exact case is not exact'
        cases[name + '_exact'] = {'inputs': [enc(a) for a in exact_args], 'expected': enc(own_exact)}

    record('conv2d', conv, [r(2, 3, 6, 6), r(4, 3, 3, 3), r(4)],
           [integers(2, 3, 6, 6), integers(4, 3, 3, 3), integers(4)])
    record('matmul', torch.matmul, [r(3, 5, 16), r(16, 4)], [integers(3, 5, 16), integers(16, 4)])
    record('bmm', torch.bmm, [r(3, 5, 16), r(3, 16, 4)], [integers(3, 5, 16), integers(3, 16, 4)])

    # LSTM cell: gates from two bfloat16 linears (PyTorch's own kernels round once), state in float32.
    cell = nn.LSTMCell(6, 5)
    x = r(3, 6)
    with autocast():
        h, c = cell(x)
    cases['lstm_cell'] = {'inputs': [enc(x)], 'params': {k: enc(v) for k, v in cell.state_dict().items()},
                          'expected': [enc(h), enc(c)]}
    # Recurrent layers: no policy of their own, but 1.13 builds them from linear (bfloat16 under autocast)
    # and cell arithmetic that promotes with the float32 state.
    for name, layer in [('lstm', nn.LSTM(4, 5, num_layers=2, bidirectional=True)),
                        ('gru', nn.GRU(4, 5, bidirectional=True)),
                        ('rnn', nn.RNN(4, 5, num_layers=2))]:
        x = r(3, 2, 4)
        with autocast():
            out, hidden = layer(x)
        states = list(hidden) if isinstance(hidden, tuple) else [hidden]
        cases[name] = {'inputs': [enc(x)], 'params': {k: enc(v) for k, v in layer.state_dict().items()},
                       'expected': [enc(out)] + [enc(t) for t in states]}
    cases['simple_cnn'] = cnn_case()
    cases['batch_norm_train'] = batch_norm_case()
    cases.update(batch_norm_grad_cases())
    cases.update(recurrent_grad_cases())
    return cases


def value_cnn():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 8, 3, padding=1),
                         nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 3))


def cnn_case():
    """A small CNN's loss and gradients: PyTorch's autocast casts, float32-accumulating convolutions. (No
    batch norm here: a training-mode batch norm right after a convolution makes that convolution's bias
    gradient zero up to rounding noise, which no tolerance compares; batch_norm_train checks its values.)"""
    torch.manual_seed(2)
    model = value_cnn()
    x, y = r(4, 1, 8, 8), labels(4, 3)
    params = {k: v.detach().clone() for k, v in model.state_dict().items()}
    with autocast():
        logits_own = model(x)
        loss_own = F.cross_entropy(logits_own, y)
    loss_own.backward()
    grad_dtypes = {k: DTYPE_NAMES[p.grad.dtype] for k, p in model.named_parameters()}

    ref = value_cnn()
    ref.load_state_dict(params)
    lp = lambda t: t.bfloat16()  # noqa: E731  (autocast's recorded cast)
    conv_a, _, _, conv_b, _, _, _, fc = ref

    def conv(m, t):
        return F.conv2d(lp(t).float(), lp(m.weight).float(), lp(m.bias).float(), padding=1).bfloat16()

    h = F.max_pool2d(F.relu(conv(conv_a, x)), 2)
    h = F.relu(conv(conv_b, h))
    h = F.adaptive_avg_pool2d(h, 1).flatten(1)
    # PyTorch's bfloat16 linear rounds its forward once, but its backward products (bfloat16 mm) accumulate
    # in bfloat16 on this CPU: the reference widens here too.
    logits = F.linear(lp(h).float(), lp(fc.weight).float(), lp(fc.bias).float()).bfloat16()
    loss = F.cross_entropy(logits.float(), y)
    loss.backward()
    assert logits.dtype == logits_own.dtype and loss.dtype == loss_own.dtype
    return {
        'inputs': [enc(x), enc(y)], 'params': {k: enc(v) for k, v in params.items()},
        'logits': enc(logits), 'loss': enc(loss),
        'grads': {k: enc(p.grad) for k, p in ref.named_parameters()},
        'gradDtypes': grad_dtypes,
        'pytorchAccumulationMismatches': tol_failures(logits_own, logits),
    }


def batch_norm_case():
    """Training-mode batch norm of a bfloat16 input with float32 parameters (PyTorch's mixed-type kernel)."""
    torch.manual_seed(4)
    bn = nn.BatchNorm2d(3).train()
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.5, 0.5)
    params = {k: v.detach().clone() for k, v in bn.state_dict().items()}
    x = (r(4, 3, 5, 5) * 2 + 1).bfloat16()
    with autocast():
        y = bn(x)
    return {'inputs': [enc(x)], 'params': {k: enc(v) for k, v in params.items()},
            'expected': [enc(y), enc(bn.running_mean), enc(bn.running_var)]}


def batch_norm_grad_cases():
    """Batch norm (and batch norm then ReLU) of a bfloat16 input with float32 parameters, forward and backward,
    training and evaluation: a kernel computing in float32 and rounding its bfloat16 results once (PyTorch's
    mixed-type CPU kernel; antorcha's loops). The reference is PyTorch's float32 computation on the same
    bfloat16 input and output gradient, with the output and the input's gradient rounded to bfloat16."""
    cases = {}
    for training in (True, False):
        for relu in (False, True):
            torch.manual_seed(5)
            bn = nn.BatchNorm2d(3)
            with torch.no_grad():
                bn.weight.uniform_(0.5, 1.5)
                bn.bias.uniform_(-0.5, 0.5)
                bn.running_mean.uniform_(0.5, 1.5)
                bn.running_var.uniform_(0.5, 2.0)
            bn.train(training)
            params = {k: v.detach().clone() for k, v in bn.state_dict().items()}
            x = (r(4, 3, 5, 5) * 2 + 1).bfloat16()
            gy = r(4, 3, 5, 5).bfloat16()
            wide = x.float().requires_grad_()
            y = bn(wide)
            if relu:
                y = F.relu(y)
            y.backward(gy.float())
            name = f"batch_norm_grad_{'train' if training else 'eval'}{'_relu' if relu else ''}"
            cases[name] = {'inputs': [enc(x), enc(gy)], 'params': {k: enc(v) for k, v in params.items()},
                           'expected': [enc(y.bfloat16()), enc(wide.grad.bfloat16()), enc(bn.weight.grad),
                                        enc(bn.bias.grad)]}
    return cases


def recurrent_grad_cases():
    """A two-layer bidirectional LSTM and a GRU in float32: outputs, final states and every gradient of
    sum(output * gy). Under bfloat16 autocast antorcha must land within bfloat16 precision of these over each
    tensor (relative error of the whole tensor), whether its layers run step by step or fused."""
    cases = {}
    for name, layer in [('lstm_grad', nn.LSTM(4, 5, num_layers=2, bidirectional=True)),
                        ('gru_grad', nn.GRU(4, 5, num_layers=2))]:
        torch.manual_seed(6)
        params = {k: v.detach().clone() for k, v in layer.state_dict().items()}
        x = r(7, 3, 4).requires_grad_()
        out, hidden = layer(x)
        gy = r(*out.shape)
        (out * gy).sum().backward()
        states = list(hidden) if isinstance(hidden, tuple) else [hidden]
        cases[name] = {'inputs': [enc(x), enc(gy)], 'params': {k: enc(v) for k, v in params.items()},
                       'expected': [enc(out)] + [enc(t) for t in states],
                       'grads': dict({'input': enc(x.grad)}, **{k: enc(p.grad) for k, p in layer.named_parameters()})}
    return cases


# ----------------------------------------------------------------------------------------------- GradScaler

def emulated_unscale_(grads, found_inf, inv_scale):
    """_amp_foreach_non_finite_check_and_unscale_ (AmpKernels.cu): flag non-finite values, multiply by
    inv_scale (left alone when it is 1.0) in the gradient's own precision."""
    for g in grads:
        if not bool(torch.isfinite(g).all()):
            found_inf.fill_(1.0)
        if float(inv_scale) != 1.0:
            g.mul_(inv_scale)


def emulated_update_scale_(current_scale, growth_tracker, found_inf, growth_factor, backoff_factor,
                           growth_interval):
    """_amp_update_scale_ (AmpKernels.cu, v1.13): the float scale times a double factor, stored as float;
    growth only after growth_interval clean steps in a row, and never to a non-finite scale."""
    scale = np.float32(current_scale.item())
    if float(found_inf.item()):
        current_scale.fill_(float(np.float32(float(scale) * backoff_factor)))
        growth_tracker.fill_(0)
    else:
        successful = int(growth_tracker.item()) + 1
        if successful == growth_interval:
            with np.errstate(over='ignore'):
                new_scale = np.float32(float(scale) * growth_factor)
            if np.isfinite(new_scale):
                current_scale.fill_(float(new_scale))
            growth_tracker.fill_(0)
        else:
            growth_tracker.fill_(successful)
    return current_scale


def load_cpu_grad_scaler():
    """PyTorch 1.13's GradScaler source with its CUDA-only checks removed and the two kernels emulated."""
    source = inspect.getsource(grad_scaler_module)
    edits = [
        ("assert master_tensor.is_cuda or master_tensor.device.type == 'xla'", 'pass'),
        ("assert outputs.is_cuda or outputs.device.type == 'xla'", 'pass'),
        ("assert val.is_cuda or val.device.type == 'xla'", 'pass'),
        ('if enabled and amp_definitely_not_available():', 'if False:'),
        ('torch._amp_foreach_non_finite_check_and_unscale_(', 'emulated_unscale_('),
        ('torch._amp_update_scale_(', 'emulated_update_scale_('),
        ('from .common import amp_definitely_not_available', ''),
    ]
    for old, new in edits:
        assert old in source, 'GradScaler source changed: ' + old
        source = source.replace(old, new)
    namespace = {'emulated_unscale_': emulated_unscale_, 'emulated_update_scale_': emulated_update_scale_,
                 '__name__': 'cpu_grad_scaler'}
    exec(compile(source, 'grad_scaler_cpu.py', 'exec'), namespace)
    return namespace['GradScaler']


GradScaler = load_cpu_grad_scaler()
SCALER_STEPS = 12
INJECT = {2: 'inf', 6: 'nan', 7: '-inf', 10: 'inf'}


def scaler_case(name, optimizer, options, scaler_options, clip=None, steps=SCALER_STEPS, inject=INJECT,
                zero_grads=False):
    torch.manual_seed(3)
    init = [r(3, 4), r(4)]
    grads = [[r(3, 4), r(4)] for _ in range(steps)]
    if zero_grads:
        grads = [[torch.zeros(3, 4), torch.zeros(4)] for _ in range(steps)]
    for k, kind in inject.items():
        if k < steps:
            grads[k][0][1, 2] = float(kind)
    params = [p.clone().requires_grad_(True) for p in init]
    opt = getattr(torch.optim, optimizer)(params, foreach=False, **options)
    scaler = GradScaler(**scaler_options)
    record = []
    for k in range(steps):
        opt.zero_grad(set_to_none=True)
        loss = sum((p * g).sum() for p, g in zip(params, grads[k]))
        scale_used = scaler.get_scale()
        scaler.scale(loss).backward()
        scaled_grads = [enc(p.grad) for p in params]
        total_norm = None
        if clip is not None:
            scaler.unscale_(opt)
            total_norm = float(torch.nn.utils.clip_grad_norm_(params, clip))
        scaler.step(opt)
        skipped = bool(sum(v.item() for v in scaler._found_inf_per_device(opt).values()))
        scaler.update()
        state = {str(i): {key: enc(v) if isinstance(v, torch.Tensor) else num(v) for key, v in s.items()}
                 for i, s in opt.state_dict()['state'].items()}
        record.append({'scaleUsed': scale_used, 'scaledGrads': scaled_grads, 'skipped': skipped,
                       'scale': scaler.get_scale(), 'growthTracker': scaler._get_growth_tracker(),
                       'totalNorm': num(total_norm) if total_norm is not None else None,
                       'params': [enc(p) for p in params], 'state': state})
    return {'name': name, 'optimizer': optimizer, 'options': options, 'scaler': scaler_options, 'clip': clip,
            'init': [enc(p) for p in init], 'grads': [[enc(g) for g in gs] for gs in grads], 'steps': record,
            'stateDict': scaler.state_dict()}


def scaler_cases():
    return [
        scaler_case('sgd-momentum', 'SGD', {'lr': 0.1, 'momentum': 0.9}, {'growth_interval': 3}),
        scaler_case('adam-clip', 'Adam', {'lr': 0.05}, {'growth_interval': 3, 'init_scale': 2.0 ** 10}, clip=0.5),
        # Growth that would overflow float32 keeps the scale (the kernel's isfinite check).
        scaler_case('max-scale', 'SGD', {'lr': 0.1}, {'growth_interval': 1, 'init_scale': 2.0 ** 126},
                    steps=3, inject={}, zero_grads=True),
        scaler_case('factors', 'SGD', {'lr': 0.1}, {'growth_interval': 2, 'growth_factor': 3.0,
                                                     'backoff_factor': 0.25, 'init_scale': 1000.0}),
    ]


def main():
    out = {
        'torch': torch.__version__,
        'registrations': sorted(torch._C._dispatch_get_registrations_for_dispatch_key('AutocastCPU')),
        'dtypes': dtype_cases(),
        'values': value_cases(),
        'gradScaler': scaler_cases(),
    }
    with open(OUT, 'w') as f:
        json.dump(out, f, separators=(',', ':'), allow_nan=False)
    print('wrote', OUT, os.path.getsize(OUT), 'bytes')


if __name__ == '__main__':
    main()
