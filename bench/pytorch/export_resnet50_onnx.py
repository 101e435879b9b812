"""Exports torchvision's ResNet-50 (random init, eval mode) to ONNX for the onnxruntime side of bench/resnet50.ts.

    /usr/bin/python3 bench/pytorch/export_resnet50_onnx.py OUT.onnx
"""
import sys

import torch
import torchvision

torch.manual_seed(0)
model = torchvision.models.resnet50().eval()
torch.onnx.export(model, torch.randn(8, 3, 224, 224), sys.argv[1], input_names=['input'], output_names=['logits'],
                  opset_version=13)
print(f'wrote {sys.argv[1]}')
