"""Index ops: ``index_select``, ``index_add``/``index_copy``/``index_fill``/``index_put`` (and
their in-place forms), ``gather``, ``scatter``/``scatter_add``/``scatter_reduce``, ``take``,
``take_along_dim``, ``put``, ``masked_select``/``masked_fill``/``masked_scatter``, ``nonzero``
and ``argwhere``, with PyTorch's errors and gradients.

Everything is vectorised: gathers are ``np.take``/``np.take_along_axis``, scatters are
fancy-index assignment or ``ufunc.at`` (NumPy 2's ``ufunc.at`` is fast), so the ops stay fast at
millions of elements.

>>> x = ember.zeros(3)
>>> x.index_add_(0, ember.tensor([0, 0, 2]), ember.tensor([1., 2., 3.]))
tensor([3., 0., 3.])
"""
import warnings

import numpy as np

from .. import _dtype as D
from .._dispatch import (FUNCTIONS, needs_grad, check_inplace, write_out, shape_str,
                         broadcast_shapes2, missing_kernel, WIDE_UNSIGNED)
from .._tensor import Tensor, make_tensor, wrap_dim, strides_of
from .._memory_format import is_non_overlapping_and_dense
from .._backend import empty_strided
from ..autograd.graph import node_class, record_node, rebase_inplace
from ..autograd.grad_mode import STATE as _GRAD

_INT_INDEX = (D.int32, D.int64)


# ---------------------------------------------------------------------------- helpers
def _node(name, inputs, outputs, saved=None):
    return record_node(node_class(name), inputs, outputs, saved)


def _backward(*names, saves_inputs=True):
    def deco(fn):
        for n in names:
            cls = node_class(n)
            cls.backward_fn = staticmethod(fn)
            cls.saves_inputs = saves_inputs
        return fn
    return deco


def _clone_array(a, preserve=False):
    """A fresh copy of ``a``: row-major, or keeping ``a``'s layout when it is dense."""
    if preserve and a.ndim > 1 and is_non_overlapping_and_dense(a.shape, strides_of(a)):
        out = np.empty_like(a, order="K")
        np.copyto(out, a)
        return out
    return np.array(a, order="C", copy=True)


def _zeros(shape, dt):
    return make_tensor(np.zeros(shape, dt.np), dt)


def _long(arr):
    arr = np.asarray(arr, dtype=np.int64)
    if not arr.flags.c_contiguous:
        arr = arr.copy(order="C")
    return make_tensor(arr, D.int64)


def _dim_arg(dim, fname, pos=1):
    if isinstance(dim, bool) or not hasattr(dim, "__index__"):
        raise TypeError(f"{fname}(): argument 'dim' (position {pos}) must be int, not "
                        f"{type(dim).__name__}")
    return dim.__index__()


def _scalar_value(value, dt, fname):
    """A Python number (or 0-d tensor's value) converted to ``dt`` with PyTorch's checks."""
    if isinstance(value, Tensor):
        value = value.item()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, complex) and not dt.is_complex:
        if fname:
            raise RuntimeError(f"{fname}: Converting complex Scalar to non-complex type is not "
                               "supported")
        raise RuntimeError(f"value cannot be converted to type {_ctype(dt)} without overflow")
    if dt is D.bool_:
        return np.bool_(value != 0)
    if dt.category == 1:
        if isinstance(value, float):
            info = np.iinfo(dt.np)
            if not np.isfinite(value) or not (info.min - 1 < value < info.max + 1):
                raise RuntimeError(f"value cannot be converted to type {_ctype(dt)} without "
                                   "overflow")
            value = int(value)
        info = np.iinfo(dt.np)
        if isinstance(value, int) and not (info.min <= value <= info.max):
            if value > 0xFFFFFFFFFFFFFFFF or value < -0x8000000000000000:
                raise OverflowError("int too big to convert")
            raise RuntimeError(f"value cannot be converted to type {_ctype(dt)} without overflow")
        return dt.np.type(value)
    if dt.category == 2 and isinstance(value, int) and abs(value) > 0xFFFFFFFFFFFFFFFF:
        raise OverflowError("int too big to convert")
    return dt.np.type(value)


def _ctype(dt):
    return {"int64": "int64_t", "int32": "int32_t", "int16": "int16_t", "int8": "int8_t",
            "uint8": "uint8_t", "uint16": "uint16_t", "uint32": "uint32_t",
            "uint64": "uint64_t", "float32": "float", "float64": "double",
            "float16": "c10::Half", "bfloat16": "c10::BFloat16", "bool": "bool"}.get(dt.name,
                                                                                     dt.name)


def _check_same_out(out, dt, msg=None):
    if out._dtype is not dt:
        raise RuntimeError(msg or f"Expected out tensor to have dtype {dt.cpp_name}, but got "
                           f"{out._dtype.cpp_name} instead")


def _no_grad_out(name, *inputs):
    if needs_grad(*inputs):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")


def _kernel(kernel, dt, missing=WIDE_UNSIGNED):
    """PyTorch's NotImplementedError for dtypes its CPU kernel ``kernel`` lacks."""
    if dt in missing:
        raise missing_kernel(kernel, dt)


def _key(dim, idx):
    return (slice(None),) * dim + (idx,)


def _as_1d_index(index, ndim_self):
    """The index as a 1-d NumPy array (a 0-d index counts as one element)."""
    a = index._array
    return a.reshape(-1) if a.ndim == 0 else a


# ---------------------------------------------------------------------------- index_select
def index_select(input, dim, index, *, out=None):
    """The entries of ``input`` at ``index`` along ``dim`` (a copy).

    >>> ember.tensor([[1, 2], [3, 4]]).index_select(0, ember.tensor([1]))
    tensor([[3, 4]])
    """
    dim = _dim_arg(dim, "index_select")
    a = input._array
    d = wrap_dim(dim, a.ndim)
    if index._dtype not in _INT_INDEX:
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if index._array.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    idx = _as_1d_index(index, a.ndim)
    size = a.shape[d] if a.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        raise IndexError("index out of range in self")
    if a.ndim == 0:
        res = np.array(a, copy=True) if idx.size == 1 else np.repeat(a, idx.size)
        if idx.size != 1:
            res = res.reshape(idx.shape)
    else:
        res = np.take(a, idx, axis=d)
    if out is not None:
        if out._dtype is not input._dtype:
            raise RuntimeError("index_select(): self and result must have the same scalar type")
        _no_grad_out("index_select", input)
        return write_out(out, res, "index_select")
    t = make_tensor(np.ascontiguousarray(res) if res.ndim else res, input._dtype)
    if input._requires_grad and _GRAD.enabled:
        _node("IndexSelectBackward0", (input,), t,
              {"dim": d, "index": index, "self_sym_sizes": a.shape})
    return t


@_backward("IndexSelectBackward0", saves_inputs=False)
def _index_select_grad(ctx, grad):
    s = ctx.saved
    shape = s["self_sym_sizes"]
    if len(shape) == 0:
        return grad.sum() if grad._array.ndim else grad
    return _zeros(shape, grad._dtype).index_add(s["dim"], s["index"], grad)


# ---------------------------------------------------------------------------- index_add
def _index_add_check(self, d, index, source, name="index_add_"):
    a = self._array
    if index._dtype not in _INT_INDEX:
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index but got: "
                           f"{index._dtype.scalar_name}")
    if index._array.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector, but got dim: "
                         f"{index._array.ndim} with type: {index._dtype.scalar_name} and size: "
                         f"{shape_str(index._array.shape)}")
    if a.ndim > 0 and source._array.ndim == 0:
        raise IndexError(f"Dimension specified as {d} but tensor has no dimensions")
    if source._dtype is not self._dtype:
        raise RuntimeError(f"{name}(): self ({self._dtype.scalar_name}) and source "
                           f"({source._dtype.scalar_name}) must have the same scalar type")
    n = index._array.size
    src_n = source._array.shape[d] if source._array.ndim else 1
    if n != src_n:
        raise RuntimeError(f"{name}(): Number of indices ({n}) should be equal to "
                           f"source.size(dim): ({src_n}), for dim: {d}")
    ss, ds = list(source._array.shape), list(a.shape)
    if ds and ss:
        ss[d] = ds[d]
    if a.ndim and tuple(ss) != tuple(ds):
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {shape_str(a.shape)} "
                           f"source.shape = {shape_str(source._array.shape)}")
    idx = _as_1d_index(index, a.ndim)
    size = a.shape[d] if a.ndim else 1
    if idx.size:
        lo, hi = idx.min(), idx.max()
        if lo < 0 or hi >= size:
            raise RuntimeError(f"index {lo if lo < 0 else hi} is out of bounds for dimension {d} "
                               f"with size {size}")
    return idx


def _alpha_value(alpha, dt):
    if dt.category <= 1:
        if isinstance(alpha, float):
            return int(alpha)
        return alpha
    return alpha


def _index_add_array(a, d, idx, src, alpha, dt):
    if alpha != 1:
        src = src * _alpha_value(alpha, dt)
        if src.dtype != a.dtype:
            src = src.astype(a.dtype)
    if a.ndim == 0:
        a[...] = a + np.sum(src).astype(a.dtype)
        return
    add_slices(a, d, idx, src)


def add_slices(a, d, idx, src):
    """``a[..., idx[i], ...] += src[..., i, ...]`` along dim ``d``, duplicates accumulating.

    NOTE: ``np.add.at`` is fast element by element but slow on whole slices; slices of
    duplicate indices are summed with one ``np.add.reduceat`` over the sorted indices instead.
    """
    if idx.size == 0:
        return
    inner = src.size // max(idx.size, 1)
    if inner <= 4 or idx.size == 1:
        np.add.at(a, _key(d, idx), src)
        return
    am = np.moveaxis(a, d, 0)
    sm = np.moveaxis(src, d, 0)
    n = idx.size
    order = np.argsort(idx, kind="stable")
    sidx = idx[order]
    new = np.empty(n, bool)
    new[0] = True
    np.not_equal(sidx[1:], sidx[:-1], out=new[1:])
    pos = np.arange(n)
    rank_sorted = pos - np.maximum.accumulate(np.where(new, pos, 0))
    rounds = int(rank_sorted.max()) + 1
    if rounds == 1:
        am[idx] += sm
    elif rounds <= 64:
        # one fancy-index add per occurrence rank: each index appears once per round, and
        # its additions happen in the original order
        rank = np.empty(n, np.intp)
        rank[order] = rank_sorted
        for r in range(rounds):
            sel = np.flatnonzero(rank == r)
            am[idx[sel]] += sm[sel]
    else:
        starts = np.flatnonzero(new)
        am[sidx[starts]] += np.add.reduceat(sm[order], starts, axis=0)


def _index_add_impl(self, dim, index, source, alpha, inplace, out=None):
    dim = _dim_arg(dim, "index_add")
    a = self._array
    d = wrap_dim(dim, a.ndim)
    idx = _index_add_check(self, d, index, source)
    _kernel("add_stub" if alpha != 1 else "scatter_gather_tensor_cpu", self._dtype)
    src = source._array
    if inplace:
        check_inplace(self)
        _index_add_array(a, d, idx, src, alpha, self._dtype)
        self._bump_version()
        if needs_grad(self, source):
            rebase_inplace(self, node_class("IndexAddBackward0"), (self, source),
                           {"dim": d, "index": index, "alpha": alpha})
        return self
    res = np.array(a, order="C", copy=True)
    _index_add_array(res, d, idx, src, alpha, self._dtype)
    if out is not None:
        _check_same_out(out, self._dtype)
        _no_grad_out("index_add", self, source)
        return write_out(out, res, "index_add")
    t = make_tensor(res, self._dtype)
    if needs_grad(self, source) and self._dtype.category >= 2:
        _node("IndexAddBackward0", (self, source), t, {"dim": d, "index": index, "alpha": alpha})
    return t


def index_add(input, dim, index, source, *, alpha=1, out=None):
    """``input`` with ``alpha * source`` added at ``index`` along ``dim`` (duplicates add up).

    >>> ember.zeros(3).index_add(0, ember.tensor([0, 0]), ember.tensor([1., 2.]))
    tensor([3., 0., 0.])
    """
    return _index_add_impl(input, dim, index, source, alpha, False, out)


def index_add_(self, dim, index, source, *, alpha=1):
    return _index_add_impl(self, dim, index, source, alpha, True)


@_backward("IndexAddBackward0", saves_inputs=False)
def _index_add_grad(ctx, grad):
    s = ctx.saved
    metas = ctx._input_meta
    src_shape = metas[1][0]
    gs = None
    if ctx.next_functions[1][0] is not None:
        if grad._array.ndim == 0:
            gs = grad.expand(src_shape) if src_shape else grad
        else:
            gs = grad.index_select(s["dim"], s["index"])
            if gs._array.shape != src_shape:
                gs = gs.reshape(src_shape)
        if s["alpha"] != 1:
            gs = gs * s["alpha"]
    return grad, gs


# ---------------------------------------------------------------------------- index_copy
def _index_copy_impl(self, dim, index, source, inplace):
    dim = _dim_arg(dim, "index_copy")
    a = self._array
    d = wrap_dim(dim, a.ndim)
    if index._dtype is not D.int64:
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got "
                           f"{index._dtype.scalar_name}")
    if index._array.ndim > 1:
        raise IndexError("index_copy_(): Index should have dimension 1 or 0 (got "
                         f"{index._array.ndim})")
    if source._dtype is not self._dtype:
        raise RuntimeError("index_copy_(): self and source expected to have the same dtype, but "
                           f"got (self) {self._dtype.scalar_name} and (source) "
                           f"{source._dtype.scalar_name}")
    idx = _as_1d_index(index, a.ndim)
    src = source._array
    src_n = src.shape[d] if src.ndim else 1
    if idx.size != src_n:
        raise IndexError(f"index_copy_(): Number of indices ({idx.size}) should be equal to "
                         f"source.size(dim) ({src_n})")
    ss, ds = list(src.shape), list(a.shape)
    if ds and ss:
        ss[d] = ds[d]
    if a.ndim and tuple(ss) != tuple(ds):
        raise RuntimeError("index_copy_(): Source/destination tensor must have same slice "
                           "shapes. Destination slice shape: "
                           f"{' '.join(map(str, a.shape[:d] + a.shape[d + 1:]))} at dimension {d} "
                           "and source slice shape: "
                           f"{' '.join(map(str, src.shape[:d] + src.shape[d + 1:]))} at dimension "
                           "0.")
    size = a.shape[d] if a.ndim else 1
    if idx.size:
        lo, hi = idx.min(), idx.max()
        if lo < 0 or hi >= size:
            raise IndexError(f"index_copy_(): index {lo if lo < 0 else hi} is out of bounds for "
                             f"dimension {d} with size {size}")
    _kernel("index_copy_cpu", self._dtype)
    target = a if inplace else np.array(a, order="C", copy=True)
    if inplace:
        check_inplace(self)
    if target.ndim == 0:
        target[...] = src.reshape(-1)[-1] if src.size else target
    else:
        target[_key(d, idx)] = src
    saved = {"dim": d, "index": index}
    if inplace:
        self._bump_version()
        if needs_grad(self, source):
            rebase_inplace(self, node_class("IndexCopyBackward0"), (self, source), saved)
        return self
    t = make_tensor(target, self._dtype)
    if needs_grad(self, source) and self._dtype.category >= 2:
        _node("IndexCopyBackward0", (self, source), t, saved)
    return t


def index_copy(input, dim, index, source):
    """``input`` with the slices at ``index`` along ``dim`` replaced by ``source``'s.

    >>> ember.zeros(3).index_copy(0, ember.tensor([2]), ember.tensor([5.]))
    tensor([0., 0., 5.])
    """
    return _index_copy_impl(input, dim, index, source, False)


def index_copy_(self, dim, index, source):
    return _index_copy_impl(self, dim, index, source, True)


@_backward("IndexCopyBackward0", saves_inputs=False)
def _index_copy_grad(ctx, grad):
    s = ctx.saved
    src_shape = ctx._input_meta[1][0]
    if grad._array.ndim == 0:
        return grad * 0, (grad if ctx.next_functions[1][0] is not None else None)
    g_self = grad.index_fill(s["dim"], s["index"], 0)
    g_src = None
    if ctx.next_functions[1][0] is not None:
        g_src = grad.index_select(s["dim"], s["index"])
        if g_src._array.shape != src_shape:
            g_src = g_src.reshape(src_shape)
    return g_self, g_src


# ---------------------------------------------------------------------------- index_fill
def _index_fill_impl(self, dim, index, value, inplace):
    dim = _dim_arg(dim, "index_fill")
    a = self._array
    d = wrap_dim(dim, a.ndim)
    if index._dtype is not D.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if index._array.ndim > 1:
        raise IndexError("index_fill_(): Index is supposed to be a vector")
    tensor_value = isinstance(value, Tensor)
    if tensor_value and value._array.ndim != 0:
        raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got tensor "
                           f"with {value._array.ndim} dimension(s).")
    idx = _as_1d_index(index, a.ndim)
    size = a.shape[d] if a.ndim else 1
    if idx.size:
        lo, hi = idx.min(), idx.max()
        if lo < -size or hi >= size:
            raise IndexError(f"index {lo if lo < -size else hi} is out of bounds for dimension "
                             f"{d} with size {size}")
    _kernel("index_fill_cpu", self._dtype)
    v = _scalar_value(value, self._dtype, "index_fill_()")
    if inplace:
        check_inplace(self)
    target = a if inplace else _clone_array(a, preserve=True)
    if target.ndim == 0:
        if idx.size:
            target[...] = v
    else:
        target[_key(d, idx)] = v
    name = "IndexFillBackward1" if tensor_value else "IndexFillBackward0"
    inputs = (self, value) if tensor_value else (self,)
    saved = {"dim": d, "index": index}
    if inplace:
        self._bump_version()
        if needs_grad(*inputs):
            rebase_inplace(self, node_class(name), inputs, saved)
        return self
    t = make_tensor(target, self._dtype)
    if needs_grad(*inputs) and self._dtype.category >= 2:
        _node(name, inputs, t, saved)
    return t


def index_fill(input, dim, index, value):
    """``input`` with the slices at ``index`` along ``dim`` set to ``value``.

    >>> ember.zeros(3).index_fill(0, ember.tensor([1]), 7.)
    tensor([0., 7., 0.])
    """
    return _index_fill_impl(input, dim, index, value, False)


def index_fill_(self, dim, index, value):
    return _index_fill_impl(self, dim, index, value, True)


@_backward("IndexFillBackward0", "IndexFillBackward1", saves_inputs=False)
def _index_fill_grad(ctx, grad):
    s = ctx.saved
    if grad._array.ndim == 0:
        g_self = grad * 0
        g_val = grad
    else:
        g_self = grad.index_fill(s["dim"], s["index"], 0)
        g_val = None
        if len(ctx.next_functions) > 1 and ctx.next_functions[1][0] is not None:
            g_val = grad.index_select(s["dim"], s["index"]).sum()
    if len(ctx.next_functions) > 1:
        return g_self, g_val
    return g_self


# ---------------------------------------------------------------------------- index_put
def _index_put_key(self, indices):
    from .indexing import _split_key
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' (position 1) must be tuple of Tensors, "
                        f"not {type(indices).__name__}")
    for i, t in enumerate(indices):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    used = sum(t._array.ndim if t._dtype in (D.bool_, D.uint8) else 1 for t in indices)
    if used > self._array.ndim:
        raise IndexError(f"too many indices for tensor of dimension {self._array.ndim} "
                         f"(got {len(indices)})")
    for t in indices:
        if t._dtype.category != 1 and t._dtype is not D.bool_:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    try:
        arrs = [t._array for t in indices if t._dtype.category == 1 and t._dtype is not D.uint8]
        if len(arrs) > 1:
            np.broadcast_shapes(*(x.shape for x in arrs))
    except ValueError:
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together with "
                         "shapes " + ", ".join(shape_str(x.shape) for x in arrs)) from None
    prev = _GRAD.enabled
    _GRAD.enabled = False
    try:
        view, adv = _split_key(make_tensor(self._array, self._dtype), tuple(indices))
    finally:
        _GRAD.enabled = prev
    return view._array, adv


def _index_put_impl(self, indices, values, accumulate, inplace):
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put(): argument 'values' (position 2) must be Tensor, not "
                        f"{type(values).__name__}")
    target, adv = _index_put_key(self, indices)
    if values._dtype is not self._dtype:
        raise RuntimeError("Index put requires the source and destination dtypes match, got "
                           f"{self._dtype.scalar_name} for the destination and "
                           f"{values._dtype.scalar_name} for the source.")
    if adv is None:
        adv = ()
    _kernel("index_put", self._dtype)
    result_shape = np.empty(target.shape, np.bool_)[adv].shape
    try:
        vals = np.broadcast_to(values._array, result_shape)
    except ValueError:
        raise RuntimeError(f"shape mismatch: value tensor of shape "
                           f"{shape_str(values._array.shape)} cannot be broadcast to indexing "
                           f"result of shape {shape_str(result_shape)}") from None
    if inplace:
        check_inplace(self)
        dest = target
    else:
        res = _clone_array(self._array, preserve=True)
        # the same view of the copy (the key only indexes, the view is self itself)
        dest = res
    if accumulate:
        np.add.at(dest, adv, vals)
    else:
        dest[adv] = vals
    saved = {"indices": adv, "accumulate": accumulate}
    if inplace:
        self._bump_version()
        if needs_grad(self, values):
            rebase_inplace(self, node_class("IndexPutBackward0"), (self, values), saved)
        return self
    t = make_tensor(dest, self._dtype)
    if needs_grad(self, values) and self._dtype.category >= 2:
        _node("IndexPutBackward0", (self, values), t, saved)
    return t


def index_put(input, indices, values, accumulate=False):
    """``input`` with ``input[indices] = values`` (or ``+=`` with ``accumulate=True``).

    >>> ember.zeros(3).index_put((ember.tensor([0, 0]),), ember.tensor(1.), accumulate=True)
    tensor([2., 0., 0.])
    """
    return _index_put_impl(input, indices, values, accumulate, False)


def index_put_(self, indices, values, accumulate=False):
    return _index_put_impl(self, indices, values, accumulate, True)


_setitem_index_put_grad = node_class("IndexPutBackward0").backward_fn


def _index_put_grad(ctx, grad):
    s = ctx.saved
    if "indices" not in s:       # the node recorded by x[idx] = v (indexing.py)
        return _setitem_index_put_grad(ctx, grad)
    adv = s["indices"]
    if s["accumulate"]:
        g_self = grad
    elif grad._requires_grad:
        g_self = grad.clone()
        g_self[adv] = 0
    else:
        arr = grad._array.copy()
        arr[adv] = 0
        g_self = make_tensor(arr, grad._dtype)
    g_val = None
    if ctx.next_functions[1][0] is not None:
        if grad._requires_grad:
            g_val = grad[adv]
        else:
            g_val = make_tensor(np.ascontiguousarray(grad._array[adv]), grad._dtype)
    return g_self, g_val


node_class("IndexPutBackward0").backward_fn = staticmethod(_index_put_grad)


# ---------------------------------------------------------------------------- gather
def _gather_check(name, input, d, index):
    a = input._array
    ia = index._array
    if index._dtype not in _INT_INDEX:
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    if max(ia.ndim, 1) != max(a.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    if a.ndim and ia.ndim:
        for i in range(a.ndim):
            if i != d and ia.shape[i] > a.shape[i]:
                raise RuntimeError(f"Size does not match at dimension {i} expected index "
                                   f"{shape_str(ia.shape)} to be no larger than self "
                                   f"{shape_str(a.shape)} apart from dimension {d}")
    size = a.shape[d] if a.ndim else 1
    if ia.size:
        lo, hi = _amin(ia, axis=None), _amax(ia, axis=None)
        if lo < 0 or hi >= size:
            raise RuntimeError(f"index {lo if lo < 0 else hi} is out of bounds for dimension {d} "
                               f"with size {size}")


_amin = np.minimum.reduce
_amax = np.maximum.reduce


def _gather_array(a, d, idx):
    if a.ndim == 0:
        return np.broadcast_to(a, idx.shape).copy() if idx.ndim else a.copy()
    if idx.ndim == 0:
        idx = idx.reshape(1)
    src = a
    if a.shape != idx.shape:
        src = a[tuple(slice(0, n) if i != d else slice(None) for i, n in enumerate(idx.shape))]
    if src.ndim == 1:
        return np.take(src, idx)
    if not src.flags.c_contiguous:
        src = np.ascontiguousarray(src)
    view, key = _along(src, d, idx)
    res = view[key]
    if (not res.flags.c_contiguous or 1 in res.shape) and res.strides != _c_strides(res):
        res = np.array(res, order="C", copy=True)
        if res.strides != _c_strides(res):
            out = np.empty(res.shape, res.dtype)
            out[...] = res
            res = out
    return res


def _c_strides(a):
    st = []
    acc = a.itemsize
    for n in reversed(a.shape):
        st.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(st))


def gather(input, dim, index, *, sparse_grad=False, out=None):
    """Values of ``input`` along ``dim`` at ``index`` (index may be smaller in other dims).

    >>> ember.tensor([[1, 2], [3, 4]]).gather(1, ember.tensor([[1], [0]]))
    tensor([[2],
            [3]])
    """
    dim = _dim_arg(dim, "gather")
    a = input._array
    d = wrap_dim(dim, a.ndim)
    _gather_check("gather", input, d, index)
    _kernel("scatter_gather_tensor_cpu", input._dtype)
    res = _gather_array(a, d, index._array)
    if index._array.ndim == 0 and a.ndim:
        res = res.reshape(())
    if out is not None:
        _check_same_out(out, input._dtype)
        _no_grad_out("gather", input)
        return write_out(out, res, "gather")
    t = make_tensor(res, input._dtype)
    if input._requires_grad and _GRAD.enabled:
        _node("GatherBackward0", (input,), t, {"dim": d, "index": index,
                                                "sparse_grad": sparse_grad})
    return t


@_backward("GatherBackward0")
def _gather_grad(ctx, grad):
    s = ctx.saved
    x = ctx.inputs[0]
    return _zeros(x._array.shape, grad._dtype).scatter_add(s["dim"], s["index"], grad)


# ---------------------------------------------------------------------------- scatter family
def _scatter_check(name, self, d, index, src):
    a = self._array
    ia = index._array
    if index._dtype not in _INT_INDEX:
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    if isinstance(src, Tensor) and src._dtype is not self._dtype:
        raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")
    if max(ia.ndim, 1) != max(a.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if isinstance(src, Tensor) and max(ia.ndim, 1) != max(src._array.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    if a.ndim and ia.ndim:
        bad = False
        for i in range(a.ndim):
            if i != d and ia.shape[i] > a.shape[i]:
                bad = True
            if isinstance(src, Tensor) and ia.shape[i] > src._array.shape[i]:
                bad = True
        if bad:
            if isinstance(src, Tensor):
                raise RuntimeError(f"Expected index {shape_str(ia.shape)} to be no larger than "
                                   f"self {shape_str(a.shape)} apart from dimension {d} and to "
                                   f"be no larger size than src {shape_str(src._array.shape)}")
            raise RuntimeError(f"Expected index {shape_str(ia.shape)} to be no larger than self "
                               f"{shape_str(a.shape)} apart from dimension {d}")
    size = a.shape[d] if a.ndim else 1
    if ia.size:
        lo, hi = ia.min(), ia.max()
        if lo < 0 or hi >= size:
            raise RuntimeError(f"index {lo if lo < 0 else hi} is out of bounds for dimension {d} "
                               f"with size {size}")


def _along_key(target_ndim, d, idx):
    """A fancy-index key addressing ``target[..., idx, ...]`` element by element, where ``idx``
    has the index tensor's shape (the other coordinates are its own positions)."""
    key = []
    for i in range(target_ndim):
        if i == d:
            key.append(idx)
        else:
            shape = [1] * target_ndim
            shape[i] = idx.shape[i]
            key.append(np.arange(idx.shape[i]).reshape(shape))
    return tuple(key)


def _along(target, d, idx):
    """``(view, key)`` with ``view[key]`` addressing ``target[..., idx, ...]`` element by element
    (see ``_along_key``); a C-contiguous target gets flat offsets, several times faster than a
    tuple of broadcast coordinate arrays."""
    nd = target.ndim
    if nd <= 1:
        return target, (idx,) if nd else ()
    if not target.flags.c_contiguous:
        return target, _along_key(nd, d, idx)
    if nd == 2:
        cs = (target.shape[1], 1)
    else:
        cs = [1] * nd
        for i in range(nd - 2, -1, -1):
            cs[i] = cs[i + 1] * target.shape[i + 1]
    base = None
    for i in range(nd):
        if i != d and idx.shape[i] > 1:
            shape = [1] * nd
            shape[i] = idx.shape[i]
            term = (np.arange(idx.shape[i], dtype=np.intp) * cs[i]).reshape(shape)
            base = term if base is None else base + term
    if cs[d] == 1:
        off = idx + base if base is not None else idx
    else:
        off = idx * cs[d]
        if base is not None:
            off += base
    return target.reshape(-1), off


def _src_block(src, shape):
    """``src`` cut to the index's shape (src may be larger in every dim)."""
    if src.shape == tuple(shape):
        return src
    return src[tuple(slice(0, n) for n in shape)]


def _scatter_arrays(a, d, index, src, mode):
    """Scatter into array ``a`` (in place). ``src``: an array or a NumPy scalar."""
    idx = index._array
    if idx.size == 0:
        return
    if a.ndim == 0:
        v = src.reshape(-1) if isinstance(src, np.ndarray) else np.asarray([src])
        if mode is None:
            a[...] = v[-1] if isinstance(src, np.ndarray) else src
        elif mode == "add":
            a[...] = a + (v.sum() if isinstance(src, np.ndarray) else src * idx.size)
        else:
            a[...] = a * (v.prod() if isinstance(src, np.ndarray) else src ** idx.size)
        return
    if idx.ndim == 0:
        idx = idx.reshape((1,) * a.ndim)
    a, key = _along(a, d, idx)
    vals = _src_block(src, idx.shape) if isinstance(src, np.ndarray) else src
    if mode is None:
        a[key] = vals
    elif mode == "add":
        np.add.at(a, key, vals if isinstance(vals, np.ndarray) else np.broadcast_to(vals, idx.shape))
    else:
        np.multiply.at(a, key, vals if isinstance(vals, np.ndarray) else
                       np.broadcast_to(vals, idx.shape))


def _scatter_impl(self, dim, index, src, reduce, inplace, name="scatter", out=None):
    dim = _dim_arg(dim, name)
    a = self._array
    d = wrap_dim(dim, a.ndim)
    tensor_src = isinstance(src, Tensor)
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    _scatter_check(name, self, d, index, src if tensor_src else None)
    if tensor_src and reduce is not None:
        warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and will "
                      "be removed in a future PyTorch release. Use torch.scatter_reduce instead "
                      "for more reduction options.", UserWarning, stacklevel=3)
    _kernel("scatter_gather_tensor_cpu" if tensor_src else "scatter_gather_scalar_cpu",
            self._dtype)
    v = src._array if tensor_src else _scalar_value(src, self._dtype, None)
    if inplace:
        check_inplace(self)
    target = a if inplace else np.array(a, order="C", copy=True)
    _scatter_arrays(target, d, index, v, reduce)
    inputs = (self, src) if tensor_src else (self,)
    if reduce is not None:
        node = "NotImplemented"
        saved = {"op": "aten::scatter"}
    else:
        node = "ScatterBackward0" if tensor_src else "ScatterBackward1"
        saved = {"dim": d, "index": index}
    if inplace:
        self._bump_version()
        if needs_grad(*inputs):
            rebase_inplace(self, node_class(node), inputs, saved)
        return self
    if out is not None:
        _check_same_out(out, self._dtype)
        _no_grad_out(name, *inputs)
        return write_out(out, target, name)
    t = make_tensor(target, self._dtype)
    if needs_grad(*inputs) and self._dtype.category >= 2:
        _node(node, inputs, t, saved)
    return t


def _scatter_args(value, src, kwargs, fname):
    if "value" in kwargs:
        return kwargs.pop("value")
    if src is not None:
        return src
    if value is not None:
        return value
    raise TypeError(f"{fname}() missing 1 required positional argument: 'src'")


def scatter(input, dim, index, src=None, value=None, *, reduce=None, out=None):
    """``input`` with ``src`` (a tensor or a number) written at ``index`` along ``dim``.

    >>> ember.zeros(2, 3).scatter(1, ember.tensor([[2], [0]]), 1.)
    tensor([[0., 0., 1.],
            [1., 0., 0.]])
    """
    s = _scatter_args(value, src, {}, "scatter")
    return _scatter_impl(input, dim, index, s, reduce, False, out=out)


def scatter_(self, dim, index, src=None, value=None, *, reduce=None):
    s = _scatter_args(value, src, {}, "scatter_")
    return _scatter_impl(self, dim, index, s, reduce, True)


@_backward("ScatterBackward0", "ScatterBackward1", saves_inputs=False)
def _scatter_grad(ctx, grad):
    s = ctx.saved
    g_self = grad.scatter(s["dim"], s["index"], 0)
    if len(ctx.next_functions) == 1:
        return g_self
    g_src = None
    if ctx.next_functions[1][0] is not None:
        g_src = _src_grad(grad.gather(s["dim"], s["index"]), ctx._input_meta[1][0],
                          "ScatterBackward0")
    return g_self, g_src


def _src_grad(g, src_shape, node):
    """The src gradient (index-shaped). NOTE: like PyTorch, a src larger than the index has no
    gradient of its shape, and the engine's shape check fails."""
    shape = g._array.shape
    if shape == tuple(src_shape):
        return g
    if len(src_shape) == 0 and g._array.size == 1:
        return g.reshape(())
    raise RuntimeError(f"Function {node} returned an invalid gradient at index 1 - got "
                       f"{shape_str(shape)} but expected shape compatible with "
                       f"{shape_str(src_shape)}")


def scatter_add(input, dim, index, src):
    """``input`` with ``src`` added at ``index`` along ``dim`` (duplicates add up).

    >>> ember.zeros(3).scatter_add(0, ember.tensor([0, 0, 2]), ember.tensor([1., 2., 3.]))
    tensor([3., 0., 3.])
    """
    return _scatter_add_impl(input, dim, index, src, False)


def scatter_add_(self, dim, index, src):
    return _scatter_add_impl(self, dim, index, src, True)


def _scatter_add_impl(self, dim, index, src, inplace):
    dim = _dim_arg(dim, "scatter_add")
    a = self._array
    d = wrap_dim(dim, a.ndim)
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' (position 3) must be Tensor, not "
                        f"{type(src).__name__}")
    _scatter_check("scatter", self, d, index, src)
    _kernel("scatter_gather_tensor_cpu", self._dtype)
    if inplace:
        check_inplace(self)
    target = a if inplace else np.array(a, order="C", copy=True)
    _scatter_arrays(target, d, index, src._array, "add")
    saved = {"dim": d, "index": index}
    if inplace:
        self._bump_version()
        if needs_grad(self, src):
            rebase_inplace(self, node_class("ScatterAddBackward0"), (self, src), saved)
        return self
    t = make_tensor(target, self._dtype)
    if needs_grad(self, src) and self._dtype.category >= 2:
        _node("ScatterAddBackward0", (self, src), t, saved)
    return t


@_backward("ScatterAddBackward0", saves_inputs=False)
def _scatter_add_grad(ctx, grad):
    s = ctx.saved
    g_src = None
    if ctx.next_functions[1][0] is not None:
        g_src = _src_grad(grad.gather(s["dim"], s["index"]), ctx._input_meta[1][0],
                          "ScatterAddBackward0")
    return grad, g_src


# ---------------------------------------------------------------------------- scatter_reduce
_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _identity(reduce, dt):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dt.category >= 2:
        return -np.inf if reduce == "amax" else np.inf
    if dt is D.bool_:
        return reduce != "amax"
    info = np.iinfo(dt.np)
    return info.min if reduce == "amax" else info.max


def _scatter_reduce_array(a, d, index, src, reduce, include_self, dt):
    """scatter_reduce into ``a`` in place; returns the per-position counts (for mean)."""
    idx = index._array
    if idx.size == 0:
        return None
    if a.ndim == 0:
        idx = idx.reshape(())
        key = ()
        vals = src.reshape(-1)
        if not include_self:
            a[...] = _identity(reduce, dt)
        cnt = (1 if include_self else 0) + vals.size
        if reduce in ("sum", "mean"):
            a[...] = a + vals.sum().astype(a.dtype)
        elif reduce == "prod":
            a[...] = a * vals.prod().astype(a.dtype)
        elif reduce == "amax":
            a[...] = np.maximum(a, vals.max())
        else:
            a[...] = np.minimum(a, vals.min())
        if reduce == "mean":
            _mean_div(a, np.asarray(cnt), dt)
        return np.asarray(cnt)
    if idx.ndim == 0:
        idx = idx.reshape((1,) * a.ndim)
    full = a
    a, key = _along(a, d, idx)
    vals = _src_block(src, idx.shape)
    if not include_self:
        a[key] = _identity(reduce, dt)
    if reduce in ("sum", "mean"):
        np.add.at(a, key, vals)
    elif reduce == "prod":
        np.multiply.at(a, key, vals)
    elif reduce == "amax":
        np.maximum.at(a, key, vals)
    else:
        np.minimum.at(a, key, vals)
    if reduce == "mean":
        cnt = np.full(full.shape, 1 if include_self else 0, np.int64)
        cview, ckey = _along(cnt, d, idx)
        np.add.at(cview, ckey, 1)
        _mean_div(full, np.where(cnt > 0, cnt, 1), dt)
        return cnt
    return None


def _mean_div(a, cnt, dt):
    if dt.category >= 2:
        np.divide(a, cnt.astype(a.dtype) if a.dtype.kind != "V" else cnt, out=a, casting="unsafe")
    else:
        a[...] = np.floor_divide(a, cnt.astype(a.dtype) if dt is not D.bool_ else cnt)


def _scatter_reduce_impl(self, dim, index, src, reduce, include_self, inplace, out=None):
    dim = _dim_arg(dim, "scatter_reduce")
    a = self._array
    d = wrap_dim(dim, a.ndim)
    if reduce not in _REDUCTIONS:
        raise RuntimeError("reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    _scatter_check("scatter", self, d, index, src)
    dt = self._dtype
    if not include_self:
        _kernel("scatter_reduce_exclude_input_init", dt)
    if reduce in ("sum", "prod"):
        _kernel("scatter_gather_tensor_cpu", dt)
    elif reduce == "mean":
        _kernel("scatter_gather_tensor_cpu_reduce_mean", dt, WIDE_UNSIGNED | {D.bool_})
    else:
        _kernel(f"scatter_gather_tensor_cpu_reduce_{reduce}", dt,
                WIDE_UNSIGNED | {D.complex64, D.complex128})
    if inplace:
        check_inplace(self)
    grad = needs_grad(self, src)
    before = a.copy() if grad else None
    target = a if inplace else np.array(a, order="C", copy=True)
    cnt = _scatter_reduce_array(target, d, index, src._array, reduce, include_self, self._dtype)
    saved = {"dim": d, "index": index, "reduce": reduce, "include_self": include_self,
             "self_before": before, "src_array": src._array if grad else None, "counts": cnt}
    if inplace:
        self._bump_version()
        if grad:
            saved["result"] = make_tensor(target.copy(), self._dtype)
            rebase_inplace(self, node_class("ScatterReduceBackward0"), (self, src), saved)
        return self
    if out is not None:
        _check_same_out(out, self._dtype)
        _no_grad_out("scatter_reduce", self, src)
        return write_out(out, target, "scatter_reduce")
    t = make_tensor(target, self._dtype)
    if grad and self._dtype.category >= 2:
        saved["result"] = t
        _node("ScatterReduceBackward0", (self, src), t, saved)
    return t


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None):
    """``input`` with ``src`` reduced into the positions ``index`` names along ``dim``
    (``reduce``: 'sum', 'prod', 'mean', 'amax' or 'amin').

    >>> ember.zeros(2).scatter_reduce(0, ember.tensor([0, 0]), ember.tensor([1., 3.]), 'amax')
    tensor([3., 0.])
    """
    return _scatter_reduce_impl(input, dim, index, src, reduce, include_self, False, out)


def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
    return _scatter_reduce_impl(self, dim, index, src, reduce, include_self, True)


def _scattered_mask(shape, d, index):
    m = np.zeros(shape, bool)
    idx = index._array
    if idx.size == 0:
        return m
    if len(shape) == 0:
        m[...] = True
        return m
    if idx.ndim == 0:
        idx = idx.reshape((1,) * len(shape))
    m[_along_key(len(shape), d, idx)] = True
    return m


@_backward("ScatterReduceBackward0", saves_inputs=False)
def _scatter_reduce_grad(ctx, grad):
    s = ctx.saved
    d, index, reduce, include_self = s["dim"], s["index"], s["reduce"], s["include_self"]
    dt = grad._dtype
    src_shape = ctx._input_meta[1][0]
    shape = grad._array.shape
    want_src = ctx.next_functions[1][0] is not None
    where = FUNCTIONS["where"]
    mask = make_tensor(_scattered_mask(shape, d, index), D.bool_)
    g_self = g_src = None
    if reduce == "sum":
        g_self = grad if include_self else where(mask, 0.0, grad)
        if want_src:
            g_src = _src_grad(_gather_any(grad, d, index), src_shape, _SR)
    elif reduce == "mean":
        c = s["counts"]
        cnt = make_tensor(np.ones(shape, dt.np) if c is None else np.maximum(c, 1).astype(dt.np),
                          dt)
        gc = grad / cnt
        g_self = gc if include_self else where(mask, 0.0, gc)
        if want_src:
            g_src = _src_grad(_gather_any(gc, d, index), src_shape, _SR)
    elif reduce in ("amax", "amin"):
        result = s["result"]
        self_b = make_tensor(s["self_before"], dt)
        src_t = make_tensor(s["src_array"], dt)
        # NOTE: PyTorch counts a self value equal to the result among the ties even when
        # include_self=False (its gradient is then masked out)
        self_is = self_b.eq(result)
        src_is = src_t.eq(_gather_any(result, d, index))
        n = self_is.to(dt)
        n = n.scatter_add(d, index, src_is.to(dt)) if len(shape) else n + src_is.to(dt).sum()
        gd = grad / n
        g_self = self_is * gd
        if not include_self:
            g_self = where(mask, 0.0, g_self)
        if want_src:
            g_src = src_is * _gather_any(gd, d, index)
            if g_src._array.shape != src_shape:
                g_src = _src_grad(g_src, src_shape, _SR)
    else:  # prod, computed on arrays (not differentiable twice)
        g_self, g_src = _prod_reduce_grad(grad, s, shape, src_shape, want_src)
    return g_self, g_src


_SR = "ScatterReduceBackward0"


def _gather_any(t, d, index):
    if t._array.ndim == 0:
        return t.expand(index._array.shape) if index._array.ndim else t
    return t.gather(d, index)


def _prod_reduce_grad(grad, s, shape, src_shape, want_src):
    """PyTorch's scatter_reduce('prod') gradient, zeros handled explicitly (arrays only)."""
    d, index, include_self = s["dim"], s["index"], s["include_self"]
    dt = grad._dtype
    g = grad._array
    selfa = s["self_before"]
    srcf = s["src_array"]
    idx = index._array
    if len(shape) == 0:
        key = ()
        vals = srcf.reshape(-1)[:idx.size]
        red = (lambda a: a.prod(), lambda a: a.sum())
    else:
        if idx.ndim == 0:
            idx = idx.reshape((1,) * len(shape))
        key = _along_key(len(shape), d, idx)
        vals = _src_block(srcf, idx.shape)
    one = np.ones((), g.dtype)

    def scatter_prod(v):
        out = np.ones(shape, g.dtype)
        if len(shape) == 0:
            out[...] = np.prod(v)
        else:
            np.multiply.at(out, key, v)
        return out
    full = scatter_prod(vals)                                # prod of src at each position
    zc = np.zeros(shape, np.int64)
    if len(shape) == 0:
        zc[...] = np.count_nonzero(vals == 0)
    else:
        np.add.at(zc, key, (vals == 0).astype(np.int64))
    nz = scatter_prod(np.where(vals == 0, one, vals))        # prod of the nonzero src
    mask = _scattered_mask(shape, d, index)
    base = selfa if include_self else np.where(mask, one, selfa)
    masked_self = np.where(base == 0, one, base)
    with np.errstate(invalid="ignore", divide="ignore"):
        gs = g * np.where(mask | include_self, masked_self * full, masked_self) / masked_self
        if not include_self:
            gs = np.where(mask, 0, gs)
        g_self = make_tensor(gs.astype(g.dtype), dt)
        g_src = None
        if want_src:
            def at(a):
                return a if len(shape) == 0 else a[key]
            self_part = selfa if include_self else one
            msr = self_part * np.where(zc == 1, nz, full)
            result = s["result"]._array
            src_zero = srcf == 0
            single = src_zero & (at(zc) == 1)
            gsrc = np.where(single, at(g * msr), at(g * result) / np.where(src_zero, one, srcf))
            gsrc = np.asarray(gsrc, g.dtype)
            if gsrc.shape != tuple(src_shape):
                gsrc = _src_grad(make_tensor(np.ascontiguousarray(gsrc), dt), src_shape, _SR)
            else:
                gsrc = make_tensor(np.ascontiguousarray(gsrc), dt)
            g_src = gsrc
    return g_self, g_src


# ---------------------------------------------------------------------------- take, put
def _take_check(name, input, index):
    if index._dtype is not D.int64:
        raise RuntimeError(f"{name}(): Expected a long tensor for index, but got "
                           f"{index._dtype.scalar_name}")
    n = input._array.size
    ia = index._array
    if ia.size:
        lo, hi = ia.min(), ia.max()
        if lo < -n or hi >= n:
            raise IndexError(f"out of range: tried to access index {lo if lo < -n else hi} on a "
                             f"tensor of {n} elements.")


def take(input, index, *, out=None):
    """Elements of ``input`` (read as a flat row-major sequence) at ``index``.

    >>> ember.tensor([[1, 2], [3, 4]]).take(ember.tensor([0, 3]))
    tensor([1, 4])
    """
    _take_check("take", input, index)
    _kernel("take_cpu", input._dtype)
    flat = input._array.reshape(-1)
    res = np.take(flat, index._array) if flat.size else np.zeros(index._array.shape,
                                                                 input._dtype.np)
    res = np.asarray(res)
    if not res.flags.c_contiguous:
        res = np.ascontiguousarray(res)
    if out is not None:
        if out._dtype is not input._dtype:
            raise RuntimeError("take(): self and out expected to have the same dtype, but got "
                               f"self.dtype = {input._dtype.scalar_name} and out.dtype = "
                               f"{out._dtype.scalar_name}")
        _no_grad_out("take", input)
        return write_out(out, res, "take")
    t = make_tensor(res, input._dtype)
    if input._requires_grad and _GRAD.enabled:
        _node("TakeBackward0", (input,), t, {"index": index, "self_sym_sizes":
                                              input._array.shape})
    return t


@_backward("TakeBackward0", saves_inputs=False)
def _take_grad(ctx, grad):
    s = ctx.saved
    return _zeros(s["self_sym_sizes"], grad._dtype).put(s["index"], grad, accumulate=True)


def _put_impl(self, index, source, accumulate, inplace):
    if not isinstance(source, Tensor):
        raise TypeError(f"put_(): argument 'source' (position 2) must be Tensor, not "
                        f"{type(source).__name__}")
    if index._dtype is not D.int64:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got "
                           f"{index._dtype.scalar_name}")
    if source._dtype is not self._dtype:
        raise RuntimeError("put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {self._dtype.scalar_name} and source.dtype = "
                           f"{source._dtype.scalar_name}")
    if source._array.size != index._array.size:
        raise IndexError("put_(): Expected source and index to have the same number of elements, "
                         f"but got source.numel() = {source._array.size}, index.numel() = "
                         f"{index._array.size}")
    _take_check("put_", self, index)
    _kernel("take_put_cpu", self._dtype)
    if inplace:
        check_inplace(self)
    a = self._array
    target = a if inplace else _clone_array(a, preserve=True)
    n = a.size
    ia = index._array.reshape(-1)
    if ia.size:
        coords = np.unravel_index(np.where(ia < 0, ia + n, ia), a.shape) if a.ndim else ()
        vals = source._array.reshape(-1)
        if a.ndim == 0:
            if accumulate:
                target[...] = target + vals.sum().astype(target.dtype)
            else:
                target[...] = vals[-1]
        elif accumulate:
            np.add.at(target, coords, vals)
        else:
            target[coords] = vals
    saved = {"index": index, "accumulate": accumulate}
    if inplace:
        self._bump_version()
        if needs_grad(self, source):
            rebase_inplace(self, node_class("PutBackward0"), (self, source), saved)
        return self
    t = make_tensor(target, self._dtype)
    if needs_grad(self, source) and self._dtype.category >= 2:
        _node("PutBackward0", (self, source), t, saved)
    return t


def put(input, index, source, accumulate=False):
    """``input`` with ``source`` written at the flat (row-major) positions ``index``.

    >>> ember.zeros(2, 2).put(ember.tensor([3]), ember.tensor([1.]))
    tensor([[0., 0.],
            [0., 1.]])
    """
    return _put_impl(input, index, source, accumulate, False)


def put_(self, index, source, accumulate=False):
    return _put_impl(self, index, source, accumulate, True)


@_backward("PutBackward0", saves_inputs=False)
def _put_grad(ctx, grad):
    s = ctx.saved
    src_shape = ctx._input_meta[1][0]
    if s["accumulate"]:
        g_self = grad
    else:
        g_self = grad.put(s["index"], _zeros(src_shape, grad._dtype))
    g_src = None
    if ctx.next_functions[1][0] is not None:
        g_src = grad.take(s["index"])
        if g_src._array.shape != src_shape:
            g_src = g_src.reshape(src_shape)
    return g_self, g_src


def take_along_dim(input, indices, dim=None, *, out=None):
    """Values of ``input`` at ``indices`` along ``dim`` (broadcasting the other dims); with
    ``dim=None`` over the flattened input.

    >>> ember.tensor([[10, 30, 20]]).take_along_dim(ember.tensor([[1]]), 1)
    tensor([[30]])
    """
    if indices._dtype is not D.int64:
        raise RuntimeError("torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{indices._dtype.scalar_name}")
    if dim is None:
        res = input.view(-1).gather(0, indices.view(-1)) if out is None else None
        if out is not None:
            return gather(input.detach().view(-1), 0, indices.view(-1), out=out)
        return res
    a = input._array
    d = wrap_dim(dim, a.ndim)
    if indices._array.ndim != a.ndim:
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same number "
                           f"of dimensions, but got {a.ndim} dimensions for input, and "
                           f"{indices._array.ndim} dimensions for indices")
    ia = indices._array
    sa = list(a.shape)
    si = list(ia.shape)
    sa[d] = 1
    si[d] = 1
    b = list(broadcast_shapes2(tuple(sa), tuple(si)))
    self_shape = list(b)
    self_shape[d] = a.shape[d]
    idx_shape = list(b)
    idx_shape[d] = ia.shape[d]
    size = a.shape[d]
    if ia.size and size and (ia.min() < 0 or ia.max() >= size):
        indices = _long(np.mod(ia, size))
    x = input.expand(tuple(self_shape))
    i = indices.expand(tuple(idx_shape))
    return gather(x, d, i, out=out)


# ---------------------------------------------------------------------------- masked ops
def _bool_mask(mask, name, label="dtype"):
    if mask._dtype is not D.bool_:
        raise RuntimeError(f"{name} only supports boolean masks, but got mask with dtype "
                           f"{mask._dtype.cpp_name if label == 'cpp' else mask._dtype.scalar_name}")


def masked_select(input, mask, *, out=None):
    """The elements of ``input`` where ``mask`` is True, as a 1-d tensor (both broadcast).

    >>> ember.tensor([1, 2, 3]).masked_select(ember.tensor([True, False, True]))
    tensor([1, 3])
    """
    if mask._dtype is not D.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    a, m = input._array, mask._array
    shape = broadcast_shapes2(m.shape, a.shape)
    _kernel("masked_select", input._dtype)
    res = np.broadcast_to(a, shape)[np.broadcast_to(m, shape)]
    if out is not None:
        if out._dtype is not input._dtype:
            raise RuntimeError("masked_select(): self and result must have the same scalar type")
        _no_grad_out("masked_select", input)
        return write_out(out, res, "masked_select")
    t = make_tensor(np.ascontiguousarray(res), input._dtype)
    if input._requires_grad and _GRAD.enabled:
        _node("MaskedSelectBackward0", (input,), t, {"mask": mask, "shape": shape})
    return t


@_backward("MaskedSelectBackward0", saves_inputs=False)
def _masked_select_grad(ctx, grad):
    s = ctx.saved
    return _zeros(s["shape"], grad._dtype).masked_scatter(s["mask"], grad)


def _masked_fill_impl(self, mask, value, inplace):
    _bool_mask(mask, "masked_fill_", "cpp")
    tensor_value = isinstance(value, Tensor)
    if tensor_value and value._array.ndim != 0:
        raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got tensor "
                           f"with {value._array.ndim} dimension(s).")
    a, m = self._array, mask._array
    if inplace:
        shape = broadcast_shapes2(a.shape, m.shape)
        if shape != a.shape:
            raise RuntimeError(f"output with shape {shape_str(a.shape)} doesn't match the "
                               f"broadcast shape {shape_str(shape)}")
        check_inplace(self)
    _kernel("masked_fill", self._dtype)
    v = _scalar_value(value, self._dtype, None)
    name = "MaskedFillBackward1" if tensor_value else "MaskedFillBackward0"
    inputs = (self, value) if tensor_value else (self,)
    if inplace:
        np.copyto(a, v, where=m if m.shape == a.shape else np.broadcast_to(m, a.shape))
        self._bump_version()
        if needs_grad(*inputs):
            rebase_inplace(self, node_class(name), inputs, {"mask": mask})
        return self
    if m.shape == a.shape:
        res = np.array(a, order="C", copy=True)
        np.copyto(res, v, where=m)
    else:
        shape = broadcast_shapes2(m.shape, a.shape)
        res = np.array(np.broadcast_to(a, shape), order="C", copy=True)
        np.copyto(res, v, where=np.broadcast_to(m, shape))
    t = make_tensor(res, self._dtype)
    if needs_grad(*inputs) and self._dtype.category >= 2:
        _node(name, inputs, t, {"mask": mask})
    return t


def masked_fill(input, mask, value):
    """``input`` with ``value`` (a number or 0-d tensor) where ``mask`` is True.

    >>> ember.tensor([1., 2.]).masked_fill(ember.tensor([True, False]), 0.)
    tensor([0., 2.])
    """
    return _masked_fill_impl(input, mask, value, False)


def masked_fill_(self, mask, value):
    return _masked_fill_impl(self, mask, value, True)


@_backward("MaskedFillBackward0", "MaskedFillBackward1", saves_inputs=False)
def _masked_fill_grad(ctx, grad):
    mask = ctx.saved["mask"]
    where = FUNCTIONS["where"]
    zero = make_tensor(np.zeros((), grad._dtype.np), grad._dtype)
    g_self = where(mask, zero, grad)
    if len(ctx.next_functions) == 1:
        return g_self
    g_val = None
    if ctx.next_functions[1][0] is not None:
        g_val = where(mask, grad, zero).sum()
    return g_self, g_val


def _masked_scatter_impl(self, mask, source, inplace):
    _bool_mask(mask, "masked_scatter_")
    if source._dtype is not self._dtype:
        raise RuntimeError("masked_scatter: expected self and source to have same dtypes but got"
                           f"{self._dtype.scalar_name} and {source._dtype.scalar_name}")
    a, m = self._array, mask._array
    if inplace:
        if m.shape != a.shape:
            try:
                mb = np.broadcast_to(m, a.shape)
            except ValueError:
                raise RuntimeError(
                    f"expand(CPUBoolType{{{shape_str(m.shape)}}}, size={shape_str(a.shape)}): "
                    + (f"the number of sizes provided ({a.ndim}) must be greater or equal to the "
                       f"number of dimensions in the tensor ({m.ndim})" if m.ndim > a.ndim else
                       "the expanded size of the tensor must match the existing size at "
                       "non-singleton dimension")) from None
        else:
            mb = m
        check_inplace(self)
        target = a
    else:
        shape = broadcast_shapes2(m.shape, a.shape)
        target = np.array(np.broadcast_to(a, shape), order="C", copy=True)
        mb = np.broadcast_to(m, shape)
    _kernel("masked_scatter", self._dtype)
    count = int(np.count_nonzero(mb))
    src = source._array.reshape(-1)
    if src.size < count:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    target[mb] = src[:count]
    if inplace:
        self._bump_version()
        if needs_grad(self, source):
            rebase_inplace(self, node_class("MaskedScatterBackward0"), (self, source),
                           {"mask": mask})
        return self
    t = make_tensor(target, self._dtype)
    if needs_grad(self, source) and self._dtype.category >= 2:
        _node("MaskedScatterBackward0", (self, source), t, {"mask": mask})
    return t


def masked_scatter(input, mask, source):
    """``input`` with the elements where ``mask`` is True replaced, in order, by ``source``'s.

    >>> ember.zeros(3).masked_scatter(ember.tensor([True, False, True]), ember.tensor([1., 2.]))
    tensor([1., 0., 2.])
    """
    return _masked_scatter_impl(input, mask, source, False)


def masked_scatter_(self, mask, source):
    return _masked_scatter_impl(self, mask, source, True)


@_backward("MaskedScatterBackward0", saves_inputs=False)
def _masked_scatter_grad(ctx, grad):
    mask = ctx.saved["mask"]
    src_shape = ctx._input_meta[1][0]
    where = FUNCTIONS["where"]
    zero = make_tensor(np.zeros((), grad._dtype.np), grad._dtype)
    g_self = where(mask, zero, grad)
    g_src = None
    if ctx.next_functions[1][0] is not None:
        sel = grad.masked_select(mask)
        n = int(np.prod(src_shape)) if src_shape else 1
        k = sel._array.size
        if k == n:
            g_src = sel.reshape(src_shape)
        else:
            g_src = _zeros((n,), grad._dtype).scatter(0, _long(np.arange(k)), sel).reshape(
                src_shape)
    return g_self, g_src


# ---------------------------------------------------------------------------- nonzero, argwhere
def _nonzero_array(a):
    if a.ndim == 0:
        n = 1 if a != 0 else 0
        return np.zeros((n, 0), np.int64)
    nz = np.nonzero(a)
    n = nz[0].size
    # PyTorch's result is column-major: strides (1, n)
    cols = empty_strided((a.ndim, n), (n, 1), np.int64)
    for i, c in enumerate(nz):
        cols[i] = c
    return cols.T


def nonzero(input, *, out=None, as_tuple=False):
    """Indices of the nonzero elements: an (n, ndim) tensor, or one 1-d tensor per dim with
    ``as_tuple=True``.

    >>> ember.tensor([0, 3, 0, 4]).nonzero()
    tensor([[1],
            [3]])
    """
    a = input._array
    _kernel("nonzero_count_cpu", input._dtype)
    if as_tuple:
        if a.ndim == 0:
            return (make_tensor(np.zeros(int(a != 0), np.int64), D.int64),)
        return tuple(make_tensor(np.ascontiguousarray(c, dtype=np.int64), D.int64)
                     for c in np.nonzero(a))
    res = _nonzero_array(a)
    if out is not None:
        if out._dtype is not D.int64:
            raise RuntimeError("nonzero: Expected out tensor to have scalar type Long but got "
                               f"scalar type{out._dtype.scalar_name}")
        # PyTorch always re-makes out column-major
        if out._array.shape != res.shape or out._array.strides != res.strides:
            out._array = res
            out._bump_version()
            return out
        return write_out(out, res, "nonzero")
    return make_tensor(res, D.int64)


def argwhere(input):
    """``nonzero(input)``: the (n, ndim) indices of the nonzero elements."""
    _kernel("nonzero_count_cpu", input._dtype)
    return make_tensor(_nonzero_array(input._array), D.int64)


# ---------------------------------------------------------------------------- binding
for _name, _fn in {
    "index_select": index_select, "index_add": index_add, "index_copy": index_copy,
    "index_fill": index_fill, "index_put": index_put, "gather": gather, "scatter": scatter,
    "scatter_add": scatter_add, "scatter_reduce": scatter_reduce, "take": take,
    "take_along_dim": take_along_dim, "put": put, "masked_select": masked_select,
    "masked_fill": masked_fill, "masked_scatter": masked_scatter, "nonzero": nonzero,
    "argwhere": argwhere,
}.items():
    FUNCTIONS[_name] = _fn
    setattr(Tensor, _name, _fn)
for _name, _fn in {
    "index_add_": index_add_, "index_copy_": index_copy_, "index_fill_": index_fill_,
    "index_put_": index_put_, "scatter_": scatter_, "scatter_add_": scatter_add_,
    "scatter_reduce_": scatter_reduce_, "put_": put_, "masked_fill_": masked_fill_,
    "masked_scatter_": masked_scatter_,
}.items():
    setattr(Tensor, _name, _fn)
FUNCTIONS["index_put_"] = index_put_
del _name, _fn
