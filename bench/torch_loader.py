#!/usr/bin/env python3
"""The reference input pipeline for the loader benchmark (bench/sections/20-loader.sh).

PIL decode (Image.open(path).convert('RGB'), as pytorch-CycleGAN-and-pix2pix), torchvision
RandomCrop + RandomHorizontalFlip + ToTensor + Normalize(0.5, 0.5), batched by
torch.utils.data.DataLoader with 1 or 2 worker processes. Prints one tab-separated line per
worker count, in bench-loader's format:

    label  pytorch  workers  images/s  cpu/wall  images

cpu/wall counts the main process and its worker processes (from /proc).
"""

import argparse
import os
import sys
import time

import torch
import torchvision.transforms as transforms
from PIL import Image
from torch.utils.data import DataLoader, Dataset


class Folder(Dataset):
    def __init__(self, root, crop):
        self.files = sorted(os.path.join(root, f) for f in os.listdir(root) if f.lower().endswith(".jpg"))
        self.transform = transforms.Compose([
            transforms.RandomCrop(crop),
            transforms.RandomHorizontalFlip(),
            transforms.ToTensor(),
            transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
        ])

    def __len__(self):
        return len(self.files)

    def __getitem__(self, index):
        image = Image.open(self.files[index]).convert("RGB")
        return self.transform(image), self.files[index]


def cpu_seconds(pids):
    """User + system CPU seconds of the given processes, from /proc/<pid>/stat."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
        except OSError:
            pass
    return total


def measure(dataset, workers, batch_size, min_seconds):
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=workers, drop_last=True,
                        persistent_workers=True)
    iterator = iter(loader)  # starts the workers
    pids = [os.getpid()] + [w.pid for w in getattr(iterator, "_workers", [])]
    for _ in iterator:  # warm-up epoch
        pass
    start, cpu_start = time.perf_counter(), cpu_seconds(pids)
    images = 0
    while True:
        for batch, _ in loader:
            images += batch.shape[0]
        if time.perf_counter() - start >= min_seconds:
            break
    wall = time.perf_counter() - start
    return images / wall, (cpu_seconds(pids) - cpu_start) / wall, images


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--crop", type=int, default=224)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--min-seconds", type=float, default=3)
    parser.add_argument("--label", default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    dataset = Folder(args.folder, args.crop)
    for workers in [int(w) for w in args.workers.split(",")]:
        rate, cpu, images = measure(dataset, workers, args.batch_size, args.min_seconds)
        print(f"{args.label or args.folder}\tpytorch\t{workers}\t{rate:.0f}\t{cpu:.2f}\t{images}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
