"""``Tensor.__getitem__`` and ``__setitem__``: ints, slices, None, Ellipsis (views), and
bool/integer tensors or lists (advanced indexing, copies), with PyTorch's errors.

Basic indexing is applied one dimension at a time through ``select``/``slice``/``unsqueeze``,
so the result is a view with the same grad_fn chain PyTorch builds.
"""
import numpy as np

from .. import _dtype as D
from .._dispatch import record, check_inplace
from .._tensor import Tensor, make_tensor
from ..autograd.graph import node_class, rebase_inplace
from ..autograd.grad_mode import STATE as _GRAD
from .views import slice_dim, make_view


def _is_advanced(item):
    return isinstance(item, (Tensor, np.ndarray, list)) or (
        isinstance(item, tuple))


def _normalize_key(key):
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        out.append(k)
    return out


def _index_array(k):
    """An index object as a NumPy integer or bool array, with PyTorch's type errors."""
    if isinstance(k, Tensor):
        dt = k._dtype
        if dt is D.bool_ or dt is D.uint8:
            return k._array.astype(bool, copy=False)
        if dt.category != 1:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return k._array
    if isinstance(k, np.ndarray):
        if k.dtype.kind == "b":
            return k
        if k.dtype.kind not in "iu":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return k
    # a list / tuple of ints, bools or tensors
    arr = np.array([x.item() if isinstance(x, Tensor) else x for x in k]) if any(
        isinstance(x, Tensor) for x in k) else np.array(k)
    if arr.size == 0:
        return arr.astype(np.int64)
    if arr.dtype.kind not in "biu":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return arr


def _count_dims(key):
    n = 0
    for k in key:
        if k is None or k is Ellipsis:
            continue
        if isinstance(k, (Tensor, np.ndarray)) and (
                (isinstance(k, Tensor) and k._dtype in (D.bool_, D.uint8)) or
                (isinstance(k, np.ndarray) and k.dtype.kind == "b")):
            n += k.ndim if isinstance(k, np.ndarray) else k._array.ndim
        elif isinstance(k, bool):
            continue
        else:
            n += 1
    return n


def _check_slice(k):
    for v in (k.start, k.stop, k.step):
        if v is not None and not isinstance(v, int) and not hasattr(v, "__index__"):
            raise TypeError("slice indices must be integers or None or have an __index__ method")
    if k.step is not None and k.step.__index__() <= 0:
        if k.step.__index__() == 0:
            raise ValueError("slice step cannot be zero")
        raise ValueError("step must be greater than zero")


def _basic_getitem(self, key):
    """Apply a key of ints, slices, None and Ellipsis; returns a view."""
    ndim = self._array.ndim
    n_used = _count_dims(key)
    if n_used > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    t = self
    dim = 0
    for k in key:
        if k is Ellipsis:
            dim += ndim - n_used
            continue
        if k is None:
            t = t.unsqueeze(dim)
            dim += 1
            continue
        if isinstance(k, bool):
            t = t.unsqueeze(dim)
            if not k:
                t = slice_dim(t, dim, 0, 0, 1)
            dim += 1
            continue
        if isinstance(k, slice):
            _check_slice(k)
            size = t._array.shape[dim]
            start, stop, step = k.indices(size)
            if stop < start:
                stop = start
            if (start, stop, step) != (0, size, 1):
                t = slice_dim(t, dim, start, stop, step)
            dim += 1
            continue
        idx = k.__index__()
        size = t._array.shape[dim]
        if idx < -size or idx >= size:
            raise IndexError(f"index {idx} is out of bounds for dimension {dim} with size {size}")
        t = t.select(dim, idx)
    if t is self:
        # x[...] and x[()] are aliases: a view with no node of its own
        t = make_view(self, self._array.view(), "AliasBackward0")
    return t


node_class("AliasBackward0").backward_fn = staticmethod(lambda ctx, grad: grad)


def _to_numpy_key(self, key):
    """Translate a key with advanced parts to a NumPy key, checking bounds like PyTorch."""
    ndim = self._array.ndim
    n_used = _count_dims(key)
    if n_used > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    out = []
    dim = 0
    for k in key:
        if k is Ellipsis:
            out.append(Ellipsis)
            dim += ndim - n_used
        elif k is None:
            out.append(None)
        elif isinstance(k, bool):
            out.append(k)
        elif isinstance(k, slice):
            _check_slice(k)
            out.append(k)
            dim += 1
        elif isinstance(k, (Tensor, np.ndarray, list, tuple)):
            arr = _index_array(k)
            if arr.dtype.kind == "b":
                shape = self._array.shape[dim:dim + arr.ndim]
                if arr.shape != shape:
                    for i, (m, s) in enumerate(zip(arr.shape, shape)):
                        if m != s:
                            raise IndexError(f"The shape of the mask [{', '.join(map(str, arr.shape))}] "
                                             f"at index {i} does not match the shape of the indexed "
                                             f"tensor [{', '.join(map(str, shape))}] at index {dim + i}")
                dim += arr.ndim
            else:
                size = self._array.shape[dim]
                if arr.size and (arr.max() >= size or arr.min() < -size):
                    bad = arr.max() if arr.max() >= size else arr.min()
                    raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {size}")
                dim += 1
            out.append(arr)
        else:
            idx = k.__index__()
            size = self._array.shape[dim]
            if idx < -size or idx >= size:
                raise IndexError(f"index {idx} is out of bounds for dimension {dim} with size {size}")
            out.append(idx)
            dim += 1
    return tuple(out)


def _has_advanced(key):
    for k in key:
        if isinstance(k, (Tensor, np.ndarray, list)) or (isinstance(k, tuple)):
            return True
    return False


def getitem(self, key):
    key = _normalize_key(key)
    if not _has_advanced(key):
        return _basic_getitem(self, key)
    np_key = _to_numpy_key(self, key)
    arr = self._array[np_key]
    if type(arr) is not np.ndarray:
        arr = np.asarray(arr)
    elif arr.base is not None and np.shares_memory(arr, self._array):
        arr = arr.copy()
    t = make_tensor(arr, self._dtype)
    if self._requires_grad and _GRAD.enabled:
        record(node_class("IndexBackward0"), (self,), t, {"key": np_key})
    return t


def _index_grad(ctx, grad):
    x = ctx.inputs[0]
    z = grad.new_zeros(x._array.shape)
    return z.index_put_(ctx.saved["key"], grad, accumulate=True) if grad._requires_grad else \
        _accumulate_np(z, ctx.saved["key"], grad)


def _accumulate_np(z, key, grad):
    np.add.at(z._array, key, grad._array)
    return z


node_class("IndexBackward0").backward_fn = staticmethod(_index_grad)


def setitem(self, key, value):
    key = _normalize_key(key)
    if isinstance(value, Tensor):
        v = value
    else:
        from .._dispatch import as_operand
        try:
            value = as_operand(value, "__setitem__", "value", 2)
        except TypeError:
            raise TypeError(f"can't assign a {type(value).__name__} to a "
                            f"{self.type()}") from None
        v = value
    check_inplace(self)
    np_key = _to_numpy_key(self, key)
    if isinstance(v, Tensor):
        src = v._array
        if v._dtype.is_complex and not self._dtype.is_complex:
            src = src.real
        target = self._array[np_key] if not _has_advanced(key) else None
        try:
            if target is not None and isinstance(target, np.ndarray):
                np.copyto(target, src, casting="unsafe")
            else:
                self._array[np_key] = src.astype(self._dtype.np, copy=False)
        except ValueError:
            tshape = self._array[np_key].shape
            raise RuntimeError(f"shape mismatch: value tensor of shape "
                               f"[{', '.join(map(str, src.shape))}] cannot be broadcast to indexing "
                               f"result of shape [{', '.join(map(str, tshape))}]") from None
    else:
        val = v
        if self._dtype.category <= 1 and isinstance(val, float):
            val = int(val) if np.isfinite(val) else val
        if isinstance(val, complex) and not self._dtype.is_complex:
            val = val.real
        self._array[np_key] = val
    self._bump_version()
    if _GRAD.enabled and (self._requires_grad or (isinstance(v, Tensor) and v._requires_grad)):
        name = "IndexPutBackward0" if _has_advanced(key) else "CopySlices"
        inputs = (self, v) if isinstance(v, Tensor) else (self,)
        rebase_inplace(self, node_class(name), inputs, {"key": np_key})
    return None


def _setitem_grad(ctx, grad):
    key = ctx.saved["key"]
    g_self = grad.clone()
    g_self._array[key] = 0
    out = (g_self,)
    if len(ctx.inputs) > 1:
        v = ctx.inputs[1]
        if v._requires_grad:
            from ..autograd.engine import _sum_to
            gv = make_tensor(np.ascontiguousarray(grad._array[key]), grad._dtype)
            out = (g_self, _sum_to(gv, v._array.shape))
        else:
            out = (g_self, None)
    return out


_cs = node_class("CopySlices")
_cs._name = "torch::autograd::CopySlices"
_cs.backward_fn = staticmethod(_setitem_grad)
node_class("IndexPutBackward0").backward_fn = staticmethod(_setitem_grad)

Tensor.__getitem__ = getitem
Tensor.__setitem__ = setitem
