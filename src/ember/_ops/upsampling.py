"""``F.interpolate`` (nearest, nearest-exact, linear, bilinear, bicubic, trilinear, area) and
pixel shuffling.

Interpolation is separable: along each spatial axis the output is a weighted sum of a few
gathered input positions (1 tap for nearest, 2 for linear, 4 for cubic), with PyTorch's source
coordinates computed in the precision PyTorch uses (float32 for nearest and for float32/half
inputs). The backward is the transposed scatter-add, so interpolation is a linear pair.
"""
import math

import numpy as np

from .. import _dtype as D
from .._dispatch import FUNCTIONS, type_name
from .spatial_common import (FLOATS, LinearPair, check_tensor, check_dtype, take_axis,
                             take_axis_adjoint)

_MODES_TEXT = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"
_CUBIC_A = -0.75


# ---------------------------------------------------------------------------- source positions
def _scale(in_size, out_size, align_corners, scale, ct):
    """area_pixel_compute_scale: the step between source coordinates, in type ``ct``."""
    if align_corners:
        return ct.type((in_size - 1) / (out_size - 1)) if out_size > 1 else ct.type(0)
    if scale is not None and scale > 0:
        return ct.type(1.0 / scale)
    return ct.type(in_size) / ct.type(out_size)


def nearest_taps(in_size, out_size, scale, exact):
    """Source index of each output position (PyTorch computes these in float32)."""
    o = np.arange(out_size)
    if not exact and out_size == in_size:
        return [(o, None)]
    if not exact and out_size == 2 * in_size:
        return [(o >> 1, None)]
    f32 = np.float32
    sc = f32(1.0 / scale) if scale is not None and scale > 0 else f32(in_size) / f32(out_size)
    pos = o.astype(f32) + f32(0.5) if exact else o.astype(f32)
    src = np.floor(pos * sc).astype(np.int64)
    return [(np.minimum(src, in_size - 1), None)]


def _guard(real, in_size):
    i0 = np.minimum(np.floor(real).astype(np.int64), in_size - 1)
    lam = np.clip(real - i0.astype(real.dtype), 0, 1).astype(real.dtype)
    return i0, lam


def linear_taps(in_size, out_size, scale, align_corners, ct):
    """Two source indices and weights per output position (linear interpolation)."""
    sc = _scale(in_size, out_size, align_corners, scale, ct)
    o = np.arange(out_size).astype(ct)
    if align_corners:
        real = sc * o
    else:
        real = np.maximum(sc * (o + ct.type(0.5)) - ct.type(0.5), ct.type(0))
    i0, lam = _guard(real, in_size)
    i1 = i0 + (i0 < in_size - 1)
    return [(i0, (ct.type(1) - lam)), (i1, lam)]


def cubic_coefficients(t, ct):
    """Keys' cubic convolution weights (A = -0.75) of the four taps around fraction ``t``."""
    A = ct.type(_CUBIC_A)

    def near(x):   # |x| <= 1
        return ((A + 2) * x - (A + 3)) * x * x + 1

    def far(x):    # 1 < |x| < 2
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A
    one = ct.type(1)
    return [far(t + one), near(t), near(one - t), far(ct.type(2) - t)]


def cubic_taps(in_size, out_size, scale, align_corners, ct):
    sc = _scale(in_size, out_size, align_corners, scale, ct)
    o = np.arange(out_size).astype(ct)
    real = sc * o if align_corners else sc * (o + ct.type(0.5)) - ct.type(0.5)
    i0, lam = _guard(real, in_size)
    coeffs = cubic_coefficients(lam, ct)
    return [(np.clip(i0 - 1 + j, 0, in_size - 1), coeffs[j].astype(ct)) for j in range(4)]


def _aa_filter(x, mode):
    x = np.abs(x)
    if mode == "bilinear":
        return np.where(x < 1, 1 - x, 0)
    a = -0.5   # (the antialiasing cubic uses Keys' a = -0.5, as PIL does)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = (((x - 5) * x + 8) * x - 4) * a
    return np.where(x < 1, near, np.where(x < 2, far, 0))


def antialias_taps(in_size, out_size, scale, align_corners, ct, mode):
    """PIL-style antialiasing: when shrinking, the filter stretches by the scale and every
    input pixel under it contributes (weights normalised to sum to one)."""
    sc = _scale(in_size, out_size, align_corners, scale, ct)
    interp = 2 if mode == "bilinear" else 4
    support = ct.type(interp * 0.5) * sc if sc >= 1 else ct.type(interp * 0.5)
    invscale = ct.type(1) / sc if sc >= 1 else ct.type(1)
    max_taps = int(np.ceil(support)) * 2 + 1
    center = sc * (np.arange(out_size).astype(ct) + ct.type(0.5))
    xmin = np.maximum((center - support + ct.type(0.5)).astype(np.int64), 0)
    xsize = np.clip(np.minimum((center + support + ct.type(0.5)).astype(np.int64), in_size)
                    - xmin, 0, max_taps)
    j = np.arange(max_taps)
    w = _aa_filter(((j[None, :] + xmin[:, None]).astype(ct) - center[:, None] + ct.type(0.5))
                   * invscale, mode).astype(ct)
    w = np.where(j[None, :] < xsize[:, None], w, 0).astype(ct)
    total = w.sum(axis=1, keepdims=True)
    w = np.where(total != 0, w / np.where(total != 0, total, 1), w).astype(ct)
    idx = np.minimum(xmin[:, None] + j[None, :], in_size - 1)
    return [(idx[:, t], w[:, t]) for t in range(max_taps)]


# ---------------------------------------------------------------------------- separable kernels
def _apply_taps(a, taps_per_axis):
    nd = len(taps_per_axis)
    for j, taps in enumerate(taps_per_axis):
        axis = a.ndim - nd + j
        acc = None
        for idx, w in taps:
            v = take_axis(a, idx, axis)
            if w is not None:
                shape = [1] * a.ndim
                shape[axis] = -1
                v = v * w.astype(a.dtype).reshape(shape)
            acc = v if acc is None else acc + v
        a = acc
    return a


def _apply_taps_adjoint(g, taps_per_axis, in_spatial):
    nd = len(taps_per_axis)
    for j in reversed(range(nd)):
        taps = taps_per_axis[j]
        axis = g.ndim - nd + j
        acc = None
        for idx, w in taps:
            v = g
            if w is not None:
                shape = [1] * g.ndim
                shape[axis] = -1
                v = v * w.astype(g.dtype).reshape(shape)
            v = take_axis_adjoint(v, idx, in_spatial[j], axis)
            acc = v if acc is None else acc + v
        g = acc
    return g


_NAMES = {("nearest", 1): "UpsampleNearest1D", ("nearest", 2): "UpsampleNearest2D",
          ("nearest", 3): "UpsampleNearest3D", ("nearest-exact", 1): "UpsampleNearestExact1D",
          ("nearest-exact", 2): "UpsampleNearestExact2D",
          ("nearest-exact", 3): "UpsampleNearestExact3D", ("linear", 1): "UpsampleLinear1D",
          ("bilinear", 2): "UpsampleBilinear2D", ("bicubic", 2): "UpsampleBicubic2D",
          ("trilinear", 3): "UpsampleTrilinear3D", ("bilinear-aa", 2): "UpsampleBilinear2DAa",
          ("bicubic-aa", 2): "UpsampleBicubic2DAa"}
_PAIRS = {}


def _pair(mode, nd):
    p = _PAIRS.get((mode, nd))
    if p is None:
        name = _NAMES[(mode, nd)]
        p = _PAIRS[(mode, nd)] = LinearPair(
            name + "Backward0", name + "BackwardBackward0",
            lambda a, taps, in_spatial: _apply_taps(a, taps),
            lambda g, taps, in_spatial: _apply_taps_adjoint(g, taps, in_spatial),
            backward_reads_input=False)
    return p


def _dims_text(letters, sizes):
    return ", ".join(f"{c}: {s}" for c, s in zip(letters, sizes))


def _resample(x, mode, out_size, scales, align_corners, antialias=False):
    nd = len(out_size)
    shape = x._array.shape
    in_spatial = shape[2:]
    letters = ("D", "H", "W")[3 - nd:]
    if any(s <= 0 for s in in_spatial) or any(s <= 0 for s in out_size):
        joiner = " and output" if nd == 1 else " output"
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({_dims_text(letters, in_spatial)}){joiner} "
                           f"({_dims_text(letters, out_size)})")
    if shape[1] == 0 and mode != "nearest" and mode != "nearest-exact":
        raise RuntimeError(f"Non-empty {nd + 2}D data tensor expected but got a tensor with sizes "
                           f"[{', '.join(str(s) for s in shape)}]")
    dt = x._dtype
    # NOTE: PyTorch names its channels-last kernels for every 4-d input here
    cl = nd == 2
    if mode in ("nearest", "nearest-exact"):
        kernel = ("upsample_nearest2d_channels_last" if cl else
                  "compute_indices_weights_nearest")
        check_dtype(x, kernel, FLOATS + (D.uint8,))
    elif mode == "bicubic":
        check_dtype(x, "compute_indices_weights_cubic", FLOATS + (D.uint8,))
    else:
        kernel = ("upsample_bilinear2d_channels_last" if cl else
                  "compute_indices_weights_linear")
        check_dtype(x, kernel, FLOATS + ((D.uint8,) if nd == 2 else ()))
    ct = np.dtype(np.float64) if dt is D.float64 else np.dtype(np.float32)
    taps = []
    for i in range(nd):
        sc = scales[i] if scales is not None else None
        n, o = in_spatial[i], out_size[i]
        if antialias:
            taps.append(antialias_taps(n, o, sc, align_corners, ct, mode))
        elif mode in ("nearest", "nearest-exact"):
            taps.append(nearest_taps(n, o, sc, mode == "nearest-exact"))
        elif mode == "bicubic":
            taps.append(cubic_taps(n, o, sc, align_corners, ct))
        else:
            taps.append(linear_taps(n, o, sc, align_corners, ct))
    params = {"taps": taps, "in_spatial": tuple(in_spatial)}
    if dt is D.uint8 and mode not in ("nearest", "nearest-exact"):
        # PyTorch resamples uint8 images separably, width first, storing bytes in between
        # (with fixed-point weights: results can still differ from it by one)
        from .spatial_common import result
        a = x._array.astype(np.float32)
        for j in reversed(range(nd)):
            one = [[(np.arange(s), None)] for s in a.shape[2:]]
            one[j] = taps[j]
            a = np.clip(np.round(_apply_taps(a, one)), 0, 255)
        return result(a, dt, like=x)
    return _pair(mode + ("-aa" if antialias else ""), nd).run_forward(x, params, layout_like=x)


def _is_integer(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool) or (
        hasattr(v, "dtype") and getattr(v, "dtype").is_floating_point is False and v.dim() == 0)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resample (N, C, *spatial) input to ``size`` or by ``scale_factor``.

    >>> ember.nn.functional.interpolate(ember.tensor([[[1., 2.]]]), scale_factor=2)
    tensor([[[1., 1., 2., 2.]]])
    """
    x = check_tensor(input, "interpolate")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = x.dim() - 2
    spatial = list(x.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scale_factors = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {spatial} and output size of {size}. "
                    "Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size "
                    "in (o1, o2, ...,oK) format.")
            if not all(_is_integer(v) for v in size):
                raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] "
                                "or Tuple[int, int, int], but got size with types "
                                f"{[type(v) for v in size]}")
            output_size = [int(v) for v in size]
        else:
            output_size = [int(size)] * dim
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, but "
                    f"got input with spatial dimensions of {spatial} and scale_factor of shape "
                    f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                    "format and scale_factor in (s1, s2, ...,sK) format.")
            scale_factors = [float(v) for v in scale_factor]
        else:
            scale_factors = [float(scale_factor)] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        output_size = [math.floor(float(spatial[i]) * scale_factors[i]) for i in range(dim)]
        scale_factors = None
    if antialias and not (mode in ("bilinear", "bicubic") and x.dim() == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes "
                         "and requires a 4-D tensor as input")
    if output_size is None:
        output_size = [int(spatial[i] * scale_factors[i]) for i in range(dim)]
    need = {"linear": 1, "bilinear": 2, "trilinear": 3, "bicubic": 2}
    if mode == "area" and dim in (1, 2, 3):
        from . import pooling
        fn = (None, pooling.adaptive_avg_pool1d, pooling.adaptive_avg_pool2d,
              pooling.adaptive_avg_pool3d)[dim]
        return fn(x, output_size if dim > 1 else output_size[0])
    if mode in ("nearest", "nearest-exact") and dim in (1, 2, 3) or need.get(mode) == dim:
        return _resample(x, mode, output_size, scale_factors, align_corners, antialias)
    if mode in ("linear", "bilinear", "trilinear") and dim in (1, 2, 3):
        raise NotImplementedError(f"Got {dim + 2}D input, but {mode} mode needs "
                                  f"{need[mode] + 2}D input")
    raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                              f"{dim + 2}D) for the modes: {_MODES_TEXT} (got {mode})")


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of ``interpolate`` (PyTorch warns)."""
    import warnings
    warnings.warn(f"`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='nearest')``."""
    import warnings
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)``."""
    import warnings
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---------------------------------------------------------------------------- pixel shuffle
def _shuffle(a, r):
    *lead, c, h, w = a.shape
    oc = c // (r * r)
    a = a.reshape(tuple(lead) + (oc, r, r, h, w))
    n = len(lead)
    a = a.transpose(tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2))
    return a.reshape(tuple(lead) + (oc, h * r, w * r))


def _unshuffle(a, r):
    *lead, c, h, w = a.shape
    a = a.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    n = len(lead)
    a = a.transpose(tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3))
    return a.reshape(tuple(lead) + (c * r * r, h // r, w // r))


_SHUFFLE = LinearPair("PixelShuffleBackward0", "PixelUnshuffleBackward0",
                      lambda a, r: _shuffle(a, r), lambda g, r: _unshuffle(g, r),
                      backward_reads_input=False)


def _check_factor(fname, argname, r):
    if not isinstance(r, (int, np.integer)) or isinstance(r, bool):
        raise TypeError(f"{fname}(): argument '{argname}' (position 2) must be int, not "
                        f"{type_name(r)}")
    return int(r)


def pixel_shuffle(input, upscale_factor):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r).

    >>> ember.nn.functional.pixel_shuffle(ember.arange(4.).reshape(4, 1, 1), 2)
    tensor([[[0., 1.],
             [2., 3.]]])
    """
    x = check_tensor(input, "pixel_shuffle")
    r = _check_factor("pixel_shuffle", "upscale_factor", upscale_factor)
    shape = x._array.shape
    if len(shape) < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got "
                           f"input with {len(shape)} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    if shape[-3] % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be divisible "
                           f"by the square of upscale_factor, but input.size(-3)={shape[-3]} is "
                           f"not divisible by {r * r}")
    return _SHUFFLE.run_forward(x, {"r": r})


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W), the inverse of pixel_shuffle.

    >>> ember.nn.functional.pixel_unshuffle(ember.arange(4.).reshape(1, 2, 2), 2).shape
    ember.Size([4, 1, 1])
    """
    x = check_tensor(input, "pixel_unshuffle")
    r = _check_factor("pixel_unshuffle", "downscale_factor", downscale_factor)
    shape = x._array.shape
    if len(shape) < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {len(shape)} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    if shape[-2] % r:
        raise RuntimeError("pixel_unshuffle expects height to be divisible by downscale_factor, "
                           f"but input.size(-2)={shape[-2]} is not divisible by {r}")
    if shape[-1] % r:
        raise RuntimeError("pixel_unshuffle expects width to be divisible by downscale_factor, "
                           f"but input.size(-1)={shape[-1]} is not divisible by {r}")
    if x._array.size == 0:
        # NOTE: PyTorch returns empty inputs unchanged in shape here
        return _SHUFFLE.run_adjoint(x, {"r": 1})
    return _SHUFFLE.run_adjoint(x, {"r": r})


FUNCTIONS.update(pixel_shuffle=pixel_shuffle, pixel_unshuffle=pixel_unshuffle)
