#!/usr/bin/env python3
"""Writes the benchmark photos for bench/sections/30-apply.sh: SMALL 256×256 and LARGE 1152×864
(≈1 MP) JPEGs (quality 90) of smooth random scenes (blurred colour fields plus a little grain),
deterministic for a given seed. Usage: make_apply_images.py OUT_DIR SMALL LARGE [SEED]"""
import os
import sys

import numpy as np
from PIL import Image, ImageFilter


def scene(rng, width, height):
    # A coarse random colour grid, upsampled smoothly, with fine grain: compresses like a photo.
    coarse = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    image = Image.fromarray(coarse).resize((width, height), Image.BICUBIC).filter(ImageFilter.GaussianBlur(3))
    grain = rng.normal(0, 6, (height, width, 3))
    return Image.fromarray(np.clip(np.asarray(image, dtype=np.float64) + grain, 0, 255).astype(np.uint8))


def main():
    out, small, large = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = np.random.default_rng(int(sys.argv[4]) if len(sys.argv) > 4 else 0)
    os.makedirs(out, exist_ok=True)
    sizes = [(256, 256)] * small + [(1152, 864)] * large
    # Interleave so both sizes are spread over the run.
    order = sorted(range(len(sizes)), key=lambda i: (i * 7919) % len(sizes))
    for number, index in enumerate(order):
        width, height = sizes[index]
        scene(rng, width, height).save(os.path.join(out, f"photo{number:04d}.jpg"), quality=90)


if __name__ == "__main__":
    main()
