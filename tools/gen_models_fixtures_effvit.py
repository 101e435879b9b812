#!/usr/bin/python3
"""Generates test/fixtures/models_effvit.json with Debian's torchvision for test/models/efficientnet.test.ts and
test/models/vit.test.ts: for EfficientNet B0-B7 and ViT-B/16, ViT-B/32 filled with model_weights.fill_, the
state-dict keys with their shapes (in order) and the eval-mode logits on model_weights.formula_input.
EfficientNets run at [1, 3, 64, 64] (any size works), ViTs at [1, 3, 224, 224] (their image size is fixed).
Each model is also run in float64, and the largest float32-vs-float64 logit difference is stored as a measure
of float32 rounding noise at that depth. A small section covers torchvision's SqueezeExcitation and
Conv2dNormActivation with gradients. Run with /usr/bin/python3."""
import base64
import json
import os
import sys
import zlib

import torch
import torchvision
from torchvision.ops.misc import Conv2dNormActivation, SqueezeExcitation

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_weights import fill_, formula_input  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'models_effvit.json')

MODELS = [(f'efficientnet_b{i}', [1, 3, 64, 64]) for i in range(8)] + [
    ('vit_b_16', [1, 3, 224, 224]), ('vit_b_32', [1, 3, 224, 224])]


def enc(t):
    t = t.detach()
    if t.dtype == torch.float32:
        data = [float(repr(v)) for v in t.reshape(-1).numpy()]
    else:
        data = t.to(torch.float64).reshape(-1).tolist()
    return {'shape': list(t.shape), 'dtype': 'float32', 'data': data}


def pack_keys(state):
    """The state dict's keys and shapes in order, one 'key d0,d1,...' line each, zlib-compressed and base64-encoded
    (the plain lists of the eight EfficientNets alone would weigh 300 KiB)."""
    lines = '\n'.join(f"{k} {','.join(str(d) for d in v.shape)}" for k, v in state.items())
    return base64.b64encode(zlib.compress(lines.encode('utf-8'), 9)).decode('ascii')


def model_case(name, shape):
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)()
    fill_(model).eval()
    x = formula_input(shape)
    with torch.no_grad():
        logits = model(x)
        logits64 = model.double()(x.double())
    f32_noise = (logits.double() - logits64).abs().max().item()
    return {
        'name': name, 'inputShape': shape,
        'numKeys': len(model.state_dict()),
        'keysZlib': pack_keys(model.state_dict()),
        'numParameters': sum(p.numel() for p in model.parameters()),
        'logits': enc(logits), 'float32Noise': f32_noise,
    }


def layer_cases():
    """SqueezeExcitation (SiLU inside, as EfficientNet's) and Conv2dNormActivation: outputs and gradients."""
    out = []
    torch.manual_seed(3)
    for name, module in [
        ('SqueezeExcitation', SqueezeExcitation(6, 2, activation=torch.nn.SiLU)),
        ('SqueezeExcitationReLU', SqueezeExcitation(6, 3)),
        ('Conv2dNormActivation', Conv2dNormActivation(6, 4, kernel_size=3, stride=2, activation_layer=torch.nn.SiLU)),
        ('Conv2dNormActivationDepthwise', Conv2dNormActivation(6, 6, kernel_size=5, groups=6, norm_layer=None)),
    ]:
        x = torch.randn(2, 6, 5, 5, requires_grad=True)
        y = module(x)
        g = torch.randn(y.shape)
        y.backward(g)
        out.append({
            'name': name, 'state': {k: enc(v) for k, v in module.state_dict().items() if v.is_floating_point()},
            'input': enc(x), 'output': enc(y), 'gradOutput': enc(g), 'inputGrad': enc(x.grad),
            'paramGrads': {k: enc(p.grad) for k, p in module.named_parameters()},
        })
    return out


def main():
    torch.set_flush_denormal(True)
    cases = []
    for name, shape in MODELS:
        c = model_case(name, shape)
        print(name, c['numKeys'], 'keys, max |logit|', max(abs(v) for v in c['logits']['data']),
              'f32 noise', c['float32Noise'], flush=True)
        cases.append(c)
    with open(OUT, 'w') as f:
        json.dump({'models': cases, 'layers': layer_cases()}, f, separators=(',', ':'))
        f.write('\n')
    print('wrote', OUT, os.path.getsize(OUT), 'bytes')


if __name__ == '__main__':
    main()
