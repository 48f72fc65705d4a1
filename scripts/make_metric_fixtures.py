#!/usr/bin/env python3
"""Writes Tests/Fixtures/metrics: small prediction/ground-truth image pairs and their PSNR and SSIM
as BasicSR computes them (basicsr/metrics/psnr_ssim.py `calculate_psnr` / `calculate_ssim`,
basicsr/metrics/metric_util.py `to_y_channel`, basicsr/utils/color_util.py `bgr2ycbcr`).

The formulas are re-implemented below in numpy, step by step and with BasicSR's dtypes (the Y
channel goes through float32 exactly as `to_y_channel` does); basicsr and OpenCV are not needed.
`_convert_input_type_range` leaves float32 input in [0, 1] (and divides uint8 by 255), as its
docstring says and BasicSR's releases do.
cv2.filter2D(img, -1, window)[5:-5, 5:-5] is written as a 'valid' correlation with the 11×11 window.
BasicSR reads images with cv2 (BGR order); the images here are RGB, so they are flipped to BGR
before `bgr2ycbcr`, which gives Y = 16 + (65.481 R + 128.553 G + 24.966 B) for R, G, B in [0, 1].

16-bit images (which BasicSR's numpy metrics do not scale) are put on the 0–255 scale as v / 257
first; `translate eval` documents the same.

Run: /work/venv-torch/bin/python scripts/make_metric_fixtures.py
"""
import json
import os

import numpy as np
from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "metrics")


# MARK: - BasicSR's formulas


def gaussian_kernel(size=11, sigma=1.5):
    """cv2.getGaussianKernel(11, 1.5): exp(-(i - 5)^2 / (2 sigma^2)), scaled to sum 1 (float64)."""
    x = np.arange(size, dtype=np.float64) - (size - 1) * 0.5
    k = np.exp(-0.5 / (sigma * sigma) * x * x)
    return (k * (1.0 / k.sum())).reshape(size, 1)


def filter_valid(img, window):
    """cv2.filter2D(img, -1, window)[5:-5, 5:-5] for an 11×11 window: correlation, valid part only."""
    views = np.lib.stride_tricks.sliding_window_view(img, window.shape)
    return np.einsum("ijkl,kl->ij", views, window)


def ssim_one_channel(img, img2):
    """basicsr.metrics.psnr_ssim._ssim."""
    c1 = (0.01 * 255) ** 2
    c2 = (0.03 * 255) ** 2
    kernel = gaussian_kernel(11, 1.5)
    window = np.outer(kernel, kernel.transpose())
    mu1 = filter_valid(img, window)
    mu2 = filter_valid(img2, window)
    mu1_sq = mu1 ** 2
    mu2_sq = mu2 ** 2
    mu1_mu2 = mu1 * mu2
    sigma1_sq = filter_valid(img ** 2, window) - mu1_sq
    sigma2_sq = filter_valid(img2 ** 2, window) - mu2_sq
    sigma12 = filter_valid(img * img2, window) - mu1_mu2
    ssim_map = ((2 * mu1_mu2 + c1) * (2 * sigma12 + c2)) / ((mu1_sq + mu2_sq + c1) * (sigma1_sq + sigma2_sq + c2))
    return ssim_map.mean()


def bgr2ycbcr_y(img):
    """basicsr.utils.color_util.bgr2ycbcr(img, y_only=True) for a float32 image in [0, 1]."""
    assert img.dtype == np.float32
    img = img.astype(np.float32)  # _convert_input_type_range: float32 stays in [0, 1]
    out_img = np.dot(img, [24.966, 128.553, 65.481]) + 16.0
    out_img /= 255.0  # _convert_output_type_range(…, np.float32)
    return out_img.astype(np.float32)


def to_y_channel(img):
    """basicsr.metrics.metric_util.to_y_channel; `img` is HWC on the 0–255 scale, RGB here."""
    img = img.astype(np.float32) / 255.0
    if img.ndim == 3 and img.shape[2] == 3:
        img = bgr2ycbcr_y(img[..., ::-1].copy())  # cv2 images are BGR
        img = img[..., None]
    return img * 255.0


def prepare(img, img2, crop_border, test_y_channel):
    """reorder_image (2-D → HWC), the border crop and the optional Y channel, then float64."""
    assert img.shape == img2.shape
    if img.ndim == 2:
        img, img2 = img[..., None], img2[..., None]
    if crop_border != 0:
        img = img[crop_border:-crop_border, crop_border:-crop_border, ...]
        img2 = img2[crop_border:-crop_border, crop_border:-crop_border, ...]
    if test_y_channel:
        img = to_y_channel(img)
        img2 = to_y_channel(img2)
    return img.astype(np.float64), img2.astype(np.float64)


def calculate_psnr(img, img2, crop_border, test_y_channel=False):
    img, img2 = prepare(img, img2, crop_border, test_y_channel)
    mse = np.mean((img - img2) ** 2)
    if mse == 0:
        return float("inf")
    return 10.0 * np.log10(255.0 * 255.0 / mse)


def calculate_ssim(img, img2, crop_border, test_y_channel=False):
    img, img2 = prepare(img, img2, crop_border, test_y_channel)
    ssims = [ssim_one_channel(img[..., i], img2[..., i]) for i in range(img.shape[2])]
    return np.array(ssims).mean()


# MARK: - Images


def scene(rng, height, width, channels):
    """A smooth picture with edges, so SSIM is not trivially 1 or 0."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    planes = []
    for c in range(channels):
        v = 128 + 80 * np.sin(x / (3.0 + c) + y / 5.0) + 40 * np.cos(y / (2.0 + c))
        v += np.where((x // 7 + y // 5 + c) % 2 == 0, 25, -25)
        planes.append(v)
    img = np.stack(planes, axis=-1) + rng.normal(0, 6, (height, width, channels))
    return np.clip(np.round(img), 0, 255)


def degrade(rng, img, sigma):
    return np.clip(np.round(img + rng.normal(0, sigma, img.shape)), 0, 255)


def to_pil(img, sixteen=False):
    if sixteen:
        return Image.fromarray(img[..., 0].astype(np.uint16))
    if img.shape[2] == 1:
        return Image.fromarray(img[..., 0].astype(np.uint8))
    return Image.fromarray(img.astype(np.uint8))


def decoded(path, sixteen=False):
    """What the Swift side compares: the file's decoded samples, 16-bit scaled as v / 257."""
    a = np.asarray(Image.open(path))
    if sixteen:
        return a.astype(np.float64) / 257.0
    return a


def main():
    rng = np.random.default_rng(20261130)
    for sub in ("gt", "pred", "gt/sub", "pred/sub"):
        os.makedirs(os.path.join(ROOT, sub), exist_ok=True)

    # name, size, channels, noise sigma, prediction format
    pairs = [
        ("rgb", (29, 37), 3, 9.0, "png"),
        ("gray", (31, 23), 1, 5.0, "png"),
        ("sub/odd", (21, 19), 3, 14.0, "png"),
        ("photo", (24, 26), 3, 0.0, "jpg"),  # the prediction's only error is its JPEG compression
    ]
    expected = {}
    for name, (h, w), channels, sigma, fmt in pairs:
        gt = scene(rng, h, w, channels)
        gt_path = os.path.join(ROOT, "gt", name + ".png")
        pred_path = os.path.join(ROOT, "pred", name + "." + fmt)
        to_pil(gt).save(gt_path)
        if fmt == "jpg":
            to_pil(gt).save(pred_path, quality=40)
        else:
            to_pil(degrade(rng, gt, sigma)).save(pred_path)
        expected[name] = measure(decoded(pred_path), decoded(gt_path), pred_path, gt_path)

    # 16-bit gray, compared on the 0–255 scale (v / 257).
    gt16 = np.clip(np.round(scene(rng, 22, 25, 1) * 257 + rng.normal(0, 40, (22, 25, 1))), 0, 65535)
    pred16 = np.clip(np.round(gt16 + rng.normal(0, 700, gt16.shape)), 0, 65535)
    to_pil(gt16, sixteen=True).save(os.path.join(ROOT, "gt", "deep16.png"))
    to_pil(pred16, sixteen=True).save(os.path.join(ROOT, "pred", "deep16.png"))
    expected["deep16"] = measure(decoded(os.path.join(ROOT, "pred", "deep16.png"), True),
                                 decoded(os.path.join(ROOT, "gt", "deep16.png"), True),
                                 os.path.join(ROOT, "pred", "deep16.png"), os.path.join(ROOT, "gt", "deep16.png"))

    with open(os.path.join(ROOT, "expected.json"), "w") as f:
        json.dump({"note": "made by scripts/make_metric_fixtures.py (BasicSR's calculate_psnr / calculate_ssim "
                           "re-implemented in numpy)", "pairs": expected}, f, indent=1, sort_keys=True)
        f.write("\n")
    print(json.dumps(expected, indent=1))


def measure(pred, gt, pred_path, gt_path):
    result = {"pred": os.path.relpath(pred_path, ROOT), "gt": os.path.relpath(gt_path, ROOT)}
    if pred.ndim == 2:
        pred, gt = pred[..., None], gt[..., None]
    for crop in (0, 4):
        for y in (False, True):
            key = "%s_crop%d" % ("y" if y else "rgb", crop)
            result[key] = {"psnr": float(calculate_psnr(pred, gt, crop, y)),
                           "ssim": float(calculate_ssim(pred, gt, crop, y))}
    cross_check(pred, gt, result)
    return result


def cross_check(pred, gt, result):
    """scikit-image's SSIM with the same Gaussian window agrees on the valid region (sanity check only)."""
    try:
        from skimage.metrics import structural_similarity
    except ImportError:
        return
    p, g = pred.astype(np.float64), gt.astype(np.float64)
    ours = np.mean([ssim_one_channel(p[..., i], g[..., i]) for i in range(p.shape[2])])
    assert abs(ours - result["rgb_crop0"]["ssim"]) < 1e-12
    # skimage averages its map after cropping (win_size - 1) // 2 = 5 pixels per side: the same region.
    theirs = structural_similarity(p, g, data_range=255, gaussian_weights=True, sigma=1.5,
                                   use_sample_covariance=False, channel_axis=2, truncate=3.5)
    assert abs(theirs - ours) < 1e-9, (theirs, ours)
    if p.shape[2] == 3:
        # scikit-image's BT.601 Y (float64, no float32 steps) gives the same PSNR to within rounding.
        from skimage.color import rgb2ycbcr
        yp, yg = rgb2ycbcr(p / 255.0)[..., 0], rgb2ycbcr(g / 255.0)[..., 0]
        y_psnr = 10 * np.log10(255.0 ** 2 / np.mean((yp - yg) ** 2))
        assert abs(y_psnr - result["y_crop0"]["psnr"]) < 1e-3, (y_psnr, result["y_crop0"]["psnr"])


if __name__ == "__main__":
    main()
