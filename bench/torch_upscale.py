#!/usr/bin/env python3
"""One super-resolution forward pass in PyTorch (CPU) on one S×S tile, for the `translate upscale`
benchmark (bench/sections/55-upscale.sh): SRResNet x4 (16 blocks, 64 channels, batch norm in eval
mode; scripts/make_network_fixtures.py, our key layout) or RRDBNet x4 (23 RRDBs, 64 features, growth
32: RealESRGAN_x4plus; scripts/make_sr_zoo_fixtures.py, BasicSR's keys), with PyTorch's default
initialisation, in inference mode. Input RGB [1, 3, S, S] in [0, 1]; no image decoding or encoding
(the tile is the network's whole work).
Prints one JSON line: seconds of the pass (best of --repeats, after no warm-up: as a one-image CLI
run sees it), seconds per input megapixel, cpu/wall, this process's peak RSS (ru_maxrss) and its RSS
with torch imported before the network (base)."""
import argparse
import importlib.util
import json
import os
import resource
import sys
import time
import types

import torch

here = os.path.dirname(os.path.abspath(__file__))
if importlib.util.find_spec("safetensors") is None:
    # The fixture scripts import safetensors to write fixtures; the benchmark only needs their modules
    # (`make bench-env` installs torch, torchvision, pillow and numpy).
    sys.modules["safetensors"] = types.ModuleType("safetensors")
    sys.modules["safetensors.torch"] = types.ModuleType("safetensors.torch")
    sys.modules["safetensors.torch"].save_file = None


def load(script):
    spec = importlib.util.spec_from_file_location(script, os.path.join(here, "..", "scripts", script + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


parser = argparse.ArgumentParser()
parser.add_argument("--model", choices=["srresnet", "rrdbnet"], required=True)
parser.add_argument("--size", type=int, default=512, help="input tile side")
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--repeats", type=int, default=1)
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(1)


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


base_rss = peak_rss_mib()
if args.model == "srresnet":
    net = load("make_network_fixtures").SRResNet(3, 3, 64, 16, 4)
else:
    net = load("make_sr_zoo_fixtures").RRDBNet(3, 3, scale=4, num_feat=64, num_block=23, num_grow_ch=32)
net.eval()
image = torch.rand(1, 3, args.size, args.size)
times = []
cpu0, wall0 = time.process_time(), time.perf_counter()
with torch.inference_mode():
    for _ in range(max(1, args.repeats)):
        t = time.perf_counter()
        out = net(image)
        times.append(time.perf_counter() - t)
        assert out.shape[-1] == 4 * args.size
        del out
cpu_used = time.process_time() - cpu0
megapixels = args.size * args.size / 1e6
print(json.dumps({"impl": "pytorch", "model": args.model, "torch": torch.__version__, "threads": args.threads, "size": args.size,
                  "params": sum(p.numel() for p in net.parameters()), "seconds": round(min(times), 3),
                  "s_per_mp": round(min(times) / megapixels, 2),
                  "cpu_wall": round(cpu_used / (time.perf_counter() - wall0), 2),
                  "base_rss_mib": round(base_rss, 1), "peak_rss_mib": round(peak_rss_mib(), 1)}))
