#!/usr/bin/env python3
"""Writes Tests/Fixtures/torch/conv.safetensors: PyTorch reference values for the conv, transposed conv,
reflection padding and resize ops, checked by Tests/TensorsTests/TorchFixtureTests.swift.

Usage (from the repository root): /work/torchenv/bin/python scripts/make_conv_fixtures.py

For every case `<name>` the file holds `<name>.x` (input), the parameters (`.w`, `.b`), `.y` (output),
`.gy` (a fixed output gradient) and the gradients PyTorch computes for it (`.gx`, `.gw`, `.gb`).
Inputs are float32 from a fixed seed; the reference is computed in float64 and stored as float32.
"""
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "torch", "conv.safetensors")

torch.manual_seed(20240601)
tensors = {}
metadata = {"generator": "scripts/make_conv_fixtures.py", "torch": torch.__version__}


def rand(*shape):
    return torch.rand(*shape, dtype=torch.float32) * 2 - 1


def record(name, fn, inputs, description):
    """Runs fn on float64 copies of `inputs` (dict name -> float32 tensor), stores inputs, output,
    a random output gradient and the input gradients."""
    leaves = {k: v.double().requires_grad_(True) for k, v in inputs.items()}
    y = fn(**leaves)
    gy = rand(*y.shape)
    grads = torch.autograd.grad(y, list(leaves.values()), gy.double())
    for k, v in inputs.items():
        tensors[f"{name}.{k}"] = v.contiguous()
    tensors[f"{name}.y"] = y.detach().float().contiguous()
    tensors[f"{name}.gy"] = gy.contiguous()
    for k, g in zip(leaves.keys(), grads):
        tensors[f"{name}.g{k}"] = g.float().contiguous()
    metadata[name] = description


# Convolutions: x, w, b.
record("conv_k3s1p1", lambda x, w, b: F.conv2d(x, w, b, stride=1, padding=1),
       {"x": rand(2, 3, 6, 5), "w": rand(4, 3, 3, 3), "b": rand(4)}, "conv2d stride 1 padding 1")
record("conv_k4s2p1", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
       {"x": rand(1, 3, 8, 7), "w": rand(5, 3, 4, 4), "b": rand(5)}, "conv2d stride 2 padding 1")
record("convT_k4s2p1", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1),
       {"x": rand(2, 4, 3, 4), "w": rand(4, 3, 4, 4), "b": rand(3)}, "conv_transpose2d stride 2 padding 1")
record("convT_k3s2p1op1", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
       {"x": rand(1, 3, 4, 3), "w": rand(3, 2, 3, 3), "b": rand(2)},
       "conv_transpose2d stride 2 padding 1 output_padding 1")

# Reflection padding: F.pad order is (left, right, top, bottom).
record("reflect_pad", lambda x: F.pad(x, (2, 1, 3, 0), mode="reflect"),
       {"x": rand(1, 2, 4, 5)}, "reflect pad top 3 bottom 0 left 2 right 1")

# Resize, align_corners=False, no antialias.
for method in ("bilinear", "bicubic"):
    for label, size in (("up", (9, 11)), ("down", (3, 2))):
        record(f"{method}_{label}",
               lambda x, size=size, method=method: F.interpolate(x, size=size, mode=method, align_corners=False),
               {"x": rand(1, 2, 5, 4)}, f"interpolate {method} to {size[0]}x{size[1]}")

os.makedirs(os.path.dirname(OUT), exist_ok=True)
save_file(tensors, OUT, metadata=metadata)
print(f"wrote {OUT}: {len(tensors)} tensors, {os.path.getsize(OUT)} bytes")
