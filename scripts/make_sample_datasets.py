#!/usr/bin/env python3
"""Makes the small sample datasets committed under datasets/samples/ (deterministic).

- labels2scenes/{train,test}/N.jpg: a synthetic paired task in the pix2pix `aligned` layout. Each file
  is A|B side by side (256×128): A is a flat label map (sky, ground, houses, trees, sun in class colours),
  B the same scene "rendered" with gradients, texture, shading and shadows.
- labels2scenes/labels/sceneN.png: the test label maps alone (input for `translate apply`).
- colorization/{train,test}/*.jpg: 128×128 crops of the public-domain/CC0 photos that scikit-image
  ships (see datasets/samples/colorization/LICENSES.md).

Needs numpy, Pillow and scikit-image:  python scripts/make_sample_datasets.py
"""
import os
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "datasets", "samples")
S = 128

LABELS = {"sky": (70, 130, 230), "ground": (60, 160, 60), "house": (200, 60, 60), "roof": (120, 40, 140),
          "tree": (20, 90, 20), "trunk": (120, 80, 30), "sun": (250, 220, 40), "window": (240, 240, 240)}


def scene(rng):
    horizon = int(rng.integers(60, 90))
    objects = []
    for _ in range(int(rng.integers(1, 4))):
        w, h = int(rng.integers(20, 40)), int(rng.integers(18, 34))
        x = int(rng.integers(0, S - w)); y = horizon - h + int(rng.integers(5, 20))
        objects.append(("house", x, y, w, h))
    for _ in range(int(rng.integers(0, 3))):
        x = int(rng.integers(5, S - 15)); r = int(rng.integers(7, 14))
        objects.append(("tree", x, horizon + int(rng.integers(-5, 15)), r, 0))
    sun = (int(rng.integers(10, S - 10)), int(rng.integers(8, horizon - 20)), int(rng.integers(6, 12)))
    return horizon, objects, sun


def draw_labels(horizon, objects, sun):
    im = Image.new("RGB", (S, S), LABELS["sky"])
    d = ImageDraw.Draw(im)
    d.rectangle([0, horizon, S, S], fill=LABELS["ground"])
    sx, sy, sr = sun
    d.ellipse([sx - sr, sy - sr, sx + sr, sy + sr], fill=LABELS["sun"])
    for kind, x, y, a, b in objects:
        if kind == "house":
            d.rectangle([x, y, x + a, y + b], fill=LABELS["house"])
            d.polygon([(x - 3, y), (x + a + 3, y), (x + a // 2, y - a // 2)], fill=LABELS["roof"])
            d.rectangle([x + a // 4, y + b // 3, x + a // 4 + 5, y + b // 3 + 5], fill=LABELS["window"])
        else:
            d.rectangle([x - 2, y, x + 2, y + a], fill=LABELS["trunk"])
            d.ellipse([x - a, y - 2 * a, x + a, y + a // 2], fill=LABELS["tree"])
    return im


def draw_scene(horizon, objects, sun, rng):
    yy, xx = np.mgrid[0:S, 0:S].astype(np.float32)
    img = np.zeros((S, S, 3), np.float32)
    # Sky: vertical gradient; ground: darker towards the viewer with grass noise.
    t = yy / max(horizon, 1)
    img[:] = np.stack([110 + 80 * t, 160 + 60 * t, 250 - 20 * t], -1)
    g = (yy - horizon) / max(S - horizon, 1)
    ground = np.stack([70 - 30 * g, 150 - 50 * g, 50 - 20 * g], -1) + rng.normal(0, 8, (S, S, 1))
    img = np.where((yy >= horizon)[..., None], ground, img)
    im = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(im)
    sx, sy, sr = sun
    for k in range(3, 0, -1):
        glow = tuple(int(c) for c in (255, 240 - 10 * k, 150 + 20 * k))
        d.ellipse([sx - sr - 2 * k, sy - sr - 2 * k, sx + sr + 2 * k, sy + sr + 2 * k], fill=glow)
    d.ellipse([sx - sr, sy - sr, sx + sr, sy + sr], fill=(255, 250, 210))
    light_left = sx < S / 2
    for kind, x, y, a, b in objects:
        if kind == "house":
            # Shadow on the ground away from the sun.
            off = 8 if light_left else -8
            d.polygon([(x, y + b), (x + a, y + b), (x + a + off, y + b + 4), (x + off, y + b + 4)], fill=(40, 90, 35))
            wall = (225, 200, 170) if light_left else (190, 165, 140)
            d.rectangle([x, y, x + a, y + b], fill=wall)
            for by in range(y + 3, y + b, 4):
                d.line([x, by, x + a, by], fill=(200, 175, 150))
            d.polygon([(x - 3, y), (x + a + 3, y), (x + a // 2, y - a // 2)], fill=(150, 60, 40))
            d.rectangle([x + a // 4, y + b // 3, x + a // 4 + 5, y + b // 3 + 5], fill=(90, 130, 170))
        else:
            d.rectangle([x - 2, y, x + 2, y + a], fill=(90, 60, 30))
            d.ellipse([x - a, y - 2 * a, x + a, y + a // 2], fill=(40, 110, 40))
            d.ellipse([x - a // 2 - (2 if light_left else -2), y - 2 * a + 3, x + a // 3, y - a // 2], fill=(70, 150, 60))
    im = im.filter(ImageFilter.GaussianBlur(0.6))
    arr = np.asarray(im).astype(np.float32) + rng.normal(0, 3, (S, S, 3))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def labels2scenes():
    rng = np.random.default_rng(2026)
    labels = os.path.join(ROOT, "labels2scenes", "labels")
    os.makedirs(labels, exist_ok=True)
    for split, count in [("train", 48), ("test", 8)]:
        folder = os.path.join(ROOT, "labels2scenes", split)
        os.makedirs(folder, exist_ok=True)
        for i in range(count):
            horizon, objects, sun = scene(rng)
            a = draw_labels(horizon, objects, sun)
            b = draw_scene(horizon, objects, sun, rng)
            pair = Image.new("RGB", (2 * S, S))
            pair.paste(a, (0, 0))
            pair.paste(b, (S, 0))
            pair.save(os.path.join(folder, f"{i + 1}.jpg"), quality=92)
            if split == "test":
                # The label maps alone, as PNG (flat colours), for `translate apply`.
                a.save(os.path.join(labels, f"scene{i + 1}.png"))


def colorization():
    import skimage.data as data
    photos = {"astronaut": data.astronaut(), "chelsea": data.chelsea(), "coffee": data.coffee(),
              "hubble": data.hubble_deep_field(), "rocket": data.rocket(), "retina": data.retina(),
              "ihc": data.immunohistochemistry()}
    rng = np.random.default_rng(7)
    for split in ["train", "test"]:
        os.makedirs(os.path.join(ROOT, "colorization", split), exist_ok=True)
    for name, arr in photos.items():
        im = Image.fromarray(arr).convert("RGB")
        w, h = im.size
        for k in range(7):
            side = int(rng.integers(int(0.35 * min(w, h)), min(w, h)))
            x, y = int(rng.integers(0, w - side + 1)), int(rng.integers(0, h - side + 1))
            crop = im.crop((x, y, x + side, y + side)).resize((S, S), Image.BICUBIC)
            split = "test" if k == 6 else "train"
            crop.save(os.path.join(ROOT, "colorization", split, f"{name}_{k + 1}.jpg"), quality=92)


if __name__ == "__main__":
    labels2scenes()
    colorization()
    print("wrote", os.path.normpath(ROOT))
