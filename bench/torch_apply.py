#!/usr/bin/env python3
"""PyTorch + PIL twin of `translate apply` for bench/sections/30-apply.sh.

Does the same work per image as `translate apply --format jpg --quality 95`: PIL decode → RGB →
ToTensor + Normalize(0.5, 0.5) → reflect-pad to a multiple of 4 → the reference ResnetGenerator
(pytorch-CycleGAN-and-pix2pix networks.py, instance norm, no dropout) under inference_mode → crop →
(x + 1) / 2 · 255 rounded → PIL JPEG quality 95 (4:2:0), one image at a time as the reference's
test.py does. The weights come from the translate checkpoint (safetensors; the keys are the
reference's state-dict keys), so both tools run the same network.

Prints one JSON line: {"images", "seconds", "images_per_second", "cpu_seconds", "max_rss_mb", "threads", "torch"}.

Usage: python bench/torch_apply.py CHECKPOINT IN_DIR OUT_DIR [--threads 2]
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image
from safetensors.torch import load_file


class ResnetBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=True), nn.InstanceNorm2d(dim), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=True), nn.InstanceNorm2d(dim))

    def forward(self, x):
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    """The reference ResnetGenerator with norm_layer=InstanceNorm2d (so every conv has a bias)."""

    def __init__(self, input_nc=3, output_nc=3, ngf=64, n_blocks=9):
        super().__init__()
        model = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7, bias=True), nn.InstanceNorm2d(ngf), nn.ReLU(True)]
        for i in range(2):
            mult = 2 ** i
            model += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1, bias=True),
                      nn.InstanceNorm2d(ngf * mult * 2), nn.ReLU(True)]
        for _ in range(n_blocks):
            model += [ResnetBlock(ngf * 4)]
        for i in range(2):
            mult = 2 ** (2 - i)
            model += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, stride=2, padding=1, output_padding=1,
                                         bias=True), nn.InstanceNorm2d(ngf * mult // 2), nn.ReLU(True)]
        model += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7), nn.Tanh()]
        self.model = nn.Sequential(*model)

    def forward(self, x):
        return self.model(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("checkpoint")
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    state = load_file(args.checkpoint)
    blocks = len({key.split(".")[1] for key in state if ".conv_block." in key})
    ngf = state["model.1.weight"].shape[0]
    net = ResnetGenerator(ngf=ngf, n_blocks=blocks)
    net.load_state_dict(state, strict=True)
    net.eval()

    names = sorted(n for n in os.listdir(args.input) if n.lower().endswith((".jpg", ".jpeg")))
    os.makedirs(args.output, exist_ok=True)
    start, cpu_start = time.perf_counter(), time.process_time()
    with torch.inference_mode():
        for name in names:
            image = Image.open(os.path.join(args.input, name)).convert("RGB")
            x = torch.from_numpy(np.array(image)).permute(2, 0, 1).float().div(255).sub(0.5).div(0.5)[None]
            h, w = x.shape[2:]
            x = F.pad(x, (0, (-w) % 4, 0, (-h) % 4), mode="reflect")
            y = net(x)[0, :, :h, :w]
            pixels = ((y + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).permute(1, 2, 0).contiguous().numpy()
            Image.fromarray(pixels).save(os.path.join(args.output, name), quality=95)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    print(json.dumps({
        "images": len(names), "seconds": seconds, "images_per_second": len(names) / seconds,
        "cpu_seconds": cpu, "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": args.threads, "torch": torch.__version__,
    }))


if __name__ == "__main__":
    sys.exit(main())
