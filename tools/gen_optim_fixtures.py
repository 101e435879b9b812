#!/usr/bin/python3
"""Generates test/fixtures/optim.json with Debian's PyTorch 1.13: optimizer trajectories (5 steps on two small
parameters with fixed gradients), PyTorch's optimizer state dicts after 2 steps, and learning-rate sequences and
state dicts of the LR schedulers. Run with /usr/bin/python3 (the python3 on PATH has no torch):

    /usr/bin/python3 tools/gen_optim_fixtures.py
"""
import json
import math
import os

import torch

torch.manual_seed(20240)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'optim.json')
STEPS = 5
SAVE_AT = 2
SCHED_STEPS = 12
SHAPES = [[3, 4], [5]]


def num(v):
    """A float32 value as the shortest decimal that still rounds back to it (9 significant digits)."""
    if isinstance(v, bool):
        return v
    if isinstance(v, float):
        if not math.isfinite(v):
            return 'nan' if math.isnan(v) else ('inf' if v > 0 else '-inf')
        return float('%.9g' % v)
    return v


def enc(t):
    t = t.detach()
    return {'shape': list(t.shape), 'dtype': 'float32', 'data': [num(v) for v in t.reshape(-1).tolist()]}


def plain(v):
    """A state-dict value as JSON: tensors encoded, tuples as lists, infinities as strings."""
    if isinstance(v, torch.Tensor):
        return enc(v)
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        return 'nan' if math.isnan(v) else ('inf' if v > 0 else '-inf')
    if callable(v):
        return None
    return v


# Gradients shrink and grow across steps so that AMSGrad's running maximum differs from exp_avg_sq.
GRAD_SCALES = [1.0, 0.5, 2.0, 0.1, 0.3]
INIT = [torch.randn(s) for s in SHAPES]
GRADS = [[torch.randn(s) * GRAD_SCALES[k] for s in SHAPES] for k in range(STEPS)]

OPTIMIZERS = {'SGD': torch.optim.SGD, 'Adam': torch.optim.Adam, 'AdamW': torch.optim.AdamW,
              'RMSprop': torch.optim.RMSprop}

# name, optimizer, options (PyTorch's names), param groups (options per group; None: one plain list),
# steps at which a parameter has no gradient ({step: [param index]}).
CASES = [
    ('sgd', 'SGD', {'lr': 0.1}, None, {}),
    ('sgd-momentum', 'SGD', {'lr': 0.1, 'momentum': 0.9}, None, {}),
    ('sgd-dampening', 'SGD', {'lr': 0.1, 'momentum': 0.9, 'dampening': 0.5}, None, {}),
    ('sgd-nesterov', 'SGD', {'lr': 0.1, 'momentum': 0.9, 'nesterov': True}, None, {}),
    ('sgd-weight-decay', 'SGD', {'lr': 0.1, 'weight_decay': 0.05}, None, {}),
    ('sgd-momentum-weight-decay', 'SGD', {'lr': 0.05, 'momentum': 0.8, 'weight_decay': 0.1}, None, {}),
    ('sgd-nesterov-weight-decay-maximize', 'SGD',
     {'lr': 0.05, 'momentum': 0.7, 'nesterov': True, 'weight_decay': 0.1, 'maximize': True}, None, {}),
    ('sgd-dampening-weight-decay', 'SGD', {'lr': 0.1, 'momentum': 0.5, 'dampening': 0.3, 'weight_decay': 0.2},
     None, {}),
    ('adam-defaults', 'Adam', {}, None, {}),
    ('adam', 'Adam', {'lr': 0.05}, None, {}),
    ('adam-betas-eps', 'Adam', {'lr': 0.02, 'betas': (0.8, 0.99), 'eps': 1e-3}, None, {}),
    ('adam-weight-decay', 'Adam', {'lr': 0.05, 'weight_decay': 0.1}, None, {}),
    ('adam-amsgrad', 'Adam', {'lr': 0.05, 'amsgrad': True}, None, {}),
    ('adam-amsgrad-weight-decay-maximize', 'Adam',
     {'lr': 0.05, 'amsgrad': True, 'weight_decay': 0.1, 'maximize': True}, None, {}),
    ('adamw-defaults', 'AdamW', {}, None, {}),
    ('adamw', 'AdamW', {'lr': 0.05, 'weight_decay': 0.1}, None, {}),
    ('adamw-no-weight-decay', 'AdamW', {'lr': 0.05, 'weight_decay': 0}, None, {}),
    ('adamw-amsgrad', 'AdamW', {'lr': 0.05, 'amsgrad': True}, None, {}),
    ('adamw-amsgrad-weight-decay-maximize', 'AdamW',
     {'lr': 0.05, 'betas': (0.85, 0.95), 'amsgrad': True, 'weight_decay': 0.2, 'maximize': True}, None, {}),
    ('rmsprop-defaults', 'RMSprop', {}, None, {}),
    ('rmsprop-alpha-eps', 'RMSprop', {'lr': 0.005, 'alpha': 0.9, 'eps': 1e-4}, None, {}),
    ('rmsprop-weight-decay', 'RMSprop', {'lr': 0.01, 'weight_decay': 0.1}, None, {}),
    ('rmsprop-centered', 'RMSprop', {'lr': 0.01, 'centered': True}, None, {}),
    ('rmsprop-momentum', 'RMSprop', {'lr': 0.01, 'momentum': 0.9}, None, {}),
    ('rmsprop-centered-momentum-weight-decay-maximize', 'RMSprop',
     {'lr': 0.01, 'alpha': 0.95, 'centered': True, 'momentum': 0.5, 'weight_decay': 0.1, 'maximize': True},
     None, {}),
    ('sgd-param-groups', 'SGD', {'lr': 0.1, 'momentum': 0.9},
     [{}, {'lr': 0.01, 'momentum': 0.5, 'weight_decay': 0.1}], {}),
    ('adam-param-groups', 'Adam', {'lr': 0.05}, [{'lr': 0.2}, {'weight_decay': 0.1, 'amsgrad': True}], {}),
    ('adamw-param-groups', 'AdamW', {'lr': 0.05}, [{'lr': 0.01, 'weight_decay': 0.5}, {}], {}),
    ('rmsprop-param-groups', 'RMSprop', {'lr': 0.01}, [{'centered': True}, {'lr': 0.02, 'momentum': 0.9}], {}),
    # A parameter without a gradient is skipped and its state (Adam's step count) does not advance.
    ('sgd-missing-grad', 'SGD', {'lr': 0.1, 'momentum': 0.9}, None, {0: [1], 2: [0]}),
    ('adam-missing-grad', 'Adam', {'lr': 0.05}, None, {0: [1], 2: [0], 3: [1]}),
    ('rmsprop-missing-grad', 'RMSprop', {'lr': 0.01, 'momentum': 0.5}, None, {1: [0]}),
]


def run_case(name, opt_name, options, groups, missing):
    params = [p.clone().requires_grad_(True) for p in INIT]
    if groups is None:
        target = params
    else:
        target = [dict(g, params=[params[i]]) for i, g in enumerate(groups)]
    # foreach=False: PyTorch 1.13's single-tensor (for-loop) implementation, which antorcha follows.
    opt = OPTIMIZERS[opt_name](target, foreach=False, **options)
    after, saved = [], None
    grads_used = []
    for k in range(STEPS):
        used = []
        for i, p in enumerate(params):
            if i in missing.get(k, []):
                p.grad = None
                used.append(None)
            else:
                p.grad = GRADS[k][i].clone()
                used.append(enc(GRADS[k][i]))
        grads_used.append(used)
        opt.step()
        after.append([enc(p) for p in params])
        if k + 1 == SAVE_AT:
            saved = plain(opt.state_dict())
    return {'name': name, 'optimizer': opt_name, 'options': plain(options), 'groups': plain(groups),
            'init': [enc(p) for p in INIT], 'grads': grads_used, 'params': after,
            'saveAt': SAVE_AT, 'stateDict': saved}


def make_optimizer(kind, lrs):
    params = [torch.zeros(2, requires_grad=True) for _ in lrs]
    groups = [{'params': [p], 'lr': lr} for p, lr in zip(params, lrs)]
    if kind == 'SGD':
        return torch.optim.SGD(groups, lr=lrs[0], momentum=0.9, foreach=False)
    return torch.optim.Adam(groups, lr=lrs[0], foreach=False)


S = torch.optim.lr_scheduler
# name, scheduler, options (PyTorch's names), optimizer kind, group lrs, metrics (ReduceLROnPlateau)
SCHEDULERS = [
    ('step', 'StepLR', {'step_size': 3, 'gamma': 0.5}, 'SGD', [0.1, 0.05], None),
    ('step-default-gamma', 'StepLR', {'step_size': 4}, 'SGD', [0.1], None),
    ('multistep', 'MultiStepLR', {'milestones': [2, 5, 5, 9], 'gamma': 0.1}, 'SGD', [0.1, 0.3], None),
    ('exponential', 'ExponentialLR', {'gamma': 0.9}, 'Adam', [0.01, 0.1], None),
    ('cosine', 'CosineAnnealingLR', {'T_max': 5, 'eta_min': 0.001}, 'SGD', [0.1, 0.05], None),
    ('cosine-long', 'CosineAnnealingLR', {'T_max': 10}, 'Adam', [0.01], None),
    ('linear-warmup', 'LinearLR', {'start_factor': 0.25, 'total_iters': 4}, 'SGD', [0.1, 0.02], None),
    ('linear-decay', 'LinearLR', {'start_factor': 1.0, 'end_factor': 0.1, 'total_iters': 7}, 'Adam', [0.01], None),
    ('linear-defaults', 'LinearLR', {}, 'SGD', [0.1], None),
    ('onecycle-cos-sgd', 'OneCycleLR', {'max_lr': 0.1, 'total_steps': 12}, 'SGD', [0.1, 0.05], None),
    ('onecycle-linear-three-phase-adam', 'OneCycleLR',
     {'max_lr': [0.1, 0.2], 'total_steps': 12, 'anneal_strategy': 'linear', 'three_phase': True}, 'Adam',
     [0.1, 0.05], None),
    ('onecycle-epochs', 'OneCycleLR',
     {'max_lr': 0.05, 'epochs': 3, 'steps_per_epoch': 4, 'pct_start': 0.25, 'div_factor': 10.0,
      'final_div_factor': 100.0, 'base_momentum': 0.8, 'max_momentum': 0.9}, 'Adam', [0.1], None),
    ('onecycle-no-momentum', 'OneCycleLR',
     {'max_lr': 0.1, 'total_steps': 13, 'cycle_momentum': False, 'three_phase': True, 'pct_start': 0.4},
     'SGD', [0.1], None),
    ('plateau-min', 'ReduceLROnPlateau', {'patience': 2, 'factor': 0.5}, 'SGD', [0.1, 0.05],
     [1.0, 0.9, 0.9, 0.9, 0.95, 0.8, 0.8, 0.8, 0.8, 0.79999, 0.5, 0.5]),
    ('plateau-max-abs-cooldown', 'ReduceLROnPlateau',
     {'mode': 'max', 'threshold_mode': 'abs', 'threshold': 0.05, 'patience': 1, 'cooldown': 2, 'factor': 0.2},
     'Adam', [0.1], [0.1, 0.2, 0.22, 0.24, 0.3, 0.3, 0.3, 0.3, 0.36, 0.36, 0.36, 0.36]),
    ('plateau-min-lr-eps', 'ReduceLROnPlateau',
     {'patience': 0, 'factor': 0.5, 'min_lr': [0.02, 0.001], 'eps': 0.004, 'threshold': 0.1}, 'SGD', [0.1, 0.01],
     [5.0, 4.9, 4.8, 4.0, 4.0, 3.9, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0]),
    ('plateau-max-rel', 'ReduceLROnPlateau', {'mode': 'max', 'patience': 1, 'min_lr': 0.01}, 'SGD', [0.1],
     [1.0, 1.00001, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]),
]


def momenta(opt):
    return [g['betas'][0] if 'betas' in g else g['momentum'] for g in opt.param_groups]


def run_scheduler(name, sched_name, options, kind, lrs, metrics):
    opt = make_optimizer(kind, lrs)
    sched = getattr(S, sched_name)(opt, **options)
    plateau = sched_name == 'ReduceLROnPlateau'
    seq = [[g['lr'] for g in opt.param_groups]]
    mom = [momenta(opt)]
    saved = None
    for k in range(SCHED_STEPS):
        opt.step()
        if plateau:
            sched.step(metrics[k])
        else:
            sched.step()
        # ReduceLROnPlateau has no get_last_lr() in 1.13 (antorcha's has): read the groups.
        seq.append([g['lr'] for g in opt.param_groups])
        mom.append(momenta(opt))
        if k + 1 == SAVE_AT:
            saved = plain(sched.state_dict())
    return {'name': name, 'scheduler': sched_name, 'options': plain(options), 'optimizer': kind, 'lrs': lrs,
            'metrics': metrics, 'expected': seq, 'momenta': mom, 'saveAt': SAVE_AT, 'stateDict': saved}


def main():
    out = {
        'generator': 'tools/gen_optim_fixtures.py',
        'torch': torch.__version__,
        'optimizers': [run_case(*c) for c in CASES],
        'schedulers': [run_scheduler(*c) for c in SCHEDULERS],
    }
    with open(OUT, 'w') as f:
        json.dump(out, f, separators=(',', ':'), allow_nan=False)
    print('wrote', os.path.relpath(OUT), os.path.getsize(OUT), 'bytes')


main()
