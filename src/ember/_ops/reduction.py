"""Reductions needed by the core (sum, mean); the full family is the op-library issue's."""
import numpy as np

from .. import _dtype as D
from .._dispatch import FUNCTIONS, tensor_method, record
from .._tensor import Tensor, make_tensor, wrap_dim
from ..autograd.graph import node_class
from ..autograd.grad_mode import STATE as _GRAD


def _dims(dim, ndim):
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        if len(dim) == 0:
            return None
        dims = tuple(wrap_dim(d, ndim) for d in dim)
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
        return dims
    return (wrap_dim(dim, ndim),)


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum of elements (over ``dim`` if given); bool/integer inputs sum in int64.

    >>> ember.tensor([[1, 2], [3, 4]]).sum(0)
    tensor([4, 6])
    """
    a = input._array
    dt = dtype or (D.int64 if input._dtype.category <= 1 else input._dtype)
    dims = _dims(dim, a.ndim)
    arr = a.astype(dt.np, copy=False)
    res = np.sum(arr, axis=dims, keepdims=keepdim, dtype=dt.np)
    t = make_tensor(np.asarray(res), dt)
    if input._requires_grad and _GRAD.enabled:
        name = "SumBackward0" if dim is None else "SumBackward1"
        record(node_class(name), (input,), t,
               {"self_sym_sizes": a.shape, "dim": dims, "keepdim": keepdim})
    return t


def _sum_grad(ctx, grad):
    s = ctx.saved
    shape = s["self_sym_sizes"]
    if s["dims"] if "dims" in s else False:
        pass
    g = grad
    dims = s["dim"]
    if dims is not None and not s["keepdim"]:
        for d in sorted(dims):
            g = g.unsqueeze(d)
    elif dims is None and not s["keepdim"]:
        g = g.reshape((1,) * len(shape))
    return g.expand(shape)


node_class("SumBackward0").backward_fn = staticmethod(_sum_grad)
node_class("SumBackward1").backward_fn = staticmethod(_sum_grad)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Arithmetic mean (floating and complex inputs only)."""
    if dtype is None and input._dtype.category <= 1:
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {input._dtype.scalar_name}")
    a = input._array
    dt = dtype or input._dtype
    dims = _dims(dim, a.ndim)
    res = np.mean(a.astype(dt.np, copy=False), axis=dims, keepdims=keepdim, dtype=dt.np)
    t = make_tensor(np.asarray(res, dtype=dt.np), dt)
    if input._requires_grad and _GRAD.enabled:
        name = "MeanBackward0" if dim is None else "MeanBackward1"
        n = a.size if dims is None else int(np.prod([a.shape[d] for d in dims]))
        record(node_class(name), (input,), t,
               {"self_sym_sizes": a.shape, "dim": dims, "keepdim": keepdim, "n": n})
    return t


def _mean_grad(ctx, grad):
    return _sum_grad(ctx, grad) / ctx.saved["n"]


node_class("MeanBackward0").backward_fn = staticmethod(_mean_grad)
node_class("MeanBackward1").backward_fn = staticmethod(_mean_grad)

FUNCTIONS.update(sum=sum, mean=mean)
Tensor.sum = sum
Tensor.mean = mean
