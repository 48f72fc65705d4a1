#!/usr/bin/env python3
"""Builds the CycleGAN one-step parity fixture (Tests/Fixtures/torch/cyclegan_step.safetensors).

Usage:  /work/venv-torch/bin/python scripts/make_cyclegan_step_fixtures.py

The reference networks come from scripts/make_network_fixtures.py (the constructors of
pytorch-CycleGAN-and-pix2pix `models/networks.py`). This script rebuilds the step of the
reference `cycle_gan_model.py` (`optimize_parameters`) around them: forward both cycles; G step
(LSGAN losses of D_A(fake_B) and D_B(fake_A) against "real", cycle L1 losses ×λ_A/λ_B, identity L1
losses ×λ_B·λ_idt / ×λ_A·λ_idt) with both Ds frozen and one Adam over G_A+G_B; then D_A on real_B
and the pooled fake_B, D_B on real_A and the pooled fake_A, each (real + fake)·0.5, one Adam over
D_A+D_B. Adam(lr 2e-4, β 0.5/0.999) as the reference.

The configuration is small so the fixture stays a few hundred KB: a ResNet generator with ngf 4
and 1 residual block, an `n_layers` PatchGAN with ndf 4 and 2 layers, instance norm, 16×16
images, batch 2. Initial weights follow the reference's `init_weights` (normal, gain 0.02, zero
biases) from a fixed torch seed.

Two scenarios run 3 steps each from the same weights and batches:
- `pool0`: pool size 0 (fakes pass straight through). Stores the weights after steps 1 and 3.
- `pool2`: pool size 2, filled by step 1; later steps draw. The image pool is the reference's
  algorithm with its two draws (`uniform(0,1) > 0.5`, then `randint(0, size-1)`) taken from
  Python's `random` seeded with 11, and every decision is recorded (`pool2.decisions`: -1 = return
  the new image, k = return slot k and store the new image there, in query order: fake_B pool then
  fake_A pool, image by image) so the Swift test can replay them. Stores the weights after step 3.

Tensors: `init.<net>.<key>` (net in G_A, G_B, D_A, D_B), `batch<s>.A` / `batch<s>.B` ([2,3,16,16]),
`<scenario>.losses` ([3, 8] in the order D_A, G_A, cycle_A, idt_A, D_B, G_B, cycle_B, idt_B),
`<scenario>.after<k>.<net>.<key>`. Metadata `noise_only`: the keys (net.key) whose true gradient is
zero (conv biases followed by InstanceNorm, which cancels them); Adam turns their floating-point
gradient noise into updates of up to lr per step, so the tests bound them absolutely.
"""
import json
import os
import random
import sys
import types

import numpy as np
import torch
import torch.nn as nn
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import torchvision  # noqa: F401  (make_network_fixtures imports it for VGG19 only, which this script does not use)
except ImportError:
    sys.modules["torchvision"] = types.ModuleType("torchvision")
from make_network_fixtures import NLayerDiscriminator, ResnetGenerator, norm_layer_for  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "torch", "cyclegan_step.safetensors")

NGF, NDF, BLOCKS, LAYERS, SIZE, BATCH, STEPS = 4, 4, 1, 2, 16, 2, 3
LAMBDA_A, LAMBDA_B, LAMBDA_IDT, LR, BETA1 = 10.0, 10.0, 0.5, 2e-4, 0.5
NETS = ["G_A", "G_B", "D_A", "D_B"]


def build_networks():
    torch.manual_seed(1234)
    norm = norm_layer_for("instance")
    nets = {
        "G_A": ResnetGenerator(3, 3, NGF, norm, False, BLOCKS),
        "G_B": ResnetGenerator(3, 3, NGF, norm, False, BLOCKS),
        "D_A": NLayerDiscriminator(3, NDF, LAYERS, norm),
        "D_B": NLayerDiscriminator(3, NDF, LAYERS, norm),
    }
    # The reference's init_weights('normal', 0.02): conv weights N(0, 0.02), biases 0.
    with torch.no_grad():
        for net in nets.values():
            for module in net.modules():
                if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
                    module.weight.normal_(0.0, 0.02)
                    if module.bias is not None:
                        module.bias.zero_()
    return nets


def noise_only_keys(nets):
    """Conv biases directly followed by an InstanceNorm2d (their gradient is zero up to rounding)."""
    keys = []
    for net_name, net in nets.items():
        for prefix, module in net.named_modules():
            if not isinstance(module, nn.Sequential):
                continue
            children = list(module.named_children())
            for (name, child), (_, following) in zip(children, children[1:]):
                if isinstance(child, (nn.Conv2d, nn.ConvTranspose2d)) and child.bias is not None \
                        and isinstance(following, nn.InstanceNorm2d):
                    keys.append(f"{net_name}.{prefix + '.' if prefix else ''}{name}.bias")
    return keys


class RecordingPool:
    """The reference image pool's algorithm, drawing from Python's `random` and recording decisions."""

    def __init__(self, size, decisions):
        self.size = size
        self.images = []
        self.decisions = decisions

    def query(self, images):
        if self.size == 0:
            return images
        out = []
        for image in images:
            image = image.detach().unsqueeze(0)
            if len(self.images) < self.size:
                self.images.append(image)
                out.append(image)
            elif random.uniform(0, 1) > 0.5:
                slot = random.randint(0, self.size - 1)
                self.decisions.append(slot)
                out.append(self.images[slot].clone())
                self.images[slot] = image
            else:
                self.decisions.append(-1)
                out.append(image)
        return torch.cat(out, 0)


def gan_loss(prediction, is_real):
    # LSGAN: MSE against a constant label map.
    return nn.functional.mse_loss(prediction, torch.full_like(prediction, 1.0 if is_real else 0.0))


def run(initial, batches, pool_size, decisions):
    nets = build_networks()
    for name, net in nets.items():
        net.load_state_dict(initial[name])
        net.train()
    opt_g = torch.optim.Adam(list(nets["G_A"].parameters()) + list(nets["G_B"].parameters()), lr=LR, betas=(BETA1, 0.999))
    opt_d = torch.optim.Adam(list(nets["D_A"].parameters()) + list(nets["D_B"].parameters()), lr=LR, betas=(BETA1, 0.999))
    pool_b, pool_a = RecordingPool(pool_size, decisions), RecordingPool(pool_size, decisions)
    losses, snapshots = [], {}
    for step, (real_a, real_b) in enumerate(batches, start=1):
        g_a, g_b, d_a, d_b = nets["G_A"], nets["G_B"], nets["D_A"], nets["D_B"]
        fake_b = g_a(real_a)
        rec_a = g_b(fake_b)
        fake_a = g_b(real_b)
        rec_b = g_a(fake_a)
        for d in (d_a, d_b):
            for p in d.parameters():
                p.requires_grad_(False)
        opt_g.zero_grad()
        idt_a = nn.functional.l1_loss(g_a(real_b), real_b) * LAMBDA_B * LAMBDA_IDT
        idt_b = nn.functional.l1_loss(g_b(real_a), real_a) * LAMBDA_A * LAMBDA_IDT
        loss_g_a = gan_loss(d_a(fake_b), True)
        loss_g_b = gan_loss(d_b(fake_a), True)
        cycle_a = nn.functional.l1_loss(rec_a, real_a) * LAMBDA_A
        cycle_b = nn.functional.l1_loss(rec_b, real_b) * LAMBDA_B
        (loss_g_a + loss_g_b + cycle_a + cycle_b + idt_a + idt_b).backward()
        opt_g.step()
        for d in (d_a, d_b):
            for p in d.parameters():
                p.requires_grad_(True)
        opt_d.zero_grad()
        pooled_b = pool_b.query(fake_b)
        loss_d_a = (gan_loss(d_a(real_b), True) + gan_loss(d_a(pooled_b.detach()), False)) * 0.5
        loss_d_a.backward()
        pooled_a = pool_a.query(fake_a)
        loss_d_b = (gan_loss(d_b(real_a), True) + gan_loss(d_b(pooled_a.detach()), False)) * 0.5
        loss_d_b.backward()
        opt_d.step()
        losses.append([x.item() for x in (loss_d_a, loss_g_a, cycle_a, idt_a, loss_d_b, loss_g_b, cycle_b, idt_b)])
        snapshots[step] = {name: {k: v.detach().clone() for k, v in net.state_dict().items()} for name, net in nets.items()}
    return torch.tensor(losses, dtype=torch.float32), snapshots


def main():
    torch.set_num_threads(1)
    nets = build_networks()
    initial = {name: {k: v.detach().clone() for k, v in net.state_dict().items()} for name, net in nets.items()}
    g = torch.Generator().manual_seed(99)
    # Smooth random images in [-1, 1] (upsampled noise through tanh), different in each domain.
    batches = []
    for _ in range(STEPS):
        pair = []
        for _ in range(2):
            coarse = torch.randn(BATCH, 3, SIZE // 4, SIZE // 4, generator=g)
            pair.append(torch.tanh(nn.functional.interpolate(coarse, size=(SIZE, SIZE), mode="bilinear", align_corners=False)))
        batches.append(tuple(pair))

    tensors = {}
    for name in NETS:
        for k, v in initial[name].items():
            tensors[f"init.{name}.{k}"] = v.contiguous()
    for s, (a, b) in enumerate(batches):
        tensors[f"batch{s}.A"] = a.contiguous()
        tensors[f"batch{s}.B"] = b.contiguous()

    losses, snapshots = run(initial, batches, 0, [])
    tensors["pool0.losses"] = losses
    for step in (1, 3):
        for name in NETS:
            for k, v in snapshots[step][name].items():
                tensors[f"pool0.after{step}.{name}.{k}"] = v.contiguous()

    random.seed(11)
    decisions = []
    losses, snapshots = run(initial, batches, 2, decisions)
    assert -1 in decisions and any(d >= 0 for d in decisions), decisions
    tensors["pool2.losses"] = losses
    tensors["pool2.decisions"] = torch.tensor(decisions, dtype=torch.float32)
    for name in NETS:
        for k, v in snapshots[3][name].items():
            tensors[f"pool2.after3.{name}.{k}"] = v.contiguous()

    metadata = {
        "config": json.dumps(dict(ngf=NGF, ndf=NDF, blocks=BLOCKS, n_layers_D=LAYERS, size=SIZE, batch=BATCH, steps=STEPS,
                                  lambda_A=LAMBDA_A, lambda_B=LAMBDA_B, lambda_identity=LAMBDA_IDT, lr=LR, beta1=BETA1,
                                  gan_mode="lsgan", norm="instance", pool_size=2)),
        "noise_only": json.dumps(noise_only_keys(nets)),
        "torch": torch.__version__,
    }
    save_file(tensors, OUT, metadata=metadata)
    print(f"wrote {OUT}: {os.path.getsize(OUT)} bytes, decisions {decisions}")
    print("pool2 losses", losses.tolist())


if __name__ == "__main__":
    main()
