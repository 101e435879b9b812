"""Writes test/fixtures/models_resnet.json: torchvision's AlexNet and ResNets (0.14) filled with the formula
weights of tools/model_weights.py, run in eval mode on formula inputs. Only the logits, the state-dict keys
with their shapes (names, order and shapes must match torchvision's), the printed modules, the first values
of a seeded initialisation and one preprocessing case are stored: the weights themselves are recomputed
by the tests from their keys.

Run: /usr/bin/python3 tools/gen_models_fixtures.py"""
import copy
import json
import os
import sys

import torch
import torchvision
from torchvision.transforms._presets import ImageClassification

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_weights import fill_, formula_input  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'models_resnet.json')
torch.set_num_threads(2)


def floats(t):
    """float32 values as their shortest round-tripping decimals (9 significant digits identify a float32)."""
    return [float(f'{v:.9g}') for v in t.detach().reshape(-1).tolist()]


def enc(t):
    return {'shape': list(t.shape), 'dtype': 'float32', 'data': floats(t)}


def case(name, builder, kwargs, shape):
    """One model on one input. The float64 run measures how much float32 rounding the case amplifies: where
    PyTorch's own float32 logits are off by more than 1e-5 of their scale, float32 results cannot be
    compared at rtol 1e-4, so the float64 logits and that error are stored for the test to compare with."""
    model = fill_(builder(**kwargs)).eval()
    x = formula_input(shape)
    with torch.no_grad():
        logits = model(x)
        logits64 = copy.deepcopy(model).double()(x.double())
    f32_error = (logits.double() - logits64).abs().max().item()
    scale = logits64.abs().max().item()
    keys = [[k, list(v.shape)] for k, v in model.state_dict().items()]
    print(f'{name}: |logits| max {scale:.4g}, PyTorch float32 error {f32_error:.3g} ({f32_error / scale:.2g} of max)')
    out = {'name': name, 'model': builder.__name__, 'kwargs': kwargs, 'inputShape': shape, 'keys': keys,
           'logits': enc(logits), 'float32Error': f32_error}
    if f32_error > 1e-5 * scale:
        out['logits64'] = {'shape': list(logits64.shape), 'dtype': 'float64', 'data': [float(f'{v:.12g}') for v in logits64.reshape(-1).tolist()]}
    return out


def dedupe_keys(cases):
    """Keeps each architecture's key list once (later cases of the same model and options point to it)."""
    seen = {}
    for c in cases:
        arch = json.dumps([c['model'], c['kwargs']])
        if arch in seen:
            c['keys'] = None
            c['keysOf'] = seen[arch]
        else:
            seen[arch] = c['name']
    return cases


small = [2, 3, 64, 64]
cases = dedupe_keys([
    case('alexnet', torchvision.models.alexnet, {}, small),
    case('resnet18', torchvision.models.resnet18, {}, small),
    case('resnet34', torchvision.models.resnet34, {}, small),
    case('resnet50', torchvision.models.resnet50, {}, small),
    case('resnet101', torchvision.models.resnet101, {}, small),
    case('resnet152', torchvision.models.resnet152, {}, small),
    case('resnet50 at 224x224', torchvision.models.resnet50, {}, [1, 3, 224, 224]),
    case('resnext50_32x4d', torchvision.models.resnext50_32x4d, {}, small),
    case('resnet18 with 10 classes', torchvision.models.resnet18, {'num_classes': 10}, small),
])

# Printed modules (PyTorch's repr) of the two families.
reprs = {'alexnet': repr(torchvision.models.alexnet()), 'resnet18': repr(torchvision.models.resnet18()),
         'resnet50': repr(torchvision.models.resnet50())}

# torchvision's initialisation after manual_seed(0): construction draws (kaiming-uniform defaults), then
# kaiming_normal_(fan_out, relu) on every conv in modules() order, BN 1/0, Linear left at its default.
# The first values of every entry pin both the formulas and the order of the draws.
init = []
for builder, kwargs in [(torchvision.models.resnet18, {'num_classes': 10}),
                        (torchvision.models.resnet50, {'num_classes': 10, 'zero_init_residual': True}),
                        (torchvision.models.alexnet, {'num_classes': 10})]:
    torch.manual_seed(0)
    m = builder(**kwargs)
    init.append({'model': builder.__name__, 'kwargs': kwargs, 'seed': 0,
                 'first': {k: floats(v.reshape(-1)[:4].float()) for k, v in m.state_dict().items() if v.is_floating_point()}})

# One training step of small ResNets (one block per stage): batch statistics, cross entropy, backward through
# the residual additions and in-place ReLUs. Gradients are summarised by their first values and their norm,
# from a float64 copy; PyTorch's own float32 error is stored with them.
#
# A ReLU input within float32 rounding of zero may be positive in one float32 implementation and negative
# in another: its mask flips, and every gradient below it moves by a discrete amount no tolerance can tell
# from a bug. So the input (a formula input of a few sizes, shifted by a constant) is the one whose smallest
# |ReLU input| (float64) is largest, and that margin must stay well above float32's rounding of those inputs
# (about 1e-6 here).
RELU_MARGIN = 5e-6


def smallest_relu_input(model, x):
    smallest = [float('inf')]

    def hook(_module, inputs):
        smallest[0] = min(smallest[0], inputs[0].detach().abs().min().item())

    handles = [m.register_forward_pre_hook(hook) for m in model.modules() if isinstance(m, torch.nn.ReLU)]
    with torch.no_grad():
        copy.deepcopy(model).double().train()(x.double())
    for h in handles:
        h.remove()
    return smallest[0]


def train_case(name, block, sizes, shifts):
    model = fill_(torchvision.models.resnet.ResNet(block, [1, 1, 1, 1], num_classes=3)).train()
    margins = {(size, shift): smallest_relu_input(model, formula_input([2, 3, size, size]) + shift)
               for size in sizes for shift in shifts}
    size, shift = max(margins, key=margins.get)
    if margins[(size, shift)] < RELU_MARGIN:
        raise SystemExit(f'{name}: no input keeps every ReLU input {RELU_MARGIN} away from zero: {margins}')
    shape = [2, 3, size, size]
    print(f'{name}: input {shape} + {shift}, smallest |ReLU input| {margins[(size, shift)]:.2g} ({len(margins)} tried)')
    model64 = copy.deepcopy(model).double()
    x = formula_input(shape) + shift
    target = torch.arange(shape[0]) % 3
    logits, logits64 = model(x), model64(x.double())
    loss, loss64 = (torch.nn.functional.cross_entropy(y, target) for y in (logits, logits64))
    loss.backward()
    loss64.backward()
    grads = {}
    for (k, p), p64 in zip(model.named_parameters(), model64.parameters()):
        g, g64 = p.grad.double(), p64.grad
        grads[k] = {'first': [float(f'{v:.12g}') for v in g64.reshape(-1)[:4].tolist()], 'norm': g64.norm().item(),
                    'numel': p.numel(), 'float32Error': (g - g64).abs().max().item()}
    running = {k: floats(v.reshape(-1)[:4]) for k, v in model.state_dict().items() if k.endswith(('running_mean', 'running_var'))}
    return {'name': name, 'block': block.__name__, 'inputShape': shape, 'inputShift': shift,
            'logits64': {'shape': list(logits64.shape), 'dtype': 'float64', 'data': [float(f'{v:.12g}') for v in logits64.reshape(-1).tolist()]},
            'logitsFloat32Error': (logits.double() - logits64).abs().max().item(),
            'loss64': loss64.item(), 'lossFloat32Error': abs(loss.item() - loss64.item()), 'grads': grads, 'running': running}


# At least 64x64: layer4 then still sees 2x2 positions per image. With a single position per image, batch
# norm over a batch of 2 outputs exactly +-1 whatever its input, and every gradient below it is rounding noise.
SIZES, SHIFTS = [64, 80], [round(0.02 * i, 2) for i in range(-15, 16)]
training = [train_case('BasicBlock [1, 1, 1, 1]', torchvision.models.resnet.BasicBlock, SIZES, SHIFTS),
            train_case('Bottleneck [1, 1, 1, 1]', torchvision.models.resnet.Bottleneck, SIZES, SHIFTS)]
for c in training:
    print(c['name'], 'worst PyTorch float32 gradient error / rms:',
          f"{max(g['float32Error'] / (g['norm'] / g['numel'] ** 0.5) for g in c['grads'].values() if g['norm'] > 0):.2g}")

# ImageClassification (the weights' preprocessing) on a small uint8 image, with sizes scaled down.
k = torch.arange(3 * 40 * 50, dtype=torch.float64)
img = ((torch.sin(k * 0.37) * 0.5 + 0.5) * 255).round().to(torch.uint8).reshape(3, 40, 50)
preset = ImageClassification(crop_size=24, resize_size=32)
presets = {'image': img.reshape(-1).tolist(), 'imageShape': list(img.shape), 'cropSize': 24, 'resizeSize': 32,
           'output': enc(preset(img)),
           'defaults': {'mean': list(ImageClassification(crop_size=224).mean), 'std': list(ImageClassification(crop_size=224).std),
                        'resizeSize': ImageClassification(crop_size=224).resize_size[0]}}

with open(OUT, 'w') as f:
    json.dump({'torchvision': torchvision.__version__, 'cases': cases, 'reprs': reprs, 'init': init, 'training': training, 'preset': presets},
              f, separators=(',', ':'))
print(f'wrote {OUT}: {os.path.getsize(OUT) / 1024:.0f} KiB')
