"""What pooling, padding and resampling share: argument tuples, dtype gates, channels-last
output layouts, and the "linear op with a linear adjoint" autograd pattern.

Most of these ops are linear in their input (padding, average pooling, interpolation,
unpooling, the backward of max pooling). Each is a pair of NumPy kernels, forward and adjoint;
recording the forward with a node whose derivative calls the adjoint (and the adjoint with a
node whose derivative calls the forward) gives every order of backward with PyTorch's node
names (``AvgPool2DBackward0``, then ``AvgPool2DBackwardBackward0``).
"""
import numpy as np

from .. import _dtype as D
from .._dispatch import needs_grad, record, type_name
from .._tensor import Tensor, make_tensor, strides_of
from .._memory_format import suggest_memory_format, channels_last_strides, contiguous_format
from .._backend import empty_strided
from ..autograd.graph import node_class
from ..autograd.grad_mode import STATE as _GRAD

FLOATS = (D.float16, D.bfloat16, D.float32, D.float64)
HALF = (D.float16, D.bfloat16)


def check_tensor(x, fname, argname="input", pos=1):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be Tensor, not "
                        f"{type_name(x)}")
    return x


def check_dtype(x, kernel, allowed=FLOATS):
    """PyTorch's 'not implemented for' error of a kernel without the input's dtype."""
    if x._dtype not in allowed:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{x._dtype.scalar_name}\'')


def expand_param(value, n, name=None):
    """An int or a sequence as an n-tuple of ints (PyTorch's _single/_pair/_triple)."""
    if isinstance(value, (list, tuple)):
        if len(value) == 1 and n > 1:
            return tuple(value) * n
        return tuple(value)
    return (value,) * n


def compute_array(x):
    """The input's array in the dtype the math runs in: half types compute in float32."""
    a = x._array
    if x._dtype in HALF:
        return a.astype(np.float32)
    return a


def is_channels_last(x):
    a = x._array
    return a.ndim in (4, 5) and suggest_memory_format(a.shape, strides_of(a)) \
        is not contiguous_format


def result(arr, dt, like=None):
    """A fresh tensor of dtype ``dt`` holding ``arr``; channels-last when ``like`` is."""
    arr = np.asarray(arr)
    if arr.dtype != dt.np:
        arr = arr.astype(dt.np)
    if like is not None and arr.ndim == like._array.ndim and is_channels_last(like):
        out = empty_strided(arr.shape, channels_last_strides(arr.shape), arr.dtype)
        np.copyto(out, arr)
        arr = out
    elif not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(arr)
    return make_tensor(arr, dt)


def new_node(name, backward, saves_inputs=False):
    """The node class ``name`` with ``backward(ctx, grad)`` as its derivative."""
    cls = node_class(name)
    cls.backward_fn = staticmethod(backward)
    cls.saves_inputs = saves_inputs
    return cls


class LinearPair:
    """A linear op ``forward(array, **params)`` and its adjoint ``adjoint(array, **params)``.

    ``apply(x, params)`` runs the forward on a tensor and records ``fwd_name`` (derivative: the
    adjoint); the adjoint's own node ``bwd_name`` has the forward as derivative, so double
    backward works to any order.
    """

    def __init__(self, fwd_name, bwd_name, forward, adjoint, backward_reads_input=True):
        self.forward = forward
        self.adjoint = adjoint
        # NOTE: inside a create_graph backward, PyTorch records a backward op that takes the
        # forward input (avg_pool2d_backward(grad, self, ...)) even for a gradient that does
        # not require grad; those that take only sizes (upsample_*_backward) are not recorded
        self.fwd_node = new_node(fwd_name, lambda ctx, g: self.run_adjoint(
            g, ctx.saved["p"], in_backward=backward_reads_input))
        self.bwd_node = new_node(bwd_name, lambda ctx, g: self.run_forward(
            g, ctx.saved["p"], in_backward=backward_reads_input))

    def _run(self, x, params, kernel, node, layout_like, in_backward):
        dt = x._dtype
        res = kernel(compute_array(x), **params)
        out = result(res, dt, like=layout_like)
        if dt.is_floating_point and (needs_grad(x) or in_backward and _GRAD.enabled):
            record(node, (x,), out, {"p": params})
        return out

    def run_forward(self, x, params, layout_like=None, in_backward=False):
        return self._run(x, params, self.forward, self.fwd_node, layout_like, in_backward)

    def run_adjoint(self, g, params, layout_like=None, in_backward=False):
        return self._run(g, params, self.adjoint, self.bwd_node, layout_like, in_backward)


def take_axis(a, idx, axis):
    """``a`` gathered at positions ``idx`` along ``axis``."""
    return np.take(a, idx, axis=axis)


def _as_slice(positions):
    """``positions`` as an equivalent slice when they step evenly, else the array."""
    n = len(positions)
    if n == 1:
        return slice(int(positions[0]), int(positions[0]) + 1)
    step = int(positions[1] - positions[0])
    if step != 0 and np.all(np.diff(positions) == step):
        stop = int(positions[-1]) + step
        return slice(int(positions[0]), stop if stop >= 0 else None, step)
    return positions


def take_axis_adjoint(g, idx, size, axis):
    """The adjoint of ``take_axis``: entries of ``g`` summed back into ``size`` positions.

    The positions are split into slabs by how many earlier positions share their source (the
    first copy of each source, the second, ...). Within a slab the sources are distinct, so a
    slab is one gather and one add, both plain slices when the positions step evenly (padding,
    integer-factor resampling). No per-element scatter, and no 0 * inf products that a
    one-hot matrix product would make.
    """
    shape = list(g.shape)
    shape[axis] = size
    idx = np.asarray(idx, dtype=np.int64)
    out = np.zeros(shape, dtype=g.dtype)
    if idx.size == 0 or g.size == 0:
        return out
    order = np.argsort(idx, kind="stable")
    sidx = idx[order]
    starts = np.flatnonzero(np.concatenate(([True], sidx[1:] != sidx[:-1])))
    counts = np.diff(np.append(starts, len(sidx)))
    rank = np.arange(len(sidx)) - np.repeat(starts, counts)
    lead = (slice(None),) * axis
    for j in range(int(counts.max())):
        sel = rank == j
        src, dst = _as_slice(order[sel]), _as_slice(sidx[sel])
        part = g[lead + (src,)] if isinstance(src, slice) else np.take(g, src, axis=axis)
        if isinstance(dst, slice):
            out[lead + (dst,)] += part
        else:
            out[lead + (dst,)] = out[lead + (dst,)] + part
    return out
