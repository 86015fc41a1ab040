"""``index_reduce``: fold rows of ``source`` into ``self`` at ``index`` along ``dim`` with
``prod``, ``mean``, ``amax`` or ``amin`` (``include_self``: whether ``self``'s own value takes
part), plus ``unravel_index``.

Derivatives (written in ember ops, so they differentiate again): ``mean`` divides the gradient
by each slot's count; ``amax``/``amin`` share it evenly among the elements equal to the
result; ``prod`` multiplies it by the product of the other members of each slot (computed from
the non-zero product and zero counts, so zeros are handled exactly).

>>> ember.ones(2).index_reduce(0, ember.tensor([0, 0]), ember.tensor([2., 3.]), "prod")
tensor([6., 1.])
"""
import warnings

import numpy as np

from .. import _dtype as D
from .._dispatch import FUNCTIONS, record, needs_grad, check_inplace, shape_str
from .._tensor import Tensor, make_tensor, wrap_dim
from ..autograd.graph import node_class, rebase_inplace

_REDUCES = ("prod", "mean", "amax", "amin")
_WARNED = [False]


def _check(self, dim, index, source, reduce, fname):
    if reduce not in _REDUCES:
        raise RuntimeError(f"{fname}(): Expected reduce to be one of prod, mean, amax or amin but "
                           f"got {reduce}.")
    if not _WARNED[0]:
        _WARNED[0] = True
        warnings.warn("index_reduce() is in beta and the API may change at any time.",
                      UserWarning, stacklevel=3)
    d = wrap_dim(dim, self.dim())
    if index.dim() > 1:
        raise IndexError(f"index_reduce_(): Index is supposed to be a vector, but got dim: "
                         f"{index.dim()} with type: {index.dtype.scalar_name} and size: "
                         f"{shape_str(index.shape)}")
    if index.dtype not in (D.int64, D.int32):
        raise RuntimeError(f"index_reduce_(): Expected dtype int32/int64 for index but got: "
                           f"{index.dtype.scalar_name}")
    if self.dtype is not source.dtype:
        raise RuntimeError(f"index_reduce_(): self ({self.dtype.scalar_name}) and source "
                           f"({source.dtype.scalar_name}) must have the same scalar type")
    sd = d if source.dim() else 0
    n_src = source.shape[sd] if source.dim() else 1
    if index.numel() != n_src:
        raise RuntimeError(f"index_reduce_(): Number of indices ({index.numel()}) should be "
                           f"equal to source.size(dim): ({n_src}), for dim: {d}")
    idx = index._array.reshape(-1).astype(np.int64)
    size = self.shape[d] if self.dim() else 1
    if idx.size and (idx.min() < -size or idx.max() >= size):
        raise IndexError("index out of range in self")
    return d, np.where(idx < 0, idx + size, idx)


def _identity(reduce, dt):
    if reduce == "prod":
        return 1
    if reduce == "mean":
        return 0
    if dt.is_floating_point:
        return -np.inf if reduce == "amax" else np.inf
    info = np.iinfo(dt.np) if dt is not D.bool_ else None
    if info is None:
        return reduce == "amin"
    return info.min if reduce == "amax" else info.max


def _reduce_into(res, d, idx, src, reduce, include_self, dt):
    """Fold ``src`` into array ``res`` in place (both viewed with ``d`` first)."""
    r = np.moveaxis(res, d, 0) if res.ndim else res.reshape(1)
    s = np.moveaxis(src, d, 0) if src.ndim else src.reshape(1)
    if not include_self and idx.size:
        r[np.unique(idx)] = _identity(reduce, dt)
    if reduce == "prod":
        np.multiply.at(r, idx, s)
    elif reduce == "amax":
        np.maximum.at(r, idx, s)
    elif reduce == "amin":
        np.minimum.at(r, idx, s)
    else:
        np.add.at(r, idx, s)
        counts = np.bincount(idx, minlength=r.shape[0]).astype(np.int64)
        if include_self:
            counts = counts + 1
        counts = np.maximum(counts, 1).reshape((-1,) + (1,) * (r.ndim - 1))
        if dt.is_floating_point or dt.is_complex:
            r[...] = r / counts.astype(r.dtype)
        else:
            r[...] = np.floor_divide(r, counts)


def _forward(self, dim, index, source, reduce, include_self, fname):
    d, idx = _check(self, dim, index, source, reduce, fname)
    res = np.array(self._array, order="C", copy=True)   # (PyTorch's result is row-major)
    _reduce_into(res, d, idx, source._array, reduce, include_self, self.dtype)
    return res, d


def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """``input`` with ``source``'s slices folded in at ``index`` along ``dim``.

    >>> ember.zeros(2).index_reduce(0, ember.tensor([1, 1]), ember.tensor([2., 4.]), "mean")
    tensor([0., 2.])
    """
    res, d = _forward(input, dim, index, source, reduce, include_self, "index_reduce")
    out = make_tensor(res, input.dtype)
    if needs_grad(input, source):
        record(node_class("IndexReduceBackward0"), (input, source), out,
               {"dim": d, "index": index, "reduce": reduce, "include_self": include_self,
                "result": out})
    return out


def index_reduce_(self, dim, index, source, reduce, *, include_self=True):
    """In-place ``index_reduce``."""
    res, d = _forward(self, dim, index, source, reduce, include_self, "index_reduce_")
    check_inplace(self)
    grad = needs_grad(self, source)
    old = self._array.copy() if grad else None
    np.copyto(self._array, res)
    self._bump_version()
    if grad:
        rebase_inplace(self, node_class("IndexReduceBackward0"), (self, source),
                       {"dim": d, "index": index, "reduce": reduce,
                        "include_self": include_self, "result": self}, old=old)
    return self


def _index_reduce_grad(ctx, grad):
    s = ctx.saved
    self, source = ctx.inputs
    d, index, reduce, inc = s["dim"], s["index"], s["reduce"], s["include_self"]
    result = s["result"]
    if self.dim() == 0:
        self, source, result, grad = (t.reshape(1) for t in (self, source, result, grad))
        d = 0
        squeeze = True
    else:
        squeeze = False
    if source.dim() == 0:
        source = source.reshape(1)
    # which slots received source rows
    hit = self.new_zeros(self.shape[d], dtype=D.bool_).index_fill(0, index, True)
    view = [1] * self.dim()
    view[d] = -1
    hit = hit.view(view)
    keep_self = hit.logical_not() if not inc else None   # self counts only where not hit
    if reduce == "mean":
        counts = self.new_zeros(self.shape[d]).index_add(
            0, index, self.new_ones(index.numel())).view(view)
        counts = counts + 1 if inc else counts
        counts = counts.clamp(min=1)
        g = grad / counts
        g_self = g if inc else grad.masked_fill(hit, 0)
        g_src = g.index_select(d, index)
    elif reduce in ("amax", "amin"):
        res_src = result.index_select(d, index)
        m_self = (self == result)
        if keep_self is not None:
            m_self = m_self & keep_self
        m_src = (source == res_src)
        counts = m_self.to(grad.dtype).index_add(d, index, m_src.to(grad.dtype))
        g = grad / counts
        g_self = g.masked_fill(~m_self, 0)
        g_src = g.index_select(d, index).masked_fill(~m_src, 0)
    else:
        zero_self = (self == 0)
        if keep_self is not None:
            zero_self_counted = zero_self & hit.logical_not()
        else:
            zero_self_counted = zero_self
        nz_self = self.masked_fill(zero_self, 1)
        nz_src = source.masked_fill(source == 0, 1)
        if not inc:
            nz_self = nz_self.masked_fill(hit, 1)
        prod_nz = nz_self.index_reduce(d, index, nz_src, "prod", include_self=True)
        zeros = zero_self_counted.to(grad.dtype).index_add(d, index, (source == 0).to(grad.dtype))

        def others(vals, prod_nz_here, zeros_here):
            is_zero = vals == 0
            alone = prod_nz_here * (zeros_here == 0).to(grad.dtype) / vals.masked_fill(is_zero, 1)
            with_zero = prod_nz_here * (zeros_here == 1).to(grad.dtype)
            return alone.masked_fill(is_zero, 0) + with_zero.masked_fill(~is_zero, 0)
        g_self = grad * others(self, prod_nz, zeros)
        if not inc:
            g_self = grad.masked_fill(hit, 0)
        g_src = grad.index_select(d, index) * others(
            source, prod_nz.index_select(d, index), zeros.index_select(d, index))
    if squeeze:
        g_self = g_self.reshape(())
        g_src = g_src.reshape(ctx.inputs[1].shape)
    return (g_self if ctx.inputs[0]._requires_grad else None,
            g_src if ctx.inputs[1]._requires_grad else None)


node_class("IndexReduceBackward0").backward_fn = staticmethod(_index_reduce_grad)


# ---------------------------------------------------------------------------- unravel_index
def unravel_index(indices, shape):
    """The coordinates in a tensor of ``shape`` of flat ``indices`` (a tuple of int64 tensors).

    >>> ember.unravel_index(ember.tensor([4, 7]), (3, 3))
    (tensor([1, 2]), tensor([1, 1]))
    """
    if not isinstance(indices, Tensor):
        raise TypeError(f"expected 'indices' to be integer dtype, but got {type(indices)}")
    dt = indices.dtype
    if dt.is_floating_point or dt.is_complex or dt is D.bool_:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {dt}")
    if isinstance(shape, int):
        shape = (shape,)
    shape = tuple(shape)
    for s in shape:
        if not isinstance(s, int) or isinstance(s, bool):
            raise TypeError(f"expected 'shape' to be int or sequence of ints, but got {shape}")
        if s < 0:
            raise ValueError("'shape' cannot have negative values, but got "
                             f"{tuple(shape)}")
    # NOTE: as PyTorch, no range check: each coordinate is the floor remainder of the running
    # floor quotient (9 in (3, 3) reads as (0, 0), -1 as (2, 2))
    a = indices._array.astype(np.int64)
    coords = []
    for s in reversed(shape):
        coords.append(np.mod(a, s) if s else np.zeros_like(a))
        a = np.floor_divide(a, s) if s else a
    if not coords:
        return ()
    # (PyTorch returns the columns of one (..., ndim) tensor: strided views, not copies)
    stacked = make_tensor(np.stack(coords[::-1], axis=-1).astype(np.int64), D.int64)
    return stacked.unbind(-1)


FUNCTIONS.update(index_reduce=index_reduce, unravel_index=unravel_index)
Tensor.index_reduce = lambda self, dim, index, source, reduce, *, include_self=True: \
    index_reduce(self, dim, index, source, reduce, include_self=include_self)
Tensor.index_reduce_ = index_reduce_
