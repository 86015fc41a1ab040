"""``ember.pdist`` / ``nn.functional.pdist``: p-norm distances between every pair of rows
(i < j, in row-major order of the upper triangle) of a 2-D tensor.

The backward gathers each pair's difference, applies PyTorch's per-pair formula and scatters
it back (+ to row i, - to row j) with index_add.
"""
import math

import numpy as np

from .. import _dtype as D
from .._dispatch import FUNCTIONS, needs_grad, record, missing_kernel, type_name
from .._tensor import make_tensor
from ..autograd.graph import node_class
from .reduction import _vector_norm_array

__all__ = ["pdist"]

_F = FUNCTIONS


def _pairs(n):
    i, j = np.triu_indices(n, 1)
    return i, j


def pdist(input, p=2):
    """Distances between all pairs of rows, ``[d(0,1), d(0,2), ..., d(n-2,n-1)]``.

    >>> ember.pdist(ember.tensor([[0., 0.], [3., 4.], [6., 8.]]))
    tensor([ 5., 10.,  5.])
    """
    if not hasattr(input, "_array"):
        raise TypeError(f"pdist(): argument 'input' (position 1) must be Tensor, not "
                        f"{type_name(input)}")
    a = input._array
    if a.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {a.ndim}D")
    dt = input._dtype
    if not dt.is_floating_point:
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    if dt not in (D.float32, D.float64):
        raise missing_kernel("pdist", dt)
    i, j = _pairs(a.shape[0])
    diff = a[i] - a[j]
    res = _vector_norm_array(diff, float(p), -1, False) if diff.size else \
        np.zeros(i.size, dt.np)
    out = make_tensor(np.ascontiguousarray(res, dt.np), dt)
    if needs_grad(input):
        record(_PdistNode, (input,), out, {"p": float(p), "result": out})
    return out


def _pdist_backward(ctx, grad):
    """PyTorch does not differentiate pdist's backward: under create_graph the gradient hangs
    off a PdistBackwardBackward0 node that refuses a second derivative."""
    from ..autograd.grad_mode import no_grad, is_grad_enabled
    create = is_grad_enabled()
    with no_grad():
        g = _pdist_grad(ctx, grad)
    if create and needs_grad(grad, ctx.inputs[0], ctx.saved["result"]):
        g = make_tensor(g._array, g._dtype)
        record(_PdistDoubleNode, (grad, ctx.inputs[0], ctx.saved["result"]), g, None)
    return (g,)


def _no_double_backward(ctx, grad):
    raise NotImplementedError("the derivative for '_pdist_backward' is not implemented.")


_PdistDoubleNode = node_class("PdistBackwardBackward0")
_PdistDoubleNode.backward_fn = staticmethod(_no_double_backward)
_PdistDoubleNode.saves_inputs = False


def _pdist_grad(ctx, grad):
    x = ctx.inputs[0]
    p, dist = ctx.saved["p"], ctx.saved["result"]
    n = x._array.shape[0]
    if n < 2 or p == 0:
        return _F["zeros_like"](x)
    i, j = (make_tensor(v.astype(np.int64), D.int64) for v in _pairs(n))
    diff = x.index_select(0, i) - x.index_select(0, j)     # (pairs, m)
    d = dist.unsqueeze(-1)
    g = grad.unsqueeze(-1)
    where = _F["where"]
    zero = d == 0
    if p == 1:
        per = diff.sign() * g
    elif p == 2:
        per = where(zero, 0.0, diff * g / where(zero, 1.0, d))
    elif math.isinf(p):
        per = diff.sign() * (diff.abs() == d) * g
    elif p < 2:
        dead = zero | ((diff == 0) & (p < 1))
        safe_d = where(zero, 1.0, d)
        safe_a = where(diff == 0, 1.0, diff.abs())
        per = where(dead, 0.0, diff.sign() * safe_a.pow(p - 1) * g / safe_d.pow(p - 1))
    else:
        per = where(zero, 0.0, diff * diff.abs().pow(p - 2) * g / where(zero, 1.0, d).pow(p - 1))
    # row i gains the pair's gradient, row j loses it
    return _F["zeros_like"](x).index_add(0, i, per).index_add(0, j, -per)


_PdistNode = node_class("PdistBackward0")
_PdistNode.backward_fn = staticmethod(_pdist_backward)
_PdistNode.saves_inputs = True

FUNCTIONS.update(pdist=pdist)
