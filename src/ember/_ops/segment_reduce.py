"""``segment_reduce``: reduce consecutive segments of ``data`` along ``axis`` (segment sizes
from ``lengths`` or boundaries from ``offsets``) with ``sum``, ``mean``, ``max``, ``min`` or
``prod``; ``initial`` joins every segment (the only value of an empty one).

Derivative (first order only, as PyTorch's): each element receives its segment's gradient (divided by the length
for ``mean``; shared among the tied extremes for ``max``/``min``; times the product of the other
members for ``prod``, exact with zeros).

>>> ember.segment_reduce(ember.tensor([1., 2., 3.]), "sum", lengths=ember.tensor([1, 2]))
tensor([1., 5.])
"""
import numpy as np

from .. import _dtype as D
from .._dispatch import FUNCTIONS, record, needs_grad
from .._tensor import make_tensor, wrap_dim
from ..autograd.graph import node_class

_REDUCES = {"sum": "sum", "mean": "mean", "max": "max", "amax": "max", "min": "min",
            "amin": "min", "prod": "prod"}
_EMPTY = {"sum": 0., "mean": np.nan, "max": -np.inf, "min": np.inf, "prod": 1.}


def _lengths_of(lengths, offsets):
    if lengths is not None:
        return lengths._array.astype(np.int64)
    if offsets is not None:
        o = offsets._array.astype(np.int64)
        return np.diff(o, axis=-1)
    raise RuntimeError("segment_reduce(): Either lengths or offsets must be defined.")


def _segment_ids(lens, n):
    """Per batch row of ``lens`` (shape (..., S)), the segment index of each of ``n`` data
    positions: shape (..., n)."""
    flat = lens.reshape(-1, lens.shape[-1])
    ids = np.empty((flat.shape[0], n), np.int64)
    for b, row in enumerate(flat):
        ids[b] = np.repeat(np.arange(row.shape[0]), row)[:n]
    return ids.reshape(lens.shape[:-1] + (n,))


def _forward(a, lens, axis, reduce, initial):
    """The reduced array: ``a``'s ``axis`` replaced by the segment dimension."""
    batch = lens.shape[:-1]
    s = lens.shape[-1]
    moved = np.moveaxis(a, axis, len(batch))          # (batch..., N, rest...)
    out_shape = batch + (s,) + moved.shape[len(batch) + 1:]
    out = np.empty(out_shape, a.dtype)
    flat_lens = lens.reshape(-1, s)
    mflat = moved.reshape((-1,) + moved.shape[len(batch):])
    oflat = out.reshape((-1,) + out.shape[len(batch):])
    for b in range(flat_lens.shape[0]):
        start = 0
        for j, n in enumerate(flat_lens[b]):
            seg = mflat[b, start:start + n]
            start += n
            if n == 0:
                oflat[b, j] = _EMPTY[reduce] if initial is None else initial
                continue
            if reduce == "sum":
                v = seg.sum(0)
                v = v + initial if initial is not None else v
            elif reduce == "mean":
                v = seg.sum(0)
                v = (v + initial if initial is not None else v) / n
            elif reduce == "max":
                v = seg.max(0)
                v = np.maximum(v, initial) if initial is not None else v
            elif reduce == "min":
                v = seg.min(0)
                v = np.minimum(v, initial) if initial is not None else v
            else:
                v = seg.prod(0)
                v = v * initial if initial is not None else v
            oflat[b, j] = v
    return np.moveaxis(out, len(batch), axis)


def segment_reduce(data, reduce, *, lengths=None, indices=None, offsets=None, axis=0,
                   unsafe=False, initial=None):
    """Reduce the segments of ``data`` along ``axis``.

    >>> ember.segment_reduce(ember.tensor([1., 5., 2.]), "max", offsets=ember.tensor([0, 2, 3]))
    tensor([5., 2.])
    """
    if reduce not in _REDUCES:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    reduce = _REDUCES[reduce]
    lens = _lengths_of(lengths, offsets)
    axis = wrap_dim(axis, data.dim())
    if axis != lens.ndim - 1:
        raise RuntimeError(f"segment_reduce(): Expected axis to be the last dimension of lengths "
                           f"but got {axis}.")
    n = data.shape[axis]
    if not unsafe and (np.any(lens.sum(-1) != n) or np.any(lens < 0)):
        raise RuntimeError("segment_reduce(): Expected all rows of lengths along axis to sum to "
                           "data.size(lengths.dim()-1) when !unsafe.")
    res = make_tensor(_forward(data._array, lens, axis, reduce, initial), data.dtype)
    if needs_grad(data):
        record(node_class("SegmentReduceBackward0"), (data,), res,
               {"reduce": reduce, "lens": lens, "axis": axis, "initial": initial,
                "result": res})
    return res


def _segment_grad(ctx, grad):
    """The gradient; as in PyTorch it is not differentiable again (its node raises)."""
    from ..autograd.grad_mode import no_grad
    with no_grad():
        g = _segment_grad_values(ctx, grad)
    data = ctx.inputs[0]
    if needs_grad(grad, data):
        record(node_class("NotImplemented"), (grad, data), g,
               {"op": "aten::_segment_reduce_backward"})
    return g


def _segment_grad_values(ctx, grad):
    s = ctx.saved
    data, = ctx.inputs
    reduce, lens, axis, initial, result = (s["reduce"], s["lens"], s["axis"], s["initial"],
                                           s["result"])
    ids = _segment_ids(lens, data.shape[axis])        # (batch..., N)
    shape = list(ids.shape) + [1] * (data.dim() - ids.ndim)
    index = make_tensor(ids.reshape(shape), D.int64).expand(data.shape)

    def spread(t):                                   # segment values -> per element
        return t.gather(axis, index)
    if reduce == "sum":
        return spread(grad)
    if reduce == "mean":
        cnt = make_tensor(np.maximum(lens, 1).astype(data.dtype.np).reshape(
            lens.shape + (1,) * (data.dim() - lens.ndim)), data.dtype)
        return spread(grad / cnt)
    if reduce in ("max", "min"):
        hit = data == spread(result)
        counts = result.new_zeros(result.shape).scatter_add(axis, index, hit.to(data.dtype))
        return spread(grad / counts.clamp(min=1)).masked_fill(~hit, 0)
    # prod: the product of the other members, from the non-zero product and zero counts
    is_zero = data == 0
    nz = data.masked_fill(is_zero, 1)
    prod_nz = segment_reduce(nz, "prod", lengths=make_tensor(lens, D.int64), axis=axis,
                             initial=initial)
    zeros = result.new_zeros(result.shape).scatter_add(axis, index, is_zero.to(data.dtype))
    p, z = spread(prod_nz), spread(zeros)
    alone = (p * (z == 0).to(data.dtype) / nz).masked_fill(is_zero, 0)
    with_zero = (p * (z == 1).to(data.dtype)).masked_fill(~is_zero, 0)
    return spread(grad) * (alone + with_zero)


node_class("SegmentReduceBackward0").backward_fn = staticmethod(_segment_grad)
node_class("SegmentReduceBackward0").saves_inputs = True

FUNCTIONS["segment_reduce"] = segment_reduce
