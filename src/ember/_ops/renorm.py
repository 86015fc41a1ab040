"""``ember.renorm`` / ``Tensor.renorm(_)``: rescale every slice along ``dim`` whose p-norm
exceeds ``maxnorm`` down to (just under) ``maxnorm``.

PyTorch's arithmetic: the norm is taken over all the other dims (in float32 for half inputs),
the scale is ``maxnorm / (norm + 1e-7)`` where ``norm > maxnorm`` and 1 elsewhere. The
derivative is PyTorch's ``renorm_backward`` in ember ops, so it can be differentiated again.
"""
import math

import numpy as np

from .. import _dtype as D
from .._dispatch import FUNCTIONS, needs_grad, record, check_inplace, type_name
from .._tensor import Tensor, make_tensor
from ..autograd import graph as _graph
from ..autograd.graph import node_class
from .reduction import _vector_norm_array, vector_norm

__all__ = ["renorm"]

_F = FUNCTIONS
_HALF = (D.float16, D.bfloat16)


def _checks(x, p, dim, maxnorm):
    if not isinstance(x, Tensor):
        raise TypeError(f"renorm(): argument 'input' (position 1) must be Tensor, not "
                        f"{type_name(x)}")
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {_fmt(maxnorm)}")
    nd = x._array.ndim
    if nd <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {nd} dimensions")
    if not -nd <= dim < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], "
                         f"but got {dim})")
    if x._dtype.category <= 1:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {x._dtype.scalar_name}")
    return dim % nd


def _fmt(v):
    v = float(v)
    return str(int(v)) if v.is_integer() else repr(v)


def _scaled(x, p, dim, maxnorm):
    """The renormed array, in x's dtype (the norm and scale in float32 for half inputs)."""
    a = x._array
    axes = tuple(d for d in range(a.ndim) if d != dim)
    work = np.float32 if x._dtype in _HALF else None
    src = a.astype(np.float32) if work else (a if x._dtype.np is not None else a)
    norm = _vector_norm_array(src, float(p), axes, True)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.0).astype(norm.dtype)
    res = src * factor
    return res.astype(x._dtype.np) if work else res.astype(a.dtype, copy=False)


def renorm(input, p, dim, maxnorm, *, out=None):
    """Sub-tensors along ``dim`` with p-norm above ``maxnorm`` are scaled down to ``maxnorm``.

    >>> ember.renorm(ember.tensor([[3., 4.], [0.3, 0.4]]), 2, 0, 1.)
    tensor([[0.6000, 0.8000],
            [0.3000, 0.4000]])
    """
    dim = _checks(input, p, dim, maxnorm)
    res = _scaled(input, p, dim, maxnorm)
    if out is not None:
        from .._dispatch import write_out
        return write_out(out, res, "renorm")
    t = make_tensor(np.ascontiguousarray(res), input._dtype)
    if needs_grad(input):
        record(_RenormNode, (input,), t, {"p": float(p), "dim": dim, "maxnorm": float(maxnorm)})
    return t


def renorm_(self, p, dim, maxnorm):
    """In-place ``renorm``."""
    dim = _checks(self, p, dim, maxnorm)
    res = _scaled(self, p, dim, maxnorm)
    check_inplace(self)
    grad = needs_grad(self)
    old = self._array.copy() if grad else None
    np.copyto(self._array, res, casting="unsafe")
    self._bump_version()
    if grad:
        _graph.rebase_inplace(self, _RenormNode, (self,),
                              {"p": float(p), "dim": dim, "maxnorm": float(maxnorm)}, old=old)
    return self


def _norm_backward(s, x, p, norm, dims):
    """d||x||_p/dx * s (s and norm keep the reduced dims), as linalg.vector_norm's derivative."""
    where = _F["where"]
    sg = x.sgn()
    if p == 1:
        return sg * s
    if p == 2:
        return where(norm == 0, 0.0, x / norm) * s
    if math.isinf(p):
        mask = x.abs().eq(norm)
        cnt = mask.sum(dims, keepdim=True).to(s._dtype)
        return sg * ((s / cnt) * mask)
    ax = x.abs()
    if p < 2:
        return where(norm == 0, 0.0, sg * (ax / norm).pow(p - 1) * s)
    return where(norm == 0, 0.0, x * ax.pow(p - 2) * s / norm.pow(p - 1))


def _renorm_backward(ctx, grad):
    x = ctx.inputs[0]
    s = ctx.saved
    p, dim, maxnorm = s["p"], s["dim"], s["maxnorm"]
    dims = [d for d in range(x._array.ndim) if d != dim]
    work = x if x._dtype not in _HALF else x.to(D.float32)
    g = grad if x._dtype not in _HALF else grad.to(D.float32)
    norm = vector_norm(work, p, dims, True)
    prod = work.conj() * g if work._dtype.is_complex else work * g
    if prod._dtype.is_complex:
        prod = prod.real
    prod = prod.sum(dims, keepdim=True)
    nb = _norm_backward(prod, work, p, norm, dims)
    invnorm = (norm + 1e-7).reciprocal()
    factor = invnorm * maxnorm
    res = _F["where"](norm > maxnorm, factor * (g - invnorm * nb), g)
    return (res.to(x._dtype) if res._dtype is not x._dtype else res,)


_RenormNode = node_class("RenormBackward0")
_RenormNode.backward_fn = staticmethod(_renorm_backward)
_RenormNode.saves_inputs = True

FUNCTIONS.update(renorm=renorm)
Tensor.renorm = lambda self, p, dim, maxnorm: renorm(self, p, dim, maxnorm)
Tensor.renorm_ = renorm_
