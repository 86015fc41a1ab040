"""``F.pad``: constant, reflect, replicate and circular padding (negative pads crop).

Non-constant modes are one gather per padded dimension with a precomputed source index
(reflect: mirror without repeating the edge, replicate: clamp, circular: wrap); their backward is
the matching scatter-add, so every mode is a linear pair (see spatial_common).
"""
import numpy as np

from .. import _dtype as D
from .._dispatch import FUNCTIONS, needs_grad, record
from .spatial_common import LinearPair, check_tensor, result, new_node, take_axis, \
    take_axis_adjoint

_MODES = ("constant", "reflect", "replicate", "circular")


def _shape_str(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


# ---------------------------------------------------------------------------- constant
def _constant_pad_array(a, pad, value):
    nd = a.ndim
    k = len(pad) // 2
    src = [slice(None)] * nd
    dst = [slice(None)] * nd
    shape = list(a.shape)
    for i in range(k):
        d = nd - 1 - i
        lo, hi = pad[2 * i], pad[2 * i + 1]
        n = a.shape[d]
        shape[d] = n + lo + hi
        # negative pads crop the input, positive ones leave a border in the output
        src[d] = slice(max(-lo, 0), n - max(-hi, 0))
        dst[d] = slice(max(lo, 0), max(lo, 0) + n - max(-lo, 0) - max(-hi, 0))
    out = np.full(shape, value, dtype=a.dtype)
    out[tuple(dst)] = a[tuple(src)]
    return out


def _constant_pad_backward(ctx, grad):
    return constant_pad_nd(grad, [-p for p in ctx.saved["pad"]], 0)


_CONSTANT_NODE = new_node("ConstantPadNdBackward0", _constant_pad_backward)


def constant_pad_nd(input, pad, value=0):
    """Pad the last ``len(pad) // 2`` dimensions with ``value`` (negative pads crop).

    >>> ember.constant_pad_nd(ember.ones(2), [1, 0])
    tensor([0., 1., 1.])
    """
    check_tensor(input, "constant_pad_nd")
    pad = list(pad)
    a = input._array
    nd = a.ndim
    if len(pad) % 2:
        raise RuntimeError("Length of pad must be even but instead it equals " + str(len(pad)))
    if len(pad) // 2 > nd:
        raise RuntimeError("Length of pad should be no more than twice the number of dimensions "
                           f"of the input. Pad length is {len(pad)} while the input has {nd} "
                           "dimensions.")
    for i in range(len(pad) // 2):
        n = a.shape[nd - 1 - i]
        if n + min(pad[2 * i], 0) + min(pad[2 * i + 1], 0) < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
    dt = input._dtype
    fill = dt.np.type(value) if dt is not D.bool_ else bool(value)
    if isinstance(value, float) and dt.category <= 1 and dt is not D.bool_:
        fill = dt.np.type(int(value))
    out = result(_constant_pad_array(a, pad, fill), dt, like=input)
    if needs_grad(input) and (dt.is_floating_point or dt.is_complex):
        record(_CONSTANT_NODE, (input,), out, {"pad": tuple(pad)})
    return out


# ---------------------------------------------------------------------------- index modes
def source_index(n, lo, hi, mode):
    """For each output position along a dimension of size ``n`` padded by (lo, hi), the input
    position it copies."""
    c = np.arange(-lo, n + hi, dtype=np.int64)
    if mode == "reflect":
        c = np.abs(c)
        c = np.where(c > n - 1, 2 * (n - 1) - c, c)
    elif mode == "replicate":
        c = np.clip(c, 0, n - 1)
    else:
        # negative pads crop first; positive ones then wrap around what is left
        start = max(-lo, 0)
        kept = n - start - max(-hi, 0)
        if kept <= 0:
            return np.zeros(max(n + lo + hi, 0), dtype=np.int64)
        c = start + np.mod(np.arange(-max(lo, 0), kept + max(hi, 0), dtype=np.int64), kept)
    return c


def _index_pad(a, pad, mode):
    nd = a.ndim
    for i in range(len(pad) // 2):
        d = nd - 1 - i
        a = take_axis(a, source_index(a.shape[d], pad[2 * i], pad[2 * i + 1], mode), d)
    return a


def _index_pad_adjoint(g, pad, mode, in_shape):
    nd = g.ndim
    for i in range(len(pad) // 2):
        d = nd - 1 - i
        n = in_shape[d]
        g = take_axis_adjoint(g, source_index(n, pad[2 * i], pad[2 * i + 1], mode), n, d)
    return g


_PAIRS = {}


def _pair(mode, k):
    key = (mode, k)
    p = _PAIRS.get(key)
    if p is None:
        if mode == "circular":
            # PyTorch builds circular padding from slice copies: its node is CopySlices
            fwd, bwd = "CopySlices", "CopySlicesBackward0"
        else:
            base = {"reflect": "ReflectionPad", "replicate": "ReplicationPad"}[mode]
            fwd, bwd = f"{base}{k}DBackward0", f"{base}{k}DBackwardBackward0"
        p = _PAIRS[key] = LinearPair(
            fwd, bwd,
            lambda a, pad, mode, in_shape: _index_pad(a, pad, mode),
            lambda g, pad, mode, in_shape: _index_pad_adjoint(g, pad, mode, in_shape))
    return p


_NON_CONSTANT_HELP = (
    "Supported combinations for non-constant padding:\n"
    "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
    "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
    "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def _check_index_pad(input, pad, mode):
    a = input._array
    nd = a.ndim
    k = len(pad) // 2
    if nd not in (k + 1, k + 2):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {nd}D input "
                                  f"tensor.\n{_NON_CONSTANT_HELP}")
    if mode == "circular":
        for i in range(k):
            n = a.shape[nd - 1 - i]
            lo, hi = pad[2 * i], pad[2 * i + 1]
            if lo > n or hi > n:
                raise RuntimeError("Padding value causes wrapping around more than once.")
            if n + lo + hi < 0:
                raise RuntimeError("Negative padding value is resulting in an empty dimension")
        return
    batched = nd == k + 2
    if any(s == 0 for s in a.shape[1 if batched else 0:]):
        raise RuntimeError(f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 "
                           "batch size and other non-zero dimensions for input, but got: "
                           f"{_shape_str(a.shape)}")
    if mode == "reflect":
        for i in range(k):
            d = nd - 1 - i
            n = a.shape[d]
            lo, hi = pad[2 * i], pad[2 * i + 1]
            if lo >= n or hi >= n:
                raise RuntimeError(
                    f"Argument #{4 + 2 * i}: Padding size should be less than the corresponding "
                    f"input dimension, but got: padding ({lo}, {hi}) at dimension {d} of input "
                    f"{_shape_str(a.shape)}")
    out_shape = list(a.shape)
    for i in range(k):
        out_shape[nd - 1 - i] += pad[2 * i] + pad[2 * i + 1]
    if any(s < 0 for s in out_shape):
        if k == 1:
            raise RuntimeError(f"input (W: {a.shape[-1]}) is too small. Calculated output W: "
                               f"{out_shape[-1]}")
        neg = next(s for s in out_shape if s < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {neg}: "
                           f"{_shape_str(out_shape)}")


def _index_pad_tensor(input, pad, mode):
    _check_index_pad(input, pad, mode)
    a = input._array
    if mode != "circular" and input._dtype is D.bool_:
        kernel = "reflection_pad" if mode == "reflect" else "replication_pad"
        raise NotImplementedError(f'"{kernel}{len(pad) // 2}d" not implemented for \'Bool\'')
    params = {"pad": tuple(pad), "mode": mode, "in_shape": a.shape}
    # NOTE: circular padding comes out row-major (slice copies into a fresh tensor)
    like = None if mode == "circular" else input
    return _pair(mode, len(pad) // 2).run_forward(input, params, layout_like=like)


def _check_pad_arg(pad):
    if not isinstance(pad, (list, tuple)):
        from .._dispatch import type_name
        raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, not "
                        f"{type_name(pad)}")
    for i, p in enumerate(pad):
        if not isinstance(p, (int, np.integer)) or isinstance(p, bool):
            raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, but "
                            f"found element of type {type(p).__name__} at pos {i}")
    return [int(p) for p in pad]


def pad(input, pad, mode="constant", value=None):
    """Pad the last dimensions of ``input``; ``pad`` lists (left, right) pairs from the last
    dimension backwards. Modes: 'constant' (with ``value``), 'reflect', 'replicate',
    'circular'. Negative pads crop.

    >>> ember.nn.functional.pad(ember.tensor([[1, 2]]), (1, 1), mode="replicate")
    tensor([[1, 1, 2, 2]])
    """
    check_tensor(input, "pad")
    pad = _check_pad_arg(pad)
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    nd = input._array.ndim
    if len(pad) // 2 > nd:
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{nd}")
    if mode == "constant":
        return constant_pad_nd(input, pad, 0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    return _index_pad_tensor(input, pad, mode)


FUNCTIONS.update(constant_pad_nd=constant_pad_nd)
