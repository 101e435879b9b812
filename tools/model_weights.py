"""Deterministic weights and inputs for the model-zoo fixtures, computed from names and indices alone so that
test/models/formula_weights.ts reproduces them exactly without shipping megabytes of weights: every
state-dict entry gets hashed uniform values seeded by its key, scaled the way initialisation would
(weights ~ sqrt(6 / fan_in), norm scales around 0.5, running variances positive). Imported by the fixture
generators in tools/."""
import math

import numpy as np
import torch


def name_seed(name):
    """FNV-1a (32-bit) of the key."""
    h = 0x811C9DC5
    for b in name.encode('utf-8'):
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def uniform(n, seed):
    """n values in [-1, 1) from an integer hash of (index, seed): murmur3's 32-bit finaliser of
    index * 0x9E3779B1 + seed. Integer arithmetic is exact on both sides, so the TypeScript twin gives the
    same bits, and unlike a smooth function the values are uncorrelated (structured weights make deep
    residual networks blow up)."""
    m = np.uint64(0xFFFFFFFF)
    h = (np.arange(n, dtype=np.uint64) * np.uint64(0x9E3779B1) + np.uint64(seed)) & m
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & m
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & m
    h ^= h >> np.uint64(16)
    return torch.from_numpy(h.astype(np.float64) / 2.0 ** 32 * 2.0 - 1.0)


def formula_value(name, shape):
    """The value of state-dict entry `name` (float32), by the rules above."""
    n = math.prod(shape)
    s = uniform(n, name_seed(name))
    leaf = name.rsplit('.', 1)[-1]
    if leaf == 'running_var':
        v = 1.0 + 0.5 * s * s
    elif leaf == 'running_mean':
        v = 0.1 * s
    elif len(shape) >= 2:
        # Kaiming-uniform scale for ReLU networks: variance 2 / fan_in.
        fan_in = math.prod(shape[1:])
        v = s * math.sqrt(6.0 / fan_in)
    elif leaf == 'weight':  # norm scales, below 1 so that residual sums stay moderate through deep stacks
        v = 0.5 + 0.1 * s
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
