"""Pooling: max, average, adaptive, Lp, fractional max and max unpooling, 1-3 spatial dims.

Every kernel works on arrays shaped (..., *spatial) and loops only over the offsets of the
pooling window: each offset is one strided slice (or one gather) of the whole input, so the
batch, channels and output positions are vectorised. Max pooling follows PyTorch's scan rule
(a value wins when it is strictly greater, or NaN: the last NaN of a window wins) and reports
flat per-plane indices. The 1-d forms run the 2-d ones on an unsqueezed input, as PyTorch does
(their grad_fn is SqueezeBackward1).
"""
import itertools

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import _dtype as D
from .._dispatch import FUNCTIONS, needs_grad, record
from .spatial_common import (FLOATS, LinearPair, check_tensor, check_dtype, compute_array,
                             result, new_node, take_axis, take_axis_adjoint)

_SIGNED_INTS = (D.int8, D.int16, D.int32, D.int64)
_MAX_DTYPES = FLOATS + _SIGNED_INTS + (D.uint8,)
_LETTERS = {1: ("W",), 2: ("H", "W"), 3: ("T", "H", "W")}
_WORDS = {1: "one", 2: "two", 3: "three"}


def _shape_str(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


# ---------------------------------------------------------------------------- arguments
def _int_tuple(value, fname, argname, pos):
    if isinstance(value, (list, tuple)):
        for v in value:
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
                raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be tuple "
                                f"of ints, but found element of type {type(v).__name__} at pos "
                                "0")
        return tuple(int(v) for v in value)
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be tuple of ints, "
                        f"not {type(value).__name__}")
    return (int(value),)


def _expand(value, nd, fname, what, single_ok_msg):
    if len(value) == 1:
        return value * nd
    if len(value) != nd:
        raise RuntimeError(f"{fname}: {what} must {single_ok_msg}")
    return value


def pool_args(fname, nd, kernel_size, stride, padding, dilation):
    """kernel, stride, padding, dilation as nd-tuples with PyTorch's messages."""
    k = _int_tuple(kernel_size, fname, "kernel_size", 2)
    s = _int_tuple(stride, fname, "stride", 3) if stride is not None else ()
    p = _int_tuple(padding, fname, "padding", 4)
    d = _int_tuple(dilation, fname, "dilation", 5)
    w = _WORDS[nd]
    either = "either be a single int, or a tuple of " + w + " ints"
    if fname == "avg_pool3d":
        either = "be a single int, or a tuple of three ints"
    k = _expand(k, nd, fname, "kernel_size", either)
    s = k if len(s) == 0 else _expand(s, nd, fname, "stride",
                                      "either be omitted, a single int, or a tuple of " + w
                                      + " ints")
    p = _expand(p, nd, fname, "padding", "either be a single int, or a tuple of " + w + " ints")
    d = _expand(d, nd, fname, "dilation", "either be a single int, or a tuple of " + w + " ints")
    return k, s, p, d


def pooled_size(n, k, s, p, d, ceil_mode):
    """PyTorch's pooling_output_shape."""
    out = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _check_pool(x, nd, k, s, p, d, out, kind):
    """pool{2,3}d_shape_check's messages, in PyTorch's order."""
    letters = _LETTERS[nd]
    shape = x._array.shape
    if any(v == 0 for v in s):
        raise RuntimeError("stride should not be zero")
    if any(v < 0 for v in p):
        raise RuntimeError(f"pad must be non-negative, but got pad: {p[0]}")
    for kk, pp, dd in zip(k, p, d):
        if dd > 0 and pp > ((kk - 1) * dd + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={pp}, kernel_size={kk} and dilation={dd}")
    if any(v <= 0 for v in k):
        raise RuntimeError("kernel size should be greater than zero, but got "
                           + " ".join(f"k{c}: {v}" for c, v in zip(letters, k)))
    if any(v <= 0 for v in d):
        raise RuntimeError("dilation should be greater than zero, but got "
                           + " ".join(f"dilation{c}: {v}" for c, v in zip(letters, d)))
    if len(shape) not in (nd + 1, nd + 2):
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for "
                           "input")
    lead = 1 if len(shape) == nd + 2 else 0
    if any(v == 0 for v in shape[lead:]):
        if nd == 2:
            raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with optional 0 dim batch "
                               f"size for input, but got:{_shape_str(shape)}")
        # NOTE: PyTorch always names non-batch dimension 0 here
        dim = 0
        where = "max_pool3d_with_indices_out_cpu_template()" if kind == "max" else "avg_pool3d()"
        raise RuntimeError(f"{where}: Expected input's non-batch dimensions to have positive "
                           f"length, but input has a shape of {_shape_str(shape)} and non-batch "
                           f"dimension {dim} has length zero!")
    if any(pp > kk // 2 for pp, kk in zip(p, k)):
        if nd == 2:
            raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but "
                               f"got padW = {p[1]}, padH = {p[0]}, kW = {k[1]}, kH = {k[0]}")
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got "
                           f"kT: {k[0]} kW: {k[2]} kH: {k[1]} padT: {p[0]} padW: {p[2]} "
                           f"padH: {p[1]}")
    if any(o < 1 for o in out):
        if nd == 3 and kind == "avg":
            raise RuntimeError(f"input image (T: {shape[-3]} H: {shape[-2]} W: {shape[-1]}) "
                               f"smaller than kernel size (kT: {k[0]} kH: {k[1]} kW: {k[2]})")
        c = shape[-nd - 1]
        raise RuntimeError(f"Given input size: ({'x'.join(str(v) for v in (c,) + shape[-nd:])}). "
                           f"Calculated output size: "
                           f"({'x'.join(str(v) for v in (c,) + tuple(out))}). Output size is too "
                           "small")


def _plane_strides(spatial):
    st, acc = [], 1
    for n in reversed(spatial):
        st.append(acc)
        acc *= n
    return tuple(reversed(st))


def _bcast(v, i, nd):
    """A 1-d array along output axis i of nd (for broadcasting over the output grid)."""
    shape = [1] * nd
    shape[i] = -1
    return v.reshape(shape)


# ---------------------------------------------------------------------------- gather / scatter
def _gather_flat(a, idx, nd):
    lead = a.shape[:a.ndim - nd]
    flat = a.reshape(lead + (-1,))
    i = idx.reshape(lead + (-1,))
    return np.take_along_axis(flat, i, axis=-1).reshape(idx.shape)


def _scatter_flat(g, idx, nd, in_spatial, unique=False):
    lead = g.shape[:g.ndim - nd]
    if unique:
        # windows that do not overlap pick distinct positions: a plain put
        out = np.zeros(lead + (int(np.prod(in_spatial, dtype=np.int64)),), dtype=g.dtype)
        np.put_along_axis(out, idx.reshape(lead + (-1,)), g.reshape(lead + (-1,)), axis=-1)
        return out.reshape(lead + tuple(in_spatial))
    rows = int(np.prod(lead, dtype=np.int64))
    plane = int(np.prod(in_spatial, dtype=np.int64))
    i = idx.reshape(rows, -1).astype(np.int64) + (np.arange(rows, dtype=np.int64) * plane)[:, None]
    acc = np.bincount(i.ravel(), weights=g.reshape(rows, -1).ravel().astype(np.float64),
                      minlength=rows * plane)
    return acc.astype(g.dtype).reshape(lead + tuple(in_spatial))


def _index_pair(name):
    """Max-pool style ops: output = input gathered at saved indices; the backward scatters.
    With ``tiles`` (see ``_tile_max``) the indices are a window offset per output instead."""
    def scatter(g, idx, nd, in_spatial, unique=False, tiles=None):
        if tiles is not None:
            return _tile_scatter(g, tiles, in_spatial)
        return _scatter_flat(g, idx, nd, in_spatial, unique)

    def gather(a, idx, nd, in_spatial, unique=False, tiles=None):
        if tiles is not None:
            return _tile_gather(a, tiles)
        return _gather_flat(a, idx, nd)
    return LinearPair(name + "BackwardBackward0", name + "Backward0", scatter, gather)


_INDEX_PAIRS = {}


def _indexed_output(x, idx, nd, name, values, unique=False, tiles=None):
    """The pooled values as a tensor whose grad_fn scatters into the input at ``idx``
    (``unique``: no two outputs can share an input position; ``tiles``: the winners as window
    offsets of disjoint tiles, in place of ``idx``)."""
    pair = _INDEX_PAIRS.get(name)
    if pair is None:
        pair = _INDEX_PAIRS[name] = _index_pair(name)
    params = {"idx": idx, "nd": nd, "in_spatial": x._array.shape[-nd:], "unique": unique,
              "tiles": tiles}
    out = result(values, x._dtype, like=x)
    if needs_grad(x):
        record(pair.bwd_node, (x,), out, {"p": params})
    return out


# ---------------------------------------------------------------------------- max pooling
def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _running_max(candidates, init_index, out_shape, dtype):
    """Scan window candidates ``(values, flat_index, valid)`` in PyTorch's order."""
    best = np.full(out_shape, _lowest(dtype), dtype=dtype)
    idx = np.broadcast_to(init_index, out_shape).astype(np.int64)
    isfloat = dtype.kind == "f"
    for v, flat, valid in candidates:
        upd = v > best
        if isfloat:
            upd |= np.isnan(v)
        if valid is not None:
            upd &= valid
        best = np.where(upd, v, best)
        idx = np.where(upd, flat, idx)
    return best, idx


def _max_pool_arrays(a, nd, k, s, p, d, out):
    spatial = a.shape[-nd:]
    lead = a.shape[:-nd]
    # pad with the lowest value so that padding never wins a window
    need = [(o - 1) * ss + (kk - 1) * dd + 1 for o, ss, kk, dd in zip(out, s, k, d)]
    widths = [(0, 0)] * len(lead) + [(pp, max(0, nn - pp - n)) for pp, nn, n in
                                     zip(p, need, spatial)]
    ap = np.pad(a, widths, constant_values=_lowest(a.dtype)) if any(
        sum(w) for w in widths) else a
    out_shape = lead + tuple(out)
    isfloat = a.dtype.kind == "f"
    # NaN wins in PyTorch's scan (the last one): only inputs holding NaN pay for that test
    has_nan = isfloat and bool(np.isnan(a).any())
    best = np.full(out_shape, _lowest(a.dtype), dtype=a.dtype)
    # the winning window offset, numbered in scan order (-1: nothing beat the initial value)
    offset = np.full(out_shape, -1, dtype=np.int16 if np.prod(k) < 32000 else np.int64)
    upd = np.empty(out_shape, dtype=bool)
    for n, offs in enumerate(itertools.product(*(range(kk) for kk in k))):
        sl = tuple(slice(t * dd, t * dd + (o - 1) * ss + 1, ss)
                   for t, dd, o, ss in zip(offs, d, out, s))
        v = ap[(Ellipsis,) + sl]
        np.greater(v, best, out=upd)
        if has_nan:
            upd |= np.isnan(v)
        np.copyto(best, v, where=upd)
        np.copyto(offset, n, where=upd)
    # flat per-plane index of the winner; a window nothing won reports its first in-bounds
    # position (PyTorch's initial index)
    pst = _plane_strides(spatial)
    starts = [np.arange(o, dtype=np.int64) * ss - pp for o, ss, pp in zip(out, s, p)]
    base = sum(_bcast(st * ps, i, nd) for i, (st, ps) in enumerate(zip(starts, pst)))
    # flat distance of each window offset from the window's start
    table = np.array([sum(t * dd * ps for t, dd, ps in zip(offs, d, pst))
                      for offs in itertools.product(*(range(kk) for kk in k))], dtype=np.int64)
    idx = np.take(table, offset) + base
    if (offset < 0).any():
        first = [np.where(st < 0, st + ((-st + dd - 1) // dd) * dd, st)
                 for st, dd in zip(starts, d)]
        init = sum(_bcast(f * ps, i, nd) for i, (f, ps) in enumerate(zip(first, pst)))
        idx = np.where(offset < 0, init, idx)
    return best, idx


# ---------------------------------------------------------------------------- tiled max pooling
# Windows that tile the input (kernel == stride, no padding, no dilation: the common 2x2 pool)
# are a view (..., o0, k0, o1, k1, ...) of it. Their max is taken one kernel axis at a time,
# innermost first, with elementwise np.greater/np.maximum over the view's slices: no masked
# copies (whose branches mispredict on random data) and no index arithmetic. Each stage keeps
# which slice won (first maximum: strict comparisons), and picking the innermost axis first
# makes the composition PyTorch's row-major scan; the backward undoes the stages in turn.
class _Tiles:
    """Winners of a tiled max pool: ``stages[i]`` holds, for the stage that reduced kernel
    axis i, the winning position along that axis (uint8/uint16, or bool for a kernel of 2)."""

    __slots__ = ("stages", "kernel", "out")

    def __init__(self, stages, kernel, out):
        self.stages, self.kernel, self.out = stages, kernel, out


def _tiles_apply(a):
    """Whether array ``a`` may take the tiled path (non-empty, a real number type)."""
    return a.size > 0 and a.dtype.kind in "fiu"


def _c_strides(a):
    st, acc = [], a.itemsize
    for n in reversed(a.shape):
        st.append(acc)
        acc *= n
    return tuple(reversed(st))


def _fresh(a):
    """A C-ordered copy of ``a`` with canonical strides (size-1 dimensions included)."""
    res = np.empty(a.shape, a.dtype)
    np.copyto(res, a)
    return res


def _tile_shape(lead, out, k):
    return tuple(lead) + tuple(itertools.chain(*zip(out, k)))


def _tile_view(a, k, out):
    nd = len(k)
    lead = a.ndim - nd
    strides = list(a.strides[:lead])
    for kk, st in zip(k, a.strides[lead:]):
        strides += [st * kk, st]
    shape = _tile_shape(a.shape[:lead], out, k)
    if a.flags.c_contiguous and a.size:
        # (the ndarray constructor is several times cheaper than as_strided; it checks bounds)
        return np.ndarray(shape, a.dtype, buffer=a, strides=strides)
    return as_strided(a, shape, strides, writeable=False)


def _tile_max(a, k, out, winners):
    """Max over the tiles of ``a``; with ``winners`` also a ``_Tiles``, or None when a window
    holds NaN (PyTorch's scan lets the last NaN of a window win: the general path decides)."""
    nd = len(k)
    lead = a.ndim - nd
    cur = _tile_view(a, k, out)
    stages = [None] * nd
    for i in reversed(range(nd)):
        pick = (slice(None),) * (lead + 2 * i + 1)
        kk = k[i]
        best = cur[pick + (0,)]
        arg = None
        for t in range(1, kk):
            v = cur[pick + (t,)]
            if winners:
                m = np.greater(v, best)
                if kk == 2:
                    arg = m
                elif arg is None:
                    arg = np.multiply(m, t, dtype=np.uint8 if kk <= 256 else np.uint16)
                else:
                    # arg += m * (t - arg) (modular in the unsigned type)
                    d = np.subtract(arg.dtype.type(t), arg)
                    d *= m
                    arg += d
            # (np.maximum keeps its second operand on ties, -0.0 == 0.0: the earlier value)
            best = np.maximum(v, best)
        if kk == 1:
            best = _fresh(best)
        stages[i] = arg
        cur = best
    # (ufunc outputs follow their inputs' layout; results keep canonical strides)
    if not (cur.flags.c_contiguous and 1 not in cur.shape) and cur.strides != _c_strides(cur):
        cur = _fresh(cur)
    if not winners:
        return cur, None
    if cur.dtype.kind == "f" and np.isnan(cur).any():
        return cur, None
    return cur, _Tiles(stages, tuple(k), tuple(out))


def _select_mask(arg, t, ints):
    """All-ones words where ``arg == t``, zero elsewhere (``arg`` None: every position t=0)."""
    if arg is None:
        return None
    if arg.dtype == np.bool_:
        b = arg.view(np.int8)
        return np.negative(b, dtype=ints) if t else np.subtract(b, 1, dtype=ints)
    return np.negative(np.equal(arg, t).view(np.int8), dtype=ints)


def _tile_scatter(g, tiles, in_spatial):
    """The max pool's input gradient: each stage routes the gradient to its winning slice,
    outermost first. The masks select bitwise, so infinite or NaN gradients stay put."""
    k, out = tiles.kernel, tiles.out
    nd = len(k)
    lead = g.shape[:g.ndim - nd]
    ints = np.dtype("i%d" % g.dtype.itemsize)
    cur = g
    for i in range(nd):
        shape = _tile_shape(lead, out[:i + 1], k[:i + 1]) + tuple(out[i + 1:])
        nxt = np.empty(shape, g.dtype)
        pick = (slice(None),) * (len(lead) + 2 * i + 1)
        src = cur.view(ints)
        arg = tiles.stages[i]
        if arg is None:
            np.copyto(nxt.view(ints), src.reshape(nxt.shape))   # (a kernel of 1)
        elif k[i] == 2:
            # the loser's slice is what the winner's leaves: src ^ (src & mask)
            first = nxt[pick + (0,)].view(ints)
            np.bitwise_and(src, _select_mask(arg, 0, ints), out=first)
            np.bitwise_xor(src, first, out=nxt[pick + (1,)].view(ints))
        else:
            for t in range(k[i]):
                np.bitwise_and(src, _select_mask(arg, t, ints), out=nxt[pick + (t,)].view(ints))
        cur = nxt
    full = tuple(o * kk for o, kk in zip(out, k))
    if full == tuple(in_spatial):
        return cur.reshape(lead + full)
    gin = np.zeros(lead + tuple(in_spatial), g.dtype)
    gin[(Ellipsis,) + tuple(slice(0, n) for n in full)] = cur.reshape(lead + full)
    return gin


def _tile_gather(a, tiles):
    """``a`` read at each window's winner (the scatter's adjoint), stage by stage."""
    k = tiles.kernel
    nd = len(k)
    lead = a.ndim - nd
    cur = _tile_view(a, k, tiles.out)
    for i in reversed(range(nd)):
        pick = (slice(None),) * (lead + 2 * i + 1)
        res = _fresh(cur[pick + (0,)])
        arg = tiles.stages[i]
        for t in range(1, k[i]):
            np.copyto(res, cur[pick + (t,)], where=(arg if arg.dtype == np.bool_ else arg == t))
        cur = res
    return cur


def _tile_indices(tiles, shape):
    """Flat per-plane input indices of the winners; ``shape`` is the input's."""
    nd = len(tiles.kernel)
    spatial = tuple(shape[-nd:])
    plane = np.arange(int(np.prod(spatial)), dtype=np.int64).reshape(spatial)
    return _tile_gather(np.broadcast_to(plane, tuple(shape)), tiles)


def _max_pool_plan(fname, nd, x, kernel_size, stride, padding, dilation, ceil_mode):
    """Checked arguments: (k, s, p, d, out, tiled), ``tiled`` telling whether the windows tile
    the input (kernel == stride, no padding or dilation, every window inside)."""
    k, s, p, d = pool_args(fname, nd, kernel_size, stride, padding, dilation)
    shape = x._array.shape
    out = [pooled_size(n, kk, ss, pp, dd, ceil_mode) if ss != 0 else 0
           for n, kk, ss, pp, dd in zip(shape[-nd:], k, s, p, d)]
    _check_pool(x, nd, k, s, p, d, out, "max")
    check_dtype(x, fname, _MAX_DTYPES)
    tiled = (k == s and not any(p) and all(dd == 1 or kk == 1 for kk, dd in zip(k, d))
             and all(o * kk <= n for o, kk, n in zip(out, k, shape[-nd:])))
    return k, s, p, d, out, tiled


# (fname, shape, dtype, arguments) -> plan, for arguments given as ints or tuples of ints
_MAX_POOL_PLANS = {}


def _plan_key(*args):
    for a in args:
        if type(a) is tuple:
            if not all(type(v) is int for v in a):
                return None
        elif type(a) is not int and a is not None:
            return None
    return args


def _max_pool_nd(fname, nd, input, kernel_size, stride, padding, dilation, ceil_mode,
                 return_indices):
    x = check_tensor(input, fname)
    shape = x._array.shape
    key = _plan_key(kernel_size, stride, padding, dilation)
    if key is not None:
        key = (fname, shape, x._dtype, bool(ceil_mode)) + key
        plan = _MAX_POOL_PLANS.get(key)
        if plan is None:
            plan = _max_pool_plan(fname, nd, x, kernel_size, stride, padding, dilation,
                                  ceil_mode)
            if len(_MAX_POOL_PLANS) > 256:
                _MAX_POOL_PLANS.clear()
            _MAX_POOL_PLANS[key] = plan
    else:
        plan = _max_pool_plan(fname, nd, x, kernel_size, stride, padding, dilation, ceil_mode)
    k, s, p, d, out, tiled = plan
    a = compute_array(x)
    tiles = None
    if tiled and _tiles_apply(a):
        values, tiles = _tile_max(a, k, out, return_indices or needs_grad(x))
        if tiles is None and (return_indices or needs_grad(x)):
            values = None   # (a window holds NaN)
    else:
        values = None
    if values is None:
        values, idx = _max_pool_arrays(a, nd, k, s, p, d, out)
    elif return_indices:
        idx = _tile_indices(tiles, shape)
    else:
        idx = None
    disjoint = all(ss >= (kk - 1) * dd + 1 for kk, ss, dd in zip(k, s, d))
    res = _indexed_output(x, idx, nd, f"MaxPool{nd}DWithIndices", values, unique=disjoint,
                          tiles=tiles)
    if return_indices:
        return res, result(idx, D.int64, like=x)
    return res


def _max_pool1d_checks(x, k, s, p, d):
    shape = x._array.shape
    if len(shape) not in (2, 3) or any(v == 0 for v in shape[-2:] if len(shape) == 3) or (
            len(shape) == 2 and 0 in shape):
        raise RuntimeError(f"max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 "
                           f"dim batch size for input, but got:{_shape_str(shape)}")
    if k[0] <= 0:
        raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {k[0]}")
    if s[0] <= 0:
        raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {s[0]}")
    if p[0] < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p[0]}")
    if p[0] > k[0] // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got "
                           f"padding={p[0]} and kernel_size={k[0]}")
    if d[0] <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d[0]}")


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over sliding windows of the last dimension of (N, C, L) or (C, L) input.

    >>> ember.nn.functional.max_pool1d(ember.tensor([[1., 3., 2., 0.]]), 2)
    tensor([[3., 2.]])
    """
    x = check_tensor(input, "max_pool1d")
    k, s, p, d = pool_args("max_pool1d", 1, kernel_size, stride, padding, dilation)
    _max_pool1d_checks(x, k, s, p, d)
    out = pooled_size(x._array.shape[-1], k[0], s[0], p[0], d[0], ceil_mode)
    if out <= 0:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out}")
    if not return_indices and not needs_grad(x):
        check_dtype(x, "max_pool1d_impl")
    res = _max_pool_nd("max_pool2d", 2, x.unsqueeze(-2), (1, k[0]), (1, s[0]), (0, p[0]),
                       (1, d[0]), ceil_mode, return_indices)
    if return_indices:
        return res[0].squeeze(-2), res[1].squeeze(-2)
    return res.squeeze(-2)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over sliding windows of the last two dimensions.

    >>> ember.nn.functional.max_pool2d(ember.arange(16.).reshape(1, 4, 4), 2)
    tensor([[[ 5.,  7.],
             [13., 15.]]])
    """
    return _max_pool_nd("max_pool2d", 2, input, kernel_size, stride, padding, dilation,
                        ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over sliding windows of the last three dimensions.

    >>> ember.nn.functional.max_pool3d(ember.ones(1, 2, 2, 2), 2).shape
    ember.Size([1, 1, 1, 1])
    """
    return _max_pool_nd("max_pool3d", 3, input, kernel_size, stride, padding, dilation,
                        ceil_mode, return_indices)


def max_pool1d_with_indices(*args, **kwargs):
    kwargs["return_indices"] = True
    return max_pool1d(*args, **kwargs)


def max_pool2d_with_indices(*args, **kwargs):
    kwargs["return_indices"] = True
    return max_pool2d(*args, **kwargs)


def max_pool3d_with_indices(*args, **kwargs):
    kwargs["return_indices"] = True
    return max_pool3d(*args, **kwargs)


# ---------------------------------------------------------------------------- average pooling
def _avg_divisors(n, k, s, p, o, count_include_pad):
    start = np.arange(o, dtype=np.int64) * s - p
    end = np.minimum(start + k, n + p)
    size = end - start
    if count_include_pad:
        return size
    return np.minimum(end, n) - np.maximum(start, 0)


def _avg_geometry(spatial, k, s, p, out):
    need = [(o - 1) * ss + kk for o, ss, kk in zip(out, s, k)]
    right = [max(0, nn - pp - n) for nn, pp, n in zip(need, p, spatial)]
    return right


def _avg_divisor(spatial, k, s, p, out, count_include_pad, divisor_override):
    if divisor_override:
        return float(divisor_override)
    nd = len(spatial)
    div = 1
    for i, (n, kk, ss, pp, o) in enumerate(zip(spatial, k, s, p, out)):
        div = div * _bcast(_avg_divisors(n, kk, ss, pp, o, count_include_pad), i, nd)
    return div


def _avg_pool_forward(a, nd, k, s, p, out, count_include_pad, divisor_override):
    spatial = a.shape[-nd:]
    right = _avg_geometry(spatial, k, s, p, out)
    lead = a.ndim - nd
    ap = np.pad(a, [(0, 0)] * lead + list(zip(p, right)))
    isint = a.dtype.kind in "iu"
    acc = np.zeros(a.shape[:lead] + tuple(out), dtype=np.int64 if isint else a.dtype)
    for offs in itertools.product(*(range(kk) for kk in k)):
        sl = tuple(slice(t, t + (o - 1) * ss + 1, ss) for t, o, ss in zip(offs, out, s))
        acc += ap[(Ellipsis,) + sl]
    div = _avg_divisor(spatial, k, s, p, out, count_include_pad, divisor_override)
    if isint:
        div = np.asarray(div, dtype=np.int64)
        q = np.abs(acc) // div
        return (np.sign(acc) * q).astype(a.dtype)
    return (acc / np.asarray(div, dtype=a.dtype)).astype(a.dtype, copy=False)


def _avg_pool_adjoint(g, nd, k, s, p, out, count_include_pad, divisor_override, in_spatial):
    right = _avg_geometry(in_spatial, k, s, p, out)
    div = _avg_divisor(in_spatial, k, s, p, out, count_include_pad, divisor_override)
    gs = g / np.asarray(div, dtype=g.dtype)
    lead = g.ndim - nd
    full = [n + pp + r for n, pp, r in zip(in_spatial, p, right)]
    gp = np.zeros(g.shape[:lead] + tuple(full), dtype=g.dtype)
    for offs in itertools.product(*(range(kk) for kk in k)):
        sl = tuple(slice(t, t + (o - 1) * ss + 1, ss) for t, o, ss in zip(offs, out, s))
        gp[(Ellipsis,) + sl] += gs
    crop = tuple(slice(pp, pp + n) for pp, n in zip(p, in_spatial))
    return gp[(Ellipsis,) + crop]


_AVG_PAIRS = {
    nd: LinearPair(f"AvgPool{nd}DBackward0", f"AvgPool{nd}DBackwardBackward0",
                   lambda a, **q: _avg_pool_forward(a, **{k: v for k, v in q.items()
                                                         if k != "in_spatial"}),
                   lambda g, **q: _avg_pool_adjoint(g, **q))
    for nd in (2, 3)}


def _avg_pool_nd(fname, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                 divisor_override):
    x = check_tensor(input, fname)
    k, s, p, _ = pool_args(fname, nd, kernel_size, stride, padding, 1)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    shape = x._array.shape
    out = [pooled_size(n, kk, ss, pp, 1, ceil_mode) if ss != 0 else 0
           for n, kk, ss, pp in zip(shape[-nd:], k, s, p)]
    _check_pool(x, nd, k, s, p, (1,) * nd, out, "avg")
    if nd == 2:
        check_dtype(x, "avg_pool2d", FLOATS + (D.int64,))
    else:
        check_dtype(x, "avg_pool3d_out_frame", (D.float32, D.float64, D.int64))
    params = {"nd": nd, "k": k, "s": s, "p": p, "out": tuple(out),
              "count_include_pad": bool(count_include_pad),
              "divisor_override": divisor_override, "in_spatial": shape[-nd:]}
    return _AVG_PAIRS[nd].run_forward(x, params, layout_like=x)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """Mean over sliding windows of the last dimension.

    >>> ember.nn.functional.avg_pool1d(ember.tensor([[1., 3., 2., 0.]]), 2)
    tensor([[2., 1.]])
    """
    x = check_tensor(input, "avg_pool1d")
    if x._array.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {x._array.ndim}-dimensional "
                           "tensor for argument #1 'self' (while checking arguments for "
                           "avg_pool1d)")
    k, s, p, _ = pool_args("avg_pool1d", 1, kernel_size, stride, padding, 1)
    res = _avg_pool_nd("avg_pool2d", 2, x.unsqueeze(-2), (1, k[0]), (1, s[0]), (0, p[0]),
                       ceil_mode, count_include_pad, None)
    return res.squeeze(-2)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over sliding windows of the last two dimensions.

    >>> ember.nn.functional.avg_pool2d(ember.arange(16.).reshape(1, 4, 4), 2)
    tensor([[[ 2.5000,  4.5000],
             [10.5000, 12.5000]]])
    """
    return _avg_pool_nd("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                        count_include_pad, divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over sliding windows of the last three dimensions.

    >>> ember.nn.functional.avg_pool3d(ember.ones(1, 2, 2, 2), 2)
    tensor([[[[1.]]]])
    """
    return _avg_pool_nd("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode,
                        count_include_pad, divisor_override)


# ---------------------------------------------------------------------------- Lp pooling
def _lp_pool(nd, input, norm_type, kernel_size, stride, ceil_mode):
    from .pointwise_math import relu
    k = kernel_size if isinstance(kernel_size, (list, tuple)) else (kernel_size,) * nd
    avg = (None, avg_pool1d, avg_pool2d, avg_pool3d)[nd]
    if stride is not None:
        out = avg(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = avg(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    # sign * relu(abs): the window power mean, with a zero (not NaN) gradient at zero
    return (out.sign() * relu(out.abs())).mul(int(np.prod(k))).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """``(sum over window of x**p) ** (1/p)`` over the last dimension.

    >>> ember.nn.functional.lp_pool1d(ember.tensor([[3., 4.]]), 2, 2)
    tensor([[5.]])
    """
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over the last two dimensions.

    >>> ember.nn.functional.lp_pool2d(ember.ones(1, 2, 2), 1, 2)
    tensor([[[4.]]])
    """
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over the last three dimensions.

    >>> ember.nn.functional.lp_pool3d(ember.ones(1, 2, 2, 2), 1, 2)
    tensor([[[[8.]]]])
    """
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)


# ---------------------------------------------------------------------------- adaptive pooling
def adaptive_windows(n, o):
    """Start indices and lengths of the ``o`` windows adaptive pooling puts over ``n``."""
    i = np.arange(o, dtype=np.int64)
    start = (i * n) // o
    end = ((i + 1) * n + o - 1) // o
    return start, end - start


def _adaptive_avg_forward(a, out):
    nd = len(out)
    for j in range(nd):
        axis = a.ndim - nd + j
        n = a.shape[axis]
        if out[j] and n % out[j] == 0:
            # equal disjoint windows: a reshape and a mean
            k = n // out[j]
            a = a.reshape(a.shape[:axis] + (out[j], k) + a.shape[axis + 1:]).mean(
                axis=axis + 1, dtype=a.dtype)
            continue
        start, length = adaptive_windows(n, out[j])
        acc = 0
        for t in range(int(length.max()) if out[j] else 0):
            v = take_axis(a, np.minimum(start + t, n - 1), axis)
            acc = acc + np.where(_along(t < length, axis, a.ndim), v, 0)
        if not out[j]:
            shape = list(a.shape)
            shape[axis] = 0
            a = np.zeros(shape, a.dtype)
            continue
        a = (acc / _along(length, axis, a.ndim)).astype(a.dtype, copy=False)
    return a


def _adaptive_avg_adjoint(g, out, in_spatial):
    nd = len(out)
    for j in reversed(range(nd)):
        axis = g.ndim - nd + j
        n = in_spatial[j]
        if out[j] and n % out[j] == 0:
            k = n // out[j]
            g = np.repeat(g / g.dtype.type(k), k, axis=axis)
            continue
        start, length = adaptive_windows(n, out[j])
        gs = g / _along(length, axis, g.ndim).astype(g.dtype)
        acc = np.zeros(g.shape[:axis] + (n,) + g.shape[axis + 1:], dtype=g.dtype)
        for t in range(int(length.max()) if out[j] else 0):
            w = np.where(_along(t < length, axis, g.ndim), gs, 0).astype(g.dtype)
            acc += take_axis_adjoint(w, np.minimum(start + t, n - 1), n, axis)
        g = acc
    return g


def _along(v, axis, ndim):
    shape = [1] * ndim
    shape[axis] = -1
    return np.asarray(v).reshape(shape)


_ADAPTIVE_AVG_PAIRS = {
    nd: LinearPair(f"AdaptiveAvgPool{nd}DBackward0", f"AdaptiveAvgPool{nd}DBackwardBackward0",
                   lambda a, out, in_spatial: _adaptive_avg_forward(a, out),
                   lambda g, out, in_spatial: _adaptive_avg_adjoint(g, out, in_spatial))
    for nd in (2, 3)}


def _output_size(fname, nd, output_size, shape):
    if isinstance(output_size, (list, tuple)):
        size = tuple(output_size)
    else:
        size = (output_size,) * nd
    if len(size) == 1 and nd > 1:
        size = size * nd
    return tuple(shape[-nd + i] if v is None else v for i, v in enumerate(size))


def _check_adaptive(fname, nd, x, out, kind):
    shape = x._array.shape
    if len(out) != nd:
        if kind == "avg":
            raise RuntimeError(f"{fname}: output_size must be {nd}")
        raise RuntimeError(f"{fname}(): internal error: output_size.size() must be {nd}")
    if len(shape) not in (nd + 1, nd + 2):
        colon = ":" if kind == "max" else ""
        raise RuntimeError(f"{fname}(): Expected {nd + 1}D or {nd + 2}D tensor, but got{colon} "
                           f"{_shape_str(shape)}")
    for i in range(len(shape) - nd - 1 if len(shape) == nd + 2 else 0, len(shape)):
        if len(shape) == nd + 2 and i == 0:
            continue
        if shape[i] == 0:
            raise RuntimeError(f"{fname}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {_shape_str(shape)} with "
                               f"dimension {i} being empty")
    if kind == "avg" and any(o < 0 for o in out):
        raise RuntimeError(f"{fname}: elements of output_size must be greater than or equal to "
                           f"0 but received {{{', '.join(str(o) for o in out)}}}")


def _adaptive_avg_nd(fname, nd, input, output_size):
    x = check_tensor(input, fname)
    out = _output_size(fname, nd, output_size, x._array.shape)
    _check_adaptive(fname, nd, x, out, "avg")
    if all(o == 1 for o in out):
        # PyTorch reduces to a mean for a 1x1 output (MeanBackward1), restrided when the input
        # is channels-last (PyTorch restrides in place: AsStridedBackward1, here a view)
        res = x.mean(tuple(range(-nd, 0)), keepdim=True)
        if _is_cl(x):
            res = _restride_channels_last(res)
        return res
    check_dtype(x, "adaptive_avg_pool2d" if nd == 2 else "adaptive_avg_pool3d_cpu")
    params = {"out": out, "in_spatial": x._array.shape[-nd:]}
    return _ADAPTIVE_AVG_PAIRS[nd].run_forward(x, params, layout_like=x)


_RESTRIDE_NODE = new_node("AsStridedBackward1", lambda ctx, g: g.contiguous(),
                          saves_inputs=False)


def _restride_channels_last(t):
    """(N, C, 1, ...) with channels-last strides (c, 1, c, ...): only size-1 dims change."""
    a = np.ascontiguousarray(t._array)
    c = a.shape[1]
    item = a.itemsize
    view = np.lib.stride_tricks.as_strided(a, a.shape, (c * item, item) + (c * item,) * (
        a.ndim - 2))
    out = result(view.copy(), t._dtype)
    out._array = np.lib.stride_tricks.as_strided(out._array, a.shape, view.strides)
    if needs_grad(t):
        record(_RESTRIDE_NODE, (t,), out)
    return out


def _is_cl(x):
    from .spatial_common import is_channels_last
    return is_channels_last(x)


def adaptive_avg_pool1d(input, output_size):
    """Average pooling to a fixed output length.

    >>> ember.nn.functional.adaptive_avg_pool1d(ember.tensor([[1., 2., 3., 4.]]), 2)
    tensor([[1.5000, 3.5000]])
    """
    x = check_tensor(input, "adaptive_avg_pool1d")
    if x._array.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {x._array.ndim}-dimensional "
                           "tensor for argument #1 'self' (while checking arguments for "
                           "adaptive_avg_pool1d)")
    o = _one_int("adaptive_avg_pool1d", output_size)
    return _adaptive_avg_nd("adaptive_avg_pool2d", 2, x.unsqueeze(-2), (1, o)).squeeze(-2)


def _one_int(fname, output_size):
    if isinstance(output_size, (list, tuple)):
        if len(output_size) != 1:
            raise RuntimeError(f"{fname}() argument 'output_size' should contain one int (got "
                               f"{len(output_size)})")
        return output_size[0]
    return output_size


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed (H, W) output size (None keeps the input's size).

    >>> ember.nn.functional.adaptive_avg_pool2d(ember.ones(1, 4, 4), 2).shape
    ember.Size([1, 2, 2])
    """
    return _adaptive_avg_nd("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    """Average pooling to a fixed (D, H, W) output size.

    >>> ember.nn.functional.adaptive_avg_pool3d(ember.ones(1, 4, 4, 4), 2).shape
    ember.Size([1, 2, 2, 2])
    """
    return _adaptive_avg_nd("adaptive_avg_pool3d", 3, input, output_size)


def _table_max(a, tables):
    """Max over windows given per dimension as (positions[..., o, T], valid[..., o, T]) with
    leading plane dimensions broadcastable to ``a``'s; returns values and flat indices."""
    nd = len(tables)
    lead = a.shape[:-nd]
    spatial = a.shape[-nd:]
    pst = _plane_strides(spatial)
    rows = int(np.prod(lead, dtype=np.int64))
    flat_a = a.reshape(rows, -1)
    out = tuple(t[0].shape[-2] for t in tables)

    def grid(i, col, tbl):
        v = tbl[..., col]                       # (planes or 1, o_i or 1)
        v = np.broadcast_to(v, (v.shape[0], out[i]))
        return v.reshape((v.shape[0],) + (1,) * i + (out[i],) + (1,) * (nd - 1 - i))
    init = sum(grid(i, 0, pos) * pst[i] for i, (pos, _) in enumerate(tables))
    rix = np.arange(rows, dtype=np.int64).reshape((rows,) + (1,) * nd)

    def candidates():
        for offs in itertools.product(*(range(pos.shape[-1]) for pos, _ in tables)):
            flat = sum(grid(i, t, pos) * pst[i] for i, ((pos, _), t) in
                       enumerate(zip(tables, offs)))
            valid = None
            for i, ((_, ok), t) in enumerate(zip(tables, offs)):
                g = grid(i, t, ok)
                valid = g if valid is None else valid & g
            fl = np.broadcast_to(flat, (rows,) + out)
            yield flat_a[rix, fl], fl, valid
    best, idx = _running_max(candidates(), init, (rows,) + out, a.dtype)
    return best.reshape(lead + out), idx.reshape(lead + out)


def _adaptive_tables(spatial, out):
    tables = []
    for n, o in zip(spatial, out):
        start, length = adaptive_windows(n, o)
        t = np.arange(int(length.max()) if o else 1, dtype=np.int64)
        pos = np.minimum(start[:, None] + t, n - 1)[None]
        tables.append((pos, (t < length[:, None])[None]))
    return tables


def _adaptive_max_nd(fname, nd, input, output_size, return_indices):
    x = check_tensor(input, fname)
    out = _output_size(fname, nd, output_size, x._array.shape)
    _check_adaptive(fname, nd, x, out, "max")
    check_dtype(x, fname if nd == 2 else "adaptive_max_pool3d_cpu")
    a = compute_array(x)
    if any(o == 0 for o in out) or a.size == 0:
        shape = a.shape[:-nd] + tuple(out)
        values, idx = np.zeros(shape, a.dtype), np.zeros(shape, np.int64)
    else:
        values, idx = _table_max(a, _adaptive_tables(a.shape[-nd:], out))
    res = _indexed_output(x, idx, nd, f"AdaptiveMaxPool{nd}D", values)
    if return_indices:
        return res, result(idx, D.int64, like=x)
    return res


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max pooling to a fixed output length.

    >>> ember.nn.functional.adaptive_max_pool1d(ember.tensor([[1., 2., 3., 4.]]), 2)
    tensor([[2., 4.]])
    """
    x = check_tensor(input, "adaptive_max_pool1d")
    if x._array.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {x._array.ndim}-dimensional "
                           "tensor for argument #1 'self' (while checking arguments for "
                           "adaptive_max_pool1d)")
    o = _one_int("adaptive_max_pool1d", output_size)
    res = _adaptive_max_nd("adaptive_max_pool2d", 2, x.unsqueeze(-2), (1, o), return_indices)
    if return_indices:
        return res[0].squeeze(-2), res[1].squeeze(-2)
    return res.squeeze(-2)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed (H, W) output size.

    >>> ember.nn.functional.adaptive_max_pool2d(ember.ones(1, 4, 4), 2).shape
    ember.Size([1, 2, 2])
    """
    return _adaptive_max_nd("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max pooling to a fixed (D, H, W) output size.

    >>> ember.nn.functional.adaptive_max_pool3d(ember.ones(1, 4, 4, 4), 2).shape
    ember.Size([1, 2, 2, 2])
    """
    return _adaptive_max_nd("adaptive_max_pool3d", 3, input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool3d(input, output_size, True)


# ---------------------------------------------------------------------------- fractional max
def fractional_starts(sample, n, o, k, dtype):
    """Window starts of fractional max pooling for one dimension, per plane (PyTorch's
    generate_intervals, in the input's floating type)."""
    sample = sample.astype(dtype)[:, None]
    starts = np.empty((sample.shape[0], o), dtype=np.int64)
    if o > 1:
        alpha = dtype.type(n - k) / dtype.type(o - 1)
        i = np.arange(o - 1).astype(dtype)
        starts[:, :-1] = (((i + sample) * alpha).astype(np.int64)
                          - (sample * alpha).astype(np.int64))
    if o > 0:
        starts[:, -1] = n - k
    return starts


def _fractional_nd(nd, input, kernel_size, output_size, output_ratio, return_indices,
                   _random_samples):
    fname = f"fractional_max_pool{nd}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{fname} requires specifying either an output_size or an output_ratio")
    x = check_tensor(input, fname)
    if output_size is None:
        if nd == 2 and len(output_ratio) > 2:
            raise ValueError("fractional_max_pool2d requires output_ratio to either be a single "
                             "Int or tuple of Ints.")
        ratio = output_ratio if isinstance(output_ratio, (list, tuple)) else (output_ratio,) * nd
        if len(ratio) == 1:
            ratio = tuple(ratio) * nd
        output_size = [int(x.size(-nd + i) * ratio[i]) for i in range(nd)]
    if _random_samples is None:
        from ..random import rand
        n_batch = 1 if x.dim() == nd + 1 else x.size(0)
        _random_samples = rand(n_batch, x.size(-nd - 1), nd, dtype=x.dtype)
    k = _int_tuple(kernel_size, fname, "kernel_size", 2)
    k = k * nd if len(k) == 1 else k
    out = _int_tuple(output_size, fname, "output_size", 3)
    out = out * nd if len(out) == 1 else out
    shape = x._array.shape
    if len(shape) not in (nd + 1, nd + 2):
        raise RuntimeError(f"{fname}(): Expected {nd + 1}D or {nd + 2}D tensor, but got: "
                           f"{_shape_str(shape)}")
    if _random_samples._dtype is not x._dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    check_dtype(x, f"{fname}_out_frame")
    samples = _random_samples._array
    n = shape[0] if len(shape) == nd + 2 else 1
    c = shape[-nd - 1]
    if samples.shape[0] < n:
        raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
    if samples.shape[1] != c:
        raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
    if samples.shape[2] != nd:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {nd}; got "
                           f"{samples.shape[2]}.")
    words = ("time", "height", "width")[3 - nd:]
    where = fname + ("()" if nd == 2 else "_out()")
    for w, o, kk, size in zip(words, out, k, shape[-nd:]):
        if o + kk - 1 > size:
            raise RuntimeError(f"{where}: pool {w} {kk} too large relative to input {w} {size}")
    a = compute_array(x)
    dt = a.dtype if a.dtype.kind == "f" else np.dtype(np.float32)
    planes = samples[:n].reshape(n * c, nd)
    tables = []
    for i in range(nd):
        # NOTE: 2-d: sample 0 drives the width, 1 the height; 3-d: 0, 1, 2 drive T, H, W
        col = nd - 1 - i if nd == 2 else i
        st = fractional_starts(planes[:, col], shape[-nd + i], out[i], k[i], dt)
        pos = st[:, :, None] + np.arange(k[i], dtype=np.int64)
        tables.append((pos, np.ones((1, 1, k[i]), dtype=bool)))
    lead = a.shape[:-nd]
    values, idx = _table_max(a.reshape((n * c,) + a.shape[-nd:]), tables)
    values = values.reshape(lead + tuple(out))
    idx = idx.reshape(lead + tuple(out))
    res = _indexed_output(x, idx, nd, f"FractionalMaxPool{nd}D", values)
    if return_indices:
        return res, result(idx, D.int64, like=x)
    return res


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """Max pooling over pseudo-random windows whose starts advance by a fractional stride.

    >>> ember.nn.functional.fractional_max_pool2d(ember.ones(1, 5, 5), 2, output_size=3).shape
    ember.Size([1, 3, 3])
    """
    return _fractional_nd(2, input, kernel_size, output_size, output_ratio, return_indices,
                          _random_samples)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """3-d fractional max pooling.

    >>> ember.nn.functional.fractional_max_pool3d(ember.ones(1, 5, 5, 5), 2, output_size=3).shape
    ember.Size([1, 3, 3, 3])
    """
    return _fractional_nd(3, input, kernel_size, output_size, output_ratio, return_indices,
                          _random_samples)


def fractional_max_pool2d_with_indices(*args, **kwargs):
    kwargs["return_indices"] = True
    return fractional_max_pool2d(*args, **kwargs)


def fractional_max_pool3d_with_indices(*args, **kwargs):
    kwargs["return_indices"] = True
    return fractional_max_pool3d(*args, **kwargs)


# ---------------------------------------------------------------------------- max unpooling
def unpool_output_size(input, kernel_size, stride, padding, output_size):
    """The unpooled spatial size: the default inverse of pooling, or a checked request."""
    nd = len(kernel_size)
    default = [(input.size(-nd + d) - 1) * stride[d] + kernel_size[d] - 2 * padding[d]
               for d in range(nd)]
    if output_size is None:
        return default
    if len(output_size) == nd + 2:
        output_size = output_size[2:]
    if len(output_size) != nd:
        raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} "
                         f"elements, but it has a length of '{len(output_size)}'")
    for d in range(nd):
        lo, hi = default[d] - stride[d], default[d] + stride[d]
        if not lo < output_size[d] < hi:
            raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between {lo} '
                             f"and {hi})")
    return list(output_size)


def _max_unpool_backward(ctx, grad):
    idx = ctx.saved["indices"]
    nd = ctx.saved["nd"]
    flat_g = grad.flatten(-nd)
    flat_i = idx.flatten(-nd)
    return flat_g.gather(-1, flat_i).view(idx.shape)


_UNPOOL_NODES = {nd: new_node(f"MaxUnpool{nd}DBackward0", _max_unpool_backward)
                 for nd in (2, 3)}


def _max_unpool_nd(nd, input, indices, out_spatial):
    x = check_tensor(input, f"max_unpool{nd}d")
    shape = x._array.shape
    if len(shape) not in (nd + 1, nd + 2):
        raise RuntimeError(f"Input to max_unpooling{nd}d should be a {nd + 1}d or {nd + 2}d "
                           f"Tensor, but got a tensor with {len(shape)} dimensions.")
    if indices._dtype is not D.int64:
        raise RuntimeError("elements in indices should be type int64 but got: "
                           f"{indices._dtype.scalar_name}")
    if tuple(indices._array.shape) != tuple(shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({_shape_str(shape)}) but got indices tensor with shape: "
                           f"{_shape_str(indices._array.shape)}")
    check_dtype(x, f"max_unpool{nd}d")
    out_spatial = tuple(int(v) for v in out_spatial)
    plane = int(np.prod(out_spatial, dtype=np.int64))
    idx = indices._array
    bad = (idx < 0) | (idx >= plane)
    if bad.any():
        # (PyTorch's single-threaded scan reports the last bad index; with several threads
        # which one it reports varies)
        value = idx[bad].flat[-1]
        raise RuntimeError(f"Found an invalid max index: {value} (output volumes are "
                           f"of size {'x'.join(str(v) for v in out_spatial)})")
    lead = shape[:-nd]
    out = np.zeros(lead + (plane,), dtype=x._dtype.np)
    np.put_along_axis(out, idx.reshape(lead + (-1,)), x._array.reshape(lead + (-1,)), axis=-1)
    res = result(out.reshape(lead + out_spatial), x._dtype)
    if needs_grad(x):
        record(_UNPOOL_NODES[nd], (x,), res, {"indices": indices, "nd": nd})
    return res


def _unpool_args(nd, kernel_size, stride, padding):
    k = expand_nd(kernel_size, nd)
    s = expand_nd(stride, nd) if stride is not None else k
    return k, s, expand_nd(padding, nd)


def expand_nd(v, nd):
    if isinstance(v, (list, tuple)):
        return tuple(v) * nd if len(v) == 1 else tuple(v)
    return (v,) * nd


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool1d: values return to their indices, zeros elsewhere.

    >>> y, i = ember.nn.functional.max_pool1d(ember.tensor([[1., 3.]]), 2, return_indices=True)
    >>> ember.nn.functional.max_unpool1d(y, i, 2)
    tensor([[0., 3.]])
    """
    k, s, p = _unpool_args(1, kernel_size, stride, padding)
    size = unpool_output_size(input, k, s, p, output_size)
    size = list(size) + [1]
    return _max_unpool_nd(2, input.unsqueeze(-1), indices.unsqueeze(-1), size).squeeze(-1)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool2d.

    >>> y, i = ember.nn.functional.max_pool2d(ember.ones(1, 2, 2), 2, return_indices=True)
    >>> ember.nn.functional.max_unpool2d(y, i, 2).shape
    ember.Size([1, 2, 2])
    """
    k, s, p = _unpool_args(2, kernel_size, stride, padding)
    return _max_unpool_nd(2, input, indices, unpool_output_size(input, k, s, p, output_size))


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool3d.

    >>> y, i = ember.nn.functional.max_pool3d(ember.ones(1, 2, 2, 2), 2, return_indices=True)
    >>> ember.nn.functional.max_unpool3d(y, i, 2).shape
    ember.Size([1, 2, 2, 2])
    """
    k, s, p = _unpool_args(3, kernel_size, stride, padding)
    return _max_unpool_nd(3, input, indices, unpool_output_size(input, k, s, p, output_size))


FUNCTIONS.update(max_pool1d=max_pool1d, max_pool2d=max_pool2d, max_pool3d=max_pool3d,
                 max_pool1d_with_indices=max_pool1d_with_indices, avg_pool1d=avg_pool1d,
                 adaptive_avg_pool1d=adaptive_avg_pool1d,
                 adaptive_max_pool1d=adaptive_max_pool1d_with_indices)
