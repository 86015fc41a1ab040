"""Convolution kernels on arrays (N-d, grouped, strided, dilated): the forward correlation and
its two adjoints, each one BLAS matmul around an im2col copy.

Every convolution ember computes is one of three bilinear maps of an input ``x`` of shape
(N, C, *S), a weight ``w`` of shape (O, C/groups, *K) and an output ``y`` of shape (N, O, *L):

* ``correlate(x, w)``       y[n, o, l] = sum_{c, k} x[n, c, l*stride + k*dilation - pad] w[o, c, k]
* ``correlate_input_adjoint(y, w)``   the adjoint in ``x`` (conv's input gradient, and the
  transposed convolution's forward)
* ``correlate_weight_adjoint(x, y)``  the adjoint in ``w`` (the weight gradient)

Layouts (see ../shared/bench/README.md), chosen per shape:

* "window": a sliding-window im2col, (N, C*K, L) columns and one batched matmul that writes the
  output in NCHW order directly (few channels, strides, groups);
* "taps": stride-1, ungrouped convolutions with many input and output channels store the
  padded input channel-major and flattened, so each kernel tap is one contiguous column shift
  (k*k memcpy-speed slices) and the matmul has N*H*W columns;
* "rows" (input gradients of stride-1 convolutions with few channels): each tap's columns add
  into flattened padded rows as one contiguous slice.
"""
import itertools
import threading

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .blas_gemm import gemm_accumulate

# Tap-shift pays off once the per-tap copies are long rows (many channels) and the padded grid
# it computes on is not much larger than the output (its extra positions are wasted GEMM work).
_TAP_SHIFT_MIN_CHANNELS = 16
_TAP_SHIFT_MAX_GRID_RATIO = 1.35


_SCRATCH = threading.local()
_SCRATCH_BYTES = 1 << 30   # what the scratch arrays of one thread may hold at most


def _scratch(tag, shape, dtype):
    """A per-thread scratch array, reused while calls repeat a shape (a training loop): fresh
    multi-megabyte arrays cost page faults every step under glibc's default malloc policy.
    Scratch contents survive between calls (a zero border stays zero when only the interior
    is written); a scratch array never leaves the kernel that asked for it."""
    cache = getattr(_SCRATCH, "arrays", None)
    if cache is None:
        cache = _SCRATCH.arrays = {}
    key = (tag, tuple(shape), np.dtype(dtype).str)
    a = cache.get(key)
    if a is None:
        a = np.zeros(shape, dtype)
        if a.nbytes + sum(v.nbytes for v in cache.values()) > _SCRATCH_BYTES:
            cache.clear()   # (shapes changed: a new batch size, another model)
            getattr(_SCRATCH, "column_owners", {}).clear()
        if a.nbytes <= _SCRATCH_BYTES:
            cache[key] = a
    return a


def _prod(xs):
    p = 1
    for v in xs:
        p *= v
    return p


def output_size(size, kernel, stride, pad_lo, pad_hi, dilation):
    """Output length of one spatial dimension of a correlation."""
    return (size + pad_lo + pad_hi - dilation * (kernel - 1) - 1) // stride + 1


def pad_zeros(x, pads):
    """``x`` (N, C, *S) with ``pads[i] = (lo, hi)`` zeros around spatial dim i (no copy when
    there is nothing to pad). The result is scratch: read it before the next call."""
    if not any(lo or hi for lo, hi in pads):
        return x
    shape = x.shape[:2] + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pads))
    xp = _scratch(("pad",) + tuple(pads), shape, x.dtype)
    xp[(slice(None), slice(None)) + tuple(slice(lo, lo + n) for n, (lo, _) in
                                           zip(x.shape[2:], pads))] = x
    return xp


def windows(xp, kernel, stride, dilation, out):
    """A read-only (N, C, *K, *L) view of the padded input: element [n, c, k, l] is
    ``xp[n, c, l*stride + k*dilation]``."""
    st = xp.strides
    nd = len(kernel)
    shape = xp.shape[:2] + tuple(kernel) + tuple(out)
    strides = (st[:2] + tuple(st[2 + i] * dilation[i] for i in range(nd))
               + tuple(st[2 + i] * stride[i] for i in range(nd)))
    if xp.flags.c_contiguous and xp.size:
        # (the ndarray constructor is several times cheaper than as_strided; it checks bounds)
        return np.ndarray(shape, xp.dtype, buffer=xp, strides=strides)
    return as_strided(xp, shape, strides, writeable=False)


def im2col(x, kernel, stride, padding, dilation, out, scratch=False, reuse=False):
    """Contiguous columns (N, C, *K, *L) of ``x``; ``padding`` is one (lo, hi) pair per dim.
    With ``scratch`` the columns are scratch (see ``_scratch``); with ``reuse`` as well, a
    scratch that still holds the columns of this very array (the forward's, when the weight
    gradient follows with no other convolution of that column shape in between) is returned
    without copying again.

    NOTE: reuse trusts that ``x`` was not written in between: autograd's version check
    guarantees that for a saved input (except writes through a NumPy view of it)."""
    shape = tuple(x.shape[:2]) + tuple(kernel) + tuple(out)
    if not scratch:
        cols = np.empty(shape, x.dtype)
        np.copyto(cols, windows(pad_zeros(x, padding), kernel, stride, dilation, out))
        return cols
    cols = _scratch("window-columns", shape, x.dtype)
    owners = getattr(_SCRATCH, "column_owners", None)
    if owners is None:
        owners = _SCRATCH.column_owners = {}
    key = (shape, x.dtype.str)
    # the array itself is held, so its identity cannot pass to a new array meanwhile
    mark = (x.__array_interface__["data"][0], x.strides, tuple(kernel), tuple(stride),
            tuple(padding), tuple(dilation))
    held = owners.get(key)
    # (and the scratch array: the cache may have been cleared and refilled since)
    if reuse and held is not None and held[0] is x and held[1] == mark and held[2] is cols:
        return cols
    np.copyto(cols, windows(pad_zeros(x, padding), kernel, stride, dilation, out))
    owners[key] = (x, mark, cols)
    return cols


def col2im(cols, size, kernel, stride, padding, dilation):
    """The adjoint of ``im2col``: sums columns (N, C, *K, *L) back into an (N, C, *size)
    array, one strided add per kernel tap."""
    N, C = cols.shape[:2]
    nd = len(kernel)
    out = cols.shape[2 + nd:]
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(size, padding))
    acc = np.zeros((N, C) + padded, cols.dtype)
    for tap in itertools.product(*(range(k) for k in kernel)):
        where = tuple(slice(t * d, t * d + s * (n - 1) + 1, s)
                      for t, d, s, n in zip(tap, dilation, stride, out))
        acc[(slice(None), slice(None)) + where] += cols[(slice(None), slice(None)) + tap]
    if acc.shape[2:] == tuple(size):
        return acc
    return np.ascontiguousarray(acc[(slice(None), slice(None)) + tuple(
        slice(lo, lo + n) for n, (lo, _) in zip(size, padding))])


def _use_tap_shift(C, groups, stride, size, padding, out):
    if groups != 1 or C < _TAP_SHIFT_MIN_CHANNELS or any(s != 1 for s in stride):
        return False
    grid = _prod(n + lo + hi for n, (lo, hi) in zip(size, padding))
    return grid <= _TAP_SHIFT_MAX_GRID_RATIO * _prod(out)


def _grid(size, padding, kernel, dilation, rows):
    """The padded grid a stride-1 layout computes on: its shape, its flat strides, and the
    margin past its end that the last taps read."""
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(size, padding))
    strides = [_prod(padded[i + 1:]) for i in range(len(padded))]
    first = 1 if rows else 0   # (row layout: the outermost dim's taps stay inside the grid)
    margin = sum((k - 1) * d * g for k, d, g in zip(kernel[first:], dilation[first:],
                                                  strides[first:]))
    return padded, strides, margin


def _taps(kernel, dilation, strides):
    """Each kernel tap's offset on a flat grid."""
    return [sum(t * d * g for t, d, g in zip(tap, dilation, strides))
            for tap in itertools.product(*(range(k) for k in kernel))]


def _tap_shift_input(x, kernel, padding, dilation):
    """"taps" layout for a stride-1 correlation over many channels: the input laid out
    channel-major on its flat padded grid, (C, N*P + margin) with P the grid's size, so tap k
    reads the contiguous window ``[:, offset_k : offset_k + N*P]``; output position l sits at
    l's grid position (the rest of the grid is garbage the caller crops). Returns the buffer,
    the grid's shape and the taps' offsets.

    Where no pad exceeds the kernel's reach ((k-1)*dilation: "same" convolutions and their
    input gradients), neighbouring images and rows share their zero borders: each dimension
    is followed by max(lo, hi) zeros instead of lo + hi (a 3x3 conv on 32x32: 33x33 instead of
    34x34 per image, 6% less GEMM work). A position's window then starts lo rows/columns back,
    in the zeros after the previous row or image, or in a leading block of zeros."""
    N, C = x.shape[:2]
    size = x.shape[2:]
    shared = all(max(lo, hi) <= (k - 1) * d for (lo, hi), k, d in zip(padding, kernel, dilation))
    if shared:
        padded = tuple(n + max(lo, hi) for n, (lo, hi) in zip(size, padding))
        strides = [_prod(padded[i + 1:]) for i in range(len(padded))]
        margin = sum((k - 1) * d * g for k, d, g in zip(kernel, dilation, strides))
        lead = sum(lo * g for (lo, _), g in zip(padding, strides))   # (<= margin)
        inner = tuple(slice(0, n) for n in size)
    else:
        padded, strides, margin = _grid(size, padding, kernel, dilation, False)
        lead = 0
        inner = tuple(slice(lo, lo + n) for n, (lo, _) in zip(size, padding))
    P = _prod(padded)
    # (keyed by the grid too: two grids can share a buffer size with zero borders elsewhere)
    buf = _scratch(("taps-input", tuple(padding), padded), (C, N * P + margin), x.dtype)
    view = buf[:, lead:lead + N * P].reshape((C, N) + padded)
    view[(slice(None), slice(None)) + inner] = x.swapaxes(0, 1)
    return buf, padded, _taps(kernel, dilation, strides)


def _tap_shift_products(x, w, padding, dilation):
    """The correlation on the "taps" grid, (O, N*P), one accumulating GEMM per kernel tap on
    the shifted input windows (no columns); None where BLAS cannot take the operands."""
    N, C = x.shape[:2]
    O = w.shape[0]
    buf, padded, offsets = _tap_shift_input(x, w.shape[2:], padding, dilation)
    NP = N * _prod(padded)
    # per-tap (O, C) weight matrices
    wt = np.ascontiguousarray(np.moveaxis(w.reshape(O, C, len(offsets)), -1, 0))
    full = _scratch("taps-output", (O, NP), x.dtype)
    for i, shift in enumerate(offsets):
        if not gemm_accumulate(wt[i], buf[:, shift:shift + NP], full, 1.0 if i else 0.0):
            return None, padded   # (only the first call can refuse: the operands are alike)
    return full, padded


def _tap_shift_columns(x, kernel, padding, dilation):
    """"taps" columns (K*C, N*P): tap k's rows are the input window shifted by its offset."""
    C = x.shape[1]
    buf, padded, offsets = _tap_shift_input(x, kernel, padding, dilation)
    NP = x.shape[0] * _prod(padded)
    cols = _scratch("taps-columns", (len(offsets), C, NP), x.dtype)
    for i, shift in enumerate(offsets):
        cols[i] = buf[:, shift:shift + NP]
    return cols.reshape(len(offsets) * C, NP), padded


def _on_grid(y, out, padded, rows):
    """``y`` (N, O, *out) placed on a zero padded grid: (N, O, out[0], *padded[1:]) for the
    row layout, (O, N, *padded) for the tap layout."""
    N, O = y.shape[:2]
    if rows:
        g = np.zeros((N, O, out[0]) + tuple(padded[1:]), y.dtype)
        g[(slice(None),) * 3 + tuple(slice(0, n) for n in out[1:])] = y
    else:
        g = np.zeros((O, N) + tuple(padded), y.dtype)
        g[(slice(None), slice(None)) + tuple(slice(0, n) for n in out)] = y.swapaxes(0, 1)
    return g


def _taps_grid(y, out, padded):
    """``y`` (N, O, *out) on the "taps" grid, pixel-major (N, *padded, O), zero elsewhere.
    Scratch: only the output's part is written each call, the rest stays zero."""
    N, O = y.shape[:2]
    g = _scratch(("taps-gradient-grid", tuple(out)), (N,) + tuple(padded) + (O,), y.dtype)
    g[(slice(None),) + tuple(slice(0, n) for n in out)] = np.moveaxis(y, 1, -1)
    return g


def _crop_output(full, out, channels_last, batch_axis):
    """The valid (N, O, *out) part of a layout's grid-shaped output, in the wanted layout
    (always a fresh array: ``full`` may be scratch)."""
    valid = full[(slice(None), slice(None)) + tuple(slice(0, n) for n in out)]
    if batch_axis == 1:
        valid = valid.swapaxes(0, 1)
    if channels_last:
        return to_channels_last(valid)
    return np.array(valid, order="C")


def correlate(x, w, stride, padding, dilation, groups, out, *, channels_last=False):
    """The forward correlation ``y`` (N, O, *out).

    NOTE: its columns are scratch, not kept for the weight gradient, which rebuilds them:
    cheaper than faulting in a fresh multi-megabyte array every training step."""
    N, C = x.shape[:2]
    O = w.shape[0]
    kernel = w.shape[2:]
    L = _prod(out)
    g = groups
    Cg, Og = C // g, O // g
    K = _prod(kernel)
    if N * L == 0:
        y = np.zeros((N, O) + tuple(out), x.dtype)
    elif _use_tap_shift(min(C, O), g, stride, x.shape[2:], padding, out):
        full, padded = _tap_shift_products(x, w, padding, dilation)
        if full is None:
            cols, padded = _tap_shift_columns(x, kernel, padding, dilation)
            # weight as (O, K*C) to match the columns' tap-major rows
            wm = np.moveaxis(w, 1, -1).reshape(O, -1)
            full = np.matmul(wm, cols, out=_scratch("taps-output", (O, cols.shape[1]),
                                                    x.dtype))
        y = _crop_output(full.reshape((O, N) + padded), out, channels_last, 1)
    else:
        cols = im2col(x, kernel, stride, padding, dilation, out, scratch=True)
        if channels_last and g == 1:
            # y[n, l, o] = cols[n, :, l] . w[o, :]: the GEMM writes the channels-last layout
            y = np.matmul(cols.reshape(N, C * K, L).swapaxes(1, 2), w.reshape(O, C * K).T)
            y = np.moveaxis(y.reshape((N,) + tuple(out) + (O,)), -1, 1)
        else:
            y = np.matmul(w.reshape(g, Og, Cg * K), cols.reshape(N, g, Cg * K, L))
            y = y.reshape((N, O) + tuple(out))
            if channels_last:
                y = to_channels_last(y)
    return y


def correlate_input_adjoint(y, w, size, stride, padding, dilation, groups):
    """The gradient of ``correlate`` with respect to its input: an (N, C, *size) array from
    ``y`` (N, O, *L). It is also the transposed convolution's forward."""
    N, O = y.shape[:2]
    kernel = w.shape[2:]
    out = y.shape[2:]
    g = groups
    Cg, Og = w.shape[1], O // g
    C = Cg * g
    K = _prod(kernel)
    L = _prod(out)
    if N * L == 0 or C == 0:
        return np.zeros((N, C) + tuple(size), y.dtype)
    wt = w.reshape(g, Og, Cg * K).swapaxes(1, 2)
    if all(s == 1 for s in stride):
        # a stride-1 input gradient is a full correlation of y with the flipped kernel
        pads = tuple(((k - 1) * d - lo, n - o + lo)
                     for k, d, (lo, _), n, o in zip(kernel, dilation, padding, size, out))
        if (_use_tap_shift(min(C, O), g, stride, out, pads, size)
                and min(min(p) for p in pads) >= 0):
            flipped = w[(slice(None), slice(None)) + (slice(None, None, -1),) * len(kernel)]
            return correlate(y, np.ascontiguousarray(flipped.swapaxes(0, 1)), stride, pads,
                             dilation, 1, tuple(size))
        if len(out) > 1:
            # row layout: each tap's columns add into the flat padded rows as one contiguous
            # slice (a strided add per tap is slower when the output rows are short)
            padded, strides, margin = _grid(size, padding, kernel, dilation, True)
            yg = _on_grid(y, out, padded, True)
            Lr = yg[0, 0].size
            cols = np.matmul(wt, yg.reshape(N, g, Og, Lr)).reshape(N, C, K, Lr)
            acc = _scratch("rows-sum", (N, C, _prod(padded) + margin), y.dtype)
            acc.fill(0)
            for i, shift in enumerate(_taps(kernel, dilation, strides)):
                acc[:, :, shift:shift + Lr] += cols[:, :, i]
            full = acc[:, :, :_prod(padded)].reshape((N, C) + padded)
            return np.array(full[(slice(None), slice(None)) + tuple(
                slice(lo, lo + n) for n, (lo, _) in zip(size, padding))], order="C")
    cols = np.matmul(wt, y.reshape(N, g, Og, L))
    cols = cols.reshape((N, C) + tuple(kernel) + tuple(out))
    return col2im(cols, size, kernel, stride, padding, dilation)


def correlate_weight_adjoint(x, y, kernel, stride, padding, dilation, groups):
    """The gradient of ``correlate`` with respect to its weight: an (O, C/groups, *kernel)
    array from the input ``x`` and the output gradient ``y``."""
    N, C = x.shape[:2]
    O = y.shape[1]
    out = y.shape[2:]
    g = groups
    Cg, Og = C // g, O // g
    K = _prod(kernel)
    L = _prod(out)
    if N * L == 0:
        return np.zeros((O, Cg) + tuple(kernel), y.dtype)
    if _use_tap_shift(min(C, O), g, stride, x.shape[2:], padding, out):
        buf, padded, offsets = _tap_shift_input(x, kernel, padding, dilation)
        NP = N * _prod(padded)
        # the gradient on the grid pixel-major, (N*P, O): BLAS runs this product faster with
        # it than with the channel-major grid's transpose
        yg = _taps_grid(y, out, padded).reshape(NP, O)
        # per tap: gw[k] (C, O) = input window (C, N*P) @ gradient grid (N*P, O)
        gw = np.empty((K, C, O), y.dtype)
        if all(gemm_accumulate(buf[:, shift:shift + NP], yg, gw[i], 0.0)
               for i, shift in enumerate(offsets)):
            gw = gw.transpose(2, 1, 0)
        else:
            cols, _ = _tap_shift_columns(x, kernel, padding, dilation)
            gw = (cols @ yg).reshape(K, C, O).transpose(2, 1, 0)
        return np.ascontiguousarray(gw).reshape((O, C) + tuple(kernel))
    cols = im2col(x, kernel, stride, padding, dilation, out, scratch=True, reuse=True)
    # one GEMM per sample (and group) on the columns as they lie, then a sum over the batch:
    # a single (O, N*L) @ (N*L, C*K) GEMM would first copy both operands into that order
    y4 = y.reshape(N, g, Og, L)
    c4 = cols.reshape(N, g, Cg * K, L)
    gw = np.matmul(y4, c4.swapaxes(-1, -2))
    gw = gw[0] if N == 1 else gw.sum(0)
    return gw.reshape((O, Cg) + tuple(kernel))


def to_channels_last(a):
    """A copy of (N, C, *S) array ``a`` stored channels-last (C innermost), viewed as NC*S."""
    out = np.empty((a.shape[0],) + a.shape[2:] + (a.shape[1],), a.dtype)
    np.copyto(out, np.moveaxis(a, 1, -1))
    return np.moveaxis(out, -1, 1)
