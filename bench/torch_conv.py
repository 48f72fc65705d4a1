#!/usr/bin/env python3
"""PyTorch twin of `bench-kernels`: times conv forward, input gradient and weight gradient on the same
shapes (batch 1, float32, CPU) and prints JSON {"torch": version, "rows": [{shape, pass, threads, ms, ...}]}.

Forward runs under no_grad; the input gradient is torch.autograd.grad(y, x, gy) and the weight gradient
torch.autograd.grad(y, w, gy) on a graph kept alive with retain_graph, so each computes only the one
gradient (as conv's backward does with its output mask). Timing: best per-call time over --rounds rounds
of at least --min-time seconds each, after a warm-up call.

Usage: python bench/torch_conv.py [--threads 1,2] [--rounds 5] [--min-time 0.3] [--shapes SUBSTRING | --shape NAME]
(bench-kernels --torch-python PYTHON calls it once per shape with --shape.)
"""
import argparse
import json
import sys
import time

import torch
import torch.nn.functional as F

# name, transposed, Cin, Cout, size, kernel, stride, padding, output_padding — same names as bench-kernels.
SHAPES = [
    ("3→64 k7 p3 @256²", False, 3, 64, 256, 7, 1, 3, 0),
    ("64→128 k3 s2 p1 @256²", False, 64, 128, 256, 3, 2, 1, 0),
    ("256→256 k3 p1 @64²", False, 256, 256, 64, 3, 1, 1, 0),
    ("64→64 k3 p1 @256²", False, 64, 64, 256, 3, 1, 1, 0),
    ("T 256→128 k3 s2 p1 op1 @64²", True, 256, 128, 64, 3, 2, 1, 1),
    ("6→64 k4 s2 p1 @256²", False, 6, 64, 256, 4, 2, 1, 0),
    ("64→128 k4 s2 p1 @128²", False, 64, 128, 128, 4, 2, 1, 0),
    ("128→256 k4 s2 p1 @64²", False, 128, 256, 64, 4, 2, 1, 0),
    ("T 128→64 k4 s2 p1 @64²", True, 128, 64, 64, 4, 2, 1, 0),
    ("3→64 k9 p4 @96²", False, 3, 64, 96, 9, 1, 4, 0),
    ("64→64 k3 p1 @96²", False, 64, 64, 96, 3, 1, 1, 0),
]


def measure(fn, rounds, min_time):
    fn()
    best, best_ratio = float("inf"), 0.0
    for _ in range(rounds):
        calls = 0
        w0, c0 = time.perf_counter(), time.process_time()
        while True:
            fn()
            calls += 1
            w1 = time.perf_counter()
            if w1 - w0 >= min_time:
                break
        c1 = time.process_time()
        per_call = (w1 - w0) / calls
        if per_call < best:
            best, best_ratio = per_call, (c1 - c0) / (w1 - w0)
    return best, best_ratio


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.3)
    parser.add_argument("--shapes", default=None, help="only shapes whose name contains this")
    parser.add_argument("--shape", default=None, help="only the shape with exactly this name")
    args = parser.parse_args()

    torch.manual_seed(0)
    rows = []
    for name, transposed, cin, cout, size, k, s, p, op in SHAPES:
        if (args.shapes and args.shapes not in name) or (args.shape and args.shape != name):
            continue
        x = torch.rand(1, cin, size, size) * 2 - 1
        if transposed:
            w = torch.rand(cin, cout, k, k) * 2 - 1
            conv = lambda x, w: F.conv_transpose2d(x, w, None, stride=s, padding=p, output_padding=op)
            macs = cin * cout * k * k * size * size
        else:
            w = torch.rand(cout, cin, k, k) * 2 - 1
            conv = lambda x, w: F.conv2d(x, w, None, stride=s, padding=p)
            out = (size + 2 * p - k) // s + 1
            macs = cout * cin * k * k * out * out
        xg, wg = x.clone().requires_grad_(True), w.clone().requires_grad_(True)
        y = conv(xg, wg)
        gy = torch.rand_like(y) * 2 - 1

        def forward():
            with torch.no_grad():
                conv(x, w)

        def input_grad():
            torch.autograd.grad(y, xg, gy, retain_graph=True)

        def weight_grad():
            torch.autograd.grad(y, wg, gy, retain_graph=True)

        for threads in [int(t) for t in args.threads.split(",")]:
            torch.set_num_threads(threads)
            for pass_name, fn in (("forward", forward), ("input-grad", input_grad), ("weight-grad", weight_grad)):
                seconds, ratio = measure(fn, args.rounds, args.min_time)
                rows.append({"shape": name, "pass": pass_name, "threads": threads, "ms": seconds * 1e3,
                             "gflops": 2 * macs / seconds / 1e9, "cpuWall": ratio})
    json.dump({"torch": torch.__version__, "rows": rows}, sys.stdout, indent=1, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
