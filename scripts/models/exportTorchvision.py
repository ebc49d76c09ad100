#!/usr/bin/env python3
"""Exports a torchvision classifier to ONNX the way README's "Bring your own model" describes.

Developer-run recipe check (not part of npm test):

    /usr/bin/python3 scripts/models/exportTorchvision.py vgg16 /tmp/vgg16.onnx [--weights vgg16.pth]
    node bin/camscope.mjs layers --model /tmp/vgg16.onnx

Without --weights the network is randomly initialised (nothing is downloaded): enough to check the
export and camscope's reading of the graph; use your trained weights for real maps.
"""
import argparse

import torch
import torchvision

parser = argparse.ArgumentParser()
parser.add_argument('arch', help='a torchvision.models constructor, e.g. vgg16, resnet50')
parser.add_argument('out')
parser.add_argument('--weights', help='a state_dict file (.pth)')
parser.add_argument('--opset', type=int, default=13)
args = parser.parse_args()

model = getattr(torchvision.models, args.arch)(weights=None)
if args.weights:
    model.load_state_dict(torch.load(args.weights, map_location='cpu'))
model.eval()
torch.onnx.export(
    model,
    torch.zeros(1, 3, 224, 224),
    args.out,
    opset_version=args.opset,
    input_names=['input'],
    output_names=['logits'],
    dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}},
)
print(f'{args.arch} -> {args.out} (opset {args.opset})')
