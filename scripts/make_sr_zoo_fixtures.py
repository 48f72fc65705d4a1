#!/usr/bin/env python3
"""Builds the fixtures of the BasicSR/Real-ESRGAN zoo parity tests (Tests/Fixtures/sr_zoo/).

Usage:  /work/venv-torch/bin/python scripts/make_sr_zoo_fixtures.py [--counts]

The modules below are written from the ESRGAN paper (Wang et al. 2018), Real-ESRGAN (Wang et al.
2021) and the architecture files of BasicSR (basicsr/archs/rrdbnet_arch.py, srvgg_arch.py,
srresnet_arch.py, arch_util.py), with the same module names, hence the same state-dict keys as the
released `.pth` files. BasicSR itself is not imported.

For each case a small-width network gets random weights from a fixed seed; the state dict is saved
as BasicSR saves it, `{'params_ema': weights, 'params': decoy}` (the decoy is every tensor + 1, so a
test that picked `params` would fail) or `{'params': weights}` alone (as realesr-general-x4v3), and
the output for a deterministic input is saved as `<case>.expected.safetensors`. The input is
x[i] = 0.5 + 0.45·sin(0.37·i + 0.1) over the flattened NCHW tensor (RGB in [0, 1]), recomputed by
the Swift tests. `manifest.json` lists the cases. `--counts` prints the full-size parameter counts
pinned in ParameterCountTests.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "sr_zoo")


def pixel_unshuffle(x, scale):
    """[b, c, h·s, w·s] → [b, c·s², h, w], channel c·s² + i·s + j = pixel (i, j) of each s×s block."""
    b, c, hh, hw = x.size()
    h, w = hh // scale, hw // scale
    return x.view(b, c, h, scale, w, scale).permute(0, 1, 3, 5, 2, 4).reshape(b, c * scale * scale, h, w)


class ResidualDenseBlock(nn.Module):
    def __init__(self, num_feat, num_grow_ch):
        super().__init__()
        self.conv1 = nn.Conv2d(num_feat, num_grow_ch, 3, 1, 1)
        self.conv2 = nn.Conv2d(num_feat + num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv3 = nn.Conv2d(num_feat + 2 * num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv4 = nn.Conv2d(num_feat + 3 * num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv5 = nn.Conv2d(num_feat + 4 * num_grow_ch, num_feat, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(0.2)

    def forward(self, x):
        x1 = self.lrelu(self.conv1(x))
        x2 = self.lrelu(self.conv2(torch.cat((x, x1), 1)))
        x3 = self.lrelu(self.conv3(torch.cat((x, x1, x2), 1)))
        x4 = self.lrelu(self.conv4(torch.cat((x, x1, x2, x3), 1)))
        x5 = self.conv5(torch.cat((x, x1, x2, x3, x4), 1))
        return x5 * 0.2 + x


class RRDB(nn.Module):
    def __init__(self, num_feat, num_grow_ch):
        super().__init__()
        self.rdb1 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb2 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb3 = ResidualDenseBlock(num_feat, num_grow_ch)

    def forward(self, x):
        return self.rdb3(self.rdb2(self.rdb1(x))) * 0.2 + x


class RRDBNet(nn.Module):
    def __init__(self, num_in_ch=3, num_out_ch=3, scale=4, num_feat=64, num_block=23, num_grow_ch=32):
        super().__init__()
        self.scale = scale
        unshuffled = num_in_ch * {4: 1, 2: 4, 1: 16}[scale]
        self.conv_first = nn.Conv2d(unshuffled, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*[RRDB(num_feat, num_grow_ch) for _ in range(num_block)])
        self.conv_body = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_hr = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(0.2)

    def forward(self, x):
        feat = x if self.scale == 4 else pixel_unshuffle(x, 2 if self.scale == 2 else 4)
        feat = self.conv_first(feat)
        feat = feat + self.conv_body(self.body(feat))
        feat = self.lrelu(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")))
        feat = self.lrelu(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")))
        return self.conv_last(self.lrelu(self.conv_hr(feat)))


class SRVGGNetCompact(nn.Module):
    def __init__(self, num_in_ch=3, num_out_ch=3, num_feat=64, num_conv=16, upscale=4):
        super().__init__()
        self.upscale = upscale
        self.body = nn.ModuleList([nn.Conv2d(num_in_ch, num_feat, 3, 1, 1), nn.PReLU(num_parameters=num_feat)])
        for _ in range(num_conv):
            self.body.append(nn.Conv2d(num_feat, num_feat, 3, 1, 1))
            self.body.append(nn.PReLU(num_parameters=num_feat))
        self.body.append(nn.Conv2d(num_feat, num_out_ch * upscale * upscale, 3, 1, 1))
        self.upsampler = nn.PixelShuffle(upscale)

    def forward(self, x):
        out = x
        for layer in self.body:
            out = layer(out)
        return self.upsampler(out) + F.interpolate(x, scale_factor=float(self.upscale), mode="nearest")


class ResidualBlockNoBN(nn.Module):
    def __init__(self, num_feat):
        super().__init__()
        self.conv1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)

    def forward(self, x):
        return x + self.conv2(F.relu(self.conv1(x)))


class MSRResNet(nn.Module):
    def __init__(self, num_in_ch=3, num_out_ch=3, num_feat=64, num_block=16, upscale=4):
        super().__init__()
        self.upscale = upscale
        self.conv_first = nn.Conv2d(num_in_ch, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*[ResidualBlockNoBN(num_feat) for _ in range(num_block)])
        if upscale in (2, 3):
            self.upconv1 = nn.Conv2d(num_feat, num_feat * upscale * upscale, 3, 1, 1)
            self.pixel_shuffle = nn.PixelShuffle(upscale)
        else:
            self.upconv1 = nn.Conv2d(num_feat, num_feat * 4, 3, 1, 1)
            self.upconv2 = nn.Conv2d(num_feat, num_feat * 4, 3, 1, 1)
            self.pixel_shuffle = nn.PixelShuffle(2)
        self.conv_hr = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(0.1)

    def forward(self, x):
        out = self.body(self.lrelu(self.conv_first(x)))
        if self.upscale == 4:
            out = self.lrelu(self.pixel_shuffle(self.upconv1(out)))
            out = self.lrelu(self.pixel_shuffle(self.upconv2(out)))
        else:
            out = self.lrelu(self.pixel_shuffle(self.upconv1(out)))
        out = self.conv_last(self.lrelu(self.conv_hr(out)))
        return out + F.interpolate(x, scale_factor=self.upscale, mode="bilinear", align_corners=False)


def count(net):
    return sum(p.numel() for p in net.parameters())


def randomise(net, seed):
    """Conv weights N(0, 0.15²), biases N(0, 0.05²), PReLU slopes U(0.05, 0.4)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in net.named_parameters():
            if p.dim() == 1 and not name.endswith("bias"):
                p.copy_(0.05 + 0.35 * torch.rand(p.shape, generator=g))
            elif name.endswith("bias"):
                p.copy_(0.05 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.15 * torch.randn(p.shape, generator=g))
    return net.eval()


def test_input(shape):
    n = int(np.prod(shape))
    x = 0.5 + 0.45 * np.sin(0.37 * np.arange(n, dtype=np.float64) + 0.1)
    return torch.from_numpy(x.astype(np.float32).reshape(shape))


def write_case(manifest, name, net, spec, input_shape, wrap):
    state = {k: v.detach().clone().contiguous() for k, v in net.state_dict().items()}
    if wrap == "params_ema":
        blob = {"params": {k: v + 1 for k, v in state.items()}, "params_ema": state}
    else:
        blob = {"params": state}
    torch.save(blob, os.path.join(OUT, name + ".pth"))
    x = test_input(input_shape)
    with torch.no_grad():
        y = net(x)
    save_file({"output": y.contiguous()}, os.path.join(OUT, name + ".expected.safetensors"))
    manifest.append({"name": name, "pth": name + ".pth", "spec": spec, "input_shape": list(input_shape),
                     "wrapped_in": wrap})


def main():
    torch.set_num_threads(1)
    if "--counts" in sys.argv:
        for label, net in [
            ("RRDBNet 23 blocks x4 (RealESRGAN_x4plus)", RRDBNet(scale=4, num_block=23)),
            ("RRDBNet 6 blocks x4 (RealESRGAN_x4plus_anime_6B)", RRDBNet(scale=4, num_block=6)),
            ("RRDBNet 23 blocks x2 (RealESRGAN_x2plus)", RRDBNet(scale=2, num_block=23)),
            ("SRVGGNetCompact num_conv 32 x4 (realesr-general-x4v3)", SRVGGNetCompact(num_conv=32)),
            ("SRVGGNetCompact num_conv 16 x4 (realesr-animevideov3)", SRVGGNetCompact(num_conv=16)),
            ("MSRResNet x4", MSRResNet(upscale=4)),
        ]:
            print(f"{label}: {count(net):,} parameters, {len(net.state_dict())} tensors")
        return
    os.makedirs(OUT, exist_ok=True)
    manifest = []
    gen = {"role": "generator", "input_nc": 3, "output_nc": 3}
    write_case(manifest, "rrdbnet_x4", randomise(RRDBNet(scale=4, num_feat=8, num_block=2, num_grow_ch=4), 1),
               dict(gen, kind="rrdbnet", ngf=8, blocks=2, num_grow_ch=4, scale=4), (1, 3, 6, 5), "params_ema")
    write_case(manifest, "rrdbnet_x2", randomise(RRDBNet(scale=2, num_feat=8, num_block=1, num_grow_ch=4), 2),
               dict(gen, kind="rrdbnet", ngf=8, blocks=1, num_grow_ch=4, scale=2), (1, 3, 8, 6), "params")
    write_case(manifest, "rrdbnet_x1", randomise(RRDBNet(scale=1, num_feat=8, num_block=1, num_grow_ch=4), 3),
               dict(gen, kind="rrdbnet", ngf=8, blocks=1, num_grow_ch=4, scale=1), (1, 3, 8, 12), "params")
    write_case(manifest, "srvgg_x4", randomise(SRVGGNetCompact(num_feat=8, num_conv=3, upscale=4), 4),
               dict(gen, kind="srvggnet_compact", ngf=8, num_conv=3, scale=4), (1, 3, 7, 6), "params")
    write_case(manifest, "srvgg_x2", randomise(SRVGGNetCompact(num_feat=8, num_conv=2, upscale=2), 5),
               dict(gen, kind="srvggnet_compact", ngf=8, num_conv=2, scale=2), (2, 3, 5, 6), "params_ema")
    write_case(manifest, "msrresnet_x4", randomise(MSRResNet(num_feat=8, num_block=2, upscale=4), 6),
               dict(gen, kind="msrresnet", ngf=8, blocks=2, scale=4), (1, 3, 6, 7), "params_ema")
    write_case(manifest, "msrresnet_x3", randomise(MSRResNet(num_feat=8, num_block=1, upscale=3), 7),
               dict(gen, kind="msrresnet", ngf=8, blocks=1, scale=3), (1, 3, 5, 4), "params")
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": manifest}, f, indent=1)
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {len(manifest)} cases to {os.path.normpath(OUT)} ({total / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
