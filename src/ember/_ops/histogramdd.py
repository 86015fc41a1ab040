"""``histogramdd``: the D-dimensional histogram of points (the innermost dimension of the input
holds each point's D coordinates), with equal bins per dimension (over ``range`` or the data's)
or given edges, optional weights and density, binned as ``histogram`` bins (last bin closed,
points outside any dimension's range dropped).

>>> r = ember.histogramdd(ember.tensor([[0., 0.], [1., 1.], [1., 0.]]), bins=2)
>>> r.hist
tensor([[1., 0.],
        [1., 1.]])
"""
import numpy as np

from .. import _dtype as D
from .. import return_types as _rt
from .._dispatch import FUNCTIONS, missing_kernel, record, needs_grad, shape_str
from .._tensor import Tensor, make_tensor
from ..autograd.graph import node_class
from .sorting import _linear_edges, _cfmt

_rt.return_type("histogramdd", ("hist", "bin_edges"))


def _dim_edges(coords, d, bins_d, range_, dt):
    if isinstance(bins_d, Tensor):
        if bins_d._array.ndim != 1:
            raise RuntimeError(f"torch.histogramdd: bins tensor should have one dimension, but "
                               f"got {bins_d._array.ndim} dimensions in the bins tensor for "
                               f"dimension {d}")
        if bins_d._dtype is not dt:
            raise RuntimeError(
                "torch.histogramdd: input tensor and bins tensors should have the same dtype, "
                f"but got input with dtype {dt.cpp_name} and bins for dimension {d} with dtype "
                f"{bins_d._dtype.cpp_name}")
        return np.array(bins_d._array, copy=True)
    nb = int(bins_d)
    if nb <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {nb} for dimension {d}")
    if range_ is not None:
        lo, hi = float(range_[2 * d]), float(range_[2 * d + 1])
    elif coords.size:
        lo, hi = float(np.min(coords)), float(np.max(coords))
    else:
        lo, hi = 0.0, 0.0
    if lo > hi:
        raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min "
                           f"{_cfmt(lo)} max {_cfmt(hi)} for dimension {d}")
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histogramdd: dimension {d}'s range [{_cfmt(lo)}, "
                           f"{_cfmt(hi)}] is not finite")
    if lo == hi:
        lo -= 0.5
        hi += 0.5
    if range_ is None and coords.size == 0:
        lo, hi = 0.0, 1.0
    return _linear_edges(lo, hi, nb, dt)


def histogramdd(input, bins=10, *, range=None, weight=None, density=False):
    """A histogram over the points in the rows of ``input`` (shape (..., D)); ``bins``: one
    count for all dimensions, one per dimension, or D edge tensors; ``range``: (min, max) per
    dimension, flattened.

    >>> ember.histogramdd(ember.tensor([[0.5, 0.5]]), bins=[1, 2], range=[0., 1., 0., 1.]).hist
    tensor([[0., 1.]])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"histogramdd(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    dt = input._dtype
    if dt not in (D.float32, D.float64):
        raise missing_kernel("histogramdd", dt)
    a = input._array
    if a.ndim < 2:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 2 dimensions")
    n_dims = a.shape[-1]
    points = a.reshape(-1, n_dims)
    if isinstance(bins, int):
        bins = [bins] * n_dims
    bins = list(bins)
    if len(bins) != n_dims:
        raise RuntimeError("histogramdd: The size of bins must be equal to the innermost "
                           "dimension of the input.")
    if range is not None and len(range) != 2 * n_dims:
        raise RuntimeError(f"torch.histogramdd: for a {n_dims}-dimensional histogram range "
                           f"should have {2 * n_dims} elements, but got {len(range)}")
    if weight is not None:
        if weight._array.shape != a.shape[:-1]:
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided it should have the same shape as "
                "the input tensor excluding its innermost dimension, but got input with shape "
                f"{shape_str(a.shape)} and weight with shape {shape_str(weight._array.shape)}")
        if weight._dtype is not dt:
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided, input tensor and weight tensor "
                f"should have the same dtype, but got input({dt.cpp_name}), and "
                f"weight({weight._dtype.cpp_name})")
    edges = [_dim_edges(points[:, d], d, bins[d], range, dt) for d in np.arange(n_dims)]
    nbins = [e.shape[0] - 1 for e in edges]
    keep = np.ones(points.shape[0], bool)
    idx = []
    for d, e in enumerate(edges):
        x = points[:, d].astype(np.float64)
        e64 = e.astype(np.float64)
        keep &= (x >= e64[0]) & (x <= e64[-1])
        pos = np.searchsorted(e64, x, side="right") - 1
        idx.append(np.clip(pos, 0, max(nbins[d] - 1, 0)))
    hist = np.zeros(nbins, np.float64)
    w = None if weight is None else weight._array.reshape(-1).astype(np.float64)[keep]
    if keep.any():
        np.add.at(hist, tuple(i[keep] for i in idx), 1.0 if w is None else w)
    if density:
        volume = np.ones(nbins, np.float64)
        for d, e in enumerate(edges):
            shape = [1] * n_dims
            shape[d] = -1
            volume = volume * np.diff(e.astype(np.float64)).reshape(shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            hist = hist / (hist.sum() * volume)
    h = make_tensor(hist.astype(dt.np), dt)
    es = [make_tensor(e.astype(dt.np), dt) for e in edges]
    grads = [x for x in (input, weight) if x is not None]
    if needs_grad(*grads):
        record(node_class("NotImplemented"), tuple(grads), [h] + es,
               {"op": "aten::_histogramdd_from_bin_cts"})
    return _rt.histogramdd((h, tuple(es)))


FUNCTIONS["histogramdd"] = histogramdd
