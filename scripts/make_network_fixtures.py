#!/usr/bin/env python3
"""Builds the PyTorch fixtures of the network parity tests (Tests/Fixtures/torch/).

Usage:  /work/torchenv/bin/python scripts/make_network_fixtures.py [--counts]

For each case it builds a reference network in PyTorch at a small width with a fixed seed,
randomises every parameter and running statistic, saves the state dict as a `.pth` (zip format,
some in the legacy format or wrapped as BasicSR does) and the output for a deterministic input
as `<case>.expected.safetensors`. `manifest.json` lists the cases for the Swift tests.

The modules below rebuild the constructors of pytorch-CycleGAN-and-pix2pix `models/networks.py`
(ResnetGenerator, UnetGenerator/UnetSkipConnectionBlock, NLayerDiscriminator, PixelDiscriminator,
with `get_norm_layer` and the bias rule of its current master) with the same module order, hence
the same state-dict keys. SRResNet and the SRGAN discriminator follow Ledig et al. 2017 with the
key layout of Sources/Networks. VGG19 comes from torchvision itself.

The input of every case is x[i] = 0.8·sin(0.37·i + 0.1) over the flattened NCHW tensor, which the
Swift tests recompute, so inputs are not stored. Some cases also store the gradients of the loss
Σ cos(0.11·i)·y[i] with respect to the input and every parameter (backward parity). `--counts` prints the full-width parameter counts
pinned in ParameterCountTests.
"""
import copy
import functools
import io
import json
import os
import pickle
import sys
import zipfile

import numpy as np
import torch
import torch.nn as nn
import torchvision
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "torch")


# ----------------------------------------------------------------------------------------------
# Reference constructors (same module order and keys as pytorch-CycleGAN-and-pix2pix)

class Identity(nn.Module):
    def forward(self, x):
        return x


def norm_layer_for(kind, legacy_instance=False):
    if kind == "batch":
        return functools.partial(nn.BatchNorm2d, affine=True, track_running_stats=True)
    if kind == "instance":
        # Pre-0.4 PyTorch InstanceNorm tracked running statistics (the pretrained zoo has those keys).
        return functools.partial(nn.InstanceNorm2d, affine=False, track_running_stats=legacy_instance)
    if kind == "none":
        return lambda channels: Identity()
    raise ValueError(kind)


def uses_bias(norm_layer):
    # The reference's rule: bias only when the norm is InstanceNorm2d.
    if isinstance(norm_layer, functools.partial):
        return norm_layer.func == nn.InstanceNorm2d
    return norm_layer == nn.InstanceNorm2d


class ResnetBlock(nn.Module):
    def __init__(self, dim, norm_layer, use_dropout, use_bias):
        super().__init__()
        layers = [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, padding=0, bias=use_bias), norm_layer(dim), nn.ReLU(True)]
        if use_dropout:
            layers.append(nn.Dropout(0.5))
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, padding=0, bias=use_bias), norm_layer(dim)]
        self.conv_block = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    def __init__(self, input_nc, output_nc, ngf, norm_layer, use_dropout, n_blocks):
        super().__init__()
        use_bias = uses_bias(norm_layer)
        model = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7, padding=0, bias=use_bias), norm_layer(ngf), nn.ReLU(True)]
        for i in range(2):
            mult = 2 ** i
            model += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1, bias=use_bias),
                      norm_layer(ngf * mult * 2), nn.ReLU(True)]
        for _ in range(n_blocks):
            model.append(ResnetBlock(ngf * 4, norm_layer, use_dropout, use_bias))
        for i in range(2):
            mult = 2 ** (2 - i)
            model += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, stride=2, padding=1, output_padding=1, bias=use_bias),
                      norm_layer(ngf * mult // 2), nn.ReLU(True)]
        model += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7, padding=0), nn.Tanh()]
        self.model = nn.Sequential(*model)

    def forward(self, x):
        return self.model(x)


class UnetSkipConnectionBlock(nn.Module):
    def __init__(self, outer_nc, inner_nc, input_nc=None, submodule=None, outermost=False, innermost=False,
                 norm_layer=None, use_dropout=False):
        super().__init__()
        self.outermost = outermost
        use_bias = uses_bias(norm_layer)
        if input_nc is None:
            input_nc = outer_nc
        downconv = nn.Conv2d(input_nc, inner_nc, 4, stride=2, padding=1, bias=use_bias)
        if outermost:
            upconv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, 4, stride=2, padding=1)
            model = [downconv, submodule, nn.ReLU(True), upconv, nn.Tanh()]
        elif innermost:
            upconv = nn.ConvTranspose2d(inner_nc, outer_nc, 4, stride=2, padding=1, bias=use_bias)
            model = [nn.LeakyReLU(0.2, True), downconv, nn.ReLU(True), upconv, norm_layer(outer_nc)]
        else:
            upconv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, 4, stride=2, padding=1, bias=use_bias)
            model = [nn.LeakyReLU(0.2, True), downconv, norm_layer(inner_nc), submodule,
                     nn.ReLU(True), upconv, norm_layer(outer_nc)]
            if use_dropout:
                model.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*model)

    def forward(self, x):
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


class UnetGenerator(nn.Module):
    def __init__(self, input_nc, output_nc, num_downs, ngf, norm_layer, use_dropout):
        super().__init__()
        block = UnetSkipConnectionBlock(ngf * 8, ngf * 8, innermost=True, norm_layer=norm_layer)
        for _ in range(num_downs - 5):
            block = UnetSkipConnectionBlock(ngf * 8, ngf * 8, submodule=block, norm_layer=norm_layer, use_dropout=use_dropout)
        block = UnetSkipConnectionBlock(ngf * 4, ngf * 8, submodule=block, norm_layer=norm_layer)
        block = UnetSkipConnectionBlock(ngf * 2, ngf * 4, submodule=block, norm_layer=norm_layer)
        block = UnetSkipConnectionBlock(ngf, ngf * 2, submodule=block, norm_layer=norm_layer)
        self.model = UnetSkipConnectionBlock(output_nc, ngf, input_nc=input_nc, submodule=block, outermost=True,
                                             norm_layer=norm_layer)

    def forward(self, x):
        return self.model(x)


class NLayerDiscriminator(nn.Module):
    def __init__(self, input_nc, ndf, n_layers, norm_layer):
        super().__init__()
        use_bias = uses_bias(norm_layer)
        seq = [nn.Conv2d(input_nc, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers):
            prev, mult = mult, min(2 ** n, 8)
            seq += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride=2, padding=1, bias=use_bias), norm_layer(ndf * mult),
                    nn.LeakyReLU(0.2, True)]
        prev, mult = mult, min(2 ** n_layers, 8)
        seq += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride=1, padding=1, bias=use_bias), norm_layer(ndf * mult),
                nn.LeakyReLU(0.2, True)]
        seq += [nn.Conv2d(ndf * mult, 1, 4, stride=1, padding=1)]
        self.model = nn.Sequential(*seq)

    def forward(self, x):
        return self.model(x)


class PixelDiscriminator(nn.Module):
    def __init__(self, input_nc, ndf, norm_layer):
        super().__init__()
        use_bias = uses_bias(norm_layer)
        self.net = nn.Sequential(
            nn.Conv2d(input_nc, ndf, 1), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf, ndf * 2, 1, bias=use_bias), norm_layer(ndf * 2), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 2, 1, 1, bias=use_bias))

    def forward(self, x):
        return self.net(x)


# ----------------------------------------------------------------------------------------------
# SRGAN (Ledig et al. 2017), in the key layout of Sources/Networks/SRResNet.swift

class SRResidualBlock(nn.Module):
    def __init__(self, nf):
        super().__init__()
        self.conv1 = nn.Conv2d(nf, nf, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(nf)
        self.prelu = nn.PReLU(nf)
        self.conv2 = nn.Conv2d(nf, nf, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(nf)

    def forward(self, x):
        return x + self.bn2(self.conv2(self.prelu(self.bn1(self.conv1(x)))))


class SRResNet(nn.Module):
    def __init__(self, in_nc=3, out_nc=3, nf=64, blocks=16, scale=4):
        super().__init__()
        self.head = nn.Sequential(nn.Conv2d(in_nc, nf, 9, padding=4), nn.PReLU(nf))
        self.body = nn.Sequential(*[SRResidualBlock(nf) for _ in range(blocks)])
        self.trunk = nn.Sequential(nn.Conv2d(nf, nf, 3, padding=1), nn.BatchNorm2d(nf))
        stages = []
        while scale > 1:
            stages += [nn.Conv2d(nf, nf * 4, 3, padding=1), nn.PixelShuffle(2), nn.PReLU(nf)]
            scale //= 2
        self.upsample = nn.Sequential(*stages)
        self.tail = nn.Conv2d(nf, out_nc, 9, padding=4)

    def forward(self, x):
        features = self.head(x)
        return self.tail(self.upsample(self.trunk(self.body(features)) + features))


class SRDiscriminator(nn.Module):
    def __init__(self, in_nc=3, ndf=64, image_size=96):
        super().__init__()
        layers = [nn.Conv2d(in_nc, ndf, 3, padding=1), nn.LeakyReLU(0.2, True)]
        channels = ndf
        for index in range(1, 8):
            width = ndf << (index // 2)
            layers += [nn.Conv2d(channels, width, 3, stride=2 if index % 2 == 1 else 1, padding=1), nn.BatchNorm2d(width),
                       nn.LeakyReLU(0.2, True)]
            channels = width
        self.features = nn.Sequential(*layers)
        side = image_size // 16
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(channels * side * side, ndf * 16), nn.LeakyReLU(0.2, True),
                                        nn.Linear(ndf * 16, 1))

    def forward(self, x):
        return self.classifier(self.features(x))


def vgg19_features(width):
    """torchvision's VGG19 `features[:36]` with the stage widths scaled to `width` (64 = the real one)."""
    cfg = [width, width, "M", 2 * width, 2 * width, "M"] + [4 * width] * 4 + ["M"] + [8 * width] * 4 + ["M"] + [8 * width] * 4 + ["M"]
    vgg = torchvision.models.VGG(torchvision.models.vgg.make_layers(cfg, batch_norm=False), init_weights=True)
    holder = nn.Module()
    holder.features = vgg.features[:36]
    holder.forward = lambda x: holder.features(x)
    return holder


# ----------------------------------------------------------------------------------------------
# Helpers

def deterministic_input(shape):
    n = int(np.prod(shape))
    return torch.from_numpy((0.8 * np.sin(0.37 * np.arange(n, dtype=np.float64) + 0.1)).astype(np.float32).reshape(shape))


def randomise(net, seed):
    """Every parameter and running statistic random, so a wrong index or a missed bias shows."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, module in net.named_modules():
            if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                # Inputs per output: dim 1 for Conv2d/Linear ([out, in, …]), dim 0 for ConvTranspose2d.
                w = module.weight
                fan_in = (w.shape[0] if isinstance(module, nn.ConvTranspose2d) else w.shape[1]) * w[0, 0].numel()
                bound = 1.5 / np.sqrt(fan_in)
                module.weight.uniform_(-bound, bound, generator=g)
                if module.bias is not None:
                    module.bias.uniform_(-0.2, 0.2, generator=g)
            elif isinstance(module, nn.BatchNorm2d):
                module.weight.uniform_(0.5, 1.5, generator=g)
                module.bias.uniform_(-0.3, 0.3, generator=g)
                module.running_mean.normal_(0, 0.2, generator=g)
                module.running_var.uniform_(0.5, 1.5, generator=g)
                module.num_batches_tracked.fill_(7)
            elif isinstance(module, nn.InstanceNorm2d) and module.track_running_stats:
                module.running_mean.normal_(0, 0.2, generator=g)
                module.running_var.uniform_(0.5, 1.5, generator=g)
            elif isinstance(module, nn.PReLU):
                module.weight.uniform_(0.05, 0.4, generator=g)
    return net


def loss_weights(n):
    """The weights of the scalar loss Σ wᵢ·yᵢ whose gradients are compared: wᵢ = cos(0.11·i)."""
    return torch.from_numpy(np.cos(0.11 * np.arange(n, dtype=np.float64)).astype(np.float32))


def write_case(manifest, name, net, spec, input_shape, *, pth=None, extra=None, state_dict=None, legacy=False, key=None,
               training=None, gradients=None):
    """Saves `<name>.pth` and `<name>.expected.safetensors`: the output in eval mode; with `training`
    (a dropout-free twin of `net`), the training-mode output and the running statistics after it;
    with `gradients` ("training" or "inference"), the gradients of Σ wᵢ·yᵢ with respect to the
    input ("grad_input") and every parameter ("grad.<key>") in that mode (batch statistics in
    training mode; the twin, or `net` itself when it has no dropout)."""
    x = deterministic_input(input_shape)
    net.eval()
    with torch.no_grad():
        expected = {"output": net(x).contiguous()}
    if gradients is not None:
        subject = copy.deepcopy(training if training is not None else net)
        subject.load_state_dict(net.state_dict())
        subject.train(gradients == "training")
        xg = x.clone().requires_grad_(True)
        y = subject(xg)
        (y.reshape(-1) * loss_weights(y.numel())).sum().backward()
        expected["grad_input"] = xg.grad.contiguous()
        for k, p in subject.named_parameters():
            expected["grad." + k] = p.grad.contiguous()
    if training is not None:
        training.load_state_dict(net.state_dict())
        training.train()
        with torch.no_grad():
            expected["output_training"] = training(x).contiguous()
        for k, v in training.state_dict().items():
            if k.endswith("running_mean") or k.endswith("running_var"):
                expected["after_training." + k] = v.clone().contiguous()
    path = pth or (name + ".pth")
    to_save = state_dict if state_dict is not None else net.state_dict()
    if legacy:
        torch.save(to_save, os.path.join(OUT, path), _use_new_zipfile_serialization=False)
    else:
        torch.save(to_save, os.path.join(OUT, path))
    save_file(expected, os.path.join(OUT, name + ".expected.safetensors"))
    case = {"name": name, "pth": path, "spec": spec, "input_shape": list(input_shape)}
    if gradients is not None:
        case["gradients"] = gradients
    if key:
        case["key"] = key
    if extra:
        case.update(extra)
    manifest.append(case)


def spec_json(role, kind, **fields):
    return dict(role=role, kind=kind, **fields)


# ----------------------------------------------------------------------------------------------

def print_counts():
    def count(net):
        return sum(p.numel() for p in net.parameters()), len(net.state_dict())
    rows = [
        ("resnet_9blocks instance", ResnetGenerator(3, 3, 64, norm_layer_for("instance"), False, 9)),
        ("resnet_9blocks instance dropout", ResnetGenerator(3, 3, 64, norm_layer_for("instance"), True, 9)),
        ("resnet_6blocks instance", ResnetGenerator(3, 3, 64, norm_layer_for("instance"), False, 6)),
        ("unet_256 batch", UnetGenerator(3, 3, 8, 64, norm_layer_for("batch"), True)),
        ("unet_128 batch", UnetGenerator(3, 3, 7, 64, norm_layer_for("batch"), True)),
        ("unet_256 batch 1->2", UnetGenerator(1, 2, 8, 64, norm_layer_for("batch"), True)),
        ("basic instance 3", NLayerDiscriminator(3, 64, 3, norm_layer_for("instance"))),
        ("basic batch 6", NLayerDiscriminator(6, 64, 3, norm_layer_for("batch"))),
        ("basic batch 3", NLayerDiscriminator(3, 64, 3, norm_layer_for("batch"))),
        ("pixel instance 3", PixelDiscriminator(3, 64, norm_layer_for("instance"))),
        ("srresnet x4 B16", SRResNet()),
        ("srgan D 96", SRDiscriminator()),
        ("vgg19 features[:36]", vgg19_features(64)),
    ]
    for label, net in rows:
        params, keys = count(net)
        print(f"{label:34s} {params:>12,d} params {keys:>4d} keys")
    tv = torchvision.models.vgg19(weights=None).features[:36]
    print(f"{'torchvision vgg19().features[:36]':34s} {sum(p.numel() for p in tv.parameters()):>12,d} params")


def write_malicious(path):
    """A torch-layout zip whose data.pkl would call os.system: the reader must refuse it."""
    class Exploit:
        def __reduce__(self):
            return (os.system, ("echo this must never run",))
    payload = pickle.dumps({"model.0.weight": Exploit()}, protocol=2)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("malicious/data.pkl", payload)
        archive.writestr("malicious/byteorder", "little")
        archive.writestr("malicious/version", "3\n")


def main():
    if "--counts" in sys.argv:
        print_counts()
        return
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    manifest = []

    # CycleGAN generator as in the pretrained zoo: resnet_9blocks, instance norm, no dropout.
    net = randomise(ResnetGenerator(3, 3, 4, norm_layer_for("instance"), False, 9), 1)
    write_case(manifest, "resnet9_instance", net,
               spec_json("generator", "resnet_9blocks", input_nc=3, output_nc=3, ngf=4, norm="instance", dropout=False, blocks=9),
               (1, 3, 32, 32), gradients="inference")

    # resnet_6blocks with batch norm (no conv biases) and dropout (second conv at conv_block.6),
    # 2 → 3 channels and a non-square input.
    net = randomise(ResnetGenerator(2, 3, 4, norm_layer_for("batch"), True, 6), 2)
    write_case(manifest, "resnet6_batch_dropout", net,
               spec_json("generator", "resnet_6blocks", input_nc=2, output_nc=3, ngf=4, norm="batch", dropout=True, blocks=6),
               (1, 2, 32, 48))

    # pix2pix colorization U-Net (unet_128, batch, 1 → 2), in eval mode and in training mode
    # (batch statistics; the twin has no dropout so the masks do not matter).
    net = randomise(UnetGenerator(1, 2, 7, 2, norm_layer_for("batch"), True), 3)
    twin = UnetGenerator(1, 2, 7, 2, norm_layer_for("batch"), False)
    write_case(manifest, "unet128_batch", net,
               spec_json("generator", "unet_128", input_nc=1, output_nc=2, ngf=2, norm="batch", dropout=True, downsamplings=7),
               (1, 1, 128, 128), training=twin, gradients="training")

    # A U-Net with instance norm (conv biases) and 6 downsamplings on a 64² input, batch 2.
    net = randomise(UnetGenerator(3, 3, 6, 2, norm_layer_for("instance"), False), 4)
    write_case(manifest, "unet6_instance", net,
               spec_json("generator", "unet_256", input_nc=3, output_nc=3, ngf=2, norm="instance", dropout=False,
                         downsamplings=6),
               (2, 3, 64, 64))

    # pix2pix PatchGAN: basic, batch norm, 6 channels.
    net = randomise(NLayerDiscriminator(6, 4, 3, norm_layer_for("batch")), 5)
    write_case(manifest, "patchgan_basic_batch", net,
               spec_json("discriminator", "basic", input_nc=6, ndf=4, norm="batch", n_layers=3), (1, 6, 64, 64))
    patchgan_state = net.state_dict()

    # n_layers = 4 with instance norm.
    net = randomise(NLayerDiscriminator(3, 4, 4, norm_layer_for("instance")), 6)
    write_case(manifest, "patchgan_nlayers4_instance", net,
               spec_json("discriminator", "n_layers", input_nc=3, ndf=4, norm="instance", n_layers=4), (1, 3, 64, 64))

    # PixelGAN with norm none (Identity; no conv biases but the first), stored as float64 with two
    # strided tensor views to exercise dtype conversion and stride handling.
    net = randomise(PixelDiscriminator(3, 4, norm_layer_for("none")), 7)
    sd = {k: v.double() for k, v in net.state_dict().items()}
    w0 = sd["net.0.weight"]                                  # [4, 3, 1, 1]
    big = torch.zeros(40, dtype=torch.float64)
    big[5:17] = w0.reshape(-1)
    sd["net.0.weight"] = big[5:17].view(4, 3, 1, 1)          # offset 5 in a 40-element storage
    w2 = sd["net.2.weight"]                                  # [8, 4, 1, 1]
    # The same values through a transposed buffer: strides (1, 8, 1, 1).
    sd["net.2.weight"] = w2.reshape(8, 4).t().contiguous().t().unsqueeze(-1).unsqueeze(-1)
    assert not sd["net.2.weight"].is_contiguous()
    write_case(manifest, "pixel_none", net, spec_json("discriminator", "pixel", input_nc=3, ndf=4, norm="none"),
               (1, 3, 16, 16), state_dict=sd)

    # A pre-0.4-style PatchGAN: legacy (non-zip) file whose InstanceNorm layers carry running
    # statistics; the reference deletes those keys when loading, and so must the importer.
    old = randomise(NLayerDiscriminator(3, 4, 3, norm_layer_for("instance", legacy_instance=True)), 8)
    net = NLayerDiscriminator(3, 4, 3, norm_layer_for("instance"))
    net.load_state_dict({k: v for k, v in old.state_dict().items() if "running" not in k and "num_batches" not in k})
    write_case(manifest, "patchgan_legacy_instance", net,
               spec_json("discriminator", "basic", input_nc=3, ndf=4, norm="instance", n_layers=3), (1, 3, 64, 64),
               state_dict=old.state_dict(), legacy=True)

    # SRResNet ×4 (3 blocks, 8 features), saved as BasicSR does: {'params': …, 'params_ema': …};
    # the importer must prefer params_ema.
    net = randomise(SRResNet(3, 3, 8, 3, 4), 9)
    decoy = {k: (v + 1 if v.is_floating_point() else v) for k, v in net.state_dict().items()}
    write_case(manifest, "srresnet_x4", net,
               spec_json("generator", "srresnet", input_nc=3, output_nc=3, ngf=8, norm="batch", dropout=False, blocks=3,
                         scale=4),
               (1, 3, 16, 16), state_dict={"params": decoy, "params_ema": net.state_dict()}, key=None,
               gradients="training")

    # SRGAN discriminator for 32² inputs, batch of 2.
    net = randomise(SRDiscriminator(3, 4, 32), 10)
    write_case(manifest, "srgan_d", net, spec_json("discriminator", "srgan", input_nc=3, ndf=4, norm="batch", image_size=32),
               (2, 3, 32, 32), gradients="training")

    # torchvision VGG19 features[:36] at width 4 (same keys as the real one).
    # A full torchvision state dict also holds the classifier, which the importer drops; small
    # stand-ins with torchvision's keys (classifier.0/3/6) keep the file small.
    torch.manual_seed(11)
    net = randomise(vgg19_features(4), 11)
    sd = dict(net.state_dict())
    for index, shape in [(0, (6, 5)), (3, (6, 6)), (6, (10, 6))]:
        sd[f"classifier.{index}.weight"] = torch.zeros(shape)
        sd[f"classifier.{index}.bias"] = torch.zeros(shape[0])
    write_case(manifest, "vgg19_w4", net, spec_json("features", "vgg19", input_nc=3, width=4), (1, 3, 32, 32),
               state_dict=sd)

    # A checkpoint written by Python's safetensors package with translate's metadata: the Swift
    # side must rebuild the PatchGAN from the metadata alone and match patchgan_basic_batch.
    arch = json.dumps(spec_json("discriminator", "basic", input_nc=6, ndf=4, norm="batch", n_layers=3), sort_keys=True)
    tensors = {k: v.float().contiguous() for k, v in patchgan_state.items()}
    save_file(tensors, os.path.join(OUT, "patchgan_python.safetensors"), metadata={
        "format": "translate-checkpoint/1",
        "architecture": arch,
        "preprocessing": json.dumps({"input_range": "[-1,1]", "output_range": "[-1,1]", "color": "rgb"}),
        "training_options": json.dumps({"lr": "0.0002", "gan_mode": "vanilla"}),
        "step": "1200",
        "made_by": "safetensors (Python) in scripts/make_network_fixtures.py",
    })

    write_malicious(os.path.join(OUT, "malicious.pth"))

    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump({"torch": torch.__version__, "torchvision": torchvision.__version__, "cases": manifest}, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, name)) for name in os.listdir(OUT))
    print(f"wrote {len(manifest)} cases to {os.path.normpath(OUT)} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
