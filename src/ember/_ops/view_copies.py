"""The ``*_copy`` ops: each view op's functional twin, returning a fresh contiguous tensor with
the view's values (``t_copy``, ``transpose_copy``, ``diagonal_copy``, ``split_copy``, ...).
Their grad_fn is the view's node under PyTorch's ``<ViewNode>_copy`` name (``narrow_copy``'s
is ``NarrowCopyBackward0``), with the view's derivative.

>>> ember.t_copy(ember.arange(6).view(2, 3)).stride()
(2, 1)
"""
import numpy as np

from .._dispatch import FUNCTIONS, write_out, record
from .._tensor import Tensor, make_tensor
from ..autograd.grad_mode import STATE as _GRAD
from ..autograd.graph import node_class
from . import views as _views
from .view_scatter import _slice


def _fresh(v):
    """A contiguous copy of view ``v`` that takes over ``v``'s autograd node."""
    arr = np.array(v._array, order="C", copy=True)
    return make_tensor(arr, v._dtype)


def _adopt(node, outs, copy_name):
    """Make the view node the copies' node, under the copy name. The copy saves no input, so
    later in-place changes of the input do not invalidate it."""
    node.__class__ = node_class(copy_name)
    node._versions = (None,) * len(node._versions)
    for i, o in enumerate(outs):
        if o is not None and (o._dtype.is_floating_point or o._dtype.is_complex):
            o._grad_fn = node
            o._requires_grad = True
            o._output_nr = i


def _copy_op(name, view_fn, node_name=None):
    """Register ``ember.<name>(input, *args, out=None)`` computing ``view_fn(input, *args)``
    as fresh tensors. ``node_name``: the copy's grad_fn name when not ``<view node>_copy``."""
    def fn(input, *args, out=None, **kwargs):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        views = view_fn(input, *args, **kwargs)
        multi = isinstance(views, (tuple, list))
        vs = tuple(views) if multi else (views,)
        outs = tuple(_fresh(v) for v in vs)
        node = None
        for v in vs:
            if v._requires_grad and _GRAD.enabled and v._grad_fn is not None:
                node = v._grad_fn
                break
        if node is not None and outs and outs[0]._dtype.is_complex and \
                not input._dtype.is_complex:
            raise RuntimeError(f"{name} does not support automatic differentiation for outputs "
                               "with complex dtype.")
        if out is not None:
            if multi:
                for o, r in zip(out, outs):
                    write_out(o, r._array, name)
                return None
            return write_out(out, outs[0]._array, name)
        if node is not None:
            view_name = type(node).__name__
            copy_name = node_name or view_name + "_copy"
            cls = node_class(copy_name)
            if cls.backward_fn is None:
                cls.backward_fn = _view_backward(view_name)
            _adopt(node, outs, copy_name)
        return list(outs) if multi else outs[0]
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"A contiguous copy of the view ``{name[:-5]}`` would return (no storage "
                  "sharing); the gradient flows as through the view.")
    FUNCTIONS[name] = fn
    return fn


def _view_backward(view_name):
    if view_name == "AsStridedBackward0":
        # (ember's view node class scatters through its saved geometry)
        return staticmethod(lambda ctx, grad: ctx.saved["geometry"].scatter(grad, grad._dtype))
    return node_class(view_name).backward_fn


def _alias(t):
    return _views.make_view(t, t._array.view(), "AliasBackward0")


def _expand(t, size, *, implicit=False):
    return t.expand(size)


def _view(t, size):
    from .. import _dtype as D
    if isinstance(size, D.dtype):
        return t.view(size)
    try:
        return t.view(tuple(size))
    except RuntimeError:
        # (view_copy also takes layouts view() cannot: it copies anyway)
        return t.reshape(tuple(size))


def _slice_view(t, dim=0, start=None, end=None, step=1):
    return _slice(t, dim, start, end, step)


def _squeeze(t, dim=None):
    return t.squeeze() if dim is None else t.squeeze(dim)


_copy_op("alias_copy", _alias)
_copy_op("as_strided_copy", lambda t, size, stride, storage_offset=None:
         t.as_strided(size, stride, storage_offset))
_copy_op("diagonal_copy", lambda t, offset=0, dim1=0, dim2=1: t.diagonal(offset, dim1, dim2))
_copy_op("expand_copy", _expand)
_copy_op("permute_copy", lambda t, dims: t.permute(dims))
_copy_op("select_copy", lambda t, dim, index: t.select(dim, index))
_copy_op("slice_copy", _slice_view)
_copy_op("split_copy", lambda t, split_size, dim=0: t.split(split_size, dim))
_copy_op("split_with_sizes_copy", lambda t, split_sizes, dim=0: t.split_with_sizes(split_sizes,
                                                                                   dim))
_copy_op("squeeze_copy", _squeeze)
_copy_op("t_copy", lambda t: t.t())
_copy_op("transpose_copy", lambda t, dim0, dim1: t.transpose(dim0, dim1))
_copy_op("unbind_copy", lambda t, dim=0: t.unbind(dim))
_copy_op("unfold_copy", lambda t, dimension, size, step: t.unfold(dimension, size, step))
_copy_op("unsqueeze_copy", lambda t, dim: t.unsqueeze(dim))
_copy_op("view_copy", _view, "ViewBackward0_copy")
_copy_op("view_as_real_copy", lambda t: FUNCTIONS["view_as_real"](t))
_copy_op("view_as_complex_copy", lambda t: FUNCTIONS["view_as_complex"](t))
_narrow_copy = _copy_op("narrow_copy", lambda t, dim, start, length: t.narrow(dim, start, length),
                        "NarrowCopyBackward0")


def _narrow_copy_method(self, dim, start, length):
    """A contiguous copy of ``self.narrow(dim, start, length)``.

    >>> ember.arange(5).narrow_copy(0, 1, 2)
    tensor([1, 2])
    """
    return _narrow_copy(self, dim, start, length)


Tensor.narrow_copy = _narrow_copy_method


def detach_copy(input, *, out=None):
    """A contiguous copy of ``input.detach()``. As in PyTorch, the result of an input that
    requires grad is marked as requiring grad by a node without a derivative.

    >>> ember.detach_copy(ember.ones(2))
    tensor([1., 1.])
    """
    res = make_tensor(np.array(input._array, order="C", copy=True), input._dtype)
    if out is not None:
        return write_out(out, res._array, "detach_copy")
    if _GRAD.enabled and input._requires_grad:
        record(node_class("NotImplemented"), (input,), res, {"op": "aten::detach_copy"})
    return res


FUNCTIONS["detach_copy"] = detach_copy
