"""Normalisation ops: batch, layer, group, instance and RMS norm, local response norm and
channel shuffle (``F.batch_norm`` ..., ``ember.native_layer_norm`` ...).

The three "native" kernels (batch, layer, group norm) compute their forward on arrays and
record one node named as PyTorch names it (``NativeLayerNormBackward0`` ...). Their backward
is a closed form: on arrays when the engine runs without ``create_graph`` (the common, fast
case), and the same formula written in ember ops when it runs with ``create_graph``, so double
backward is exact. Half-precision inputs compute in float32 and round once, as PyTorch's CPU
kernels do.

Instance norm, RMS norm and local response norm are compositions of ember ops in PyTorch's
order, so their values and ``grad_fn`` chains match.
"""
import math

import numpy as np

from .. import _dtype as D
from .._dispatch import FUNCTIONS, HALF_FLOATS, needs_grad, record, shape_str, type_name
from .._memory_format import suggest_memory_format, channels_last, channels_last_3d
from .._tensor import Tensor, make_tensor
from ..autograd.graph import node_class
from ..autograd.grad_mode import STATE as _GRAD

_FLOATS = (D.float16, D.bfloat16, D.float32, D.float64)


# ---------------------------------------------------------------------------- helpers
class _NoGrad:
    """A cheap ``no_grad`` for the ember-op compositions that must not record."""

    def __enter__(self):
        self.prev = _GRAD.enabled
        _GRAD.enabled = False

    def __exit__(self, *exc):
        _GRAD.enabled = self.prev


def _work(dt):
    """The NumPy dtype a kernel computes in: float32 for half precision."""
    return np.dtype(np.float32) if dt in HALF_FLOATS else dt.np


def _check_tensor(fname, x, argname, pos):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be Tensor, not "
                        f"{type_name(x)}")


def _check_kernel(x, kernel):
    if x._dtype not in _FLOATS:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{x._dtype.scalar_name}\'')


def _check_mixed(x, params):
    """PyTorch's CPU rule: parameters share the input's dtype, or are all float32 for a
    half-precision input."""
    params = [p for p in params if p is not None]
    dt = x._dtype
    if all(p._dtype is dt for p in params):
        return
    if dt in HALF_FLOATS and all(p._dtype is D.float32 for p in params):
        return
    if dt is D.float64:
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
    raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")


def _needs(ctx, i):
    nf = ctx.next_functions
    return i < len(nf) and nf[i][0] is not None


def _param_array(p, work, shape=None):
    if p is None:
        return None
    a = p._array.astype(work, copy=False)
    return a if shape is None else a.reshape(shape)


def _layout_like(x, arr):
    """``arr`` (row-major) laid out as PyTorch lays out a normalisation result: channels-last
    inputs keep channels-last, everything else is row-major."""
    a = x._array
    if a.ndim in (4, 5) and not a.flags.c_contiguous:
        fmt = suggest_memory_format(a.shape, tuple(s // a.itemsize for s in a.strides))
        if fmt is channels_last or fmt is channels_last_3d:
            perm = (0,) + tuple(range(2, a.ndim)) + (1,)
            out = np.empty([arr.shape[i] for i in perm], arr.dtype)
            inv = np.argsort(perm)
            out = out.transpose(inv)
            np.copyto(out, arr)
            return out
    return arr


def _rowsum(a):
    """Row sums of a 2-D array (a matrix-vector product: BLAS beats a pairwise reduction)."""
    if a.shape[1] == 0:
        return np.zeros(a.shape[0], a.dtype)
    return a @ np.ones(a.shape[1], a.dtype)


def _colsum(a):
    """Column sums of a 2-D array."""
    if a.shape[0] == 0:
        return np.zeros(a.shape[1], a.dtype)
    return np.ones(a.shape[0], a.dtype) @ a


def _rowdot(a, b):
    """Per-row dot products of two 2-D arrays, in one pass (vecdot: BLAS dots per row)."""
    return np.vecdot(a, b) if _VECDOT else np.einsum("ij,ij->i", a, b)


_VECDOT = hasattr(np, "vecdot")


def _coldot(a, b):
    return np.einsum("ij,ij->j", a, b)


# ---------------------------------------------------------------------------- layer norm
def _check_layer_norm(fname, input, normalized_shape, weight, bias, star="*, "):
    if isinstance(normalized_shape, int) or not isinstance(normalized_shape, (tuple, list)):
        raise TypeError(f"{fname}(): argument 'normalized_shape' (position 2) must be tuple of "
                        f"ints, not {type_name(normalized_shape)}")
    shape = tuple(int(s) for s in normalized_shape)
    if not shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got "
                               f"{name} of shape {shape_str(p.shape)} and normalized_shape = "
                               f"{shape_str(shape)}")
    xs = tuple(input.shape)
    k = len(shape)
    if len(xs) < k or xs[len(xs) - k:] != shape:
        raise RuntimeError(f"Given normalized_shape={shape_str(shape)}, expected input with shape "
                           f"[{star}{', '.join(map(str, shape))}], but got input of size"
                           f"{shape_str(xs)}")
    return shape


def _layer_norm_arrays(x, shape, w, b, eps, keep_xhat=True):
    """(out, mean, rstd, xhat) of a layer norm on arrays, in the work dtype."""
    N = math.prod(shape)
    M = x.size // N if N else math.prod(x.shape[:x.ndim - len(shape)])
    x2 = x.reshape(M, N)
    if N == 0:
        nan = np.full(M, np.nan, x.dtype)
        return x2.copy(), nan, nan, x2.copy()
    mean = _rowsum(x2) * (1.0 / N)
    xhat = x2 - mean[:, None]
    var = _rowdot(xhat, xhat) * (1.0 / N)
    rstd = 1.0 / np.sqrt(var + eps)
    xhat *= rstd[:, None]
    if not keep_xhat:
        # (nothing will differentiate this call: scale and shift in place)
        out = xhat
        if w is not None:
            out *= w.reshape(N)
        if b is not None:
            out += b.reshape(N)
    elif w is None:
        out = xhat.copy() if b is None else xhat + b.reshape(N)
    else:
        out = xhat * w.reshape(N)
        if b is not None:
            out += b.reshape(N)
    return out, mean, rstd, xhat


def _layer_norm(input, normalized_shape, weight, bias, eps, fname, outputs):
    _check_tensor(fname, input, "input", 1)
    shape = _check_layer_norm(fname, input, normalized_shape, weight, bias)
    _check_kernel(input, "LayerNormKernelImpl")
    _check_mixed(input, (weight, bias))
    dt = input._dtype
    work = _work(dt)
    x = input._array.astype(work, copy=False)
    grad = needs_grad(input, weight, bias)
    out, mean, rstd, xhat = _layer_norm_arrays(x, shape, _param_array(weight, work),
                                               _param_array(bias, work), eps, grad)
    res = make_tensor(out.reshape(x.shape).astype(dt.np, copy=False), dt)
    stat_shape = x.shape[:x.ndim - len(shape)] + (1,) * len(shape)
    # (statistics of a half input with float32 parameters stay float32)
    sdt = D.float32 if dt in HALF_FLOATS and weight is not None and weight._dtype is D.float32 \
        else dt
    results = (res,)
    if outputs == 3:
        results = (res, make_tensor(mean.reshape(stat_shape).astype(sdt.np), sdt),
                   make_tensor(rstd.reshape(stat_shape).astype(sdt.np), sdt))
    if grad:
        # (mean and rstd are not differentiable outputs)
        record(_LAYER_NORM, (input, weight, bias), res,
               {"normalized_shape": shape, "eps": eps, "xhat": xhat, "rstd": rstd})
    return results


def native_layer_norm(input, normalized_shape, weight, bias, eps):
    """Layer norm returning ``(output, mean, rstd)``; mean and rstd keep the normalised
    dimensions as size 1.

    >>> out, mean, rstd = ember.native_layer_norm(ember.tensor([[1., 3.]]), (2,), None, None, 0.)
    >>> mean
    tensor([[2.]])
    """
    return _layer_norm(input, normalized_shape, weight, bias, eps, "native_layer_norm", 3)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing ``normalized_shape`` dimensions, then scale and shift.

    >>> ember.nn.functional.layer_norm(ember.tensor([[1., 3.]]), (2,))
    tensor([[-1.0000,  1.0000]])
    """
    return _layer_norm(input, normalized_shape, weight, bias, eps, "layer_norm", 1)[0]


def _layer_norm_backward(ctx, grad):
    if isinstance(grad, tuple):
        grad = grad[0]
    x, w, b = ctx.inputs
    shape = ctx.saved["normalized_shape"]
    k = len(shape)
    if not _GRAD.enabled:
        # fast path: the closed form on arrays
        dt = x._dtype
        work = _work(dt)
        xhat, rstd = ctx.saved["xhat"], ctx.saved["rstd"]
        M, N = xhat.shape
        dy = grad._array.astype(work, copy=False).reshape(M, N)
        gx = gw = gb = None
        if _needs(ctx, 0):
            if N == 0:
                gx = make_tensor(np.zeros(x.shape, dt.np), dt)
            else:
                g = dy if w is None else dy * w._array.astype(work, copy=False).reshape(N)
                a = _rowsum(g) * (1.0 / N)
                c = _rowdot(g, xhat) * (1.0 / N)
                dx = xhat * c[:, None]
                np.subtract(g, dx, out=dx)
                dx -= a[:, None]
                dx *= rstd[:, None]
                gx = make_tensor(dx.reshape(x.shape).astype(dt.np, copy=False), dt)
        if w is not None and _needs(ctx, 1):
            gw = make_tensor(_coldot(dy, xhat).reshape(shape).astype(w._dtype.np), w._dtype)
        if b is not None and _needs(ctx, 2):
            gb = make_tensor(_colsum(dy).reshape(shape).astype(b._dtype.np), b._dtype)
        return gx, gw, gb
    # create_graph: the same formula in ember ops, differentiable again
    dims = tuple(range(x.dim() - k, x.dim()))
    lead = tuple(range(x.dim() - k))
    eps = ctx.saved["eps"]
    mean = x.mean(dims, keepdim=True)
    xc = x - mean
    rstd = ((xc * xc).mean(dims, keepdim=True) + eps).rsqrt()
    xhat = xc * rstd
    gx = gw = gb = None
    if _needs(ctx, 0):
        g = grad if w is None else grad * w
        gx = rstd * (g - g.mean(dims, keepdim=True) - xhat * (g * xhat).mean(dims, keepdim=True))
    if w is not None and _needs(ctx, 1):
        gw = (grad * xhat).sum(lead) if lead else grad * xhat
    if b is not None and _needs(ctx, 2):
        gb = grad.sum(lead) if lead else grad * 1
    return gx, gw, gb


_LAYER_NORM = node_class("NativeLayerNormBackward0")
_LAYER_NORM.backward_fn = staticmethod(_layer_norm_backward)


# ---------------------------------------------------------------------------- batch norm
def _bn_view(x):
    """An (N, C, S) view (or copy) of an (N, C, *) array."""
    s = 1
    for d in x.shape[2:]:
        s *= d
    return x.reshape(x.shape[0], x.shape[1], s)


def _channel_sums(a3):
    """Per-channel sums of an (N, C, S) array: one BLAS matrix-vector product over the rows,
    then the batch (a third of the time of a two-axis ufunc reduction)."""
    n, c, s = a3.shape
    if s == 1:
        return _colsum(a3.reshape(n, c))
    if n * c == 0:
        return np.zeros(c, a3.dtype)
    return (a3.reshape(n * c, s) @ np.ones(s, a3.dtype)).reshape(n, c).sum(0)


def _channel_dots(a3, b3):
    """Per-channel dot products of two (N, C, S) arrays."""
    n, c, s = a3.shape
    if s == 1:
        return _coldot(a3.reshape(n, c), b3.reshape(n, c))
    return np.einsum("ncs,ncs->c", a3, b3)


# Large batch-norm arrays are worked through a few images at a time, so that the several
# elementwise passes of a formula after the first read their operands from cache (NumPy
# cannot fuse them; ../shared/bench/README.md measured 2-3x for such blocking).
_BLOCK_BYTES = 1 << 19
_BLOCK_MIN_BYTES = 1 << 22


def _image_blocks(a3):
    """Slices of the batch dimension of an (N, C, S) array: one slice when the array is small,
    else blocks of about _BLOCK_BYTES."""
    n, c, s = a3.shape
    if a3.nbytes < _BLOCK_MIN_BYTES:
        return [slice(0, n)]
    per = max(1, _BLOCK_BYTES // max(1, c * s * a3.itemsize))
    return [slice(i, min(n, i + per)) for i in range(0, n, per)]


def _bn_stats(x3):
    """Per-channel mean and biased variance of an (N, C, S) array, plus x - mean (row-major)."""
    n, c, s = x3.shape
    count = n * s
    mean = _channel_sums(x3) * (1.0 / count)
    xc = np.empty(x3.shape, x3.dtype)
    var = np.zeros(c, x3.dtype)
    for blk in _image_blocks(x3):
        part = np.subtract(x3[blk], mean[:, None], out=xc[blk])
        var += _channel_dots(part, part)
    return mean, var * (1.0 / count), xc


def _check_batch_norm(input, weight, bias, running_mean, running_var, training):
    c = input.shape[1] if input.dim() > 1 else (input.shape[0] if input.dim() else 1)
    for name, p in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if p is not None and p.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {p.numel()}")
    if not training:
        if running_mean is None:
            raise RuntimeError("running_mean must be defined in evaluation mode")
        if running_var is None:
            raise RuntimeError("running_var must be defined in evaluation mode")


def _batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
                outputs):
    _check_tensor("batch_norm", input, "input", 1)
    if input.dim() < 2:
        if input.dim() == 1:
            raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but "
                             "got 1)")
    _check_batch_norm(input, weight, bias, running_mean, running_var, training)
    _check_kernel(input, "batch_norm")
    _check_mixed(input, (weight, bias, running_mean, running_var))
    dt = input._dtype
    work = _work(dt)
    x = input._array.astype(work, copy=False)
    x3 = _bn_view(x)
    n, c, s = x3.shape
    count = n * s
    w = _param_array(weight, work)
    b = _param_array(bias, work)
    if training:
        if count == 0:
            mean = np.full(c, np.nan, work)
            var = np.full(c, np.nan, work)
            xc = x3.copy()
        else:
            mean, var, xc = _bn_stats(x3)
        invstd = 1.0 / np.sqrt(var + eps)
        if running_mean is not None and count:
            _update_running(running_mean, mean, momentum, 1.0)
        if running_var is not None and count:
            # running variance tracks the unbiased estimate
            _update_running(running_var, var, momentum, count / (count - 1) if count > 1
                            else float("inf"))
        # out = xc * (invstd * w) + b: the centred input is kept for the backward (its
        # normalised form is never materialised)
        scale = (invstd if w is None else invstd * w)[:, None]
        out = np.empty(xc.shape, xc.dtype)   # (row-major)
        for blk in _image_blocks(xc):
            part = np.multiply(xc[blk], scale, out=out[blk])
            if b is not None:
                part += b[:, None]
        xhat = xc
        save_mean, save_invstd = mean, invstd
    else:
        mean = running_mean._array.astype(work, copy=False)
        invstd = 1.0 / np.sqrt(running_var._array.astype(work, copy=False) + eps)
        scale = invstd if w is None else invstd * w
        shift = -mean * scale if b is None else b - mean * scale
        out = x3 * scale[:, None]
        out += shift[:, None]
        xhat = None
        save_mean = save_invstd = np.zeros(0, work)
    res = make_tensor(_layout_like(input, out.reshape(x.shape).astype(dt.np, copy=False)), dt)
    # (statistics of a half input with float32 parameters are float32)
    sdt = D.float32 if dt in HALF_FLOATS and any(
        p is not None and p._dtype is D.float32
        for p in (weight, bias, running_mean, running_var)) else dt
    results = (res,)
    if outputs == 3:
        results = (res, make_tensor(save_mean.astype(sdt.np), sdt),
                   make_tensor(save_invstd.astype(sdt.np), sdt))
    if needs_grad(input, weight, bias):
        record(_BATCH_NORM, (input, weight, bias), res,
               {"training": training, "eps": eps, "xhat": xhat, "invstd": invstd,
                "running_mean": None if training else running_mean,
                "running_var": None if training else running_var})
    return results


def _update_running(buf, stat, momentum, factor):
    a = buf._array
    new = a * (1 - momentum) + (stat * (factor * momentum)).astype(a.dtype)
    np.copyto(a, new, casting="unsafe")
    buf._bump_version()


def native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    """Batch norm returning ``(output, save_mean, save_invstd)`` (the batch statistics in
    training, empty tensors in evaluation); running statistics are updated in place.

    >>> out, mean, invstd = ember.native_batch_norm(ember.tensor([[1.], [3.]]), None, None,
    ...                                             None, None, True, 0.1, 0.)
    >>> mean
    tensor([2.])
    """
    return _batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, 3)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalise each channel (dimension 1) over the batch and spatial dimensions.

    In training the batch statistics are used and the running ones updated in place
    (the variance unbiased); in evaluation the running statistics are used.

    >>> ember.nn.functional.batch_norm(ember.tensor([[1.], [3.]]), None, None, training=True)
    tensor([[-1.0000],
            [ 1.0000]])
    """
    if training:
        _verify_batch_size(input.size())
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    elif eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    return _batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
                       1)[0]


def _verify_batch_size(size):
    count = size[0]
    for s in size[2:]:
        count *= s
    if count == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"{size}")


def _batch_norm_backward(ctx, grad):
    if isinstance(grad, tuple):
        grad = grad[0]
    x, w, b = ctx.inputs
    training = ctx.saved["training"]
    if not _GRAD.enabled:
        dt = x._dtype
        work = _work(dt)
        invstd = ctx.saved["invstd"]
        dy = _bn_view(grad._array.astype(work, copy=False))
        n, c, s = dy.shape
        count = n * s
        if training:
            xc = ctx.saved["xhat"]    # (training saves the centred input: xhat = xc * invstd)
        else:
            rm = ctx.saved["running_mean"]._array.astype(work, copy=False)
            xc = _bn_view(x._array.astype(work, copy=False)) - rm[:, None]
        blocks = _image_blocks(dy)
        if len(blocks) == 1:
            db = _channel_sums(dy)
            dw = _channel_dots(dy, xc)
        else:
            db, dw = np.zeros(c, work), np.zeros(c, work)
            for blk in blocks:
                db += _channel_sums(dy[blk])
                dw += _channel_dots(dy[blk], xc[blk])
        dw *= invstd
        gx = gw = gb = None
        if _needs(ctx, 0):
            scale = invstd if w is None else invstd * w._array.astype(work, copy=False)
            if training and count:
                # dx = scale * (dy - mean(dy) - xhat * mean(dy * xhat))
                a = scale[:, None]
                k = (scale * invstd * dw * (1.0 / count))[:, None]
                c0 = (scale * db * (1.0 / count))[:, None]
                dx = np.empty(dy.shape, work)
                tmp = np.empty((blocks[0].stop,) + dy.shape[1:], work)
                for blk in blocks:
                    part = np.multiply(dy[blk], a, out=dx[blk])
                    t = np.multiply(xc[blk], k, out=tmp[:part.shape[0]])
                    part -= t
                    part -= c0
            else:
                dx = dy * scale[:, None]
            gx = make_tensor(_layout_like(x, dx.reshape(x.shape).astype(dt.np, copy=False)), dt)
        if w is not None and _needs(ctx, 1):
            gw = make_tensor(dw.astype(w._dtype.np), w._dtype)
        if b is not None and _needs(ctx, 2):
            gb = make_tensor(db.astype(b._dtype.np), b._dtype)
        return gx, gw, gb
    # create_graph: the formula in ember ops
    nd = x.dim()
    dims = (0,) + tuple(range(2, nd))
    bshape = (1, -1) + (1,) * (nd - 2)
    eps = ctx.saved["eps"]
    if training:
        mean = x.mean(dims, keepdim=True)
        xc = x - mean
        invstd = ((xc * xc).mean(dims, keepdim=True) + eps).rsqrt()
    else:
        rm, rv = ctx.saved["running_mean"], ctx.saved["running_var"]
        xc = x - rm.detach().to(x.dtype).reshape(bshape)
        invstd = (rv.detach().to(x.dtype).reshape(bshape) + eps).rsqrt()
    xhat = xc * invstd
    gx = gw = gb = None
    if _needs(ctx, 0):
        scale = invstd if w is None else invstd * w.reshape(bshape)
        if training:
            gx = scale * (grad - grad.mean(dims, keepdim=True)
                          - xhat * (grad * xhat).mean(dims, keepdim=True))
        else:
            gx = grad * scale
    if w is not None and _needs(ctx, 1):
        gw = (grad * xhat).sum(dims)
    if b is not None and _needs(ctx, 2):
        gb = grad.sum(dims)
    return gx, gw, gb


_BATCH_NORM = node_class("NativeBatchNormBackward0")
_BATCH_NORM.backward_fn = staticmethod(_batch_norm_backward)


# ---------------------------------------------------------------------------- group norm
def _check_group_norm(input, num_groups, weight, bias):
    c = input.shape[1]
    if c % num_groups != 0:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, "
                           f"but got input of shape {shape_str(input.shape)} and "
                           f"num_groups={num_groups}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and (p.dim() != 1 or p.numel() != c):
            # NOTE: PyTorch's bias message prints the weight's shape ([0] without a weight)
            shown = p.shape if name == "weight" else (weight.shape if weight is not None else (0,))
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape "
                               f"{shape_str(shown)} and input of shape "
                               f"{shape_str(input.shape)}")


def _group_norm(input, weight, bias, N, C, HxW, group, eps, outputs):
    _check_kernel(input, "GroupNormKernelImpl")
    _check_mixed(input, (weight, bias))
    dt = input._dtype
    work = _work(dt)
    x = input._array.astype(work, copy=False)
    D_ = (C // group) * HxW
    rows = x.reshape(N * group, D_)
    if D_ == 0:
        mean = rstd = np.full(N * group, np.nan, work)
        xhat = rows.copy()
    else:
        mean = _rowsum(rows) * (1.0 / D_)
        xhat = rows - mean[:, None]
        rstd = 1.0 / np.sqrt(_rowdot(xhat, xhat) * (1.0 / D_) + eps)
        xhat *= rstd[:, None]
    out = xhat.reshape(N, C, HxW)
    w = _param_array(weight, work)
    b = _param_array(bias, work)
    if w is not None:
        out = out * w[:, None]
    if b is not None:
        out = out + b[:, None]
    if out is xhat.reshape(N, C, HxW) or out.base is xhat:
        out = out.copy()
    res = make_tensor(_layout_like(input, out.reshape(x.shape).astype(dt.np, copy=False)), dt)
    results = (res,)
    if outputs == 3:
        results = (res, make_tensor(mean.reshape(N, group).astype(dt.np), dt),
                   make_tensor(rstd.reshape(N, group).astype(dt.np), dt))
    if needs_grad(input, weight, bias):
        record(_GROUP_NORM, (input, weight, bias), results if outputs == 3 else res,
               {"group": group, "eps": eps, "xhat": xhat, "rstd": rstd, "N": N, "C": C,
                "HxW": HxW})
    return results


def native_group_norm(input, weight, bias, N, C, HxW, group, eps):
    """Group norm returning ``(output, mean, rstd)`` with statistics of shape (N, group).

    >>> out, mean, rstd = ember.native_group_norm(ember.tensor([[1., 3.]]), None, None,
    ...                                           1, 2, 1, 1, 0.)
    >>> mean
    tensor([[2.]])
    """
    _check_tensor("native_group_norm", input, "input", 1)
    return _group_norm(input, weight, bias, N, C, HxW, group, eps, 3)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each group of channels of each sample, then scale and shift per channel.

    >>> ember.nn.functional.group_norm(ember.tensor([[1., 3.]]), 1)
    tensor([[-1.0000,  1.0000]])
    """
    _check_tensor("group_norm", input, "input", 1)
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.dim()}")
    shape = tuple(input.shape)
    _verify_batch_size([shape[0] * shape[1] // num_groups, num_groups] + list(shape[2:]))
    _check_group_norm(input, num_groups, weight, bias)
    hxw = math.prod(shape[2:])
    return _group_norm(input, weight, bias, shape[0], shape[1], hxw, num_groups, eps, 1)[0]


def _group_norm_backward(ctx, grad):
    if isinstance(grad, tuple):
        grad = grad[0]
    x, w, b = ctx.inputs
    sv = ctx.saved
    N, C, HxW, G = sv["N"], sv["C"], sv["HxW"], sv["group"]
    D_ = (C // G) * HxW
    if not _GRAD.enabled:
        dt = x._dtype
        work = _work(dt)
        xhat, rstd = sv["xhat"], sv["rstd"]
        dy = grad._array.astype(work, copy=False).reshape(N, C, HxW)
        xh3 = xhat.reshape(N, C, HxW)
        gx = gw = gb = None
        if _needs(ctx, 0):
            if D_ == 0:
                dx = np.zeros(x.shape, work)
            else:
                g = dy if w is None else dy * w._array.astype(work, copy=False)[:, None]
                g2 = g.reshape(N * G, D_)
                a = _rowsum(g2) * (1.0 / D_)
                c = _rowdot(g2, xhat) * (1.0 / D_)
                dx = xhat * c[:, None]
                np.subtract(g2, dx, out=dx)
                dx -= a[:, None]
                dx *= rstd[:, None]
            gx = make_tensor(_layout_like(x, dx.reshape(x.shape).astype(dt.np, copy=False)), dt)
        if w is not None and _needs(ctx, 1):
            gw = make_tensor(np.einsum("ncs,ncs->c", dy, xh3).astype(w._dtype.np), w._dtype)
        if b is not None and _needs(ctx, 2):
            gb = make_tensor(dy.sum(axis=(0, 2)).astype(b._dtype.np), b._dtype)
        return gx, gw, gb
    eps = sv["eps"]
    xg = x.reshape(N, G, D_)
    mean = xg.mean(2, keepdim=True)
    xc = xg - mean
    rstd = ((xc * xc).mean(2, keepdim=True) + eps).rsqrt()
    xhat = xc * rstd
    dy = grad.reshape(N, C, HxW)
    gx = gw = gb = None
    if _needs(ctx, 0):
        g = (dy if w is None else dy * w.reshape(1, C, 1)).reshape(N, G, D_)
        gx = (rstd * (g - g.mean(2, keepdim=True) - xhat * (g * xhat).mean(2, keepdim=True))
              ).reshape(x.shape)
    if w is not None and _needs(ctx, 1):
        gw = (dy * xhat.reshape(N, C, HxW)).sum((0, 2))
    if b is not None and _needs(ctx, 2):
        gb = dy.sum((0, 2))
    return gx, gw, gb


_GROUP_NORM = node_class("NativeGroupNormBackward0")
_GROUP_NORM.backward_fn = staticmethod(_group_norm_backward)


# ---------------------------------------------------------------------------- instance norm
def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalise each channel of each sample over its spatial dimensions (batch norm over a
    (1, N*C, *) view, as PyTorch computes it).

    >>> ember.nn.functional.instance_norm(ember.tensor([[[1., 3.]]]))
    tensor([[[-1.0000,  1.0000]]])
    """
    _check_tensor("instance_norm", input, "input", 1)
    if use_input_stats:
        size = input.size()
        count = 1
        for s in size[2:]:
            count *= s
        if count == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input "
                             f"size {size}")
    shape = tuple(input.shape)
    n, c = shape[0], shape[1]
    folded = input.contiguous().view(1, n * c, *shape[2:])

    def rep(t):
        return None if t is None else t.repeat(n)
    rm, rv = rep(running_mean), rep(running_var)
    out = _batch_norm(folded, rep(weight), rep(bias), rm, rv, use_input_stats, momentum, eps,
                      1)[0]
    if use_input_stats:
        # the folded running statistics, averaged back over the batch
        with _NoGrad():
            for src, dst in ((rm, running_mean), (rv, running_var)):
                if dst is not None:
                    dst.copy_(src.view(n, c).mean(0))
    return out.view(shape)


# ---------------------------------------------------------------------------- RMS norm
def _rename(t, name):
    """Give ``t``'s grad_fn the name of the overload PyTorch's C++ composition used."""
    from .loss import _rename as rename
    return rename(t, name)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """``x / sqrt(mean(x**2) + eps) * weight`` over the trailing ``normalized_shape``
    dimensions; ``eps`` defaults to the machine epsilon of the input's dtype.

    >>> ember.nn.functional.rms_norm(ember.tensor([[3., 4.]]), (2,), eps=0.)
    tensor([[0.8485, 1.1314]])
    """
    _check_tensor("rms_norm", input, "input", 1)
    shape = _check_layer_norm("rms_norm", input, normalized_shape, weight, None, star="*")
    if input._dtype not in _FLOATS:
        raise NotImplementedError(f'"rms_norm" not implemented for '
                                  f'\'{input._dtype.scalar_name}\'')
    dt = input._dtype
    x = input
    if dt in HALF_FLOATS:
        # computed in float32, rounded once at the end
        x = input.to(D.float32)
    if eps is None:
        eps = D.finfo(x._dtype).eps
    dims = tuple(range(input.dim() - len(shape), input.dim()))
    scale = _rename(x.pow(2).mean(dims, keepdim=True) + eps, "AddBackward1").rsqrt()
    out = x * scale
    if weight is not None:
        out = out * (weight.to(D.float32) if dt in HALF_FLOATS else weight)
    return out.to(dt) if dt in HALF_FLOATS else out


# ---------------------------------------------------------------------------- local response norm
def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Divide each element by ``(k + alpha * mean of squares over size neighbouring channels)
    ** beta``.

    >>> ember.nn.functional.local_response_norm(ember.ones(1, 2, 1), 2).shape
    ember.Size([1, 2, 1])
    """
    _check_tensor("local_response_norm", input, "input", 1)
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input "
                         f"(got {dim} dimensions)")
    if input.numel() == 0:
        return input
    from .. import cat, zeros
    sq = input.mul(input)
    c = input.shape[1]
    front, back = size // 2, (size - 1) // 2
    # zero-padded channels, then the mean of each window of `size` channels (an average pool)
    pads = []
    if front:
        pads.append(zeros((input.shape[0], front) + tuple(input.shape[2:]), dtype=input.dtype))
    pads.append(sq)
    if back:
        pads.append(zeros((input.shape[0], back) + tuple(input.shape[2:]), dtype=input.dtype))
    padded = cat(pads, 1) if len(pads) > 1 else sq
    total = padded[:, 0:c]
    for j in range(1, size):
        total = total + padded[:, j:j + c]
    div = (total / size).mul(alpha).add(k).pow(beta)
    return input / div


# ---------------------------------------------------------------------------- channel shuffle
def _shuffle_array(a, groups):
    n, c = a.shape[0], a.shape[1]
    rest = a.shape[2:]
    return np.ascontiguousarray(
        a.reshape((n, groups, c // groups) + rest).swapaxes(1, 2)).reshape(a.shape)


def _channel_shuffle(input, groups, fname):
    _check_tensor(fname, input, "input", 1)
    if input.dim() <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {shape_str(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")
    c = input.shape[1]
    if c % groups != 0:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {groups} groups.")
    res = make_tensor(_shuffle_array(input._array, groups), input._dtype)
    return res


def channel_shuffle(input, groups):
    """Split the channels into ``groups`` groups and interleave them (ShuffleNet).

    >>> ember.nn.functional.channel_shuffle(ember.arange(4.).view(1, 4, 1), 2).flatten()
    tensor([0., 2., 1., 3.])
    """
    res = _channel_shuffle(input, groups, "channel_shuffle")
    if needs_grad(input) and input._dtype.category >= 2:
        record(_CHANNEL_SHUFFLE, (input,), res, {"groups": groups})
    return res


def native_channel_shuffle(input, groups):
    """``channel_shuffle`` without a derivative (PyTorch's native kernel has none)."""
    res = _channel_shuffle(input, groups, "native_channel_shuffle")
    if needs_grad(input) and input._dtype.category >= 2:
        record(node_class("NotImplemented"), (input,), res, {"op": "aten::native_channel_shuffle"})
    return res


def _channel_shuffle_backward(ctx, grad):
    # the inverse permutation is a shuffle with the complementary group count
    return channel_shuffle(grad, grad.shape[1] // ctx.saved["groups"])


_CHANNEL_SHUFFLE = node_class("ChannelShuffleBackward0")
_CHANNEL_SHUFFLE.backward_fn = staticmethod(_channel_shuffle_backward)
_CHANNEL_SHUFFLE.saves_inputs = False


def _aten_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
                     cudnn_enabled):
    """``ember.batch_norm``: the op beneath ``F.batch_norm`` (no Python-level checks)."""
    return _batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
                       1)[0]


def _aten_layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5,
                     cudnn_enable=True):
    """``ember.layer_norm``."""
    return _layer_norm(input, normalized_shape, weight, bias, eps, "layer_norm", 1)[0]


def _aten_group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    """``ember.group_norm``."""
    return group_norm(input, num_groups, weight, bias, eps)


def _aten_instance_norm(input, weight, bias, running_mean, running_var, use_input_stats,
                        momentum, eps, cudnn_enabled):
    """``ember.instance_norm``."""
    return instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                         momentum, eps)


FUNCTIONS.update(native_layer_norm=native_layer_norm, layer_norm=_aten_layer_norm,
                 native_batch_norm=native_batch_norm, batch_norm=_aten_batch_norm,
                 native_group_norm=native_group_norm, group_norm=_aten_group_norm,
                 instance_norm=_aten_instance_norm, rms_norm=rms_norm,
                 channel_shuffle=channel_shuffle, native_channel_shuffle=native_channel_shuffle)
