#!/usr/bin/env python3
"""Fixture for the SRGAN content (perceptual) loss: Tests/Fixtures/torch/vgg_loss.safetensors.

Uses the random width-4 VGG19 of the network parity tests (Tests/Fixtures/torch/vgg19_w4.pth:
torchvision's `vgg19().features[:36]` with stage widths 4, 8, 16, 32, 32 and random weights, NOT the
real ImageNet weights) on a random 32x32 "SR" and "HR" image pair in [-1, 1], and writes, for each
layer case, the loss of SRGANTrainer.contentLoss and its gradient with respect to the SR image:

    x01 = (x + 1) / 2;  v = (x01 - imagenet_mean) / imagenet_std
    loss = weight * criterion(phi(v_sr) * rescale, phi(v_hr) * rescale)

Run with /work/venv-torch/bin/python scripts/make_vgg_loss_fixtures.py
"""
import os
import sys

import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(__file__))
from make_network_fixtures import vgg19_features  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "torch")

# (name, features index (after that module), criterion, rescale, weight)
CASES = [
    ("relu5_4_mse", 35, "mse", 1 / 12.75, 1.0),
    ("conv5_4_mse", 34, "mse", 1 / 12.75, 1.0),
    ("relu2_2_l1", 8, "l1", 1.0, 0.5),
]


def main():
    net = vgg19_features(4)
    state = torch.load(os.path.join(ROOT, "vgg19_w4.pth"), map_location="cpu", weights_only=True)
    net.load_state_dict({k: v for k, v in state.items() if k.startswith("features.")})
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    g = torch.Generator().manual_seed(21)
    sr = (torch.rand(1, 3, 32, 32, generator=g) * 2 - 1)
    hr = (torch.rand(1, 3, 32, 32, generator=g) * 2 - 1)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

    def features(x, index):
        v = ((x + 1) / 2 - mean) / std
        return net.features[: index + 1](v)

    out = {"sr": sr.contiguous(), "hr": hr.contiguous()}
    for name, index, criterion, rescale, weight in CASES:
        x = sr.clone().requires_grad_(True)
        a = features(x, index) * rescale
        b = features(hr, index).detach() * rescale
        loss = torch.nn.functional.mse_loss(a, b) if criterion == "mse" else torch.nn.functional.l1_loss(a, b)
        loss = loss * weight
        loss.backward()
        out[f"{name}.features"] = features(sr, index).detach().contiguous()
        out[f"{name}.loss"] = loss.detach().reshape(1)
        out[f"{name}.grad"] = x.grad.contiguous()
        print(f"{name}: loss {loss.item():.6g}")
    path = os.path.join(ROOT, "vgg_loss.safetensors")
    save_file(out, path, metadata={"torch": torch.__version__, "weights": "vgg19_w4.pth (random, width 4)"})
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
