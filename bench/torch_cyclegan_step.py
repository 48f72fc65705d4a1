#!/usr/bin/env python3
"""One CycleGAN training step in PyTorch (CPU), as the reference cycle_gan_model.optimize_parameters:
forward both cycles; G step (LSGAN losses of D_A(fake_B), D_B(fake_A), cycle L1 ×λ_A/λ_B, identity L1
×λ_B·λ_idt / ×λ_A·λ_idt) with both Ds frozen and one Adam over G_A+G_B; then D_A on real_B and the
pooled fake_B, D_B on real_A and the pooled fake_A, each (real + fake)·0.5, one Adam over D_A+D_B.
resnet_9blocks (ngf 64), basic PatchGAN (ndf 64, 3 layers), instance norm, no dropout, λ 10/10/0.5,
image pools of 50 (the reference's util/image_pool.py), Adam(2e-4, β 0.5/0.999), batch 1.
Networks are the reference constructors from scripts/make_network_fixtures.py.
Prints one JSON line with the step times, cpu/wall and this process's peak RSS (ru_maxrss); run one
process per configuration so the peaks don't mix."""
import argparse
import importlib.util
import json
import os
import random
import resource
import sys
import time
import types

import torch
import torch.nn as nn

here = os.path.dirname(os.path.abspath(__file__))
try:
    import torchvision  # noqa: F401  (make_network_fixtures imports it for VGG19 only)
except ImportError:
    sys.modules["torchvision"] = types.ModuleType("torchvision")
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
random.seed(1)

LAMBDA_A, LAMBDA_B, LAMBDA_IDT = 10.0, 10.0, 0.5


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


base_rss = peak_rss_mib()  # the interpreter with torch imported, before any network


class ImagePool:
    """The reference's util/image_pool.py."""

    def __init__(self, size):
        self.size = size
        self.images = []

    def query(self, images):
        if self.size == 0:
            return images
        out = []
        for image in images:
            image = torch.unsqueeze(image.data, 0)
            if len(self.images) < self.size:
                self.images.append(image)
                out.append(image)
            elif random.uniform(0, 1) > 0.5:
                slot = random.randint(0, self.size - 1)
                out.append(self.images[slot].clone())
                self.images[slot] = image
            else:
                out.append(image)
        return torch.cat(out, 0)


def init_weights(net):
    # The reference's init_weights('normal', 0.02).
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                m.weight.normal_(0.0, 0.02)
                if m.bias is not None:
                    m.bias.zero_()
    return net


norm = refnets.norm_layer_for("instance")
G_A = init_weights(refnets.ResnetGenerator(3, 3, args.ngf, norm, False, 9))
G_B = init_weights(refnets.ResnetGenerator(3, 3, args.ngf, norm, False, 9))
D_A = init_weights(refnets.NLayerDiscriminator(3, args.ngf, 3, norm))
D_B = init_weights(refnets.NLayerDiscriminator(3, args.ngf, 3, norm))
for net in (G_A, G_B, D_A, D_B):
    net.train()
opt_g = torch.optim.Adam(list(G_A.parameters()) + list(G_B.parameters()), lr=2e-4, betas=(0.5, 0.999))
opt_d = torch.optim.Adam(list(D_A.parameters()) + list(D_B.parameters()), lr=2e-4, betas=(0.5, 0.999))
pool_b, pool_a = ImagePool(50), ImagePool(50)
mse, l1 = nn.MSELoss(), nn.L1Loss()
real_A = torch.rand(1, 3, args.size, args.size) * 2 - 1
real_B = torch.rand(1, 3, args.size, args.size) * 2 - 1
setup_rss = peak_rss_mib()


def gan_loss(prediction, is_real):
    return mse(prediction, torch.full_like(prediction, 1.0 if is_real else 0.0))


def step():
    fake_B = G_A(real_A)
    rec_A = G_B(fake_B)
    fake_A = G_B(real_B)
    rec_B = G_A(fake_A)
    for d in (D_A, D_B):
        for p in d.parameters():
            p.requires_grad_(False)
    opt_g.zero_grad()
    loss_idt_A = l1(G_A(real_B), real_B) * LAMBDA_B * LAMBDA_IDT
    loss_idt_B = l1(G_B(real_A), real_A) * LAMBDA_A * LAMBDA_IDT
    loss_G = (gan_loss(D_A(fake_B), True) + gan_loss(D_B(fake_A), True)
              + l1(rec_A, real_A) * LAMBDA_A + l1(rec_B, real_B) * LAMBDA_B + loss_idt_A + loss_idt_B)
    loss_G.backward()
    opt_g.step()
    for d in (D_A, D_B):
        for p in d.parameters():
            p.requires_grad_(True)
    opt_d.zero_grad()
    fake = pool_b.query(fake_B)
    loss_D_A = (gan_loss(D_A(real_B), True) + gan_loss(D_A(fake.detach()), False)) * 0.5
    loss_D_A.backward()
    fake = pool_a.query(fake_A)
    loss_D_B = (gan_loss(D_B(real_A), True) + gan_loss(D_B(fake.detach()), False)) * 0.5
    loss_D_B.backward()
    opt_d.step()


step()  # warm-up
times = []
cpu0, wall0 = time.process_time(), time.perf_counter()
for _ in range(args.steps):
    t = time.perf_counter()
    step()
    times.append(time.perf_counter() - t)
cpu_used = time.process_time() - cpu0
cpu_wall = cpu_used / (time.perf_counter() - wall0)
print(json.dumps({"impl": "pytorch", "model": "cycle_gan", "torch": torch.__version__, "threads": args.threads, "size": args.size,
                  "ngf": args.ngf, "steps": args.steps, "best_s": min(times), "median_s": sorted(times)[len(times) // 2],
                  "cpu_wall": round(cpu_wall, 2), "cpu_s_per_step": round(cpu_used / args.steps, 3), "base_rss_mib": round(base_rss, 1), "setup_rss_mib": round(setup_rss, 1), "peak_rss_mib": round(peak_rss_mib(), 1)}))
