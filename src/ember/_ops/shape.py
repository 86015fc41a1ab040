"""Shape ops: joining (``cat``, ``stack`` and the ``*stack`` family), splitting (``split``,
``chunk``, ``tensor_split``, ``hsplit``...), rearranging (``movedim``, ``flip``, ``roll``,
``rot90``, ``unfold``), repeating (``repeat``, ``tile``, ``repeat_interleave``), triangles and
diagonals (``tril``/``triu``, ``diag``, ``diagonal``, ``diag_embed``, ``trace``), products of
shapes (``kron``, ``cartesian_prod``, ``combinations``, ``block_diag``), broadcasting helpers and
``atleast_Nd``.

Views (split outputs, ``diagonal``, ``unfold``, ``movedim``) keep PyTorch's strides; copies keep
PyTorch's output layouts. Derivatives are written in ember ops so double backward works; the few
internal helpers at the top (scatter into zeros, its gather, the diagonal and unfold scatters)
record their own nodes for that reason.
"""
import numpy as np

from .. import _autocast_state as _amp
from .. import _dtype as D
from .._dispatch import (FUNCTIONS, tensor_method, record, needs_grad, check_inplace, write_out,
                         shape_str, broadcast_shapes2, missing_kernel)
from .._tensor import Tensor, make_tensor, wrap_dim, strides_of
from .._size import Size
from .._backend import as_strided as _as_strided, copy_with_strides, empty_strided
from .._memory_format import (contiguous_format, suggest_memory_format, strides_for_format,
                              preserve_strides)
from ..autograd.graph import node_class, rebase_inplace, OpNode
from ..autograd.grad_mode import STATE as _GRAD, no_grad
from .views import make_view, strided_array, slice_dim, _view_shape, compute_view_strides

_WIDE_UNSIGNED = (D.uint16, D.uint32, D.uint64)


# ---------------------------------------------------------------------------- small helpers
def c_array(a):
    """``a`` in C order (0-d stays 0-d, unlike np.ascontiguousarray)."""
    if type(a) is not np.ndarray:
        return np.asarray(a)
    return a if a.flags.c_contiguous else np.array(a, order="C")


def _differentiable(dt):
    return dt.category >= 2


def _private_node(name, backward):
    """A node class shown as ``name`` but private to this module (so that other families that
    register the same grad_fn name with other inputs cannot clash with it)."""
    return type(name, (OpNode,), {"__module__": "builtins", "saves_inputs": False,
                                  "backward_fn": staticmethod(backward)})


def _set_backward(name, fn, saves_inputs=False):
    cls = node_class(name)
    cls.backward_fn = staticmethod(fn)
    cls.saves_inputs = saves_inputs
    return cls


def _zeros(shape, dt):
    return make_tensor(np.zeros(shape, dt.np), dt)


def _type_name(x):
    return "Tensor" if isinstance(x, Tensor) else type(x).__name__


def tensor_list(tensors, fname, argname="tensors"):
    """A list of Tensors from a tuple/list argument, with PyTorch's TypeErrors."""
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{fname}(): argument '{argname}' (position 1) must be tuple of Tensors, "
                        f"not {_type_name(tensors)}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{_type_name(t)}")
    return list(tensors)


def _int_arg(x, fname, argname, pos):
    if isinstance(x, bool) or not hasattr(x, "__index__") or isinstance(x, float):
        raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be int, not "
                        f"{_type_name(x)}")
    return x.__index__()


def _int_seq(x, fname, argname, pos):
    """An int or a sequence of ints as a tuple."""
    if isinstance(x, Tensor) and x._array.ndim == 0:
        x = x.item()
    if isinstance(x, (list, tuple, Size)):
        out = []
        for i, v in enumerate(x):
            if isinstance(v, bool) or not hasattr(v, "__index__"):
                raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be tuple "
                                f"of ints, but found element of type {_type_name(v)} at pos {i}")
            out.append(v.__index__())
        return tuple(out)
    if isinstance(x, bool) or not hasattr(x, "__index__"):
        raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be tuple of ints, "
                        f"not {_type_name(x)}")
    return (x.__index__(),)


def wrap_dim_strict(dim, ndim):
    """wrap_dim for ops that refuse a dim on a 0-d tensor (PyTorch's wrap_scalar=false)."""
    if ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return wrap_dim(dim, ndim)


def _fold_dtype(tensors):
    dt = tensors[0]._dtype
    for t in tensors[1:]:
        if t._dtype is not dt:
            dt = D.promote_types(dt, t._dtype)
    return dt


def _arr(t, dt):
    a = t._array
    return a if t._dtype is dt else a.astype(dt.np)


def _cast_grad(g, dt):
    """A gradient in the dtype of its input (the real part for real inputs of complex results)."""
    if g._dtype is dt:
        return g
    if g._dtype.is_complex and not dt.is_complex:
        if isinstance(getattr(Tensor, "real", None), property):
            g = g.real
        else:
            g = make_tensor(c_array(g._array.real), g._dtype.to_real())
    return g if g._dtype is dt else g.to(dt)


def _check_out_dtype_exact(out, dt, fname=None):
    if isinstance(out, Tensor) and out._dtype is not dt:
        raise RuntimeError(f"Expected out tensor to have dtype {dt.cpp_name}, but got "
                           f"{out._dtype.cpp_name} instead")


def _finish_out(out, res, fname):
    """Write a computed tensor into ``out`` (checks for grad, resizes) and return ``out``."""
    return write_out(out, res._array, fname)


# ---------------------------------------------------------------------------- internal scatters
# zeros(shape).scatter(dim, index, grad) and its adjoint take_along_dim: the derivatives of sort,
# topk and kthvalue (index positions are distinct along ``dim``).
def scatter_zeros(grad, shape, dim, index):
    """A zero tensor of ``shape`` with ``grad`` written at ``index`` along ``dim``."""
    res = np.zeros(shape, grad._dtype.np)
    if grad._array.size:
        np.put_along_axis(res, index, grad._array, axis=dim)
    t = make_tensor(res, grad._dtype)
    if needs_grad(grad):
        record(_ScatterNode, (None, grad), t, {"dim": dim, "index": index})
    return t


def gather_along(t, dim, index):
    """``t`` read at ``index`` along ``dim`` (take_along_dim), differentiable."""
    res = np.take_along_axis(t._array, index, axis=dim) if t._array.ndim else t._array.copy()
    out = make_tensor(c_array(res), t._dtype)
    if needs_grad(t):
        record(_GatherNode, (t,), out, {"dim": dim, "index": index, "shape": t._array.shape})
    return out


_ScatterNode = _private_node(
    "ScatterBackward0",
    lambda ctx, g: (None, gather_along(g, ctx.saved["dim"], ctx.saved["index"])))
_GatherNode = _private_node(
    "GatherBackward0",
    lambda ctx, g: scatter_zeros(g, ctx.saved["shape"], ctx.saved["dim"], ctx.saved["index"]))


def index_select_(t, dim, idx):
    """``t.index_select(dim, idx)`` for an int64 index array, contiguous output, differentiable."""
    res = np.take(t._array, idx, axis=dim)
    out = make_tensor(c_array(res), t._dtype)
    if needs_grad(t):
        record(_IndexSelectNode, (t,), out, {"dim": dim, "index": idx, "shape": t._array.shape})
    return out


def index_add_zeros(grad, shape, dim, idx):
    """zeros(shape).index_add(dim, idx, grad), differentiable."""
    res = np.zeros(shape, grad._dtype.np)
    if grad._array.size:
        moved = np.moveaxis(res, dim, 0)
        np.add.at(moved, idx, np.moveaxis(grad._array, dim, 0))
    t = make_tensor(res, grad._dtype)
    if needs_grad(grad):
        record(_IndexAddNode, (None, grad), t, {"dim": dim, "index": idx})
    return t


_IndexSelectNode = _private_node(
    "IndexSelectBackward0",
    lambda ctx, g: index_add_zeros(g, ctx.saved["shape"], ctx.saved["dim"], ctx.saved["index"]))
_IndexAddNode = _private_node(
    "IndexAddBackward0",
    lambda ctx, g: (None, index_select_(g, ctx.saved["dim"], ctx.saved["index"])))


# ---------------------------------------------------------------------------- cat / stack
def _is_skipped(t):
    # NOTE: PyTorch's legacy rule: 1-d empty tensors join anything (their dtype still counts).
    a = t._array
    return a.ndim == 1 and a.shape[0] == 0


def _cat_layout(kept, shape):
    fmt = None
    for t in kept:
        f = suggest_memory_format(t._array.shape, strides_of(t._array))
        if fmt is None:
            fmt = f
        elif f is not fmt:
            return contiguous_format
    return fmt or contiguous_format


def _cat_fast(tensors, dim):
    """The common case (one dtype, equal ranks 1-3 or 6+, no out=) with no Python-level shape
    checks; None when the general path must decide."""
    t0 = tensors[0]
    if type(t0) is not Tensor:
        return None
    dt = t0._dtype
    a0 = t0._array
    nd = a0.ndim
    if nd == 0 or nd == 4 or nd == 5:
        return None
    arrays = [a0]
    for t in tensors[1:]:
        if type(t) is not Tensor or t._dtype is not dt:
            return None
        a = t._array
        if a.ndim != nd:
            return None
        arrays.append(a)
    d = dim if type(dim) is int and 0 <= dim < nd else None
    if d is None:
        try:
            d = wrap_dim(dim, nd)
        except (IndexError, TypeError):
            return None
    shape = list(a0.shape)
    total = 0
    for a in arrays:
        total += a.shape[d]
    shape[d] = total
    # NOTE: into a fresh row-major array: NumPy's own result copies its inputs' layout, and
    # its C-contiguous flag ignores the strides of size-1 dims, which PyTorch reports
    res = np.empty(shape, dt.np)
    try:
        np.concatenate(arrays, axis=d, out=res)
    except ValueError:
        return None  # a size mismatch: the general path raises PyTorch's error
    out = make_tensor(res, dt)
    if dt.category >= 2 and _GRAD.enabled:
        for t in tensors:
            if t._requires_grad:
                record(_CatNode, tuple(tensors), out,
                       {"dim": d, "sizes": [a.shape[d] for a in arrays],
                        "dtypes": [dt] * len(arrays), "skipped": [False] * len(arrays)})
                break
    return out


def cat(tensors, dim=0, *, out=None, axis=None):
    """Join tensors along an existing dimension (promoting dtypes as PyTorch does).

    >>> ember.cat([ember.zeros(1, 2), ember.ones(1, 2)]).shape
    ember.Size([2, 2])
    """
    if _amp.ACTIVE[0]:
        if isinstance(tensors, (list, tuple)):
            tensors = _amp.promote(tensors)
    if out is None and axis is None and type(tensors) in (list, tuple) and tensors:
        res = _cat_fast(tensors, dim)
        if res is not None:
            return res
    if axis is not None:
        dim = axis
    ts = tensor_list(tensors, "cat")
    if not ts:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(ts):
        if t._array.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    dt = _fold_dtype(ts)
    if out is not None and isinstance(out, Tensor) and not D.can_cast(dt, out._dtype):
        raise TypeError("torch.cat(): input types can't be cast to the desired output type "
                        f"{out._dtype.scalar_name}")
    ref = None
    for t in ts:
        if not _is_skipped(t):
            ref = t
            break
    if ref is None:
        res_arr = np.empty((0,), dt.np)
        d = 0
        sizes = [0] * len(ts)
        kept = []
    else:
        n = ref._array.ndim
        d = wrap_dim(dim, n)
        rshape = ref._array.shape
        kept = []
        sizes = []
        total = 0
        for i, t in enumerate(ts):
            if _is_skipped(t):
                sizes.append(0)
                continue
            s = t._array.shape
            if len(s) != n:
                raise RuntimeError(f"Tensors must have same number of dimensions: got {n} and "
                                   f"{len(s)}")
            if s != rshape:
                for k in range(n):
                    if k != d and s[k] != rshape[k]:
                        raise RuntimeError(
                            f"Sizes of tensors must match except in dimension {d}. Expected size "
                            f"{rshape[k]} but got size {s[k]} for tensor number {i} in the list.")
            kept.append(t)
            sizes.append(s[d])
            total += s[d]
        shape = rshape[:d] + (total,) + rshape[d + 1:]
        arrays = [_arr(t, dt) for t in kept]
        # (every input votes on the memory format, skipped 1-d empty ones too)
        fmt = _cat_layout(ts, shape) if n in (4, 5) else contiguous_format
        if fmt is contiguous_format:
            res_arr = np.empty(shape, dt.np)
        else:
            res_arr = empty_strided(shape, strides_for_format(shape, fmt), dt.np)
        if len(arrays) == 1:
            np.copyto(res_arr, arrays[0])
        else:
            np.concatenate(arrays, axis=d, out=res_arr)
    if out is not None:
        if needs_grad(*ts):
            raise RuntimeError("cat(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        return write_out(out, res_arr, "cat")
    res = make_tensor(res_arr, dt)
    if _differentiable(dt) and needs_grad(*ts):
        record(_CatNode, tuple(ts), res,
               {"dim": d, "sizes": sizes, "dtypes": [t._dtype for t in ts],
                "skipped": [_is_skipped(t) for t in ts]})
    return res


def _cat_backward(ctx, grad):
    s = ctx.saved
    d = s["dim"]
    out = []
    off = 0
    for size, dt, skipped in zip(s["sizes"], s["dtypes"], s["skipped"]):
        if not _differentiable(dt):
            out.append(None)
            continue
        if skipped:
            out.append(_zeros((0,), dt))
            continue
        out.append(_cast_grad(grad.narrow(d, off, size), dt))
        off += size
    return tuple(out)


_CatNode = _set_backward("CatBackward0", _cat_backward)


def stack(tensors, dim=0, *, out=None):
    """Join equally shaped tensors along a new dimension.

    >>> ember.stack([ember.zeros(2), ember.ones(2)], 1).shape
    ember.Size([2, 2])
    """
    if _amp.ACTIVE[0]:
        if isinstance(tensors, (list, tuple)):
            tensors = _amp.promote(tensors)
    ts = tensor_list(tensors, "stack")
    if not ts:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = ts[0]._array.shape
    for i, t in enumerate(ts):
        if t._array.shape is not shape and t._array.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{shape_str(shape)} at entry 0 and {shape_str(t._array.shape)} at "
                               f"entry {i}")
    d = wrap_dim(dim, len(shape) + 1)
    dt = _fold_dtype(ts)
    if out is not None and isinstance(out, Tensor) and not D.can_cast(dt, out._dtype):
        raise TypeError("torch.cat(): input types can't be cast to the desired output type "
                        f"{out._dtype.scalar_name}")
    key = (slice(None),) * d + (None,)
    res_arr = np.concatenate([_arr(t, dt)[key] for t in ts], axis=d)
    if not res_arr.flags.c_contiguous:
        res_arr = c_array(res_arr)
    if out is not None:
        if needs_grad(*ts):
            raise RuntimeError("stack(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        return write_out(out, res_arr, "stack")
    res = make_tensor(res_arr, dt)
    if _differentiable(dt) and needs_grad(*ts):
        record(_StackNode, tuple(ts), res, {"dim": d, "dtypes": [t._dtype for t in ts]})
    return res


def _stack_backward(ctx, grad):
    s = ctx.saved
    parts = grad.unbind(s["dim"])
    return tuple(_cast_grad(g, dt) if _differentiable(dt) else None
                 for g, dt in zip(parts, s["dtypes"]))


_StackNode = _set_backward("StackBackward0", _stack_backward)


def _stack_family(fname, tensors, make, dim_of, out):
    ts = tensor_list(tensors, fname)
    if not ts:
        raise RuntimeError(f"{fname} expects a non-empty TensorList")
    ts = [make(t) for t in ts]
    return cat(ts, dim_of(ts), out=out)


def hstack(tensors, *, out=None):
    """Concatenate column-wise (along dim 1, or 0 for 1-d inputs)."""
    return _stack_family("hstack", tensors, atleast_1d,
                         lambda ts: 0 if ts[0]._array.ndim == 1 else 1, out)


def vstack(tensors, *, out=None):
    """Concatenate row-wise after making inputs at least 2-d."""
    return _stack_family("vstack", tensors, atleast_2d, lambda ts: 0, out)


def row_stack(tensors, *, out=None):
    """Alias of vstack."""
    return _stack_family("vstack", tensors, atleast_2d, lambda ts: 0, out)


def dstack(tensors, *, out=None):
    """Concatenate depth-wise (dim 2) after making inputs at least 3-d."""
    return _stack_family("dstack", tensors, atleast_3d, lambda ts: 2, out)


def _as_column(t):
    if t._array.ndim <= 1:
        return t.reshape(t._array.size, 1)
    return t


def column_stack(tensors, *, out=None):
    """Stack 0-d/1-d tensors as columns (others as they are) along dim 1."""
    return _stack_family("column_stack", tensors, _as_column, lambda ts: 1, out)


# ---------------------------------------------------------------------------- atleast_Nd
def _atleast(fn, tensors):
    if len(tensors) == 1:
        x = tensors[0]
        if isinstance(x, Tensor):
            return fn(x)
        if isinstance(x, (list, tuple)):
            return tuple(fn(t) for t in x)
    return tuple(fn(t) for t in tensors)


def _at1(t):
    return t.reshape(1) if t._array.ndim == 0 else t


def _at2(t):
    n = t._array.ndim
    if n == 0:
        return t.reshape(1, 1)
    if n == 1:
        return t.unsqueeze(0)
    return t


def _at3(t):
    n = t._array.ndim
    if n == 0:
        return t.reshape(1, 1, 1)
    if n == 1:
        return t.unsqueeze(0).unsqueeze(-1)
    if n == 2:
        return t.unsqueeze(-1)
    return t


def atleast_1d(*tensors):
    """Views with at least one dimension (a tuple for several inputs)."""
    return _atleast(_at1, tensors)


def atleast_2d(*tensors):
    """Views with at least two dimensions (a 1-d input becomes a row)."""
    return _atleast(_at2, tensors)


def atleast_3d(*tensors):
    """Views with at least three dimensions."""
    return _atleast(_at3, tensors)


# ---------------------------------------------------------------------------- split family
def _multi_views(self, arrays, node_cls, saved, name):
    """Views of ``self`` sharing one multi-output node (split, chunk); in-place on them is
    refused as in PyTorch (``_multi_view``)."""
    outs = [make_view(self, arr, None) for arr in arrays]
    if _GRAD.enabled:  # made in no_grad mode, they are "no_grad views" instead
        for i, o in enumerate(outs):
            o._multi_view = (name, i)
    if self._requires_grad and _GRAD.enabled:
        for o in outs:
            o.__dict__.pop("_view_no_grad", None)
        record(node_cls, (self,), outs, saved)
    return tuple(outs)


def _split_sizes_views(self, d, sizes):
    a = self._array
    arrays = []
    off = 0
    pre = (slice(None),) * d
    for s in sizes:
        arrays.append(a[pre + (slice(off, off + s),)])
        off += s
    return arrays


def _split_int(self, split_size, d):
    a = self._array
    n = a.shape[d]
    if split_size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={split_size}")
    if split_size == 0 and n != 0:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension "
                           f"size of {n}")
    num = max((n + split_size - 1) // split_size, 1) if split_size else 1
    last = split_size - (split_size * num - n)
    sizes = [split_size] * (num - 1) + [last]
    return _multi_views(self, _split_sizes_views(self, d, sizes), _SplitNode,
                        {"dim": d, "sizes": sizes, "self_sym_sizes": a.shape}, "Split")


def _split_with_sizes(self, sizes, d, raw_dim=None):
    a = self._array
    n = a.shape[d]
    for s in sizes:
        if s < 0:
            raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative "
                               f"entries, but got split_sizes={shape_str(sizes)}")
    if sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                           f"tensor's size at dimension {d if raw_dim is None else raw_dim}), but "
                           f"got split_sizes={shape_str(sizes)}")
    return _multi_views(self, _split_sizes_views(self, d, sizes), _SplitWithSizesNode,
                        {"dim": d, "sizes": list(sizes), "self_sym_sizes": a.shape},
                        "SplitWithSizes")


def _split_backward(ctx, grads):
    s = ctx.saved
    if isinstance(grads, Tensor):
        grads = (grads,)
    return cat(list(grads), s["dim"])


_SplitNode = _set_backward("SplitBackward0", _split_backward)
_SplitWithSizesNode = _set_backward("SplitWithSizesBackward0", _split_backward)


def split(tensor, split_size_or_sections, dim=0):
    """Split into chunks of ``split_size`` (the last may be smaller) or of the listed sizes;
    the chunks are views.

    >>> [t.shape[0] for t in ember.arange(5).split(2)]
    [2, 2, 1]
    """
    a = tensor._array
    if a.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, a.ndim)
    s = split_size_or_sections
    if isinstance(s, Tensor) and s._array.ndim == 0:
        s = s.item()
    if isinstance(s, (list, tuple)):
        return _split_with_sizes(tensor, _int_seq(s, "split_with_sizes", "split_sizes", 2), d, dim)
    if isinstance(s, Tensor):
        raise TypeError("split_with_sizes(): argument 'split_sizes' (position 2) must be tuple of "
                        "ints, not Tensor")
    return _split_int(tensor, _int_arg(s, "split", "split_size", 2), d)


@tensor_method("split")
def _tensor_split_method(self, split_size, dim=0):
    return split(self, split_size, dim)


@tensor_method()
def split_with_sizes(self, split_sizes, dim=0):
    a = self._array
    if a.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    return _split_with_sizes(self, _int_seq(split_sizes, "split_with_sizes", "split_sizes", 1),
                             wrap_dim(dim, a.ndim), dim)


@tensor_method()
def chunk(self, chunks, dim=0):
    """Split into ``chunks`` views of size ceil(n / chunks) (fewer when that covers n).

    >>> [t.numel() for t in ember.arange(12).chunk(5)]
    [3, 3, 3, 3]
    """
    a = self._array
    if a.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    chunks = _int_arg(chunks, "chunk", "chunks", 2)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = wrap_dim(dim, a.ndim)
    n = a.shape[d]
    size = (n + chunks - 1) // chunks
    if size == 0 and n == 0:
        return _split_with_sizes(self, [0] * chunks, d)
    return _split_int(self, size, d)


def _offset_array(a, offset, shape, strides):
    """A view of ``a``'s memory starting ``offset`` elements in (even for an empty result,
    where the offset falls back to 0 if it lies past the buffer)."""
    try:
        return _as_strided(a, shape, strides, offset)
    except ValueError:
        if 0 in shape:
            return _as_strided(a, shape, strides, 0)
        raise


def _slice(self, d, start, stop):
    """``self`` narrowed to [start, stop) on dim ``d`` with Python's clamping (a view with
    PyTorch's storage offset, also when empty)."""
    a = self._array
    n = a.shape[d]
    start = min(max(start + n if start < 0 else start, 0), n)
    stop = min(max(stop + n if stop < 0 else stop, 0), n)
    stop = max(stop, start)
    st = strides_of(a)
    shape = a.shape[:d] + (stop - start,) + a.shape[d + 1:]
    if stop > start:
        arr = a[(slice(None),) * d + (slice(start, stop),)]
    else:
        arr = _offset_array(a, start * st[d] if a.size else 0, shape, st)
    return make_view(self, arr, "SliceBackward0",
                     {"dim": d, "start": start, "end": stop, "step": 1,
                      "self_sym_sizes": a.shape})


def _tensor_split_indices(self, d, indices):
    n = self._array.shape[d]
    bounds = [0] + list(indices) + [n]
    outs = []
    for i in range(len(bounds) - 1):
        start = bounds[i]
        outs.append(_slice(self, d, start, bounds[i + 1]))
    return tuple(outs)


@tensor_method()
def tensor_split(self, indices_or_sections=None, dim=0, *, sections=None, indices=None,
                 tensor_indices_or_sections=None):
    """Split into ``sections`` nearly equal parts, or at the given ``indices`` (views).

    >>> [t.numel() for t in ember.arange(7).tensor_split(3)]
    [3, 2, 2]
    """
    ios = indices_or_sections
    for v in (sections, indices, tensor_indices_or_sections):
        if v is not None:
            ios = v
    a = self._array
    if a.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           f"tensor with {a.ndim} dims")
    if isinstance(ios, Tensor):
        t = ios
        if t._dtype is not D.int64:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have dtype of "
                               f"long, but got {t._dtype.scalar_name}")
        if t._array.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a "
                               "zero-dimensional or one-dimensional tensor, but got a tensor with "
                               f"{t._array.ndim} dims")
        ios = int(t._array) if t._array.ndim == 0 else [int(v) for v in t._array.tolist()]
    d = wrap_dim(dim, a.ndim)
    if isinstance(ios, (list, tuple)):
        return _tensor_split_indices(self, d, _int_seq(ios, "tensor_split", "indices", 2))
    k = _int_arg(ios, "tensor_split", "sections", 2)
    if k <= 0:
        raise RuntimeError(f"number of sections must be larger than 0, got {k}")
    n = a.shape[d]
    base, extra = divmod(n, k)
    outs = []
    start = 0
    for i in range(k):
        size = base + (1 if i < extra else 0)
        outs.append(_slice(self, d, start, start + size))
        start += size
    return tuple(outs)


def _xsplit(fname, self, ios, need, d):
    n = self._array.ndim
    if n < need:
        raise RuntimeError(f"torch.{fname} requires a tensor with at least {need} dimension, but "
                           f"got a tensor with {n} dimensions!")
    if not isinstance(ios, (list, tuple)) and not isinstance(ios, Tensor):
        k = _int_arg(ios, fname, "sections", 2)
        size = self._array.shape[d]
        if k == 0 or size % k:
            raise RuntimeError(f"torch.{fname} attempted to split along dimension {d}, but the "
                               f"size of the dimension {size} is not divisible by the split_size "
                               f"{k}!")
    return tensor_split(self, ios, d)


@tensor_method()
def hsplit(self, indices_or_sections):
    """tensor_split along dim 1 (dim 0 for 1-d tensors); sections must divide evenly."""
    return _xsplit("hsplit", self, indices_or_sections, 1, 1 if self._array.ndim > 1 else 0)


@tensor_method()
def vsplit(self, indices_or_sections):
    """tensor_split along dim 0 of an at least 2-d tensor."""
    return _xsplit("vsplit", self, indices_or_sections, 2, 0)


@tensor_method()
def dsplit(self, indices_or_sections):
    """tensor_split along dim 2 of an at least 3-d tensor."""
    return _xsplit("dsplit", self, indices_or_sections, 3, 2)


# ---------------------------------------------------------------------------- movedim, broadcast
@tensor_method()
def movedim(self, source, destination):
    """Move dimensions ``source`` to positions ``destination`` (a permuted view).

    >>> ember.zeros(2, 3, 4).movedim(0, -1).shape
    ember.Size([3, 4, 2])
    """
    n = self._array.ndim
    src = _int_seq(source, "movedim", "source", 2)
    dst = _int_seq(destination, "movedim", "destination", 3)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source "
                           f"({shape_str(src)} dims) should contain the same number of dims as "
                           f"destination ({shape_str(dst)} dims)")
    raw_src, raw_dst = src, dst
    src = [wrap_dim(s, n) for s in src]
    dst = [wrap_dim(s, n) for s in dst]
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({shape_str(raw_src)})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({shape_str(raw_dst)})")
    if n == 0:
        return self[...]        # PyTorch returns an alias (AliasBackward0) here
    order = [-1] * n
    for s, d_ in zip(src, dst):
        order[d_] = s
    rest = iter(i for i in range(n) if i not in set(src))
    order = [o if o >= 0 else next(rest) for o in order]
    return self.permute(order)


Tensor.moveaxis = movedim


def broadcast_tensors(*tensors):
    """Expand all inputs to their common broadcast shape (views; unchanged inputs returned as
    they are)."""
    ts = tensor_list(list(tensors), "broadcast_tensors")
    shape = ()
    for i, t in enumerate(ts):
        shape = broadcast_shapes2(shape, t._array.shape) if i else t._array.shape
    return tuple(t if t._array.shape == shape else t.expand(shape) for t in ts)


def broadcast_shapes(*shapes):
    """The shape that tensors of the given shapes broadcast to.

    >>> ember.broadcast_shapes((3, 1), (4,))
    ember.Size([3, 4])
    """
    norm = []
    for s in shapes:
        if isinstance(s, (list, tuple, Size)):
            norm.append(s)
        elif hasattr(s, "__index__") and not isinstance(s, bool):
            norm.append((s.__index__(),))
        else:
            raise RuntimeError("Input shapes should be of type ints, a tuple of ints, or a list of "
                               f"ints, got {s!r}")
    n = max((len(s) for s in norm), default=0)
    result = [1] * n
    for idx, s in enumerate(norm):
        s_print = s
        for i in range(-1, -len(s) - 1, -1):
            v = s[i]
            if v < 0:
                raise ValueError("Attempting to broadcast a dimension with negative length!")
            if v == 1 or v == result[i]:
                continue
            if result[i] != 1:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {v} at {i}! "
                                   f"Mismatching argument at index {idx} had {s_print!r}; but "
                                   f"expected shape should be broadcastable to {result!r}")
            result[i] = v
    return Size(result)


# ---------------------------------------------------------------------------- unfold
@tensor_method()
def unfold(self, dimension, size, step):
    """All windows of ``size`` elements taken every ``step`` along ``dimension``, as a new last
    dimension (a view).

    >>> ember.arange(5).unfold(0, 2, 2)
    tensor([[0, 1],
            [2, 3]])
    """
    a = self._array
    n = a.ndim
    d = wrap_dim(dimension, n)
    cur = a.shape[d] if n else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > cur:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {cur} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    st = strides_of(a)
    if n == 0:
        shape, strides = (size,), (1,)
    else:
        count = (cur - size) // step + 1
        shape = a.shape[:d] + (count,) + a.shape[d + 1:] + (size,)
        strides = st[:d] + (st[d] * step,) + st[d + 1:] + (st[d],)
    arr = _as_strided(a, shape, strides)
    return make_view(self, arr, "UnfoldBackward0",
                     {"self_sym_sizes": a.shape, "dimension": d, "size": size, "step": step})


def unfold_backward(grad, shape, d, size, step):
    """The adjoint of unfold: windows of ``grad`` summed back into a tensor of ``shape``."""
    g = grad._array
    res = np.zeros(shape, grad._dtype.np)
    if len(shape) == 0:
        res = g.sum(dtype=res.dtype).reshape(()) if g.size else res
    elif g.size:
        count = g.shape[d]
        gm = np.moveaxis(g, -1, 0)  # (size, ..., count, ...)
        pre = (slice(None),) * d
        for j in range(size):  # NOTE: a loop over the (small) window length only
            res[pre + (slice(j, j + step * (count - 1) + 1, step),)] += gm[j]
    t = make_tensor(res, grad._dtype)
    if needs_grad(grad):
        record(_UnfoldBackwardNode, (grad,), t, {"dimension": d, "size": size, "step": step})
    return t


_UnfoldBackwardNode = _private_node(
    "UnfoldBackwardBackward0",
    lambda ctx, g: g.unfold(ctx.saved["dimension"], ctx.saved["size"], ctx.saved["step"]))
_set_backward("UnfoldBackward0", lambda ctx, g: unfold_backward(
    g, ctx.saved["self_sym_sizes"], ctx.saved["dimension"], ctx.saved["size"], ctx.saved["step"]))


# ---------------------------------------------------------------------------- flip, roll, rot90
def _flip_dims(dims, n):
    ds = [wrap_dim(x, n) for x in dims]
    seen = set()
    for x in ds:
        if x in seen:
            raise RuntimeError(f"dim {x} appears multiple times in the list of dims")
        seen.add(x)
    return ds


def _flipped(self, ds):
    a = self._array
    if self._dtype in _WIDE_UNSIGNED and a.size > 1:
        # NOTE: PyTorch copies untyped unless the innermost (smallest-stride) dim is flipped;
        # only then does its typed kernel run, which lacks these dtypes.
        st = strides_of(a)
        live = [i for i in range(a.ndim) if a.shape[i] > 1 and st[i] != 0]
        if live and min(live, key=lambda i: st[i]) in ds:
            raise missing_kernel("flip_cpu", self._dtype)
    if ds and a.ndim:
        key = tuple(slice(None, None, -1) if i in ds else slice(None) for i in range(a.ndim))
        src = a[key]
    else:
        src = a
    return copy_with_strides(src, preserve_strides(a.shape, strides_of(a)))


def flip(input, dims):
    """A copy with the order of elements reversed along ``dims``.

    >>> ember.arange(3).flip(0)
    tensor([2, 1, 0])
    """
    dims = _int_seq(dims, "flip", "dims", 2)
    ds = _flip_dims(dims, input._array.ndim)
    res = make_tensor(_flipped(input, ds), input._dtype)
    if _differentiable(input._dtype) and needs_grad(input):
        record(_FlipNode, (input,), res, {"dims": ds})
    return res


_FlipNode = _set_backward("FlipBackward0", lambda ctx, g: flip(g, ctx.saved["dims"]))


@tensor_method("flip")
def _flip_method(self, *dims):
    if len(dims) == 1 and isinstance(dims[0], (list, tuple, Size)):
        dims = dims[0]
    return flip(self, dims)


@tensor_method()
def fliplr(self):
    """flip(1) of an at least 2-d tensor."""
    if self._array.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(self, (1,))


@tensor_method()
def flipud(self):
    """flip(0) of an at least 1-d tensor."""
    if self._array.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(self, (0,))


def _roll_array(a, shifts, dims):
    res = a
    for s, d in zip(shifts, dims):
        n = res.shape[d]
        if n == 0:
            continue
        s %= n
        if s == 0:
            continue
        pre = (slice(None),) * d
        res = np.concatenate([res[pre + (slice(n - s, None),)], res[pre + (slice(0, n - s),)]],
                             axis=d)
    return np.array(res, order="C", copy=True) if res is a or not res.flags.c_contiguous else res


@tensor_method()
def roll(self, shifts, dims=None):
    """Rotate elements along ``dims`` by ``shifts`` (of the flattened tensor without dims).

    >>> ember.arange(4).roll(1)
    tensor([3, 0, 1, 2])
    """
    a = self._array
    shifts_t = _int_seq(shifts, "roll", "shifts", 2)
    dims_t = () if dims is None else _int_seq(dims, "roll", "dims", 3)
    if not shifts_t:
        raise RuntimeError("`shifts` required")
    if dims is not None and len(shifts_t) != len(dims_t) or dims is None and len(shifts_t) > 1:
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts_t)}, "
                           f"dims:{len(dims_t)}")
    if a.size == 0:
        arr = np.empty(a.shape, a.dtype)   # nothing to move, dims unchecked (PyTorch's order)
        ds = None
    elif dims is None:
        flat = a.reshape(-1)
        arr = _roll_array(flat, shifts_t, (0,)).reshape(a.shape)
        ds = None
    else:
        ds = tuple(wrap_dim_strict(x, a.ndim) for x in dims_t)
        arr = _roll_array(a, shifts_t, ds)
    res = make_tensor(arr, self._dtype)
    if _differentiable(self._dtype) and needs_grad(self):
        record(_RollNode, (self,), res, {"shifts": shifts_t, "dims": ds})
    return res


def _roll_backward(ctx, g):
    s = ctx.saved
    if g._array.size == 0:
        return g
    neg = tuple(-x for x in s["shifts"])
    return roll(g, neg, s["dims"])


_RollNode = _set_backward("RollBackward0", _roll_backward)


@tensor_method()
def rot90(self, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``dims`` (from the first towards the
    second).

    >>> ember.tensor([[1, 2], [3, 4]]).rot90()
    tensor([[2, 4],
            [1, 3]])
    """
    dims = _int_seq(dims, "rot90", "dims", 3)
    a = self._array
    n = a.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if n < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {n}")
    d0, d1 = wrap_dim(dims[0], n), wrap_dim(dims[1], n)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and "
                           f"dim1 = {dims[1]}")
    k = k % 4
    perm = list(range(n))
    perm[d0], perm[d1] = d1, d0
    if k == 1:
        arr = _flipped(self, [d1]).transpose(perm)
    elif k == 2:
        arr = _flipped(self, [d0, d1])
    elif k == 3:
        arr = _flipped(self, [d0]).transpose(perm)
    else:
        arr = np.array(a, order="C", copy=True)
    res = make_tensor(arr, self._dtype)
    if _differentiable(self._dtype) and needs_grad(self):
        record(_Rot90Node, (self,), res, {"k": k, "dims": (d0, d1)})
    return res


_Rot90Node = _set_backward("Rot90Backward0",
                           lambda ctx, g: rot90(g, -ctx.saved["k"], ctx.saved["dims"]))


# ---------------------------------------------------------------------------- repeat, tile
@tensor_method()
def repeat(self, *sizes):
    """Tile the tensor ``sizes[i]`` times along each dimension (leading new dimensions allowed).

    >>> ember.tensor([1, 2]).repeat(2)
    tensor([1, 2, 1, 2])
    """
    if len(sizes) == 1 and isinstance(sizes[0], (list, tuple, Size)):
        sizes = sizes[0]
    reps = _int_seq(tuple(sizes), "repeat", "repeats", 1)
    a = self._array
    if len(reps) < a.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    lead = len(reps) - a.ndim
    padded = (1,) * lead + a.shape
    target = tuple(p * r for p, r in zip(padded, reps))
    for t in target:
        if t < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {t}: "
                               f"{shape_str(target)}")
    src = a.reshape(padded)
    if 0 in target:
        arr = np.empty(target, a.dtype)
    else:
        arr = np.tile(src, reps) if reps else np.array(src, copy=True)
        if not arr.flags.c_contiguous or arr.base is not None and np.shares_memory(arr, a):
            arr = np.array(arr, order="C")
    res = make_tensor(arr, self._dtype)
    if _differentiable(self._dtype) and needs_grad(self):
        record(_RepeatNode, (self,), res, {"repeats": reps, "self_sym_sizes": a.shape})
    return res


def _repeat_backward(ctx, g):
    s = ctx.saved
    reps, shape = s["repeats"], s["self_sym_sizes"]
    lead = len(reps) - len(shape)
    padded = (1,) * lead + tuple(shape)
    inter = []
    for r, p in zip(reps, padded):
        inter += [r, p]
    g = g.reshape(inter)
    g = g.sum(tuple(range(0, 2 * len(reps), 2)))
    return g.reshape(shape) if g._array.shape != tuple(shape) else g


_RepeatNode = _set_backward("RepeatBackward0", _repeat_backward)


def tile(input, dims):
    """``repeat`` with missing leading repeats taken as 1.

    >>> ember.tensor([[1], [2]]).tile(2).shape
    ember.Size([2, 2])
    """
    reps = _int_seq(dims, "tile", "dims", 2)
    n = input._array.ndim
    if len(reps) < n:
        reps = (1,) * (n - len(reps)) + reps
    return repeat(input, reps)


@tensor_method("tile")
def _tile_method(self, *dims):
    if len(dims) == 1 and isinstance(dims[0], (list, tuple, Size)):
        dims = dims[0]
    return tile(self, dims)


# ---------------------------------------------------------------------------- repeat_interleave
def _repeats_array(repeats, what):
    r = repeats
    if r._dtype not in (D.int32, D.int64):
        raise missing_kernel("repeat_interleave_cpu", r._dtype)
    arr = r._array
    if arr.size and arr.min() < 0:
        raise RuntimeError("repeats can not be negative")
    return arr


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element (or slice along ``dim``) ``repeats`` times; with only a tensor of
    counts, repeat each index that many times.

    >>> ember.tensor([1, 2]).repeat_interleave(2)
    tensor([1, 1, 2, 2])
    >>> ember.repeat_interleave(ember.tensor([2, 1]))
    tensor([0, 0, 1])
    """
    if repeats is None:
        r = input
        if r._array.ndim != 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        arr = _repeats_array(r, "repeats")
        total = int(arr.sum()) if arr.size else 0
        if output_size is not None and output_size != total:
            raise RuntimeError("allocated size does not match required size")
        res = np.repeat(np.arange(arr.shape[0], dtype=r._dtype.np), arr.astype(np.int64))
        return make_tensor(res, r._dtype)
    x = input
    if dim is None:
        x = x.flatten()
        d = 0
    else:
        d = wrap_dim(dim, x._array.ndim)
    if isinstance(repeats, Tensor):
        r = repeats
        if r._array.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        n = x._array.shape[d] if x._array.ndim else 1
        if r._array.ndim == 1 and r._array.shape[0] != 1 and r._array.shape[0] != n:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {r._array.shape[0]} and input.size({d}) = {n}")
        arr = _repeats_array(r, "repeats")
        counts = np.broadcast_to(arr.reshape(-1), (n,)).astype(np.int64)
        total = int(counts.sum())
        if output_size is not None and output_size != total:
            raise RuntimeError("allocated size does not match required size")
        idx = np.repeat(np.arange(n, dtype=np.int64), counts)
        if x._array.ndim == 0:
            x = x.reshape(1)
        return index_select_(x, d, idx)
    reps = _int_arg(repeats, "repeat_interleave", "repeats", 2)
    if reps < 0:
        raise RuntimeError("Repeats must be non-negative")
    n = x._array.shape[d] if x._array.ndim else 1
    if output_size is not None and output_size != n * reps:
        raise RuntimeError(f"repeat_interleave: Invalid output_size, expected {n * reps} but got "
                           f"{output_size}")
    u = x.unsqueeze(d + 1)
    shape = list(u._array.shape)
    shape[d + 1] = reps
    e = u.expand(shape).clone(memory_format=contiguous_format)
    return e.flatten(d, d + 1)


_RI_SIGS = ("Tensor repeats, int dim = None, *, int output_size = None",
            "int repeats, int dim = None, *, int output_size = None")


@tensor_method("repeat_interleave")
def _repeat_interleave_method(self, *args, **kwargs):
    if not args and "repeats" not in kwargs:
        from .._dispatch import invalid_arguments
        raise invalid_arguments("repeat_interleave", args, kwargs, _RI_SIGS)
    return repeat_interleave(self, *args, **kwargs)


# ---------------------------------------------------------------------------- tril / triu
def _tri_mask(shape, k, lower):
    r, c = shape[-2], shape[-1]
    i = np.arange(r).reshape(-1, 1)
    j = np.arange(c).reshape(1, -1)
    return (j - i <= k) if lower else (j - i >= k)


def _tri(name, input, diagonal, out, lower):
    a = input._array
    if a.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    dt = input._dtype
    if dt in _WIDE_UNSIGNED:
        raise missing_kernel(name, dt)
    k = _int_arg(diagonal, name, "diagonal", 2)
    mask = _tri_mask(a.shape, k, lower)
    arr = np.zeros(a.shape, dt.np)
    np.copyto(arr, a, where=mask)
    if out is not None:
        _check_out_dtype_exact(out, dt)
        if needs_grad(input):
            raise RuntimeError(f"{name}(): functions with out=... arguments don't support "
                               "automatic differentiation, but one of the arguments requires grad.")
        return write_out(out, arr, name)
    res = make_tensor(arr, dt)
    if _differentiable(dt) and needs_grad(input):
        record(_TrilNode if lower else _TriuNode, (input,), res, {"diagonal": k})
    return res


def _tri_(name, self, diagonal, lower):
    a = self._array
    if a.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    if self._dtype in _WIDE_UNSIGNED:
        raise missing_kernel(name, self._dtype)
    k = _int_arg(diagonal, name + "_", "diagonal", 1)
    check_inplace(self)
    grad = needs_grad(self)
    np.copyto(a, np.zeros((), a.dtype), where=~_tri_mask(a.shape, k, lower))
    self._bump_version()
    if grad and _differentiable(self._dtype):
        rebase_inplace(self, _TrilNode if lower else _TriuNode, (self,), {"diagonal": k})
    return self


def tril(input, diagonal=0, *, out=None):
    """The lower triangle (on and below diagonal ``diagonal``) of the last two dims; zeros
    elsewhere.

    >>> ember.ones(2, 2).tril()
    tensor([[1., 0.],
            [1., 1.]])
    """
    return _tri("tril", input, diagonal, out, True)


def triu(input, diagonal=0, *, out=None):
    """The upper triangle (on and above diagonal ``diagonal``) of the last two dims."""
    return _tri("triu", input, diagonal, out, False)


_TrilNode = _set_backward("TrilBackward0", lambda ctx, g: tril(g, ctx.saved["diagonal"]))
_TriuNode = _set_backward("TriuBackward0", lambda ctx, g: triu(g, ctx.saved["diagonal"]))
Tensor.tril = lambda self, diagonal=0: tril(self, diagonal)
Tensor.triu = lambda self, diagonal=0: triu(self, diagonal)
Tensor.tril_ = lambda self, diagonal=0: _tri_("tril", self, diagonal, True)
Tensor.triu_ = lambda self, diagonal=0: _tri_("triu", self, diagonal, False)


# ---------------------------------------------------------------------------- diagonals
def _diag_geometry(shape, strides, offset, d1, d2):
    """(shape, strides, element offset) of the diagonal view."""
    s1, s2 = shape[d1], shape[d2]
    if offset >= 0:
        length = max(min(s1, s2 - offset), 0)
        start = offset * strides[d2]
    else:
        length = max(min(s1 + offset, s2), 0)
        start = -offset * strides[d1]
    if length == 0:
        start = 0
    keep = [i for i in range(len(shape)) if i not in (d1, d2)]
    vshape = tuple(shape[i] for i in keep) + (length,)
    vstrides = tuple(strides[i] for i in keep) + (strides[d1] + strides[d2],)
    return vshape, vstrides, start


def _diag_dims(n, dim1, dim2):
    d1, d2 = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def _diag_view_array(a, offset, d1, d2):
    vshape, vstrides, start = _diag_geometry(a.shape, strides_of(a), offset, d1, d2)
    return _offset_array(a, start, vshape, vstrides)


@tensor_method()
def diagonal(self, offset=0, dim1=0, dim2=1):
    """The diagonal at ``offset`` of the planes (dim1, dim2), as a view in a new last dim.

    >>> ember.arange(9).reshape(3, 3).diagonal()
    tensor([0, 4, 8])
    """
    a = self._array
    d1, d2 = _diag_dims(a.ndim, dim1, dim2)
    arr = _diag_view_array(a, offset, d1, d2)
    return make_view(self, arr, "DiagonalBackward0",
                     {"self_sym_sizes": a.shape, "offset": offset, "dim1": d1, "dim2": d2})


def diagonal_scatter_zeros(grad, shape, offset, d1, d2):
    """zeros(shape) with ``grad`` written on the diagonal (the adjoint of diagonal)."""
    res = np.zeros(shape, grad._dtype.np)
    view = _diag_view_array(res, offset, d1, d2)
    if view.size:
        view[...] = grad._array
    t = make_tensor(res, grad._dtype)
    if needs_grad(grad):
        record(_DiagonalBackwardNode, (grad,), t, {"offset": offset, "dim1": d1, "dim2": d2})
    return t


_DiagonalBackwardNode = _private_node(
    "DiagonalBackwardBackward0",
    lambda ctx, g: g.diagonal(ctx.saved["offset"], ctx.saved["dim1"], ctx.saved["dim2"]))


def _diagonal_backward(ctx, g):
    s = ctx.saved
    return diagonal_scatter_zeros(g, s["self_sym_sizes"], s["offset"], s["dim1"], s["dim2"])


_set_backward("DiagonalBackward0", _diagonal_backward)
_set_backward("DiagonalBackward0_copy", _diagonal_backward)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Tensors whose diagonals (in the planes dim1, dim2) are the last dim of ``input``.

    >>> ember.diag_embed(ember.tensor([1, 2]))
    tensor([[1, 0],
            [0, 2]])
    """
    a = input._array
    n = a.ndim + 1
    d1, d2 = _diag_dims(n, dim1, dim2)
    m = a.shape[-1] + abs(offset)
    rest = list(a.shape[:-1])
    shape = []
    for i in range(n):
        shape.append(m if i in (d1, d2) else rest.pop(0))
    res = np.zeros(shape, input._dtype.np)
    view = _diag_view_array(res, offset, d1, d2)
    if view.size:
        view[...] = a
    t = make_tensor(res, input._dtype)
    if _differentiable(input._dtype) and needs_grad(input):
        record(_DiagEmbedNode, (input,), t, {"offset": offset, "dim1": d1, "dim2": d2})
    return t


_DiagEmbedNode = _set_backward(
    "DiagEmbedBackward0",
    lambda ctx, g: g.diagonal(ctx.saved["offset"], ctx.saved["dim1"], ctx.saved["dim2"]))


def diag(input, diagonal=0, *, out=None):
    """A 1-d tensor as the ``diagonal``-th diagonal of a square matrix, or a matrix's diagonal
    as a 1-d copy.

    >>> ember.diag(ember.tensor([[1, 2], [3, 4]]))
    tensor([1, 4])
    """
    n = input._array.ndim
    k = _int_arg(diagonal, "diag", "diagonal", 2)
    if n == 1:
        res = diag_embed(input, k, 0, 1)
    elif n == 2:
        arr = np.array(_diag_view_array(input._array, k, 0, 1), copy=True)
        res = make_tensor(arr, input._dtype)
        if _differentiable(input._dtype) and needs_grad(input):
            record(node_class("DiagonalBackward0_copy"), (input,), res,
                   {"self_sym_sizes": input._array.shape, "offset": k, "dim1": 0, "dim2": 1})
    else:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {n}D")
    if out is not None:
        if needs_grad(input):
            raise RuntimeError("diag(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        return write_out(out, res._array, "diag")
    return res


def trace(input):
    """Sum of the main diagonal of a matrix (integers sum in int64).

    >>> ember.trace(ember.tensor([[1, 2], [3, 4]]))
    tensor(5)
    """
    a = input._array
    if a.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {a.ndim}")
    dt = input._dtype
    if dt is D.bool_ or dt in _WIDE_UNSIGNED:
        raise missing_kernel("trace", dt)
    rdt = D.int64 if dt.category == 1 else dt
    d = _diag_view_array(a, 0, 0, 1)
    val = np.sum(d, dtype=rdt.np if dt is not D.bfloat16 else np.float32)
    res = make_tensor(np.asarray(val).astype(rdt.np), rdt)
    if _differentiable(dt) and needs_grad(input):
        record(_TraceNode, (input,), res, {"self_sym_sizes": a.shape})
    return res


def _trace_backward(ctx, g):
    shape = ctx.saved["self_sym_sizes"]
    n = min(shape)
    return diagonal_scatter_zeros(g.expand(n), shape, 0, 0, 1)


_TraceNode = _set_backward("TraceBackward0", _trace_backward)


# ---------------------------------------------------------------------------- products
def _unsafe_view(t, shape):
    """A reshape that must not copy (PyTorch's _unsafe_view): UnsafeViewBackward0, no _base."""
    arr = _view_shape(t, tuple(shape))
    if arr is None:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                           "least one dimension spans across two contiguous subspaces). Use "
                           ".reshape(...) instead.")
    res = make_tensor(arr, t._dtype)
    if t._requires_grad and _GRAD.enabled:
        record(node_class("UnsafeViewBackward0"), (t,), res, {"self_sym_sizes": t._array.shape})
    return res


def kron(input, other, *, out=None):
    """The Kronecker product.

    >>> ember.kron(ember.tensor([1, 2]), ember.tensor([1, 10]))
    tensor([ 1, 10,  2, 20])
    """
    a, b = input, other
    nd = max(a._array.ndim, b._array.ndim)
    sa = (1,) * (nd - a._array.ndim) + a._array.shape
    sb = (1,) * (nd - b._array.ndim) + b._array.shape
    ra, rb, rs = [], [], []
    for x, y in zip(sa, sb):
        ra += [x, 1]
        rb += [1, y]
        rs.append(x * y)
    res = _unsafe_view(a, ra) * _unsafe_view(b, rb)
    res = _unsafe_view(res, rs)
    if out is not None:
        return write_out(out, res._array, "kron")
    return res


def cartesian_prod(*tensors):
    """All combinations of one element from each 1-d input, as rows.

    >>> ember.cartesian_prod(ember.tensor([1, 2]), ember.tensor([3, 4]))
    tensor([[1, 3],
            [1, 4],
            [2, 3],
            [2, 4]])
    """
    ts = tensor_list(list(tensors), "cartesian_prod")
    for t in ts:
        if t._array.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {shape_str(t._array.shape)}")
    if len(ts) == 1:
        return ts[0]
    if not ts:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in ts[1:]:
        if t._dtype is not ts[0]._dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    sizes = [t._array.shape[0] for t in ts]
    cols = []
    for i, t in enumerate(ts):
        shape = [1] * len(ts)
        shape[i] = -1
        cols.append(t.view(shape).expand(sizes).reshape(-1))
    return stack(cols, 1)


def combinations(input, r=2, with_replacement=False):
    """All length-``r`` combinations of the elements of a 1-d tensor, as rows.

    >>> ember.combinations(ember.tensor([1, 2, 3]))
    tensor([[1, 2],
            [1, 3],
            [2, 3]])
    """
    a = input._array
    if a.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {shape_str(a.shape)}")
    r = _int_arg(r, "combinations", "r", 2)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return make_tensor(np.empty((0,), input._dtype.np), input._dtype)
    n = a.shape[0]
    grids = np.indices((n,) * r).reshape(r, -1)
    if r > 1:
        cmp = np.less_equal if with_replacement else np.less
        mask = np.logical_and.reduce([cmp(grids[k], grids[k + 1]) for k in range(r - 1)])
        grids = grids[:, mask]
    cols = [index_select_(input, 0, grids[k]) for k in range(r)]
    return stack(cols, 1)


def block_diag(*tensors):
    """A block-diagonal matrix with the inputs (0-d, 1-d or 2-d) as blocks.

    >>> ember.block_diag(ember.tensor([[1]]), ember.tensor([[2, 3]]))
    tensor([[1, 0, 0],
            [0, 2, 3]])
    """
    ts = tensor_list(list(tensors), "block_diag")
    for i, t in enumerate(ts):
        if t._array.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {t._array.ndim} dimensions")
    if not ts:
        dt = D.get_default_dtype()
        return make_tensor(empty_strided((1, 0), (1, 1), dt.np), dt)
    dt = _fold_dtype(ts)
    blocks = []
    for t in ts:
        a = t._array
        blocks.append(a.reshape(1, -1) if a.ndim < 2 else a)
    rows = sum(b.shape[0] for b in blocks)
    cols = sum(b.shape[1] for b in blocks)
    res = np.zeros((rows, cols), dt.np)
    r0 = c0 = 0
    spans = []
    for b in blocks:
        res[r0:r0 + b.shape[0], c0:c0 + b.shape[1]] = b
        spans.append((r0, b.shape[0], c0, b.shape[1]))
        r0 += b.shape[0]
        c0 += b.shape[1]
    out = make_tensor(res, dt)
    if _differentiable(dt) and needs_grad(*ts):
        record(_BlockDiagNode, tuple(ts), out,
               {"spans": spans, "shapes": [t._array.shape for t in ts],
                "dtypes": [t._dtype for t in ts]})
    return out


def _block_diag_backward(ctx, g):
    s = ctx.saved
    out = []
    for (r0, nr, c0, nc), shape, dt in zip(s["spans"], s["shapes"], s["dtypes"]):
        if not _differentiable(dt):
            out.append(None)
            continue
        piece = g.narrow(0, r0, nr).narrow(1, c0, nc)
        if len(shape) < 2:
            piece = piece.reshape(shape)
        out.append(_cast_grad(piece, dt))
    return tuple(out)


_BlockDiagNode = _set_backward("BlockDiagBackward0", _block_diag_backward)


# ---------------------------------------------------------------------------- registration
FUNCTIONS.update(
    cat=cat, concat=cat, concatenate=cat, stack=stack, hstack=hstack, vstack=vstack,
    row_stack=row_stack, dstack=dstack, column_stack=column_stack, split=split,
    tensor_split=tensor_split, chunk=chunk, hsplit=hsplit, vsplit=vsplit, dsplit=dsplit,
    movedim=movedim, moveaxis=movedim, broadcast_tensors=broadcast_tensors,
    broadcast_shapes=broadcast_shapes, roll=roll, flip=flip, fliplr=fliplr, flipud=flipud,
    rot90=rot90, tile=tile, repeat_interleave=repeat_interleave, tril=tril, triu=triu, diag=diag,
    diagonal=diagonal, diag_embed=diag_embed, trace=trace, kron=kron,
    cartesian_prod=cartesian_prod, combinations=combinations, block_diag=block_diag,
    atleast_1d=atleast_1d, atleast_2d=atleast_2d, atleast_3d=atleast_3d,
    split_with_sizes=split_with_sizes)
Tensor.diag = lambda self, diagonal=0: diag(self, diagonal)
Tensor.diag_embed = lambda self, offset=0, dim1=-2, dim2=-1: diag_embed(self, offset, dim1, dim2)
Tensor.trace = trace
Tensor.kron = kron
