"""Deterministic weights and inputs for the model-zoo fixtures, computed from names and indices alone so that
test/models/formula_weights.ts reproduces them exactly without shipping megabytes of weights: every
state-dict entry gets sin-based values whose phase comes from its key, scaled the way initialisation would
(weights ~ 1/sqrt(fan_in), norm scales around 1, running variances positive). Imported by the fixture
generators in tools/."""
import math

import torch


def phase(name):
    """FNV-1a (32-bit) of the key, as a phase in [0, 2*pi)."""
    h = 0x811C9DC5
    for b in name.encode('utf-8'):
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h / 2 ** 32 * 2 * math.pi


def wave(n, ph, dtype=torch.float64):
    """sin(0.7 k + phase) for k in [0, n), computed in float64."""
    return torch.sin(torch.arange(n, dtype=dtype) * 0.7 + ph)


def formula_value(name, shape):
    """The value of state-dict entry `name` (float32), by the rules above."""
    n = math.prod(shape)
    s = wave(n, phase(name))
    leaf = name.rsplit('.', 1)[-1]
    if leaf == 'running_var':
        v = 1.0 + 0.5 * s * s
    elif leaf == 'running_mean':
        v = 0.1 * s
    elif len(shape) >= 2:
        fan_in = math.prod(shape[1:])
        v = s * (math.sqrt(3.0) / math.sqrt(fan_in))
    elif leaf == 'weight':  # norm scales
        v = 1.0 + 0.1 * s
    else:  # biases, class tokens, position embeddings of one dimension
        v = 0.1 * s
    return v.reshape(shape).to(torch.float32)


def fill_(model):
    """Overwrites every floating entry of model's state dict with formula_value; integer counters become 0."""
    state = model.state_dict()
    with torch.no_grad():
        for name, t in state.items():
            if t.is_floating_point():
                t.copy_(formula_value(name, list(t.shape)))
            else:
                t.zero_()
    return model


def formula_input(shape):
    """An input batch: 0.5 sin(0.37 k + 0.1) + 0.1 cos(0.011 k), float32."""
    k = torch.arange(math.prod(shape), dtype=torch.float64)
    return (0.5 * torch.sin(k * 0.37 + 0.1) + 0.1 * torch.cos(k * 0.011)).reshape(shape).to(torch.float32)
