#!/usr/bin/env python3
"""Makes datasets/samples/horse2zebra/ (deterministic): a small synthetic *unpaired* stand-in for
CycleGAN's horse2zebra.

- Domain A (trainA/, testA/): smooth brown animal-like shapes (body ellipse, neck and head, four legs,
  tail; random pose, size, position and facing) on green textured grass.
- Domain B (trainB/, testB/): the same kind of shapes, drawn independently, with black-and-white
  stripes that follow the body, on the same kind of grass.
Every image is its own random draw: no picture appears in both domains, so the task is a real unpaired
translation (add stripes A→B, remove them B→A).

It prints the "stripe share" of each folder: the share of near-black / near-white, low-saturation
pixels (SampleMetrics.stripeShare in Swift uses the same thresholds). Grass is green and the animals
brown, so it is ~0 for A and clearly above 0 for B.

Needs numpy and Pillow:  python scripts/make_horse2zebra_sample.py
"""
import os
import sys
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "datasets", "samples", "horse2zebra")
S = 64          # image side
SS = 4          # supersampling factor for smooth shape edges
COUNTS = {"trainA": 64, "trainB": 64, "testA": 10, "testB": 10}
QUALITY = 88

# Same thresholds as SampleMetrics in Sources/DatasetRegistry/SampleMetrics.swift.
MAX_CHROMA, MAX_DARK, MIN_LIGHT = 40, 70, 185


def stripe_share(rgb):
    a = np.asarray(rgb).astype(np.int32)
    hi, lo = a.max(-1), a.min(-1)
    return float((((hi - lo) <= MAX_CHROMA) & ((hi <= MAX_DARK) | (lo >= MIN_LIGHT))).mean())


def smooth_noise(rng, size, scale):
    """Low-frequency noise in [-1, 1]: a coarse random grid upsampled bicubically."""
    n = max(2, size // scale)
    coarse = Image.fromarray(((rng.random((n, n)) * 255)).astype(np.uint8))
    return np.asarray(coarse.resize((size, size), Image.BICUBIC)).astype(np.float32) / 127.5 - 1


def grass(rng):
    base = np.array([rng.uniform(55, 95), rng.uniform(125, 165), rng.uniform(35, 60)], np.float32)
    light = 22 * smooth_noise(rng, S, 16) + 10 * smooth_noise(rng, S, 4)
    img = base + light[..., None] * np.array([0.6, 1.0, 0.5], np.float32)
    # Vertical blades: short darker/lighter streaks.
    im = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(im)
    for _ in range(int(rng.integers(25, 45))):
        x, y = int(rng.integers(0, S)), int(rng.integers(0, S))
        h = int(rng.integers(2, 6))
        shade = float(rng.uniform(0.75, 1.2))
        c = tuple(int(min(255, v * shade)) for v in base)
        d.line([x, y, x + int(rng.integers(-1, 2)), y - h], fill=c)
    a = np.asarray(im).astype(np.float32)
    # Keep the grass clearly green (never colourless), so stripes are the only near-black/white pixels.
    a[..., 1] = np.maximum(a[..., 1], np.maximum(a[..., 0], a[..., 2]) + 50)
    return np.clip(a, 0, 255)


def animal_mask(rng):
    """A supersampled mask of one animal, plus its body axis angle (for the stripe direction)."""
    big = S * SS
    m = Image.new("L", (big, big), 0)
    d = ImageDraw.Draw(m)
    scale = rng.uniform(0.8, 1.15) * SS
    bw, bh = 15 * scale, 8 * scale                      # body half-axes
    cx = rng.uniform(bw + 8 * SS, big - bw - 8 * SS)
    cy = rng.uniform(big * 0.35, big * 0.6)
    face = 1 if rng.random() < 0.5 else -1
    d.ellipse([cx - bw, cy - bh, cx + bw, cy + bh], fill=255)
    # Legs: four slightly splayed bars below the body.
    leg = 10 * scale
    for fx in (-0.7, -0.45, 0.45, 0.7):
        x = cx + fx * bw
        splay = rng.uniform(-2, 2) * SS
        d.polygon([(x - 1.4 * scale, cy + 0.3 * bh), (x + 1.4 * scale, cy + 0.3 * bh),
                   (x + 1.2 * scale + splay, cy + bh + leg), (x - 1.2 * scale + splay, cy + bh + leg)], fill=255)
    # Neck and head at the front, raised or lowered (grazing).
    nx = cx + face * 0.8 * bw
    raise_ = rng.uniform(-0.4, 1.0)
    hx = nx + face * 6 * scale
    hy = cy - bh - raise_ * 8 * scale
    d.polygon([(nx - 3 * scale, cy - 0.2 * bh), (nx + 3 * scale, cy - 0.2 * bh),
               (hx + 2 * scale, hy), (hx - 2 * scale, hy)], fill=255)
    d.ellipse([hx - 3.2 * scale + face * 2 * scale, hy - 2.6 * scale, hx + 3.2 * scale + face * 2 * scale,
               hy + 2.6 * scale], fill=255)
    d.polygon([(hx - face * 1 * scale, hy - 2 * scale), (hx - face * 0.2 * scale, hy - 5 * scale),
               (hx + face * 0.8 * scale, hy - 1.8 * scale)], fill=255)  # ear
    # Tail at the back.
    tx = cx - face * bw
    d.line([tx, cy - 0.3 * bh, tx - face * 3 * scale, cy + bh * 0.9], fill=255, width=int(1.5 * scale))
    angle = rng.uniform(-12, 12)
    m = m.rotate(angle, resample=Image.BICUBIC, center=(cx, cy))
    return m, angle


def draw(rng, striped):
    background = grass(rng)
    mask_big, angle = animal_mask(rng)
    mask = np.asarray(mask_big.resize((S, S), Image.BOX)).astype(np.float32) / 255
    yy, xx = np.mgrid[0:S, 0:S].astype(np.float32)
    # Soft vertical shading: lighter back, darker belly.
    rows = np.where(mask.sum(1) > 0)[0]
    top, bottom = (rows.min(), rows.max()) if len(rows) else (0, S - 1)
    shade = 1.08 - 0.25 * (yy - top) / max(1, bottom - top)
    if striped:
        # Stripes across the body axis, wavy, period 4-6 px: near-black and near-white.
        theta = np.deg2rad(angle + rng.uniform(-15, 15))
        u = xx * np.cos(theta) + yy * np.sin(theta)
        period = rng.uniform(4.0, 6.0)
        wobble = 1.2 * np.sin(yy / rng.uniform(4, 7) + rng.uniform(0, 6.28))
        s = 0.5 + 0.5 * np.tanh(3 * np.sin(2 * np.pi * (u + wobble) / period))
        dark, light = rng.uniform(15, 40), rng.uniform(225, 248)
        v = dark + (light - dark) * s
        coat = np.stack([v, v, v], -1) * np.clip(shade, 0.9, 1.05)[..., None]
    else:
        brown = np.array([rng.uniform(125, 165), rng.uniform(72, 100), rng.uniform(30, 52)], np.float32)
        coat = brown * shade[..., None] + 6 * smooth_noise(rng, S, 8)[..., None]
        # Keep it clearly brown (red well above blue).
        coat[..., 0] = np.maximum(coat[..., 0], coat[..., 2] + 70)
    img = background * (1 - mask[..., None]) + coat * mask[..., None]
    return Image.fromarray(np.clip(img, 0, 255).round().astype(np.uint8))


def main():
    total = 0
    for folder, count in COUNTS.items():
        out = os.path.join(ROOT, folder)
        os.makedirs(out, exist_ok=True)
        for f in os.listdir(out):
            os.remove(os.path.join(out, f))
        # One generator per folder: A and B (and train and test) are independent draws.
        rng = np.random.default_rng({"trainA": 101, "trainB": 202, "testA": 303, "testB": 404}[folder])
        shares = []
        for i in range(count):
            im = draw(rng, striped=folder.endswith("B"))
            path = os.path.join(out, f"{folder}_{i:03d}.jpg")
            im.save(path, quality=QUALITY)
            total += os.path.getsize(path)
            shares.append(stripe_share(Image.open(path).convert("RGB")))
        print(f"{folder}: {count} images, stripe share mean {np.mean(shares):.4f} "
              f"(min {np.min(shares):.4f}, max {np.max(shares):.4f})")
    print(f"total {total / 1024:.0f} KiB in {ROOT}")


if __name__ == "__main__":
    sys.exit(main())
