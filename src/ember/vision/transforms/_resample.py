"""Antialiased (area-aware) separable resampling of float images, PyTorch's
``interpolate(..., antialias=True)`` for bilinear and bicubic modes.

Downscaling widens the filter by the scale factor so every input pixel contributes (as Pillow
does); weights are normalised per output pixel. Width is resampled first, then height, and a
dimension whose size does not change is skipped, which is the order PyTorch's CPU kernel uses.
"""
import numpy as np


def _triangle(x):
    x = np.abs(x)
    return np.where(x < 1.0, 1.0 - x, 0.0)


def _keys_cubic(x, a=-0.5):
    # NOTE: antialiased bicubic uses a = -0.5 (Pillow's choice), not the -0.75 of plain bicubic
    x = np.abs(x)
    near = ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
    far = (((x - 5.0) * x + 8.0) * x - 4.0) * a
    return np.where(x < 1.0, near, np.where(x < 2.0, far, 0.0))


_FILTERS = {"bilinear": (_triangle, 2), "bicubic": (_keys_cubic, 4)}


def resample_weights(in_size, out_size, mode, antialias=True):
    """The (out_size, in_size) matrix whose rows are the normalised filter taps."""
    kernel, taps = _FILTERS[mode]
    if not antialias and mode == "bicubic":
        kernel = lambda x: _keys_cubic(x, a=-0.75)  # noqa: E731
    scale = in_size / out_size
    widen = antialias and scale >= 1.0
    support = taps * 0.5 * scale if widen else taps * 0.5
    inv_scale = 1.0 / scale if widen else 1.0
    centers = scale * (np.arange(out_size) + 0.5)
    first = np.maximum((centers - support + 0.5).astype(np.int64), 0)
    last = np.minimum((centers + support + 0.5).astype(np.int64), in_size)
    cols = np.arange(in_size)
    inside = (cols[None, :] >= first[:, None]) & (cols[None, :] < last[:, None])
    w = kernel((cols[None, :] - centers[:, None] + 0.5) * inv_scale) * inside
    total = w.sum(axis=1, keepdims=True)
    return np.divide(w, total, out=np.zeros_like(w), where=total != 0)


def resize_antialiased(array, out_h, out_w, mode):
    """Resample the last two axes of a float array to (out_h, out_w)."""
    in_h, in_w = array.shape[-2:]
    out = array
    if out_w != in_w:
        wx = resample_weights(in_w, out_w, mode).astype(array.dtype)
        out = out @ wx.T
    if out_h != in_h:
        wy = resample_weights(in_h, out_h, mode).astype(array.dtype)
        out = np.swapaxes(np.swapaxes(out, -1, -2) @ wy.T, -1, -2)
    return np.ascontiguousarray(out)


def _fixed_point_pass(array, weights):
    """One resampling pass on uint8 data along the last axis with integer weights.

    NOTE: PyTorch's native uint8 kernel (the one torchvision v2 uses for uint8 tensors) scales the
    weights to int16 with as many fraction bits as the largest weight allows, sums in integers,
    rounds by adding half and shifting, and clamps to 0..255 after each pass.
    """
    bits = 0
    while bits < 15 and int(0.5 + weights.max() * (1 << (bits + 1))) < (1 << 15):
        bits += 1
    scaled = weights * (1 << bits)
    iw = np.where(scaled < 0, np.trunc(scaled - 0.5), np.trunc(scaled + 0.5)).astype(np.int64)
    acc = array.astype(np.int64) @ iw.T + (1 << (bits - 1))
    return np.clip(acc >> bits, 0, 255).astype(np.uint8)


def resize_uint8(array, out_h, out_w, mode, antialias=True):
    """Resample the last two axes of a uint8 array the way PyTorch's native uint8 kernel does."""
    in_h, in_w = array.shape[-2:]
    out = array
    if out_w != in_w:
        out = _fixed_point_pass(out, resample_weights(in_w, out_w, mode, antialias))
    if out_h != in_h:
        out = np.swapaxes(_fixed_point_pass(np.swapaxes(out, -1, -2),
                                            resample_weights(in_h, out_h, mode, antialias)), -1, -2)
    return np.ascontiguousarray(out)
