#!/usr/bin/env python3
"""Makes the Pillow references of `translate upscale`'s resampling under Tests/Fixtures/upscale/.

Run from the repository root with a Python that has Pillow (made with Pillow 13.0.0):

    /work/venv-torch/bin/python scripts/make_upscale_fixtures.py

The source is the codec fixtures' reference/resize_source.png (37×29 RGB) and its gray version.
Each output is Pillow's `Image.resize` with LANCZOS (Lanczos-3, antialiased when shrinking) or
BICUBIC to the listed size: shrinking and enlarging sizes for the filter itself, and
round(S·W)×round(S·H) (half away from zero) for the `--method` baselines at outscale S.
manifest.json lists name, filter, channels, width, height and, for baselines, the outscale.
"""

import json
import math
import os

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "Tests", "Fixtures", "upscale")
SOURCE = os.path.join(HERE, "..", "Tests", "Fixtures", "images", "reference", "resize_source.png")


def scaled(size, outscale):
    return max(1, int(math.floor(size * outscale + 0.5)))


def main():
    os.makedirs(ROOT, exist_ok=True)
    source = Image.open(SOURCE).convert("RGB")
    w0, h0 = source.size
    entries = []
    filters = {"lanczos": Image.LANCZOS, "bicubic": Image.BICUBIC}
    sizes = [("lanczos", (16, 12), None), ("lanczos", (53, 41), None), ("lanczos", (30, 9), None),
             ("lanczos", (36, 28), None)]
    for outscale in (4, 2.5, 0.5):
        for filter_name in ("lanczos", "bicubic"):
            sizes.append((filter_name, (scaled(w0, outscale), scaled(h0, outscale)), outscale))
    for filter_name, (w, h), outscale in sizes:
        for mode in ("RGB", "L"):
            image = source.convert(mode).resize((w, h), filters[filter_name])
            name = f"{filter_name}_{mode}_{w}x{h}.png"
            image.save(os.path.join(ROOT, name))
            entry = {"name": name, "filter": filter_name, "channels": 3 if mode == "RGB" else 1,
                     "width": w, "height": h}
            if outscale is not None:
                entry["outscale"] = outscale
            entries.append(entry)
    with open(os.path.join(ROOT, "manifest.json"), "w") as f:
        json.dump({"source": "images/reference/resize_source.png", "resize": entries}, f, indent=1, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(ROOT, n)) for n in os.listdir(ROOT))
    print(f"{len(entries)} references, {total / 1024:.1f} KiB in {os.path.normpath(ROOT)}")


if __name__ == "__main__":
    main()
