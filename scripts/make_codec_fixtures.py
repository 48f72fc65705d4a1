#!/usr/bin/env python3
"""Makes the edge-case image set under Tests/Fixtures/images/ and its manifest.

Run from the repository root with a Python that has numpy, Pillow (>= 10) and scikit-image:

    /work/torchenv/bin/python scripts/make_codec_fixtures.py

Deterministic: pixel content comes from seeded numpy generators; PNGs are written by the small
writer below (every colour type, bit depth, filter type and Adam7 interlacing, independent of
Pillow's encoder choices); JPEGs by Pillow. Expected results come from the source arrays for
lossless files and from Pillow's decoder (the reference implementations' decoder) for JPEGs.

manifest.json lists every file with either the expected decode (size, channels, FNV-1a 64
checksum of the HWC samples as ImageCodecs' PixelBuffer.checksum computes it, orientation,
metadata flags, expected damage warning) or the expected error code. reference/ holds Pillow
resize outputs and scikit-image Lab values for the parity tests.

Made with Pillow 13.0.0 and scikit-image 0.26. Pillow 13 runs the vertical resize pass first when
the height shrinks by more than twice as many pixels as the width; with Pillow 12 or older the
regenerated resize references differ by one level in a few samples of those cases.
"""

import io
import json
import os
import struct
import zlib

import numpy as np
from PIL import Image, ImageCms, ImageOps
from skimage import color

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "images")
REFERENCE = os.path.join(ROOT, "reference")


# MARK: - checksums, as PixelBuffer.checksum

def fnv1a(array):
    """FNV-1a 64 over the samples in HWC order; 16-bit samples as little-endian byte pairs."""
    a = np.ascontiguousarray(array)
    if a.dtype == np.uint16:
        data = a.astype("<u2").tobytes()
    else:
        data = a.astype(np.uint8).tobytes()
    h = 0xCBF29CE484222325
    for byte in data:
        h ^= byte
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def hwc(array):
    return array if array.ndim == 3 else array[:, :, None]


# MARK: - synthetic content

def photo(height, width, seed):
    """A photo-like RGB image: gradients, a disc, a stripe and mild noise."""
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    r = 255 * x / max(width - 1, 1)
    g = 255 * y / max(height - 1, 1)
    b = 128 + 100 * np.sin(x / 3.0 + y / 5.0)
    disc = (x - width * 0.3) ** 2 + (y - height * 0.4) ** 2 < (min(width, height) * 0.25) ** 2
    r[disc], g[disc], b[disc] = 230, 40, 60
    stripe = (x > width * 0.7) & (x < width * 0.8)
    r[stripe], g[stripe], b[stripe] = 20, 20, 200
    image = np.stack([r, g, b], axis=-1) + rng.normal(0, 6, (height, width, 3))
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


def asymmetric(height, width):
    """An image whose every orientation is distinct: a bright top-left corner block and a ramp."""
    image = np.zeros((height, width, 3), np.uint8)
    image[..., 0] = (np.arange(width) * (255 // max(width - 1, 1)))[None, :]
    image[..., 1] = (np.arange(height) * (255 // max(height - 1, 1)))[:, None]
    image[: height // 3, : width // 4] = (250, 250, 250)
    return image


# MARK: - a small PNG writer

def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def pack_row(samples, bit_depth):
    """Packs one row of integer samples at bit_depth (MSB first, padded to a byte)."""
    if bit_depth == 16:
        return b"".join(struct.pack(">H", int(v)) for v in samples)
    if bit_depth == 8:
        return bytes(int(v) for v in samples)
    per_byte = 8 // bit_depth
    out = bytearray()
    for start in range(0, len(samples), per_byte):
        byte = 0
        group = samples[start:start + per_byte]
        for i in range(per_byte):
            value = int(group[i]) if i < len(group) else 0
            byte |= value << (8 - bit_depth * (i + 1))
        out.append(byte)
    return bytes(out)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_rows(rows, bpp, first_filter):
    """Filters packed rows, cycling through the five filter types."""
    out = bytearray()
    previous = bytes(len(rows[0])) if rows else b""
    for index, row in enumerate(rows):
        kind = (first_filter + index) % 5
        filtered = bytearray(len(row))
        for i, value in enumerate(row):
            left = row[i - bpp] if i >= bpp else 0
            up = previous[i]
            upper_left = previous[i - bpp] if i >= bpp else 0
            predictor = [0, left, up, (left + up) // 2, paeth(left, up, upper_left)][kind]
            filtered[i] = (value - predictor) & 0xFF
        out.append(kind)
        out += filtered
        previous = row
    return bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def write_png(path, samples, color_type, bit_depth, palette=None, trns=None, interlace=False, exif=None,
              icc=None, exif_after_idat=False):
    """samples: (H, W, C) integer array of the stored samples (palette indices for type 3)."""
    samples = hwc(np.asarray(samples))
    height, width, channels = samples.shape
    bpp = max(1, channels * bit_depth // 8)
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 1 if interlace else 0)
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    raw = b""
    for number, (x0, y0, dx, dy) in enumerate(passes):
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        rows = [pack_row(sub[r].reshape(-1), bit_depth) for r in range(sub.shape[0])]
        raw += filter_rows(rows, bpp, number)
    chunks = [png_chunk(b"IHDR", ihdr)]
    if icc is not None:
        chunks.append(png_chunk(b"iCCP", b"ICC profile\x00\x00" + zlib.compress(icc, 9)))
    if palette is not None:
        chunks.append(png_chunk(b"PLTE", bytes(np.asarray(palette, np.uint8).reshape(-1))))
    if trns is not None:
        chunks.append(png_chunk(b"tRNS", trns))
    if exif is not None and not exif_after_idat:
        chunks.append(png_chunk(b"eXIf", exif))
    data = zlib.compress(raw, 9)
    # Two IDAT chunks, so a reader must join them.
    middle = len(data) // 2
    chunks.append(png_chunk(b"IDAT", data[:middle]))
    chunks.append(png_chunk(b"IDAT", data[middle:]))
    if exif is not None and exif_after_idat:
        chunks.append(png_chunk(b"eXIf", exif))
    chunks.append(png_chunk(b"IEND", b""))
    blob = b"\x89PNG\r\n\x1a\n" + b"".join(chunks)
    with open(path, "wb") as f:
        f.write(blob)
    return blob


# MARK: - EXIF blocks

def exif_block(orientation, big_endian=False):
    """A TIFF structure with IFD0 = {ImageDescription(ASCII), Orientation}, nothing else."""
    e = ">" if big_endian else "<"
    header = (b"MM" if big_endian else b"II") + struct.pack(e + "HI", 42, 8)
    description = b"fixture\x00"
    entries = 2
    ifd_size = 2 + entries * 12 + 4
    description_offset = 8 + ifd_size
    ifd = struct.pack(e + "H", entries)
    ifd += struct.pack(e + "HHII", 0x010E, 2, len(description), description_offset)
    ifd += struct.pack(e + "HHI", 0x0112, 3, 1) + struct.pack(e + "HH", orientation, 0)
    ifd += struct.pack(e + "I", 0)
    return header + ifd + description


def srgb_profile():
    """littleCMS's sRGB profile with a fixed creation date and no profile ID, so reruns match."""
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    profile[24:36] = struct.pack(">6H", 2024, 1, 1, 0, 0, 0)
    profile[84:100] = bytes(16)
    return bytes(profile)


# MARK: - building the set

manifest = []


def expect_ok(name, array, *, orientation=1, exif=False, icc=False, warning=None, keep16=None, format=None,
              progressive=False, note=""):
    array = hwc(np.asarray(array))
    entry = {
        "name": name, "expect": "ok", "width": int(array.shape[1]), "height": int(array.shape[0]),
        "channels": int(array.shape[2]), "checksum": fnv1a(array), "orientation": orientation,
        "hasExif": exif, "hasICC": icc, "warning": warning, "format": format or ("PNG" if name.endswith(".png") else "JPEG"),
        "progressive": progressive, "note": note,
    }
    if keep16 is not None:
        entry["checksum16"] = fnv1a(hwc(np.asarray(keep16)))
    manifest.append(entry)


def expect_error(name, code, note=""):
    manifest.append({"name": name, "expect": "error", "code": code, "note": note})


def expect_damaged(name, width, height, channels, warning, note=""):
    """Decodes to this size with a damage warning; the pixels are not checked."""
    manifest.append({"name": name, "expect": "damaged", "width": width, "height": height, "channels": channels,
                     "warning": warning, "note": note})


def path(name):
    return os.path.join(ROOT, name)


def pillow_decode(name, transpose=False):
    with Image.open(path(name)) as im:
        im.load()
        if transpose:
            im = ImageOps.exif_transpose(im)
        if im.mode == "CMYK":
            im = im.convert("RGB")
        return np.asarray(im)


def scale16to8(values):
    return ((values.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)


def make_pngs():
    rgb = photo(13, 19, seed=1)
    gray8 = np.asarray(Image.fromarray(rgb).convert("L"))
    rng = np.random.RandomState(7)

    # Gray at every bit depth; expansion to 8 bits multiplies by 255 / (2^d - 1).
    for depth in (1, 2, 4):
        levels = (1 << depth) - 1
        stored = (gray8.astype(np.int32) * levels + 127) // 255
        write_png(path(f"png_gray{depth}.png"), stored, 0, depth)
        expect_ok(f"png_gray{depth}.png", (stored * (255 // levels)).astype(np.uint8))
    write_png(path("png_gray8.png"), gray8, 0, 8)
    expect_ok("png_gray8.png", gray8)
    gray16 = (gray8.astype(np.uint32) * 257 + rng.randint(0, 257, gray8.shape)).astype(np.uint16)
    write_png(path("png_gray16.png"), gray16, 0, 16)
    expect_ok("png_gray16.png", scale16to8(gray16), keep16=gray16)

    # Gray with a transparent level (tRNS) becomes gray + alpha.
    key = int(gray8[0, 0])
    write_png(path("png_gray8_trns.png"), gray8, 0, 8, trns=struct.pack(">H", key))
    alpha = np.where(gray8 == key, 0, 255).astype(np.uint8)
    expect_ok("png_gray8_trns.png", np.stack([gray8, alpha], axis=-1))

    # Gray + alpha, 8 and 16 bit.
    alpha8 = rng.randint(0, 256, gray8.shape).astype(np.uint8)
    write_png(path("png_graya8.png"), np.stack([gray8, alpha8], -1), 4, 8)
    expect_ok("png_graya8.png", np.stack([gray8, alpha8], -1))
    ga16 = np.stack([gray16, (alpha8.astype(np.uint16) * 257)], -1).astype(np.uint16)
    write_png(path("png_graya16.png"), ga16, 4, 16)
    expect_ok("png_graya16.png", scale16to8(ga16), keep16=ga16)

    # RGB 8 and 16 bit, RGB with a transparent colour.
    write_png(path("png_rgb8.png"), rgb, 2, 8)
    expect_ok("png_rgb8.png", rgb)
    rgb16 = (rgb.astype(np.uint32) * 257 + rng.randint(0, 257, rgb.shape)).astype(np.uint16)
    write_png(path("png_rgb16.png"), rgb16, 2, 16)
    expect_ok("png_rgb16.png", scale16to8(rgb16), keep16=rgb16)
    key = rgb[2, 3]
    write_png(path("png_rgb8_trns.png"), rgb, 2, 8, trns=struct.pack(">HHH", *[int(v) for v in key]))
    mask = np.all(rgb == key, axis=-1)
    expect_ok("png_rgb8_trns.png", np.concatenate([rgb, np.where(mask, 0, 255).astype(np.uint8)[..., None]], -1))

    # RGBA 8 and 16 bit.
    rgba = np.concatenate([rgb, alpha8[..., None]], -1)
    write_png(path("png_rgba8.png"), rgba, 6, 8)
    expect_ok("png_rgba8.png", rgba)
    rgba16 = np.concatenate([rgb16, (alpha8.astype(np.uint16) * 257)[..., None]], -1).astype(np.uint16)
    write_png(path("png_rgba16.png"), rgba16, 6, 16)
    expect_ok("png_rgba16.png", scale16to8(rgba16), keep16=rgba16)

    # Palettes at 1, 2, 4 and 8 bits, with and without tRNS.
    for depth in (1, 2, 4, 8):
        count = 1 << depth
        palette = rng.randint(0, 256, (count, 3)).astype(np.uint8)
        indices = rng.randint(0, count, gray8.shape)
        write_png(path(f"png_palette{depth}.png"), indices, 3, depth, palette=palette)
        expect_ok(f"png_palette{depth}.png", palette[indices])
    palette = rng.randint(0, 256, (16, 3)).astype(np.uint8)
    indices = rng.randint(0, 16, gray8.shape)
    trns = bytes([0, 64, 128, 200])  # entries 4..15 stay opaque
    write_png(path("png_palette4_trns.png"), indices, 3, 4, palette=palette, trns=trns)
    alphas = np.array(list(trns) + [255] * 12, np.uint8)
    expect_ok("png_palette4_trns.png", np.concatenate([palette[indices], alphas[indices][..., None]], -1))

    # Adam7 interlacing: RGB 8-bit, gray 2-bit, RGBA 16-bit.
    write_png(path("png_rgb8_interlaced.png"), rgb, 2, 8, interlace=True)
    expect_ok("png_rgb8_interlaced.png", rgb, progressive=True)
    stored = (gray8.astype(np.int32) * 3 + 127) // 255
    write_png(path("png_gray2_interlaced.png"), stored, 0, 2, interlace=True)
    expect_ok("png_gray2_interlaced.png", (stored * 85).astype(np.uint8), progressive=True)
    write_png(path("png_rgba16_interlaced.png"), rgba16, 6, 16, interlace=True)
    expect_ok("png_rgba16_interlaced.png", scale16to8(rgba16), keep16=rgba16, progressive=True)

    # eXIf orientation (after IDAT, as some writers put it) and an iCCP profile.
    image = asymmetric(10, 16)
    write_png(path("png_exif6_late.png"), image, 2, 8, exif=exif_block(6, big_endian=True), exif_after_idat=True)
    expect_ok("png_exif6_late.png", np.rot90(image, k=-1), orientation=6, exif=True)
    icc = srgb_profile()
    write_png(path("png_icc.png"), rgb, 2, 8, icc=icc)
    expect_ok("png_icc.png", rgb, icc=True)

    # Cross-check the lossless expectations against Pillow where it reads the file as is.
    for name, ours in [("png_rgb8.png", rgb), ("png_rgba8.png", rgba), ("png_rgb8_interlaced.png", rgb),
                       ("png_gray8.png", gray8), ("png_icc.png", rgb)]:
        assert np.array_equal(pillow_decode(name), ours), name

    # Damaged PNGs.
    good = open(path("png_rgb8.png"), "rb").read()
    with open(path("png_truncated.png"), "wb") as f:
        f.write(good[: len(good) * 2 // 3])
    expect_error("png_truncated.png", "truncated", "cut at 2/3 of the file")
    idat = good.index(b"IDAT")
    idat_length = struct.unpack(">I", good[idat - 4:idat])[0]
    flipped = bytearray(good)
    flipped[idat + 4 + idat_length] ^= 0x01  # the first IDAT's stored CRC
    with open(path("png_bad_crc.png"), "wb") as f:
        f.write(bytes(flipped))
    expect_error("png_bad_crc.png", "corrupt", "one bit flipped in the first IDAT's CRC")
    flipped = bytearray(good)
    flipped[idat + 10] ^= 0x10
    with open(path("png_bad_idat.png"), "wb") as f:
        f.write(bytes(flipped))
    expect_error("png_bad_idat.png", "corrupt", "one bit flipped inside the compressed data")
    flipped = bytearray(good)
    flipped[16 + 3] ^= 0x01  # IHDR width byte
    with open(path("png_bad_ihdr.png"), "wb") as f:
        f.write(bytes(flipped))
    expect_error("png_bad_ihdr.png", "corrupt", "IHDR altered without fixing its CRC")
    # A valid header claiming 50000×50000 pixels, then a tiny IDAT: refused before allocation.
    huge = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 50000, 50000, 8, 2, 0, 0, 0))
    huge += png_chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + png_chunk(b"IEND", b"")
    with open(path("png_huge_header.png"), "wb") as f:
        f.write(huge)
    expect_error("png_huge_header.png", "tooLarge", "header claims 2.5 gigapixels")


def save_jpeg(name, array, **options):
    Image.fromarray(array).save(path(name), "JPEG", **options)


def make_jpegs():
    rgb = photo(23, 37, seed=2)
    save_jpeg("jpeg_baseline420.jpg", rgb, quality=90)
    expect_ok("jpeg_baseline420.jpg", pillow_decode("jpeg_baseline420.jpg"))
    save_jpeg("jpeg_baseline444.jpg", rgb, quality=90, subsampling=0)
    expect_ok("jpeg_baseline444.jpg", pillow_decode("jpeg_baseline444.jpg"))
    save_jpeg("jpeg_baseline422.jpg", rgb, quality=75, subsampling=1)
    expect_ok("jpeg_baseline422.jpg", pillow_decode("jpeg_baseline422.jpg"))
    save_jpeg("jpeg_progressive.jpg", rgb, quality=85, progressive=True)
    expect_ok("jpeg_progressive.jpg", pillow_decode("jpeg_progressive.jpg"), progressive=True)
    gray = np.asarray(Image.fromarray(rgb).convert("L"))
    save_jpeg("jpeg_gray.jpg", gray, quality=90)
    expect_ok("jpeg_gray.jpg", pillow_decode("jpeg_gray.jpg"))
    cmyk = Image.fromarray(rgb).convert("CMYK")
    cmyk.save(path("jpeg_cmyk.jpg"), "JPEG", quality=90)
    expect_ok("jpeg_cmyk.jpg", pillow_decode("jpeg_cmyk.jpg"), note="Adobe-inverted CMYK, as Pillow and Photoshop write")
    icc = srgb_profile()
    save_jpeg("jpeg_icc.jpg", rgb, quality=90, icc_profile=icc)
    expect_ok("jpeg_icc.jpg", pillow_decode("jpeg_icc.jpg"), icc=True)

    # All eight EXIF orientations of the same stored pixels (little- and big-endian TIFF).
    stored = asymmetric(16, 24)
    for value in range(1, 9):
        name = f"jpeg_exif{value}.jpg"
        # Pillow writes the exif bytes as the APP1 payload, which starts with "Exif\0\0".
        save_jpeg(name, stored, quality=95, exif=b"Exif\x00\x00" + exif_block(value, big_endian=value % 2 == 0))
        expect_ok(name, pillow_decode(name, transpose=True), orientation=value, exif=True)
    # A PNG disguised as .jpg decodes by content.
    Image.fromarray(stored).save(path("png_named.jpg"), "PNG")
    expect_ok("png_named.jpg", stored, format="PNG")

    good = open(path("jpeg_baseline420.jpg"), "rb").read()
    scan = good.index(b"\xff\xda")
    with open(path("jpeg_truncated.jpg"), "wb") as f:
        f.write(good[: scan + (len(good) - scan) // 2])
    expect_damaged("jpeg_truncated.jpg", 37, 23, 3, "truncated", "cut half-way through the scan")
    with open(path("jpeg_truncated_header.jpg"), "wb") as f:
        f.write(good[:150])
    expect_error("jpeg_truncated_header.jpg", "truncated", "cut inside the header")
    # A restart marker where none belongs, half-way through the entropy-coded data.
    middle = scan + (len(good) - scan) // 2
    with open(path("jpeg_bad_marker.jpg"), "wb") as f:
        f.write(good[:middle] + b"\xff\xd3" + good[middle:])
    expect_damaged("jpeg_bad_marker.jpg", 37, 23, 3, "corrupt", "stray RST3 marker inside the scan")
    # 12-bit precision (SOF1 with P = 12): valid JPEG, not decodable by an 8-bit libjpeg build.
    sof = good.index(b"\xff\xc0")
    twelve = bytearray(good)
    twelve[sof + 1] = 0xC1
    twelve[sof + 4] = 12
    with open(path("jpeg_12bit.jpg"), "wb") as f:
        f.write(bytes(twelve))
    expect_error("jpeg_12bit.jpg", "unsupported", "SOF1 with 12-bit precision")
    # Header claiming 30000×30000 (900 MP).
    big = bytearray(good)
    big[sof + 5:sof + 9] = struct.pack(">HH", 30000, 30000)
    with open(path("jpeg_huge_header.jpg"), "wb") as f:
        f.write(bytes(big))
    expect_error("jpeg_huge_header.jpg", "tooLarge", "SOF claims 30000×30000")
    # Garbage after a valid SOI.
    rng = np.random.RandomState(11)
    with open(path("jpeg_garbage.jpg"), "wb") as f:
        f.write(b"\xff\xd8\xff" + rng.randint(0, 256, 400).astype(np.uint8).tobytes())
    expect_error("jpeg_garbage.jpg", "corrupt", "SOI then random bytes")


def make_non_images():
    open(path("empty.jpg"), "wb").close()
    expect_error("empty.jpg", "truncated", "zero bytes")
    with open(path("notes.jpg"), "w") as f:
        f.write("hello, this is a text file with a .jpg name\n")
    expect_error("notes.jpg", "corrupt", "text named .jpg")
    buffer = io.BytesIO()
    Image.fromarray(photo(8, 8, seed=3)).save(buffer, "GIF")
    with open(path("animation.gif"), "wb") as f:
        f.write(buffer.getvalue())
    expect_error("animation.gif", "unsupported", "GIF")


def make_references():
    """Pillow resize and scikit-image Lab outputs for the parity tests."""
    os.makedirs(REFERENCE, exist_ok=True)
    source = photo(29, 37, seed=4)
    Image.fromarray(source).save(os.path.join(REFERENCE, "resize_source.png"))
    gray = np.asarray(Image.fromarray(source).convert("L"))
    Image.fromarray(gray).save(os.path.join(REFERENCE, "gray_from_source.png"))
    resizes = []
    filters = {"bicubic": Image.BICUBIC, "bilinear": Image.BILINEAR, "area": Image.BOX}
    for filter_name, method in filters.items():
        # (50, 20) and (30, 9) take Pillow 13's vertical-pass-first order.
        for (w, h) in [(16, 12), (53, 41), (50, 20), (37, 10), (30, 9)]:
            for mode in ("RGB", "L"):
                im = Image.fromarray(source).convert(mode).resize((w, h), method)
                name = f"resize_{filter_name}_{mode}_{w}x{h}.png"
                im.save(os.path.join(REFERENCE, name))
                resizes.append({"name": name, "filter": filter_name, "channels": 3 if mode == "RGB" else 1,
                                "width": w, "height": h})
    lab = color.rgb2lab(source).astype("<f4")
    lab.tofile(os.path.join(REFERENCE, "lab_of_source.f32"))
    grid = np.stack(np.meshgrid(np.linspace(0, 100, 11), np.linspace(-100, 100, 11), np.linspace(-100, 100, 11),
                                indexing="ij"), -1).reshape(-1, 1, 3)
    grid.astype("<f4").tofile(os.path.join(REFERENCE, "lab_grid.f32"))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # negative Z is clipped, with a warning
        rgb_of_grid = color.lab2rgb(grid.astype(np.float32).astype(np.float64))
    rgb_of_grid.astype("<f4").tofile(os.path.join(REFERENCE, "rgb_of_lab_grid.f32"))
    return {"resize": resizes, "lab": {"source": "resize_source.png", "lab": "lab_of_source.f32",
                                       "grid": "lab_grid.f32", "rgbOfGrid": "rgb_of_lab_grid.f32",
                                       "gridCount": int(grid.shape[0])},
            "gray": {"source": "resize_source.png", "gray": "gray_from_source.png"}}


def main():
    os.makedirs(ROOT, exist_ok=True)
    make_pngs()
    make_jpegs()
    make_non_images()
    references = make_references()
    with open(os.path.join(ROOT, "manifest.json"), "w") as f:
        json.dump({"files": manifest, "references": references}, f, indent=1, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(d, n)) for d, _, names in os.walk(ROOT) for n in names)
    print(f"{len(manifest)} fixtures, {total / 1024:.1f} KiB in {os.path.normpath(ROOT)}")


if __name__ == "__main__":
    main()
