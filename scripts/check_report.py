#!/usr/bin/env python3
"""Renders a run report (report.html) in headless Chromium and fails when the page is blank or the
browser logged a script error. Uses only the standard library (PNG decoded with zlib).

    python3 scripts/check_report.py runs/labels2scenes/report.html [--screenshot out.png]
"""
import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib


def decode_png(path):
    """Returns (width, height, channels, rows of bytes) for 8-bit non-interlaced RGB/RGBA PNGs."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or interlace != 0 or colour not in (2, 6):
                raise ValueError(f"{path}: unsupported PNG layout (depth {depth}, colour {colour})")
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        filter_type = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if filter_type == 1:
                line[i] = (line[i] + a) & 255
            elif filter_type == 2:
                line[i] = (line[i] + b) & 255
            elif filter_type == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif filter_type == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("report")
    parser.add_argument("--screenshot", default=None)
    args = parser.parse_args()
    if not os.path.isfile(args.report):
        sys.exit(f"{args.report}: no such report (run `make demo` or `translate train …` first)")
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not browser:
        sys.exit("chromium is not installed: apt-get install chromium")
    shot = args.screenshot or os.path.join(tempfile.mkdtemp(), "report.png")
    url = "file://" + os.path.abspath(args.report)
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr",
           "--v=0", "--window-size=1200,1600", f"--screenshot={shot}", url]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    log = result.stderr
    errors = [line for line in log.splitlines() if "Uncaught" in line or ("CONSOLE" in line and "ERROR" in line.upper())]
    if errors:
        sys.exit("script errors in the report:\n" + "\n".join(errors))
    if result.returncode != 0 or not os.path.isfile(shot):
        sys.exit(f"chromium failed ({result.returncode}):\n{log[-2000:]}")
    width, height, channels, rows = decode_png(shot)
    # Blank = (almost) every pixel equal to the first one.
    first = rows[0][:channels]
    differing = sum(1 for row in rows[::4] for x in range(0, width * channels, channels * 4) if row[x:x + channels] != first)
    sampled = len(rows[::4]) * len(range(0, width * channels, channels * 4))
    fraction = differing / max(1, sampled)
    print(f"rendered {args.report}: {width}x{height}, {100 * fraction:.1f}% non-background pixels -> {shot}")
    if fraction < 0.02:
        sys.exit("the rendered report is blank")


if __name__ == "__main__":
    main()
