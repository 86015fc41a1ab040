"""The ``*_scatter`` ops: the functional inverse of a view. ``diagonal_scatter(x, src)`` is a
copy of ``x`` whose diagonal holds ``src`` (what ``x.diagonal().copy_(src)`` would leave,
without touching ``x``); likewise ``select_scatter``, ``slice_scatter`` and
``as_strided_scatter``. The result keeps ``x``'s layout; ``src`` is cast to ``x``'s dtype.

Derivatives: the input's gradient is the incoming one with the viewed region zeroed (the same
scatter of zeros), the source's gradient is the view of the incoming one.

>>> ember.select_scatter(ember.zeros(2, 2), ember.ones(2), 0, 0)
tensor([[1., 1.],
        [0., 0.]])
"""
import numpy as np

from .._dispatch import FUNCTIONS, record, needs_grad, shape_str
from .._tensor import Tensor, make_tensor
from .._backend import copy_with_strides, empty_strided
from .._memory_format import preserve_strides
from .._tensor import strides_of
from ..autograd.graph import node_class
from ..autograd.grad_mode import no_grad
from .views import _exactly_contiguous


def _check_tensor(x, fname, argname, pos):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _copy_layout(input):
    """A copy of ``input``'s array laid out as ``clone()`` lays it out (dense, same order)."""
    a = input._array
    if _exactly_contiguous(a):
        return a.copy()
    return copy_with_strides(a, preserve_strides(a.shape, strides_of(a)))


def _scatter(fname, input, src, view_of, node_name, saved):
    """``input`` copied, with ``view_of(copy)`` overwritten by ``src``; records ``node_name``."""
    _check_tensor(input, fname, "input", 1)
    _check_tensor(src, fname, "src", 2)
    res = make_tensor(_copy_layout(input), input._dtype)
    with no_grad():
        region = view_of(res)
    if region._array.shape != src._array.shape:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{shape_str(src._array.shape)}, slice size = "
                           f"{shape_str(region._array.shape)}")
    np.copyto(region._array, src._array, casting="unsafe")
    if needs_grad(input, src):
        record(node_class(node_name), (input, src), res, saved)
    return res


def _grads(ctx, grad, view_of, scatter):
    """(grad with the region zeroed, the region of grad in src's dtype)."""
    input, src = ctx.inputs
    g_in = g_src = None
    if input._requires_grad:
        g_in = scatter(grad, grad.new_zeros(view_of(grad).shape))
    if src._requires_grad:
        g_src = view_of(grad)
        if g_src._dtype is not src._dtype:
            g_src = g_src.to(src._dtype)
    return g_in, g_src


# ---------------------------------------------------------------------------- diagonal
def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """``input`` with the diagonal (``offset``, ``dim1``, ``dim2``) replaced by ``src``.

    >>> ember.diagonal_scatter(ember.zeros(2, 2), ember.ones(2))
    tensor([[1., 0.],
            [0., 1.]])
    """
    return _scatter("diagonal_scatter", input, src,
                    lambda t: t.diagonal(offset, dim1, dim2), "DiagonalScatterBackward0",
                    {"offset": offset, "dim1": dim1, "dim2": dim2})


node_class("DiagonalScatterBackward0").backward_fn = staticmethod(lambda ctx, grad: _grads(
    ctx, grad, lambda t: t.diagonal(ctx.saved["offset"], ctx.saved["dim1"], ctx.saved["dim2"]),
    lambda g, z: diagonal_scatter(g, z, ctx.saved["offset"], ctx.saved["dim1"],
                                  ctx.saved["dim2"])))


# ---------------------------------------------------------------------------- select
def select_scatter(input, src, dim, index):
    """``input`` with the slice at ``index`` along ``dim`` replaced by ``src``.

    >>> ember.select_scatter(ember.zeros(2, 2), ember.ones(2), 1, 0)
    tensor([[1., 0.],
            [1., 0.]])
    """
    return _scatter("select_scatter", input, src, lambda t: t.select(dim, index),
                    "SelectScatterBackward0", {"dim": dim, "index": index})


node_class("SelectScatterBackward0").backward_fn = staticmethod(lambda ctx, grad: _grads(
    ctx, grad, lambda t: t.select(ctx.saved["dim"], ctx.saved["index"]),
    lambda g, z: select_scatter(g, z, ctx.saved["dim"], ctx.saved["index"])))


# ---------------------------------------------------------------------------- slice
def _slice(t, dim, start, end, step):
    """``t[..., start:end:step]`` along ``dim`` as the SliceBackward0 view PyTorch makes."""
    from .._tensor import wrap_dim
    from .views import slice_dim
    a = t._array
    if a.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, a.ndim)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    start, end, _ = slice(start, end, step).indices(a.shape[d])
    return slice_dim(t, d, start, max(start, end), step)


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """``input`` with ``input[..., start:end:step, ...]`` (along ``dim``) replaced by ``src``.

    >>> ember.slice_scatter(ember.zeros(4), ember.ones(2), start=2)
    tensor([0., 0., 1., 1.])
    """
    return _scatter("slice_scatter", input, src, lambda t: _slice(t, dim, start, end, step),
                    "SliceScatterBackward0", {"dim": dim, "start": start, "end": end,
                                              "step": step})


node_class("SliceScatterBackward0").backward_fn = staticmethod(lambda ctx, grad: _grads(
    ctx, grad, lambda t: _slice(t, ctx.saved["dim"], ctx.saved["start"], ctx.saved["end"],
                                ctx.saved["step"]),
    lambda g, z: slice_scatter(g, z, ctx.saved["dim"], ctx.saved["start"], ctx.saved["end"],
                               ctx.saved["step"])))


# ---------------------------------------------------------------------------- as_strided
def _laid_out_as(t, shape, strides):
    """``t`` copied into a fresh tensor with the given strides (so as_strided reads the same
    storage positions as on the forward's result)."""
    if t._array.shape == tuple(shape) and strides_of(t._array) == tuple(strides) and \
            t.storage_offset() == 0:
        return t
    buf = make_tensor(empty_strided(shape, strides, t._dtype.np), t._dtype)
    buf._array[...] = 0
    return buf.copy_(t)


def as_strided_scatter(input, src, size, stride, storage_offset=None):
    """``input`` with the elements ``input.as_strided(size, stride, storage_offset)`` would
    view replaced by ``src`` (positions count in the result's own storage).

    >>> ember.as_strided_scatter(ember.zeros(4), ember.ones(2), (2,), (2,))
    tensor([1., 0., 1., 0.])
    """
    out = _scatter("as_strided_scatter", input, src,
                   lambda t: t.as_strided(size, stride, storage_offset),
                   "AsStridedScatterBackward0", {"size": tuple(size), "stride": tuple(stride),
                                                 "storage_offset": storage_offset})
    if out._grad_fn is not None and type(out._grad_fn).__name__ == "AsStridedScatterBackward0":
        out._grad_fn._saved["layout"] = (out._array.shape, strides_of(out._array))
    return out


def _as_strided_scatter_grad(ctx, grad):
    s = ctx.saved
    shape, strides = s["layout"]
    g = _laid_out_as(grad, shape, strides)
    return _grads(ctx, g, lambda t: t.as_strided(s["size"], s["stride"], s["storage_offset"]),
                  lambda g2, z: as_strided_scatter(g2, z, s["size"], s["stride"],
                                                   s["storage_offset"]))


node_class("AsStridedScatterBackward0").backward_fn = staticmethod(_as_strided_scatter_grad)


for _name, _fn in (("diagonal_scatter", diagonal_scatter), ("select_scatter", select_scatter),
                   ("slice_scatter", slice_scatter), ("as_strided_scatter", as_strided_scatter)):
    FUNCTIONS[_name] = _fn
    setattr(Tensor, _name, _fn)
