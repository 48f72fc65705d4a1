#!/usr/bin/env python3
"""Writes Tests/Fixtures/images/metadata: images whose only problem is their metadata.

- jpeg_icc_after_sof.jpg: a 24×16 JPEG with a one-chunk ICC profile before SOF0 and a second
  APP2 "ICC_PROFILE" chunk (again "chunk 1 of 1") after SOF0, as some editors append one.
  libjpeg-turbo's jpeg_read_icc_profile warns "Corrupt JPEG data: bad ICC marker" (duplicate
  sequence number) and returns no profile; every pixel still decodes.
  jpeg_icc_after_sof_clean.jpg is the same file without the stray chunk: the pixels must be equal.
- png_known_incorrect_srgb.png: an 8×6 RGB PNG whose iCCP chunk holds the "HP-Microsoft sRGB v2
  perceptual" profile (3144 bytes), which libpng lists as a known incorrect sRGB profile and
  refuses to write ("known incorrect sRGB profile"). The profile is taken from scikit-image's
  data/astronaut.png, which carries it (as do many PNGs in the wild).

Run: /work/venv-torch/bin/python scripts/make_metadata_fixtures.py
"""
import io
import os
import struct
import zlib

import numpy as np
from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "images", "metadata")


def tiny_icc_profile():
    """A minimal ICC header (v2.1, monitor class, RGB, XYZ PCS, 'acsp'), an empty tag table and a
    marker, as the Swift tests' TestImages.iccProfile (libpng reads back what it wrote)."""
    profile = bytearray(132) + b"translate test profile"
    struct.pack_into(">I", profile, 0, len(profile))
    profile[8:12] = bytes([2, 0x10, 0, 0])
    profile[12:16] = b"mntr"
    profile[16:20] = b"RGB "
    profile[20:24] = b"XYZ "
    profile[36:40] = b"acsp"
    struct.pack_into(">iii", profile, 68, 63190, 65536, 54061)  # D50 in s15Fixed16
    return bytes(profile)


def app2_icc(profile, seq, count):
    payload = b"ICC_PROFILE\x00" + bytes([seq, count]) + profile
    return b"\xff\xe2" + struct.pack(">H", len(payload) + 2) + payload


def make_jpeg():
    y, x = np.mgrid[0:16, 0:24]
    rgb = np.stack([x * 10, y * 15, (x + y) * 6], axis=-1).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=90, icc_profile=tiny_icc_profile())
    clean = buffer.getvalue()
    sof = clean.index(b"\xff\xc0")
    sof_end = sof + 2 + struct.unpack(">H", clean[sof + 2:sof + 4])[0]
    stray = app2_icc(tiny_icc_profile()[:40], 1, 1)
    with open(os.path.join(ROOT, "jpeg_icc_after_sof_clean.jpg"), "wb") as f:
        f.write(clean)
    with open(os.path.join(ROOT, "jpeg_icc_after_sof.jpg"), "wb") as f:
        f.write(clean[:sof_end] + stray + clean[sof_end:])


def png_profile(path):
    data = open(path, "rb").read()
    i = 8
    while i < len(data):
        length, kind = struct.unpack(">I4s", data[i:i + 8])
        if kind == b"iCCP":
            chunk = data[i + 8:i + 8 + length]
            name_end = chunk.index(b"\x00")
            return zlib.decompress(chunk[name_end + 2:])
        i += 12 + length
    raise SystemExit(f"{path} has no iCCP chunk")


def make_png():
    import skimage
    source = os.path.join(os.path.dirname(skimage.__file__), "data", "astronaut.png")
    profile = png_profile(source)
    assert len(profile) == 3144 and zlib.adler32(profile) == 0xF784F3FB and zlib.crc32(profile) == 0x182EA552, \
        "not the HP-Microsoft sRGB v2 perceptual profile libpng lists as known incorrect"
    y, x = np.mgrid[0:6, 0:8]
    rgb = np.stack([x * 30, y * 40, 255 - x * 20], axis=-1).astype(np.uint8)
    Image.fromarray(rgb).save(os.path.join(ROOT, "png_known_incorrect_srgb.png"), "PNG", icc_profile=profile)


def main():
    os.makedirs(ROOT, exist_ok=True)
    make_jpeg()
    make_png()
    for name in sorted(os.listdir(ROOT)):
        print(name, os.path.getsize(os.path.join(ROOT, name)))


if __name__ == "__main__":
    main()
