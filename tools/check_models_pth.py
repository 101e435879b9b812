#!/usr/bin/python3
"""Weight exchange with torchvision through real .pth files, both ways, for every architecture of
antorcha/models (the files are hundreds of megabytes, so this is a tool, not a test):

    /usr/bin/python3 tools/check_models_pth.py export DIR   # torchvision: random weights -> DIR/<arch>.pth + outputs
    node tools/check_models_pth.mjs DIR                      # antorcha: loads them, compares, writes its own
    /usr/bin/python3 tools/check_models_pth.py check DIR    # torchvision: loads antorcha's with weights_only=True

Outputs are eval-mode logits on model_weights.formula_input; errors are printed relative to the largest logit.
ViT's head starts at zero in torchvision, so both sides draw random head weights before saving."""
import json
import os
import sys

import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_weights import formula_input  # noqa: E402

ARCHS = ['alexnet', 'resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152'] \
    + [f'efficientnet_b{i}' for i in range(8)] + ['vit_b_16', 'vit_b_32']


def input_for(arch):
    return formula_input([1, 3, 224, 224] if arch.startswith('vit') else [1, 3, 64, 64])


def main(mode, folder):
    torch.set_num_threads(2)
    os.makedirs(folder, exist_ok=True)
    worst = 0.0
    for arch in ARCHS:
        m = getattr(torchvision.models, arch)()
        if mode == 'export':
            torch.manual_seed(0)
            m = getattr(torchvision.models, arch)().eval()
            if arch.startswith('vit'):
                # torchvision starts ViT's head at zero (all logits 0): give it weights so the logits say something.
                with torch.no_grad():
                    m.heads.head.weight.normal_(0, 0.02)
            torch.save(m.state_dict(), os.path.join(folder, f'{arch}.pth'))
            with torch.no_grad():
                out = m(input_for(arch))
            with open(os.path.join(folder, f'{arch}.out.json'), 'w') as f:
                json.dump(out.reshape(-1).tolist(), f)
            print(f'{arch}: wrote {arch}.pth')
        else:
            state = torch.load(os.path.join(folder, f'{arch}.antorcha.pth'), weights_only=True)
            m.load_state_dict(state, strict=True)
            m.eval()
            with torch.no_grad():
                out = m(input_for(arch)).reshape(-1)
            with open(os.path.join(folder, f'{arch}.antorcha.out.json')) as f:
                want = torch.tensor(json.load(f))
            err = ((out - want).abs().max() / want.abs().max()).item()
            if not want.abs().max() > 0:
                err = float('inf')  # all-zero logits would check nothing
            worst = max(worst, err)
            print(f'{arch}: antorcha .pth loads with weights_only=True; logits max |diff| / max |logit| {err:.2e}')
    if mode == 'check':
        print(f'worst {worst:.2e}')
        if worst > 1e-4:
            sys.exit(1)


if __name__ == '__main__':
    if len(sys.argv) != 3 or sys.argv[1] not in ('export', 'check'):
        sys.exit('usage: check_models_pth.py export|check DIR')
    main(sys.argv[1], sys.argv[2])
