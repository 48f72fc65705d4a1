#!/usr/bin/env python3
"""One SRGAN training step in PyTorch (CPU), as Sources/Training/SRGANTrainer.swift `step` runs it
(Ledig et al. 2017, REFERENCE.md c5): SRResNet x4 (16 residual blocks, 64 channels, batch norm,
PReLU), the SRGAN discriminator (ndf 64, 96² input, BN, LeakyReLU 0.2, dense 1024), batch 16 of
96² HR / 24² LR, Adam(1e-4, β 0.9/0.999) for G and for D.

--phase pretrain: G((LR+1)/2), MSE against HR, backward, Adam on G.
--phase gan: D step (BCE-with-logits on D(HR) → 1 and D(G(LR)).detach() → 0, Adam on D), then G step
  with D frozen: VGG19 features[:36] (relu5_4) of the ImageNet-normalised SR and HR, ×1/12.75, MSE,
  + 1e-3 · BCE-with-logits(D(SR) → 1); Adam on G.

The networks are those of scripts/make_network_fixtures.py (SRResNet and SRDiscriminator in our key
layout, which the parity tests check against Sources/Networks; VGG19 from torchvision itself with
random weights, as bench-srgan: the arithmetic is that of the pretrained weights).
Prints one JSON line with the step times, cpu/wall and this process's peak RSS (ru_maxrss); run one
process per configuration so the peaks don't mix."""
import argparse
import importlib.util
import json
import os
import resource
import sys
import time
import types

import torch
import torch.nn.functional as F

here = os.path.dirname(os.path.abspath(__file__))
if importlib.util.find_spec("safetensors") is None:
    # The fixture scripts import safetensors to write fixtures; the benchmark only needs their modules
    # (`make bench-env` installs torch, torchvision, pillow and numpy).
    sys.modules["safetensors"] = types.ModuleType("safetensors")
    sys.modules["safetensors.torch"] = types.ModuleType("safetensors.torch")
    sys.modules["safetensors.torch"].save_file = None
spec = importlib.util.spec_from_file_location("refnets", os.path.join(here, "..", "scripts", "make_network_fixtures.py"))
refnets = importlib.util.module_from_spec(spec)
spec.loader.exec_module(refnets)

parser = argparse.ArgumentParser()
parser.add_argument("--phase", choices=["pretrain", "gan"], default="gan")
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--batch", type=int, default=16)
parser.add_argument("--size", type=int, default=96, help="HR patch side (LR is a quarter)")
parser.add_argument("--steps", type=int, default=3)
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(1)


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


base_rss = peak_rss_mib()  # the interpreter with torch imported, before any network

G = refnets.SRResNet(3, 3, 64, 16, 4).train()
D = refnets.SRDiscriminator(3, 64, args.size).train()
opt_g = torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.9, 0.999))
opt_d = torch.optim.Adam(D.parameters(), lr=1e-4, betas=(0.9, 0.999))
vgg = None
if args.phase == "gan":
    vgg = refnets.vgg19_features(64).features
    for p in vgg.parameters():
        p.requires_grad_(False)
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
lr = torch.rand(args.batch, 3, args.size // 4, args.size // 4) * 2 - 1
hr = torch.rand(args.batch, 3, args.size, args.size) * 2 - 1
setup_rss = peak_rss_mib()


def bce(logits, is_real):
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, 1.0 if is_real else 0.0))


def features(image):
    return vgg(((image + 1) * 0.5 - MEAN) / STD) / 12.75


def step():
    fake = G((lr + 1) * 0.5)
    if args.phase == "pretrain":
        opt_g.zero_grad()
        F.mse_loss(fake, hr).backward()
        opt_g.step()
        return
    for p in D.parameters():
        p.requires_grad_(True)
    opt_d.zero_grad()
    (bce(D(hr), True) + bce(D(fake.detach()), False)).backward()
    opt_d.step()
    for p in D.parameters():
        p.requires_grad_(False)
    opt_g.zero_grad()
    loss_gan = bce(D(fake), True) * 1e-3
    content = F.mse_loss(features(fake), features(hr).detach())
    (content + loss_gan).backward()
    opt_g.step()


step()  # warm-up
times = []
cpu0, wall0 = time.process_time(), time.perf_counter()
for _ in range(args.steps):
    t = time.perf_counter()
    step()
    times.append(time.perf_counter() - t)
cpu_used = time.process_time() - cpu0
cpu_wall = cpu_used / (time.perf_counter() - wall0)
print(json.dumps({"impl": "pytorch", "model": "srgan", "phase": args.phase, "torch": torch.__version__, "threads": args.threads,
                  "batch": args.batch, "size": args.size, "g_params": sum(p.numel() for p in G.parameters()),
                  "d_params": sum(p.numel() for p in D.parameters()), "steps": args.steps, "best_s": min(times),
                  "median_s": sorted(times)[len(times) // 2], "cpu_wall": round(cpu_wall, 2),
                  "cpu_s_per_step": round(cpu_used / args.steps, 3), "base_rss_mib": round(base_rss, 1),
                  "setup_rss_mib": round(setup_rss, 1), "peak_rss_mib": round(peak_rss_mib(), 1)}))
