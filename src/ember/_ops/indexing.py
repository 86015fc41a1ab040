"""``Tensor.__getitem__`` and ``__setitem__`` with PyTorch's semantics.

A key is applied in two passes, as PyTorch does:
1. the basic part (ints, slices, None, Ellipsis, Python bools) one dimension at a time through
   ``select``/``slice``/``unsqueeze``: the result is a view with PyTorch's grad_fn chain;
2. what remains (bool/integer tensors, arrays, lists) is advanced indexing on that view: a copy,
   laid out the way PyTorch's TensorIterator orders its output dimensions.

NOTE: NumPy treats an int next to an array as an advanced index (``x[0, :, [0, 1]]`` has shape
(2, 3) in NumPy but (3, 2) in PyTorch), so ints must never reach NumPy together with arrays.
"""
import numpy as np

from .. import _dtype as D
from .._dispatch import record, check_inplace, shape_str
from .._tensor import Tensor, make_tensor, strides_of
from .._backend import as_strided as _as_strided
from .._memory_format import iteration_order
from ..autograd.graph import node_class, rebase_inplace
from ..autograd.grad_mode import STATE as _GRAD
from .views import slice_dim, make_view

_FULL = slice(None)


def _as_index(k):
    try:
        return k.__index__()
    except AttributeError:
        raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                         f"Variables are valid indices (got {type(k).__name__})") from None


def _check_slice(k):
    for v in (k.start, k.stop, k.step):
        if v is not None and not hasattr(v, "__index__"):
            raise TypeError("slice indices must be integers or None or have an __index__ method")
    if k.step is not None and k.step.__index__() <= 0:
        if k.step.__index__() == 0:
            raise ValueError("slice step cannot be zero")
        raise ValueError("step must be greater than zero")


def _index_array(k):
    """An advanced index as a NumPy integer or bool array, with PyTorch's type errors."""
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
    items = [x.item() if isinstance(x, Tensor) else x for x in k]
    arr = np.array(items)
    if arr.size == 0:
        return arr.astype(np.int64)
    if arr.dtype.kind not in "biu":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return arr


def _is_array_like(k):
    return isinstance(k, (Tensor, np.ndarray, list, tuple))


def _dims_used(k):
    """How many dimensions of the indexed tensor an index item consumes."""
    if k is None or k is Ellipsis or isinstance(k, bool):
        return 0
    if isinstance(k, Tensor):
        return k._array.ndim if k._dtype in (D.bool_, D.uint8) else 1
    if isinstance(k, np.ndarray):
        return k.ndim if k.dtype.kind == "b" else 1
    return 1


def _split_key(self, key):
    """Apply the basic part of ``key`` to ``self``; returns (view, advanced key or None)."""
    if not isinstance(key, tuple):
        key = (key,)
    for k in key:
        if isinstance(k, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{type(k).__name__}'")
    ndim = self._array.ndim
    n_used = sum(_dims_used(k) for k in key)
    if n_used > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    if sum(1 for k in key if k is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    t = self
    dim = 0
    adv = []          # per remaining dim of t: _FULL or an index array
    has_adv = False
    for pos, k in enumerate(key):
        if k is Ellipsis:
            n = ndim - n_used
            adv.extend([_FULL] * n)
            dim += n
        elif k is None:
            t = t.unsqueeze(dim)
            adv.append(_FULL)
            dim += 1
        elif isinstance(k, bool):
            t = t.unsqueeze(dim)
            if not k:
                t = slice_dim(t, dim, 0, 0, 1)
            adv.append(_FULL)
            dim += 1
        elif isinstance(k, slice):
            _check_slice(k)
            size = t._array.shape[dim]
            start, stop, step = k.indices(size)
            if stop < start:
                stop = start
            if (start, stop, step) != (0, size, 1):
                t = slice_dim(t, dim, start, stop, step)
            adv.append(_FULL)
            dim += 1
        elif _is_array_like(k):
            arr = _index_array(k)
            if arr.dtype.kind == "b":
                shape = t._array.shape[dim:dim + arr.ndim]
                if arr.shape != shape:
                    shape = t._array.shape[dim:]
                    for i, (m, s) in enumerate(zip(arr.shape, shape)):
                        if m != s:
                            raise IndexError(
                                f"The shape of the mask {shape_str(arr.shape)} at index {i} does "
                                f"not match the shape of the indexed tensor {shape_str(shape)} at "
                                f"index {dim + i}")
                adv.append(arr)
                adv.extend([None] * (arr.ndim - 1))   # placeholders: dims eaten by the mask
                dim += arr.ndim
            else:
                size = t._array.shape[dim]
                if arr.size:
                    hi, lo = arr.max(), arr.min()
                    if hi >= size or lo < -size:
                        bad = hi if hi >= size else lo
                        raise IndexError(f"index {bad} is out of bounds for dimension {dim} with "
                                         f"size {size}")
                adv.append(arr)
                dim += 1
            has_adv = True
        else:
            idx = _as_index(k)
            size = t._array.shape[dim]
            if idx < -size or idx >= size:
                # NOTE: PyTorch reports the position in the key here, not the tensor dim.
                raise IndexError(f"index {idx} is out of bounds for dimension {pos} with size {size}")
            t = t.select(dim, idx)
    if not has_adv:
        return t, None
    adv.extend([_FULL] * (t._array.ndim - len(adv)))
    return t, tuple(k for k in adv if k is not None)


# ---------------------------------------------------------------------------- output layout
def _index_output_strides(view, key, result_shape):
    """Element strides PyTorch gives an advanced-indexing result (TensorIterator's order)."""
    src_strides = strides_of(view._array)
    # the integer index arrays, masks expanded to their nonzero columns
    arrays = []
    positions = []
    dim = 0
    for k in key:
        if isinstance(k, np.ndarray):
            if k.dtype.kind == "b":
                nz = np.nonzero(k)
                n = nz[0].size
                for j in range(k.ndim):
                    arrays.append(((n,), (k.ndim,)))   # columns of an (n, ndim) result
                    positions.append(dim + j)
                dim += k.ndim
            else:
                arrays.append((k.shape, strides_of(k) if k.size else (1,) * k.ndim))
                positions.append(dim)
                dim += 1
        else:
            dim += 1
    bshape = np.broadcast_shapes(*(s for s, _ in arrays))
    nb = len(bshape)
    adjacent = positions == list(range(positions[0], positions[0] + len(positions)))
    rest = [d for d in range(view._array.ndim) if d not in positions]
    if adjacent:
        before = [d for d in rest if d < positions[0]]
        after = [d for d in rest if d > positions[-1]]
        layout = [("src", d) for d in before] + [("idx", i) for i in range(nb)] + \
                 [("src", d) for d in after]
    else:
        layout = [("idx", i) for i in range(nb)] + [("src", d) for d in rest]
    # per operand, per result dim: element strides (0 = broadcast)
    ops = [[src_strides[v] if kind == "src" else 0 for kind, v in layout]]
    for shape, strides in arrays:
        lead = nb - len(shape)
        per = []
        for kind, v in layout:
            if kind == "src" or v < lead or shape[v - lead] == 1:
                per.append(0)
            else:
                per.append(strides[v - lead])
        ops.append(per)
    ndim = len(result_shape)

    perm = iteration_order(result_shape, ops)[::-1]   # innermost first
    out = [0] * ndim
    acc = 1
    for d in perm:
        out[d] = acc
        acc *= max(result_shape[d], 1)
    return tuple(out)


def _laid_out(arr, strides):
    """``arr``'s values in a fresh array with the given element strides."""
    if arr.size <= 1 or strides_of(arr) == strides:
        return arr
    span = 1 + sum((n - 1) * s for n, s in zip(arr.shape, strides))
    out = _as_strided(np.empty(span, arr.dtype), arr.shape, strides)
    np.copyto(out, arr)
    return out


def getitem(self, key):
    view, adv = _split_key(self, key)
    if adv is None:
        if view is self:
            # x[...] and x[()] alias self: a view with a node of its own
            view = make_view(self, self._array.view(), "AliasBackward0")
        return view
    arr = view._array[adv]
    if type(arr) is not np.ndarray:
        arr = np.asarray(arr)
    elif arr.base is not None and np.shares_memory(arr, view._array):
        arr = arr.copy()
    arr = _laid_out(arr, _index_output_strides(view, adv, arr.shape))
    t = make_tensor(arr, self._dtype)
    if view._requires_grad and _GRAD.enabled:
        record(node_class("IndexBackward0"), (view,), t, {"indices": adv})
    return t


def _index_grad(ctx, grad):
    x = ctx.inputs[0]
    z = make_tensor(np.zeros(x._array.shape, grad._dtype.np), grad._dtype)
    if grad._requires_grad:
        z = z.clone()
        z[ctx.saved["indices"]] = grad
        return z
    np.add.at(z._array, ctx.saved["indices"], grad._array)
    return z


node_class("AliasBackward0").backward_fn = staticmethod(lambda ctx, grad: grad)
node_class("IndexBackward0").backward_fn = staticmethod(_index_grad)


# ---------------------------------------------------------------------------- setitem
def _value_operand(self, value):
    if isinstance(value, Tensor):
        return value
    from .._dispatch import as_operand
    try:
        return as_operand(value, "__setitem__", "value", 2)
    except TypeError:
        if isinstance(value, (list, tuple)):
            from .creation import tensor
            return tensor(value, dtype=self._dtype)
        raise TypeError(f"can't assign a {type(value).__name__} to a {self.type()}") from None


def setitem(self, key, value):
    value = _value_operand(self, value)
    track = _GRAD.enabled and (self._requires_grad or (isinstance(value, Tensor) and value._requires_grad))
    if track and self._requires_grad and self._grad_fn is None and self._base is None:
        if _has_array_index(key):
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                               "operation.")
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    if track:
        view, adv = _split_key(self, key)        # a view with history, as PyTorch makes
    else:
        prev = _GRAD.enabled
        _GRAD.enabled = False                    # locating the target records no graph
        try:
            view, adv = _split_key(self, key)
        finally:
            _GRAD.enabled = prev
    check_inplace(view)
    target = view._array
    if adv is None:
        if isinstance(value, Tensor):
            src = value._array
            if src.shape != target.shape:
                value.expand(target.shape)   # raises PyTorch's expand error on mismatch
            if value._dtype.is_complex and not self._dtype.is_complex:
                src = src.real
            np.copyto(target, src, casting="unsafe")
        else:
            target[...] = _fill_value(value, self._dtype)
    else:
        if isinstance(value, Tensor):
            result_shape = np.empty(target.shape, np.bool_)[adv].shape
            try:
                np.broadcast_shapes(value._array.shape, result_shape)
            except ValueError:
                raise RuntimeError(f"shape mismatch: value tensor of shape "
                                   f"{shape_str(value._array.shape)} cannot be broadcast to "
                                   f"indexing result of shape {shape_str(result_shape)}") from None
            if value._dtype is not self._dtype:
                raise RuntimeError(f"Index put requires the source and destination dtypes match, "
                                   f"got {self._dtype.scalar_name} for the destination and "
                                   f"{value._dtype.scalar_name} for the source.")
            target[adv] = value._array
        else:
            target[adv] = _fill_value(value, self._dtype)
    view._bump_version()
    if track:
        if view is self and adv is None:
            view = make_view(self, self._array.view(), None)
        is_t = isinstance(value, Tensor)
        if adv is None:
            node = node_class("CopyBackwards") if is_t else node_class("FillBackward3")
            rebase_inplace(view, node, (view, value) if is_t else (view,), None)
        else:
            if not is_t:    # PyTorch wraps a number into a tensor for index_put_
                value = make_tensor(np.array(_fill_value(value, self._dtype), self._dtype.np),
                                    self._dtype)
            rebase_inplace(view, node_class("IndexPutBackward0"), (view, value),
                           {"indices": adv, "accumulate": False})


def _has_array_index(key):
    """True when the key holds no basic part, only tensor/array/list indices."""
    items = key if isinstance(key, tuple) else (key,)
    return all(_is_array_like(k) for k in items)


def _fill_value(v, dt):
    if dt.category <= 1 and isinstance(v, float):
        return int(v) if np.isfinite(v) else v
    if isinstance(v, complex) and not dt.is_complex:
        return v.real
    return v


# NOTE: IndexPutBackward0's derivative lives with index_put_ in indexing_ops.py; setitem
# records the same saved values ("indices", "accumulate").
node_class("IndexPutBackward0").saves_inputs = False
_fill3 = node_class("FillBackward3")
_fill3.saves_inputs = False
_fill3.backward_fn = staticmethod(lambda ctx, grad: grad * 0)

Tensor.__getitem__ = getitem
Tensor.__setitem__ = setitem
