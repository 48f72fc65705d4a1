#!/usr/bin/env python3
"""Builds Tests/Fixtures/torch/pix2pix_step.safetensors: the reference pix2pix optimisation step in
PyTorch, for the one-step parity test (Tests/TrainingTests/Pix2PixParityTests.swift).

Usage:  /work/venv-torch/bin/python scripts/make_pix2pix_step_fixtures.py

The networks are the reference constructors rebuilt in scripts/make_network_fixtures.py (unet_128
generator, basic PatchGAN, batch norm, no dropout as with `--no_dropout`); the step is
`pix2pix_model.py` `optimize_parameters`:

    fake_B = G(A)
    set_requires_grad(D, True); optimizer_D.zero_grad()
    loss_D_fake = GAN(D(cat(A, fake_B.detach())), False); loss_D_real = GAN(D(cat(A, B)), True)
    loss_D = 0.5·(fake + real); backward; optimizer_D.step()
    set_requires_grad(D, False); optimizer_G.zero_grad()
    loss_G = GAN(D(cat(A, fake_B)), True) + λ_L1·L1(fake_B, B); backward; optimizer_G.step()

with Adam(lr 2e-4, β 0.5/0.999) and λ_L1 100, networks in train mode (batch statistics).

The expected values are the step computed in float64. The same step in float32 is computed too, and
its distance to the float64 one, max|w32 − w64| / max(max|w64|, 1e-3) per tensor, is stored in the
metadata (`float32_noise`, JSON by `<case>.after<k>.<G|D>.<key>`): where a gradient is mostly
cancellation noise (the U-Net's innermost layers at 1×1 and 2×2), Adam's g/√v turns float32
rounding into differences of up to ~lr per element, so no float32 implementation, PyTorch's
included, is within 1e-4 of the exact step there. The test allows max(1e-4, 4 × that noise).

Nothing big is stored: the initial weights and the batch are formulas both sides compute (in double,
rounded to float32):
  - the tensor with state-dict key k, element i: phase φ = 0.01·Σ bytes(k);
    conv/linear weight 0.05·sin(1.3·i + φ), bias 0.05·sin(0.7·i + φ), BN weight 1 + 0.1·sin(0.9·i + φ),
    BN bias 0.1·sin(1.1·i + φ), running_mean 0, running_var 1, num_batches_tracked 0;
  - A[i] = 0.8·sin(0.37·i + 0.1), B[i] = 0.8·cos(0.23·i + 0.3) over the flattened NCHW tensors.
Stored for each case and after 1 and 3 steps (the same batch every step): the four losses
(`<case>.after<k>.losses` = G_GAN, G_L1, D_real, D_fake, of the k-th step) and every parameter and
running statistic of G and D: tensors of at most 512 elements as float32 values
(`<case>.after<k>.<G|D>.<key>`), larger ones as float16 differences from the initial value
(`….<key>.delta`; an Adam step moves a weight by about lr, so float16 keeps ~1e-7 of it).
"""
import importlib.util
import json
import os

import numpy as np
import torch
import torch.nn as nn
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "Fixtures", "torch", "pix2pix_step.safetensors")

spec = importlib.util.spec_from_file_location("network_fixtures", os.path.join(HERE, "make_network_fixtures.py"))
network_fixtures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(network_fixtures)
UnetGenerator = network_fixtures.UnetGenerator
NLayerDiscriminator = network_fixtures.NLayerDiscriminator
norm_layer_for = network_fixtures.norm_layer_for

CASES = [
    # name, input_nc, output_nc, gan_mode
    ("vanilla", 3, 3, "vanilla"),
    ("lsgan", 3, 3, "lsgan"),
    ("colorization", 1, 2, "vanilla"),
]
NGF, NDF, SIZE, BATCH, LR, BETA1, LAMBDA_L1 = 2, 4, 128, 1, 2e-4, 0.5, 100.0


def phase_of(key):
    return 0.01 * sum(key.encode("utf-8"))


def formula(key, module, shape):
    """The initial value of state-dict entry `key` (see the module docstring)."""
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.float64)
    phi = phase_of(key)
    leaf = key.rsplit(".", 1)[1]
    is_norm = isinstance(module, nn.BatchNorm2d)
    if leaf == "running_mean":
        values = np.zeros(n)
    elif leaf == "running_var":
        values = np.ones(n)
    elif is_norm and leaf == "weight":
        values = 1 + 0.1 * np.sin(0.9 * i + phi)
    elif is_norm and leaf == "bias":
        values = 0.1 * np.sin(1.1 * i + phi)
    elif leaf == "weight":
        values = 0.05 * np.sin(1.3 * i + phi)
    else:
        values = 0.05 * np.sin(0.7 * i + phi)
    return torch.from_numpy(values.astype(np.float32).reshape(shape))


def initialise(net):
    modules = dict(net.named_modules())
    with torch.no_grad():
        for key, tensor in net.state_dict().items():
            if key.endswith("num_batches_tracked"):
                continue
            owner = modules[key.rsplit(".", 1)[0]]
            tensor.copy_(formula(key, owner, tuple(tensor.shape)))
    return net


def image(shape, kind):
    i = np.arange(int(np.prod(shape)), dtype=np.float64)
    values = 0.8 * np.sin(0.37 * i + 0.1) if kind == "A" else 0.8 * np.cos(0.23 * i + 0.3)
    return torch.from_numpy(values.astype(np.float32).reshape(shape))


def gan_loss(mode, prediction, is_real):
    target = torch.tensor(1.0 if is_real else 0.0).expand_as(prediction)
    if mode == "vanilla":
        return nn.BCEWithLogitsLoss()(prediction, target)
    return nn.MSELoss()(prediction, target)


def set_requires_grad(net, flag):
    for p in net.parameters():
        p.requires_grad = flag


def run_steps(input_nc, output_nc, mode, dtype):
    """Three reference steps in `dtype`; returns {tag: (losses, {"G.key"/"D.key": tensor})} after steps 1 and 3."""
    G = initialise(UnetGenerator(input_nc, output_nc, 7, NGF, norm_layer_for("batch"), False)).to(dtype).train()
    D = initialise(NLayerDiscriminator(input_nc + output_nc, NDF, 3, norm_layer_for("batch"))).to(dtype).train()
    optimizer_G = torch.optim.Adam(G.parameters(), lr=LR, betas=(BETA1, 0.999))
    optimizer_D = torch.optim.Adam(D.parameters(), lr=LR, betas=(BETA1, 0.999))
    real_A = image((BATCH, input_nc, SIZE, SIZE), "A").to(dtype)
    real_B = image((BATCH, output_nc, SIZE, SIZE), "B").to(dtype)
    results = {}
    for step in range(1, 4):
        fake_B = G(real_A)
        # D step on the detached fake, then the real pair
        set_requires_grad(D, True)
        optimizer_D.zero_grad()
        loss_D_fake = gan_loss(mode, D(torch.cat((real_A, fake_B.detach()), 1)), False)
        loss_D_real = gan_loss(mode, D(torch.cat((real_A, real_B), 1)), True)
        loss_D = (loss_D_fake + loss_D_real) * 0.5
        loss_D.backward()
        optimizer_D.step()
        # G step with D frozen
        set_requires_grad(D, False)
        optimizer_G.zero_grad()
        loss_G_GAN = gan_loss(mode, D(torch.cat((real_A, fake_B), 1)), True)
        loss_G_L1 = nn.L1Loss()(fake_B, real_B) * LAMBDA_L1
        loss_G = loss_G_GAN + loss_G_L1
        loss_G.backward()
        optimizer_G.step()
        if step in (1, 3):
            losses = [loss_G_GAN.item(), loss_G_L1.item(), loss_D_real.item(), loss_D_fake.item()]
            state = {f"G.{k}": v.detach().clone().double() for k, v in G.state_dict().items()}
            state.update({f"D.{k}": v.detach().clone().double() for k, v in D.state_dict().items()})
            results[f"after{step}"] = (losses, state)
    return results


def relative(a, b):
    return (a - b).abs().max().item() / max(b.abs().max().item(), 1e-3)


def run_case(tensors, noise, name, input_nc, output_nc, mode):
    exact = run_steps(input_nc, output_nc, mode, torch.float64)
    single = run_steps(input_nc, output_nc, mode, torch.float32)
    G0 = initialise(UnetGenerator(input_nc, output_nc, 7, NGF, norm_layer_for("batch"), False)).state_dict()
    D0 = initialise(NLayerDiscriminator(input_nc + output_nc, NDF, 3, norm_layer_for("batch"))).state_dict()
    start = {f"G.{k}": v.double() for k, v in G0.items()}
    start.update({f"D.{k}": v.double() for k, v in D0.items()})
    for tag, (losses, state) in exact.items():
        tensors[f"{name}.{tag}.losses"] = torch.tensor(losses, dtype=torch.float32)
        for key, value in state.items():
            if value.numel() <= 512:
                tensors[f"{name}.{tag}.{key}"] = value.float().contiguous()
            else:
                tensors[f"{name}.{tag}.{key}.delta"] = (value - start[key]).half().contiguous()
            noise[f"{name}.{tag}.{key}"] = relative(single[tag][1][key], value)
        worst = max((noise[f"{name}.{tag}.{k}"], k) for k in state)
        print(name, tag, [round(x, 6) for x in losses], "float32 torch vs float64: worst %.3g at %s" % worst)


def main():
    tensors, noise = {}, {}
    for case in CASES:
        run_case(tensors, noise, *case)
    metadata = {"cases": json.dumps([{"name": n, "input_nc": i, "output_nc": o, "gan_mode": m} for n, i, o, m in CASES]),
                "ngf": str(NGF), "ndf": str(NDF), "size": str(SIZE), "batch": str(BATCH), "lr": str(LR),
                "beta1": str(BETA1), "lambda_L1": str(LAMBDA_L1), "torch": torch.__version__,
                "float32_noise": json.dumps(noise, sort_keys=True)}
    save_file(tensors, OUT, metadata=metadata)
    print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
