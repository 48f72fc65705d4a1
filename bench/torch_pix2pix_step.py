#!/usr/bin/env python3
"""One pix2pix training step in PyTorch (CPU), as the reference pix2pix_model.optimize_parameters:
G forward, D step on the detached fake (vanilla GAN), G step (GAN + 100·L1), Adam(2e-4, β1 0.5).
Networks are the reference constructors from scripts/make_network_fixtures.py. Prints one JSON line."""
import argparse
import importlib.util
import json
import resource
import os
import resource
import sys
import time

import torch
import torch.nn as nn

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("refnets", os.path.join(here, "..", "scripts", "make_network_fixtures.py"))
refnets = importlib.util.module_from_spec(spec)
spec.loader.exec_module(refnets)

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--size", type=int, default=256)
parser.add_argument("--ngf", type=int, default=64)
parser.add_argument("--steps", type=int, default=3)
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(1)

norm = refnets.norm_layer_for("batch")
downs = 8 if args.size == 256 else 7
G = refnets.UnetGenerator(3, 3, downs, args.ngf, norm, True)
D = refnets.NLayerDiscriminator(6, args.ngf, 3, norm)
G.train(); D.train()
optG = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
optD = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
bce, l1 = nn.BCEWithLogitsLoss(), nn.L1Loss()
A = torch.rand(1, 3, args.size, args.size) * 2 - 1
B = torch.rand(1, 3, args.size, args.size) * 2 - 1


def step():
    fake = G(A)
    for p in D.parameters():
        p.requires_grad_(True)
    optD.zero_grad()
    pred_fake = D(torch.cat((A, fake.detach()), 1))
    pred_real = D(torch.cat((A, B), 1))
    loss_d = 0.5 * (bce(pred_fake, torch.zeros_like(pred_fake)) + bce(pred_real, torch.ones_like(pred_real)))
    loss_d.backward()
    optD.step()
    for p in D.parameters():
        p.requires_grad_(False)
    optG.zero_grad()
    pred = D(torch.cat((A, fake), 1))
    loss_g = bce(pred, torch.ones_like(pred)) + 100 * l1(fake, B)
    loss_g.backward()
    optG.step()


step()
times = []
cpu0, wall0 = time.process_time(), time.perf_counter()
for _ in range(args.steps):
    t = time.perf_counter()
    step()
    times.append(time.perf_counter() - t)
cpu_wall = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
print(json.dumps({"impl": "pytorch", "torch": torch.__version__, "threads": args.threads, "size": args.size, "ngf": args.ngf,
                  "best_s": min(times), "median_s": sorted(times)[len(times) // 2], "cpu_wall": round(cpu_wall, 2),
                  "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
