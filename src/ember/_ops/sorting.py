"""Sorting and searching: ``sort``, ``argsort``, ``msort``, ``topk``, ``kthvalue``, ``unique``,
``unique_consecutive``, ``searchsorted``, ``bucketize``, ``histc``, ``histogram``, ``bincount``,
``isin``.

NaN sorts as the largest value (PyTorch's order). Sorting is stable (a valid answer for
``stable=False`` too); descending order keeps ties in input order, as PyTorch's stable sort
does.
"""
import numpy as np

from .. import _dtype as D
from .._dispatch import (FUNCTIONS, tensor_method, record, needs_grad, write_out, shape_str,
                         missing_kernel, invalid_arguments)
from .._tensor import Tensor, make_tensor, wrap_dim, strides_of
from .._backend import copy_with_strides
from .._memory_format import preserve_strides
from ..autograd.graph import node_class
from .. import return_types as _rt
from .topk_order import topk_row
from .shape import c_array, scatter_zeros, wrap_dim_strict, _int_arg, _set_backward, _differentiable

_WIDE_UNSIGNED = (D.uint16, D.uint32, D.uint64)
_FLOAT_LOW = (D.bfloat16,)


# ---------------------------------------------------------------------------- helpers
def _sortable(a, dt):
    """An array NumPy can order like PyTorch (bfloat16 goes through float32, exactly)."""
    if dt is D.bfloat16 or dt.category == 2 and a.dtype.kind == "V":
        return a.astype(np.float32)
    return a


def _rev(a, axis):
    """``a`` reversed along ``axis`` (a view; cheaper than np.flip)."""
    return a[(slice(None),) * axis + (slice(None, None, -1),)]


def take_along(a, idx, axis):
    """np.take_along_axis without its per-call argument normalisation (hot in sort/topk)."""
    nd = idx.ndim
    if nd == 1:
        return a[idx]
    key = []
    for i, n in enumerate(idx.shape):
        if i == axis:
            key.append(idx)
        else:
            sh = [1] * nd
            sh[i] = n
            key.append(np.arange(n).reshape(sh))
    return a[tuple(key)]


def _key32(a):
    """Order-preserving unsigned keys below 2**32 for ``a``'s values (NaN above +inf, -0 == 0),
    or None when the values need more bits."""
    k = a.dtype.kind
    if k == "b" or (k == "u" and a.dtype.itemsize <= 4):
        return a.astype(np.uint64)
    if k == "i" and a.dtype.itemsize <= 4:
        return (a.astype(np.int64) + 2 ** 31).astype(np.uint64)
    if k in "iu":
        lo, hi = a.min(), a.max()
        if int(hi) - int(lo) < 2 ** 32:
            return (a - lo).astype(np.uint64) if k == "u" else \
                (a.astype(np.int64) - np.int64(lo)).astype(np.uint64)
        return None
    if k == "f" and a.dtype.itemsize <= 4:
        f = a.astype(np.float32)
        f = np.where(np.isnan(f), np.float32(np.nan), f + np.float32(0))  # canonical NaN, -0 -> 0
        u = f.view(np.uint32)
        neg = (u >> 31).astype(bool)
        return np.where(neg, ~u, u | np.uint32(0x80000000)).astype(np.uint64)
    return None


def _stable_ascending(a, axis):
    """Stable ascending argsort; for values with 32-bit keys, one fast (SIMD) sort of
    key * 2**32 + position instead of NumPy's slower stable kinds."""
    n = a.shape[axis]
    if a.size >= 4096 and n < 2 ** 32:
        key = _key32(a)
        if key is not None:
            pos = np.arange(n, dtype=np.uint64).reshape((n,) + (1,) * (a.ndim - 1 - axis))
            key <<= np.uint64(32)
            key |= pos
            key.sort(axis=axis)
            return (key & np.uint64(0xFFFFFFFF)).astype(np.int64)
    return np.argsort(a, axis=axis, kind="stable")


# PyTorch's CPU sort is stable up to this many elements (insertion sort), not beyond
_SMALL_SORT = 16


def stable_argsort(a, axis, descending, stable=True):
    """Argsort along ``axis``; stable keeps equal elements in input order (also descending).

    NaN is the largest value (NumPy's order too). Unstable sorts of long rows use NumPy's
    faster default kind, as PyTorch's order among ties is unspecified there too."""
    n = a.shape[axis]
    if not stable and n > _SMALL_SORT:
        idx = np.argsort(a, axis=axis)
        return _rev(idx, axis) if descending else idx
    if not descending:
        return _stable_ascending(a, axis)
    idx = _stable_ascending(_rev(a, axis), axis)
    return (n - 1) - _rev(idx, axis)


def _out_layout(arr, like):
    """``arr`` (C-ordered) laid out like ``like`` (PyTorch's empty_like for sort outputs)."""
    ls = strides_of(like)
    if like.flags.c_contiguous and ls == strides_of(arr):
        return arr
    st = preserve_strides(like.shape, ls)
    if arr.flags.c_contiguous and st == strides_of(arr):
        return arr
    return copy_with_strides(arr, st)


def _check_outs(out, fname):
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise TypeError(f"{fname}(): argument 'out' must be tuple of Tensors")
    return out


def _write_pair(out, a, b, name, kind, inputs):
    if needs_grad(*inputs):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    v, i = _check_outs(out, name)
    write_out(v, a, name)
    write_out(i, b, name)
    return kind((v, i))


# ---------------------------------------------------------------------------- sort
def _sort_arrays(input, d, descending, stable=True):
    a = input._array
    if a.ndim == 0:
        return np.array(a, copy=True), np.zeros((), np.int64)
    idx = stable_argsort(_sortable(a, input._dtype), d, descending, stable)
    vals = a[idx] if a.ndim == 1 else take_along(a, idx, d)
    return _out_layout(vals, a), _out_layout(idx, a)


_U = object()  # an argument not given
_SORT_SIGS = ("Tensor input, *, bool stable, int dim = -1, bool descending = False, "
              "tuple of Tensors out = None",
              "Tensor input, int dim = -1, bool descending = False, *, tuple of Tensors out = None")


def _sort_args(fname, input, args, stable, dim, descending, kw, method):
    """(dim, descending) from PyTorch's two overloads: (dim, descending) positionally, or
    keyword-only when ``stable`` is given."""
    offset = 0 if method else 1
    if len(args) > 2 or (stable is not _U and args and not (fname == "sort" and not method)):
        n = len(args) + offset
        raise TypeError(f"{fname}() takes from {1 + offset} to {offset} positional arguments but "
                        f"{n} were given")
    if stable is not _U and args:
        given = {k: v for k, v in kw.items() if v is not _U}
        raise invalid_arguments(fname, (input,) + tuple(args), given, _SORT_SIGS)
    if args:
        dim = args[0]
        if len(args) > 1:
            descending = args[1]
    return (-1 if dim is _U else dim), (False if descending is _U else bool(descending))


def sort(input, *args, stable=_U, dim=_U, descending=_U, out=None):
    """Sorted values along ``dim`` and the indices they came from.

    >>> ember.sort(ember.tensor([3, 1, 2]))
    ember.return_types.sort(
    values=tensor([1, 2, 3]),
    indices=tensor([1, 2, 0]))
    """
    dim, descending = _sort_args("sort", input, args, stable, dim, descending,
                                 {"stable": stable, "dim": dim, "descending": descending,
                                  **({} if out is None else {"out": out})}, False)
    dt = input._dtype
    if dt.is_complex:
        raise RuntimeError(" Sort does not support complex dtypes on CPU")
    d = wrap_dim(dim, input._array.ndim)
    vals, idx = _sort_arrays(input, d, descending, bool(stable) and stable is not _U)
    if out is not None:
        return _write_pair(out, vals, idx, "sort", _rt.sort_out, (input,))
    v = make_tensor(vals, dt)
    i = make_tensor(idx, D.int64)
    if _differentiable(dt) and needs_grad(input):
        # NOTE: a call naming ``stable`` is the sort.stable overload: SortBackward1
        record(_SortNode if stable is _U else _SortStableNode, (input,), (v, i),
               {"dim": d, "indices": idx, "self_sym_sizes": input._array.shape})
    return tuple.__new__(_rt.sort, (v, i))


def _select_backward(ctx, grads):
    g = grads[0] if isinstance(grads, tuple) else grads
    s = ctx.saved
    shape = s["self_sym_sizes"]
    if len(shape) == 0:
        return g.reshape(())
    return scatter_zeros(g, shape, s["dim"], s["indices"])


_SortNode = _set_backward("SortBackward0", _select_backward)
_SortStableNode = _set_backward("SortBackward1", _select_backward)


@tensor_method("sort")
def _sort_method(self, *args, stable=_U, dim=_U, descending=_U):
    dim, descending = _sort_args("sort", self, args, stable, dim, descending, {}, True)
    return sort(self, dim=dim, descending=descending, stable=stable)


def _argsort(input, args, stable, dim, descending, method):
    dim, descending = _sort_args("argsort", input, args, stable, dim, descending, {}, method)
    if input._dtype.is_complex:
        raise RuntimeError(" Sort does not support complex dtypes on CPU")
    d = wrap_dim(dim, input._array.ndim)
    return make_tensor(_sort_arrays(input, d, descending, bool(stable) and stable is not _U)[1],
                       D.int64)


def argsort(input, *args, stable=_U, dim=_U, descending=_U):
    """The indices that sort ``input`` along ``dim``.

    >>> ember.argsort(ember.tensor([3, 1, 2]))
    tensor([1, 2, 0])
    """
    return _argsort(input, args, stable, dim, descending, False)


@tensor_method("argsort")
def _argsort_method(self, *args, stable=_U, dim=_U, descending=_U):
    return _argsort(self, args, stable, dim, descending, True)


def msort(input, *, out=None):
    """``sort(input, dim=0).values``."""
    r = sort(input, dim=0).values
    if out is not None:
        return write_out(out, r._array, "msort")
    return r


Tensor.msort = lambda self: msort(self)


# ---------------------------------------------------------------------------- topk, kthvalue
def _largest_first(a, d, k, largest):
    """Indices of the k largest (or smallest) along d, ordered, ties in input order."""
    n = a.shape[d]
    if k == 0:
        shape = list(a.shape)
        shape[d] = 0
        return np.zeros(shape, np.int64)
    if k == n:
        return stable_argsort(a, d, largest)
    if n > 64 and k * 8 < n:
        # partial selection first, then order the k winners
        if largest:
            part = np.argpartition(a, n - k, axis=d)
            cand = np.take(part, np.arange(n - k, n), axis=d)
        else:
            part = np.argpartition(a, k - 1, axis=d)
            cand = np.take(part, np.arange(0, k), axis=d)
        cand = np.sort(cand, axis=d)  # input order among the candidates (stable ties)
        vals = take_along(a, cand, d)
        order = stable_argsort(vals, d, largest)
        return take_along(cand, order, d)
    idx = stable_argsort(a, d, largest)
    return idx[(slice(None),) * d + (slice(0, k),)]


def _topk_indices(a, d, k, largest, sort):
    """topk's indices in PyTorch's CPU order: the vectorised stable answer, with the rows where
    PyTorch's unstable selection may order things otherwise (ties; unsorted nth_element
    output) replayed by ``topk_order``."""
    n = a.shape[d]
    if k == 0 or n == 0:
        return _largest_first(a, d, k, largest)
    replay_all = not sort and k * 64 > n
    k1 = k if replay_all else min(k + 1, n)
    idx = _largest_first(a, d, k1, largest)
    if not replay_all:
        # a tie among the winners, or between the last winner and the best loser
        v = np.moveaxis(take_along(a, idx, d), d, -1)
        same = v[..., 1:] == v[..., :-1]
        if v.dtype.kind in "fc":
            same |= np.isnan(v[..., 1:]) & np.isnan(v[..., :-1])
        rows = np.nonzero(same.reshape(-1, k1 - 1).any(axis=1))[0] if k1 > 1 else []
        idx = idx[(slice(None),) * d + (slice(0, k),)]
        if not len(rows):
            return idx
    lead = np.moveaxis(a, d, -1)
    flat = lead.reshape(-1, n)
    out = np.array(np.moveaxis(idx, d, -1).reshape(-1, k))
    for r in (range(flat.shape[0]) if replay_all else rows):
        uniq, inv = np.unique(flat[r], return_inverse=True)   # (NaNs: one value, ranked last)
        keys = (len(uniq) - 1 - inv) if largest else inv
        out[r] = topk_row(keys.tolist(), k, sort)
    return np.moveaxis(out.reshape(lead.shape[:-1] + (k,)), -1, d)


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices.

    >>> ember.topk(ember.tensor([1., 5., 3.]), 2)
    ember.return_types.topk(
    values=tensor([5., 3.]),
    indices=tensor([1, 2]))
    """
    dt = input._dtype
    a = input._array
    k = _int_arg(k, "topk", "k", 2)
    d = wrap_dim(dim, a.ndim)
    n = a.shape[d] if a.ndim else 1
    if k < 0 or k > n:
        raise RuntimeError("selected index k out of range")
    if dt is D.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    if dt.is_complex:
        raise RuntimeError(" topk does not support complex dtypes on CPU")
    if dt in _WIDE_UNSIGNED:
        raise missing_kernel("topk_cpu", dt)
    if a.ndim == 0:
        vals, idx = np.array(a, copy=True), np.zeros((), np.int64)
    else:
        idx = _topk_indices(_sortable(a, dt), d, k, bool(largest), bool(sorted))
        vals = a[idx] if a.ndim == 1 else take_along(a, idx, d)
    if out is not None:
        return _write_pair(out, vals, idx, "topk", _rt.topk_out, (input,))
    v = make_tensor(c_array(vals), dt)
    i = make_tensor(c_array(idx), D.int64)
    if _differentiable(dt) and needs_grad(input):
        record(_TopkNode, (input,), (v, i),
               {"dim": d, "indices": i._array, "self_sym_sizes": a.shape})
    return tuple.__new__(_rt.topk, (v, i))


_TopkNode = _set_backward("TopkBackward0", _select_backward)
Tensor.topk = lambda self, k, dim=-1, largest=True, sorted=True: topk(self, k, dim, largest, sorted)


def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """The ``k``-th smallest element along ``dim`` and its index.

    >>> ember.kthvalue(ember.tensor([3., 1., 2.]), 2)
    ember.return_types.kthvalue(
    values=tensor(2.),
    indices=tensor(2))
    """
    dt = input._dtype
    a = input._array
    k = _int_arg(k, "kthvalue", "k", 2)
    d = wrap_dim(dim, a.ndim)
    n = a.shape[d] if a.ndim else 1
    if dt is D.bool_ or dt in _WIDE_UNSIGNED:
        raise missing_kernel("kthvalue_cpu", dt)
    if dt.is_complex:
        raise missing_kernel("kthvalue_cpu", dt)
    if a.ndim and n == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {d} to have non-zero size.")
    if k < 1 or k > n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if a.ndim == 0:
        vals, idx = np.array(a, copy=True), np.zeros((), np.int64)
        kidx = idx
    else:
        work = _sortable(a, dt)
        if a.size == 0:
            shape = list(a.shape)
            shape[d] = 1
            kidx = np.zeros(shape, np.int64)
        else:
            order = stable_argsort(work, d, False)
            kidx = np.take(order, [k - 1], axis=d)
        vals = take_along(a, kidx, d)
        idx = kidx
        if not keepdim:
            vals = np.squeeze(vals, d)
            idx = np.squeeze(idx, d)
    if out is not None:
        return _write_pair(out, vals, idx, "kthvalue", _rt.kthvalue_out, (input,))
    v = make_tensor(c_array(vals), dt)
    i = make_tensor(c_array(idx), D.int64)
    if _differentiable(dt) and needs_grad(input):
        record(_KthNode, (input,), (v, i), {"dim": d, "indices": kidx, "keepdim": bool(keepdim),
                                            "self_sym_sizes": a.shape})
    return _rt.kthvalue((v, i))


def _kth_backward(ctx, grads):
    g = grads[0] if isinstance(grads, tuple) else grads
    s = ctx.saved
    shape = s["self_sym_sizes"]
    if len(shape) == 0:
        return g.reshape(())
    if not s["keepdim"]:
        g = g.unsqueeze(s["dim"])
    return scatter_zeros(g, shape, s["dim"], s["indices"])


_KthNode = _set_backward("KthvalueBackward0", _kth_backward)
Tensor.kthvalue = lambda self, k, dim=-1, keepdim=False: kthvalue(self, k, dim, keepdim)


# ---------------------------------------------------------------------------- unique
def _not_implemented_node(name, op):
    def backward(ctx, grad):
        raise NotImplementedError(f"the derivative for '{op}' is not implemented.")
    return _set_backward(name, backward)


_Unique2Node = _not_implemented_node("Unique2Backward0", "_unique2")
_UniqueDimNode = _not_implemented_node("UniqueDimBackward0", "unique_dim")
_UniqueConsecutiveNode = _not_implemented_node("UniqueConsecutiveBackward0", "unique_consecutive")


def _unique_check(input, dim=None):
    dt = input._dtype
    if dt.is_complex:
        raise missing_kernel("unique" if dim is None else "unique_dim", dt)


def _flat_unique(a, dt, return_inverse, return_counts, consecutive):
    flat = a.reshape(-1)
    work = _sortable(flat, dt)
    n = flat.shape[0]
    if consecutive:
        perm = None
        s = work
    elif return_inverse:
        has_nan = work.dtype.kind == "f" and np.isnan(work).any()
        perm = _stable_ascending(work, 0) if has_nan else np.argsort(work)
        s = work[perm]
    else:
        perm = None
        s = np.sort(work)
    mask = np.empty(n, bool)
    if n:
        mask[0] = True
        # NOTE: NaN != NaN, so every NaN stays its own value (PyTorch's unique does this)
        np.not_equal(s[1:], s[:-1], out=mask[1:])
    vals = s[mask]
    if vals.dtype != a.dtype:
        vals = vals.astype(a.dtype)
    inv = counts = None
    if return_inverse:
        pos = np.cumsum(mask) - 1
        if perm is None:
            inv = pos
        else:
            inv = np.empty(n, np.int64)
            inv[perm] = pos
        inv = inv.astype(np.int64).reshape(a.shape)
    if return_counts:
        starts = np.flatnonzero(mask)
        counts = np.diff(np.append(starts, n)).astype(np.int64)
    return vals, inv, counts


def _dim_unique(input, dim, return_inverse, return_counts, consecutive):
    a = input._array
    d = wrap_dim_strict(dim, a.ndim)
    zeros = sum(1 for s in a.shape if s == 0)
    if a.shape[d] == 0 and zeros > 1:
        raise RuntimeError("Number of zero sized dimensions is more than one, so unique cannot be "
                           "applied ")
    if a.shape[d] != 0 and zeros:
        raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique "
                           "cannot be applied")
    moved = np.moveaxis(a, d, 0)
    n = moved.shape[0]
    rows = _sortable(c_array(moved).reshape(n, int(np.prod(moved.shape[1:]))), input._dtype)
    if consecutive or n == 0:
        perm = np.arange(n)
    else:
        # lexicographic order of the slices (first element most significant), stable
        perm = np.lexsort(rows.T[::-1]) if rows.shape[1] else np.arange(n)
    s = rows[perm]
    mask = np.empty(n, bool)
    if n:
        mask[0] = True
        np.any(s[1:] != s[:-1], axis=1, out=mask[1:]) if s.shape[1] else mask[1:].fill(False)
    keep = perm[mask]
    # NOTE: PyTorch builds the result with ``dim`` leading and moves it back: keep that layout
    vals = np.moveaxis(np.take(moved, keep, axis=0), 0, d)
    inv = counts = None
    if return_inverse:
        inv = np.empty(n, np.int64)
        inv[perm] = np.cumsum(mask) - 1
    if return_counts:
        counts = np.diff(np.append(np.flatnonzero(mask), n)).astype(np.int64)
    return vals, inv, counts


def _unique_result(input, vals, inv, counts, return_inverse, return_counts, node):
    v = make_tensor(vals, input._dtype)
    if _differentiable(input._dtype) and needs_grad(input):
        record(node, (input,), v)
    if not return_inverse and not return_counts:
        return v
    out = [v]
    if return_inverse:
        out.append(make_tensor(inv, D.int64))
    if return_counts:
        out.append(make_tensor(counts, D.int64))
    return tuple(out)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (sorted), optionally with the inverse map and the counts.

    >>> ember.unique(ember.tensor([2, 1, 2]), return_counts=True)
    (tensor([1, 2]), tensor([1, 2]))
    """
    _unique_check(input, dim)
    if dim is None:
        vals, inv, counts = _flat_unique(input._array, input._dtype, return_inverse,
                                         return_counts, False)
        return _unique_result(input, vals, inv, counts, return_inverse, return_counts,
                              _Unique2Node)
    vals, inv, counts = _dim_unique(input, dim, return_inverse, return_counts, False)
    return _unique_result(input, vals, inv, counts, return_inverse, return_counts, _UniqueDimNode)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal values (or slices along ``dim``).

    >>> ember.unique_consecutive(ember.tensor([1, 1, 2, 1]))
    tensor([1, 2, 1])
    """
    _unique_check(input, dim)
    if dim is None:
        vals, inv, counts = _flat_unique(input._array, input._dtype, return_inverse,
                                         return_counts, True)
        return _unique_result(input, vals, inv, counts, return_inverse, return_counts,
                              _UniqueConsecutiveNode)
    vals, inv, counts = _dim_unique(input, dim, return_inverse, return_counts, True)
    return _unique_result(input, vals, inv, counts, return_inverse, return_counts,
                          _UniqueConsecutiveNode)


Tensor.unique = lambda self, sorted=True, return_inverse=False, return_counts=False, dim=None: \
    unique(self, sorted, return_inverse, return_counts, dim)
Tensor.unique_consecutive = lambda self, return_inverse=False, return_counts=False, dim=None: \
    unique_consecutive(self, return_inverse, return_counts, dim)


# ---------------------------------------------------------------------------- searchsorted
_SS = "torch.searchsorted(): "


def _binary_search(bnd, vals, right):
    """Row-wise binary search with PyTorch's comparisons (``bnd`` (B, n), ``vals`` (B, m)):
    left finds the first i with not(bnd[i] < v)... i.e. bnd[i] >= v; right the first i with
    v < bnd[i]. NaN boundaries and values never compare true."""
    B, n = bnd.shape
    lo = np.zeros(vals.shape, np.int64)
    hi = np.full(vals.shape, n, np.int64)
    rows = np.arange(B).reshape(-1, 1)
    while True:
        active = lo < hi
        if not active.any():
            break
        mid = (lo + hi) // 2
        b = bnd[rows, np.minimum(mid, n - 1)]
        go_right = ~(vals < b) if right else ~(b >= vals)
        go_right &= active
        stay = active & ~go_right
        lo = np.where(go_right, mid + 1, lo)
        hi = np.where(stay, mid, hi)
    return lo


def _search(bnd, vals, right, dt):
    """Indices for ``vals`` in the sorted last dim of ``bnd`` (1-d or matching leading dims)."""
    if bnd.ndim == 1:
        if dt.category == 2 and np.isnan(bnd).any():
            return _binary_search(bnd.reshape(1, -1), vals.reshape(1, -1), right).reshape(vals.shape)
        if bnd.shape[0] == 0:
            return np.zeros(vals.shape, np.int64)
        return np.searchsorted(bnd, vals, side="right" if right else "left").astype(np.int64)
    n = bnd.shape[-1]
    if n == 0:
        return np.zeros(vals.shape, np.int64)
    rows = bnd.size // n
    m = vals.shape[-1] if vals.ndim else 1
    if vals.size == 0:
        return np.zeros(vals.shape, np.int64)
    res = _binary_search(bnd.reshape(rows, n), vals.reshape(rows, m), right)
    return res.reshape(vals.shape)


_WARNED = set()


def _warn_non_contiguous(bnd, v):
    # PyTorch warns once per program for each argument
    import warnings
    for t, what in ((v, "input value"), (bnd, "boundary")):
        if what not in _WARNED and not t.is_contiguous():
            _WARNED.add(what)
            warnings.warn(f"torch.searchsorted(): {what} tensor is non-contiguous, this will lower "
                          "the performance due to extra data copy when converting non-contiguous "
                          f"tensor to contiguous, please use contiguous {what} tensor if possible. "
                          "This message will only appear once per program.", UserWarning,
                          stacklevel=3)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None,
                 out=None):
    """Indices where the elements of ``input`` would be inserted into the sorted last
    dimension of ``sorted_sequence`` to keep it sorted.

    >>> ember.searchsorted(ember.tensor([1, 3, 5]), ember.tensor([3, 4]))
    tensor([1, 2])
    """
    bnd = sorted_sequence
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"{_SS}side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError(f"{_SS}side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    if isinstance(input, Tensor):
        v = input
    else:
        from .._dispatch import as_operand, scalar_as
        s = as_operand(input, "searchsorted", "self", 2)
        sdt = D.result_type_of((bnd, s))
        v = make_tensor(np.asarray(scalar_as(s, sdt)), sdt)
    out_dt = D.int32 if out_int32 else D.int64
    if out is not None and isinstance(out, Tensor) and out._dtype is not out_dt:
        raise RuntimeError(
            f"{_SS}output tensor's dtype is wrong, it can only be Int(int32) or Long(int64) "
            f"depending on whether out_int32 flag is True, but we got output tensor's dtype "
            f"{out._dtype.scalar_name} and out_int32 flag is {bool(out_int32)}")
    if sorter is not None:
        if sorter._dtype is not D.int64:
            raise RuntimeError(f"{_SS}sorter must be a tensor of long dtype but got dtype "
                               f"{sorter._dtype.scalar_name}")
        if sorter._array.shape != bnd._array.shape:
            raise RuntimeError(f"{_SS}boundary and sorter must have the same size, but got "
                               f"boundary tensor {shape_str(bnd._array.shape)}and got sorter tensor "
                               f"{shape_str(sorter._array.shape)}")
    b = bnd._array
    _warn_non_contiguous(bnd, v)
    if b.ndim == 0:
        raise RuntimeError(f"{_SS}boundaries tensor should have positive dimension, but got 0 "
                           "dimension")
    va = v._array
    if b.ndim != 1 and va.ndim == 0:
        raise RuntimeError(
            f"{_SS}input value can be a scalar only when boundaries tensor dimension is 1, but we "
            f"got boundaries tensor dim({b.ndim}) and input value's dim(0) numel(1)")
    if b.ndim != 1 and (b.shape[:-1] != va.shape[:-1] or va.ndim != b.ndim):
        raise RuntimeError(
            f"{_SS}boundaries tensor should be 1 dimension or the first N-1 dimensions of "
            f"boundaries tensor and input value tensor must match, but we got boundaries tensor "
            f"{shape_str(b.shape)} and input value tensor {shape_str(va.shape)}")
    dt = D.promote_types(bnd._dtype, v._dtype)
    if dt is D.bool_ or dt.is_complex or dt in _WIDE_UNSIGNED:
        raise missing_kernel("searchsorted_out_cpu", dt)
    if sorter is not None:
        b = take_along(b, sorter._array, b.ndim - 1)
    bw = _sortable(b.astype(dt.np, copy=False), dt)
    vw = _sortable(va.astype(dt.np, copy=False), dt)
    res = _search(bw, vw, bool(right), dt).astype(out_dt.np)
    res = c_array(res)
    if out is not None:
        return write_out(out, res, "searchsorted")
    return make_tensor(res, out_dt)


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """The index of the bucket (between consecutive 1-d ``boundaries``) of each element.

    >>> ember.bucketize(ember.tensor([1, 4]), ember.tensor([1, 3, 5]))
    tensor([0, 2])
    """
    if boundaries._array.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim("
                           f"{boundaries._array.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


# ---------------------------------------------------------------------------- histograms
def _cfmt(x):
    """A number as C++'s ostream prints a double (``%g``)."""
    if np.isnan(x):
        return "nan"
    return f"{float(x):g}"


def _hist_counts(flat, edges, weight, out_dt):
    """Counts of ``flat`` in the bins ``edges`` (the last bin is closed); values outside or NaN
    are dropped."""
    nb = edges.shape[0] - 1
    if flat.size == 0 or nb <= 0:
        return np.zeros(max(nb, 0), out_dt.np)
    inside = (flat >= edges[0]) & (flat <= edges[-1])
    x = flat[inside]
    pos = np.searchsorted(edges, x, side="right") - 1
    pos = np.minimum(pos, nb - 1)
    w = None if weight is None else weight[inside].astype(np.float64)
    counts = np.bincount(pos, weights=w, minlength=nb)
    return counts.astype(out_dt.np)


def _linear_edges(lo, hi, bins, dt):
    """``linspace(lo, hi, bins + 1)`` in ``dt`` as PyTorch's kernel computes it: the first half
    counts up from ``lo``, the second down from ``hi``, each value one fused multiply-add
    (emulated in a wider type: exact for float32, all but never-seen ties for float64)."""
    steps = bins + 1
    work = np.float32 if dt is D.float32 else np.float64
    wide = np.float64 if work is np.float32 else np.longdouble
    s0, e0 = work(lo), work(hi)
    step = work((e0 - s0) / work(steps - 1))
    i = np.arange(steps)
    half = steps // 2
    up = (wide(s0) + wide(step) * i[:half].astype(wide)).astype(work)
    down = (wide(e0) - wide(step) * (steps - 1 - i[half:]).astype(wide)).astype(work)
    return np.concatenate([up, down]).astype(dt.np)


def _histc_counts(flat, edges, bins, dt):
    """histc's binning: the bin index interpolated from the outer edges in the input's own
    arithmetic (each step rounded to the dtype, as PyTorch's kernel does), no edge search."""
    if dt.itemsize < 4:
        work = np.float32

        def rnd(v):
            return np.asarray(v, np.float32).astype(dt.np).astype(np.float32)
    else:
        work = dt.np.type

        def rnd(v):
            return v
    x = flat.astype(work)
    left, right = work(edges[0]), work(edges[-1])
    x = x[(x >= left) & (x <= right)]
    if x.size == 0:
        return np.zeros(bins, dt.np)
    nb = rnd(work(bins))
    p = rnd(rnd(rnd(x - left) * nb) / rnd(right - left))
    pos = p.astype(np.int64)
    # NOTE: the right edge goes to the last bin; a half-precision rounding past it lands, in
    # PyTorch's kernel, in the next thread's buffer, i.e. wraps to the front (observed)
    pos = np.where(pos > bins, pos - bins, np.minimum(pos, bins - 1)) % bins
    return np.bincount(pos, minlength=bins).astype(dt.np)


def histc(input, bins=100, min=0, max=0, *, out=None):
    """Histogram of equal-width bins over [min, max] (the data's range when both are 0).

    >>> ember.histc(ember.tensor([1., 2., 1.]), bins=4, min=0, max=3)
    tensor([0., 2., 1., 0.])
    """
    dt = input._dtype
    if dt.category != 2:
        raise missing_kernel("histogram_cpu", dt)
    bins = _int_arg(bins, "histc", "bins", 2)
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    flat = input._array.reshape(-1)
    work = flat.astype(np.float64)
    lo, hi = float(min), float(max)
    if lo == hi and work.size:
        lo, hi = float(np.min(work)), float(np.max(work))
        if np.isnan(lo) or np.isnan(hi):
            nan = "nan" if dt is D.bfloat16 else "-nan"
            raise RuntimeError(f"torch.histc: range of [{nan}, {nan}] is not finite")
    if lo == hi:
        lo -= 1
        hi += 1
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{_cfmt(lo)}, {_cfmt(hi)}] is not finite")
    edges = _linear_edges(lo, hi, bins, dt)
    res = _histc_counts(flat, edges, bins, dt)
    if out is not None:
        return write_out(out, res, "histc")
    return make_tensor(res, dt)


_HIST_SIGS = ("Tensor input, Tensor bins, *, Tensor weight = None, bool density = False, "
              "tuple of Tensors out = None",
              "Tensor input, int bins = 100, *, tuple of floats range = None, Tensor weight = None, "
              "bool density = False, tuple of Tensors out = None")


def histogram(input, bins=100, *, range=None, weight=None, density=False, out=None):
    """Histogram with ``bins`` equal bins (over ``range`` or the data's) or the given edges.

    >>> ember.histogram(ember.tensor([1., 2., 1.]), bins=2)
    ember.return_types.histogram(
    hist=tensor([2., 1.]),
    bin_edges=tensor([1.0000, 1.5000, 2.0000]))
    """
    if isinstance(bins, Tensor) and range is not None:
        kw = {"range": range}
        if weight is not None:
            kw["weight"] = weight
        raise invalid_arguments("histogram", (input, bins), kw, _HIST_SIGS)
    dt = input._dtype
    if dt not in (D.float32, D.float64):
        raise missing_kernel("histogramdd", dt)
    flat = input._array.reshape(-1)
    if weight is not None:
        if weight._array.shape != (flat.shape[0],) and weight._array.shape != input._array.shape:
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided it should have the same shape as "
                "the input tensor excluding its innermost dimension, but got input with shape "
                f"{shape_str((flat.shape[0], 1))} and weight with shape "
                f"{shape_str(weight._array.shape)}")
        if weight._dtype is not dt:
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided, input tensor and weight tensor "
                f"should have the same dtype, but got input({dt.cpp_name}), and "
                f"weight({weight._dtype.cpp_name})")
    if isinstance(bins, Tensor):
        if bins._array.ndim != 1:
            raise RuntimeError(
                "torch.histogramdd: bins tensor should have one dimension, but got "
                f"{bins._array.ndim} dimensions in the bins tensor for dimension 0")
        if bins._dtype is not dt:
            raise RuntimeError(
                "torch.histogramdd: input tensor and bins tensors should have the same dtype, but "
                f"got input with dtype {dt.cpp_name} and bins for dimension 0 with dtype "
                f"{bins._dtype.cpp_name}")
        edges = np.array(bins._array, copy=True)
    else:
        nb = _int_arg(bins, "histogram", "bins", 2)
        if nb <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {nb} for dimension 0")
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        elif flat.size:
            lo, hi = float(np.min(flat)), float(np.max(flat))
        else:
            lo, hi = 0.0, 0.0
        if lo > hi:
            raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min "
                               f"{_cfmt(lo)} max {_cfmt(hi)} for dimension 0")
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise RuntimeError(f"torch.histogramdd: dimension 0's range [{_cfmt(lo)}, "
                               f"{_cfmt(hi)}] is not finite")
        if lo == hi:
            lo -= 0.5
            hi += 0.5
        if range is None and flat.size == 0:
            lo, hi = 0.0, 1.0
        edges = _linear_edges(lo, hi, nb, dt)
    w = None if weight is None else weight._array.reshape(-1)
    hist = _hist_counts(flat.astype(np.float64), edges.astype(np.float64), w, D.float64)
    if density:
        total = hist.sum()
        widths = np.diff(edges.astype(np.float64))
        with np.errstate(divide="ignore", invalid="ignore"):
            hist = hist / (total * widths)
    hist = hist.astype(dt.np)
    edges = edges.astype(dt.np)
    if out is not None:
        return _write_pair(out, hist, edges, "histogram", _rt.histogram_out, (input,))
    h = make_tensor(hist, dt)
    e = make_tensor(edges, dt)
    grads = [x for x in (input, weight) if x is not None]
    if needs_grad(*grads):
        record(node_class("NotImplemented"), tuple(grads), (h, e), {"op": "aten::histogram"})
    return _rt.histogram((h, e))


Tensor.histc = lambda self, bins=100, min=0, max=0: histc(self, bins, min, max)
Tensor.histogram = lambda self, bins=100, *, range=None, weight=None, density=False: histogram(
    self, bins, range=range, weight=weight, density=density)


def bincount(input, weights=None, minlength=0):
    """Occurrences of each value 0..max of a 1-d non-negative integer tensor (weighted sums
    with ``weights``).

    >>> ember.bincount(ember.tensor([1, 3, 1]))
    tensor([0, 2, 0, 1])
    """
    dt = input._dtype
    if dt.category != 1 or dt in _WIDE_UNSIGNED:
        raise missing_kernel("bincount_cpu", dt)
    minlength = _int_arg(minlength, "bincount", "minlength", 3)
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    a = input._array
    if a.ndim != 1 or (a.size and a.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and (weights._array.ndim != 1 or weights._array.shape[0] != a.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    idx = a.astype(np.int64)
    if weights is None:
        res = np.bincount(idx, minlength=minlength).astype(np.int64)
        return make_tensor(res, D.int64)
    odt = D.float32 if weights._dtype is D.float32 else D.float64
    w = weights._array
    if weights._dtype.is_complex:
        import warnings
        warnings.warn("Casting complex values to real discards the imaginary part", UserWarning,
                      stacklevel=2)
        w = w.real
    res = np.bincount(idx, weights=w.astype(np.float64), minlength=minlength).astype(odt.np)
    t = make_tensor(res, odt)
    if needs_grad(weights):
        record(node_class("NotImplemented"), (weights,), t, {"op": "aten::bincount"})
    return t


Tensor.bincount = lambda self, weights=None, minlength=0: bincount(self, weights, minlength)


_ISIN_SIGS = (
    "Tensor elements, Tensor test_elements, *, bool assume_unique = False, bool invert = False, "
    "Tensor out = None",
    "Number element, Tensor test_elements, *, bool assume_unique = False, bool invert = False, "
    "Tensor out = None",
    "Tensor elements, Number test_element, *, bool assume_unique = False, bool invert = False, "
    "Tensor out = None")


def isin(elements, test_elements, *, assume_unique=False, invert=False, out=None):
    """Whether each element of ``elements`` occurs in ``test_elements``.

    >>> ember.isin(ember.tensor([1, 2, 3]), ember.tensor([2, 9]))
    tensor([False,  True, False])
    """
    from .._dispatch import as_operand
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        kw = {}
        raise invalid_arguments("isin", (elements, test_elements), kw, _ISIN_SIGS)
    e = as_operand(elements, "isin", "elements", 1)
    t = as_operand(test_elements, "isin", "test_elements", 2)
    dt = D.result_type_of((e, t))
    for x in (e, t):
        if isinstance(x, Tensor) and x._dtype in _WIDE_UNSIGNED and dt in _WIDE_UNSIGNED:
            raise missing_kernel("isin_default_cpu", dt)
    if dt is D.bool_ or dt.is_complex:
        raise RuntimeError(f"Unsupported input type encountered for isin(): {dt.scalar_name}")
    ea = e._array.astype(dt.np) if isinstance(e, Tensor) else np.asarray(e, dtype=dt.np)
    ta = t._array.astype(dt.np) if isinstance(t, Tensor) else np.asarray(t, dtype=dt.np)
    if dt is D.bfloat16:
        ea, ta = ea.astype(np.float32), ta.astype(np.float32)
    res = np.isin(ea, ta.reshape(-1), invert=bool(invert))
    res = c_array(res.astype(np.bool_, copy=False)).reshape(ea.shape)
    if out is not None:
        return write_out(out, res, "isin")
    return make_tensor(res, D.bool_)


# ---------------------------------------------------------------------------- registration
FUNCTIONS.update(
    sort=sort, argsort=argsort, msort=msort, topk=topk, kthvalue=kthvalue, unique=unique,
    unique_consecutive=unique_consecutive, searchsorted=searchsorted, bucketize=bucketize,
    histc=histc, histogram=histogram, bincount=bincount, isin=isin)
