"""softmax and log_softmax (``ember.softmax``, ``Tensor.softmax``, ``F.softmax`` ...).

Computed stably (the row maximum is subtracted first); float16/bfloat16 inputs compute in
float32 and round once, as PyTorch's CPU kernels do.
"""
import warnings

import numpy as np

from .. import _dtype as D
from .._dispatch import FUNCTIONS, needs_grad, record, type_name
from .._tensor import Tensor, make_tensor, wrap_dim
from ..autograd.graph import node_class, array_derivative, saved_array, saved_value
from . import row_kernels as R

_FLOATS = (D.float16, D.bfloat16, D.float32, D.float64)


def _prepare(name, input, dim, dtype):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type_name(input)}")
    if dim is None:
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    if dtype is not None and dtype is not input._dtype:
        input = input.to(dtype)
    dt = input._dtype
    nd = input._array.ndim
    d = wrap_dim(dim, nd)
    if dt not in _FLOATS:
        kernel = f"{name}_lastdim_kernel_impl" if d == max(nd - 1, 0) else f"{name}_kernel_impl"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{dt.scalar_name}\'')
    return input, d


def _compute_dtype(dt):
    return np.float32 if dt in (D.float16, D.bfloat16) else dt.np


def _softmax_array(a, axis, log):
    if (axis == a.ndim - 1 and a.ndim and a.shape[-1] and a.dtype.itemsize >= 4
            and a.flags.c_contiguous):
        x2 = a.reshape(-1, a.shape[-1])          # (a view)
        if R.blockable(x2):
            return (R.log_softmax_rows(x2) if log else R.softmax_rows(x2)).reshape(a.shape)
    x = a.astype(_compute_dtype_np(a.dtype), copy=False)
    if x.ndim == 0:
        return np.zeros_like(x) if log else np.ones_like(x)
    m = np.max(x, axis=axis, keepdims=True) if x.size else x
    with np.errstate(invalid="ignore", over="ignore"):
        shifted = x - m
        e = np.exp(shifted)
        s = np.sum(e, axis=axis, keepdims=True)
        if log:
            return shifted - np.log(s)
        return e / s


def _compute_dtype_np(np_dt):
    return np.float32 if np_dt.itemsize == 2 else np_dt


def softmax(input, dim=None, dtype=None, *, out=None):
    """``exp(x) / exp(x).sum(dim)``, computed stably.

    >>> ember.softmax(ember.tensor([1., 1.]), 0)
    tensor([0.5000, 0.5000])
    """
    x, d = _prepare("softmax", input, dim, dtype)
    # NOTE: PyTorch's softmax output is always contiguous, whatever the input layout
    # (the result is a fresh array: only a non-row-major one is copied)
    res = np.asarray(_softmax_array(x._array, d, False).astype(x._dtype.np, copy=False),
                     order="C")
    t = make_tensor(res, x._dtype)
    if needs_grad(x):
        record(node_class("SoftmaxBackward0"), (x,), t, {"result": t, "dim": d})
    return t


def log_softmax(input, dim=None, dtype=None, *, out=None):
    """``log(softmax(x))``, computed stably.

    >>> ember.log_softmax(ember.tensor([0., 0.]), 0)
    tensor([-0.6931, -0.6931])
    """
    x, d = _prepare("log_softmax", input, dim, dtype)
    res = np.asarray(_softmax_array(x._array, d, True).astype(x._dtype.np, copy=False),
                     order="C")
    t = make_tensor(res, x._dtype)
    if needs_grad(x):
        record(node_class("LogSoftmaxBackward0"), (x,), t, {"result": t, "dim": d})
    return t


def _softmax_grad(ctx, grad):
    y = ctx.saved["result"]
    d = ctx.saved["dim"]
    if y.ndim == 0:
        return grad * 0
    return y * (grad - (grad * y).sum(d, keepdim=True))


def _log_softmax_grad(ctx, grad):
    y = ctx.saved["result"]
    d = ctx.saved["dim"]
    if y.ndim == 0:
        return grad * 0
    return grad - y.exp() * grad.sum(d, keepdim=True)


@array_derivative("SoftmaxBackward0")
def _softmax_grad_array(ctx, g):
    y = saved_array(ctx, "result")
    if y.ndim == 0 or y.dtype is not g.dtype:
        return NotImplemented
    d = saved_value(ctx, "dim")
    n = y.shape[-1]
    if d == y.ndim - 1 and n and y.flags.c_contiguous and g.flags.c_contiguous \
            and g.shape == y.shape:
        if R.blockable(y.reshape(-1, n), g.reshape(-1, n)):
            return (R.softmax_grad_rows(y.reshape(-1, n), g.reshape(-1, n)).reshape(y.shape),)
    return (y * (g - np.sum(g * y, axis=d, keepdims=True)),)


@array_derivative("LogSoftmaxBackward0")
def _log_softmax_grad_array(ctx, g):
    y = saved_array(ctx, "result")
    if y.ndim == 0 or y.dtype is not g.dtype:
        return NotImplemented
    d = saved_value(ctx, "dim")
    n = y.shape[-1]
    if d == y.ndim - 1 and n and y.flags.c_contiguous and g.flags.c_contiguous \
            and g.shape == y.shape:
        if R.blockable(y.reshape(-1, n), g.reshape(-1, n)):
            return (R.log_softmax_grad_rows(y.reshape(-1, n),
                                            g.reshape(-1, n)).reshape(y.shape),)
    return (g - np.exp(y) * np.sum(g, axis=d, keepdims=True),)


for _name, _fn in (("SoftmaxBackward0", _softmax_grad), ("LogSoftmaxBackward0", _log_softmax_grad)):
    node_class(_name).backward_fn = staticmethod(_fn)
    node_class(_name).saves_inputs = False


def implicit_dim(name, ndim, stacklevel):
    """PyTorch's deprecated default dim for F.softmax without ``dim``."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def functional_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``nn.functional.softmax``: like ``ember.softmax``; ``dim`` may be omitted (deprecated)."""
    if dim is None:
        dim = implicit_dim("softmax", input.dim(), _stacklevel)
    return softmax(input, dim, dtype=dtype)


def functional_log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``nn.functional.log_softmax``."""
    if dim is None:
        dim = implicit_dim("log_softmax", input.dim(), _stacklevel)
    return log_softmax(input, dim, dtype=dtype)


def functional_softmin(input, dim=None, _stacklevel=3, dtype=None):
    """``nn.functional.softmin``: ``softmax(-input)``."""
    if dim is None:
        dim = implicit_dim("softmin", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return softmax(-input, dim)


def _t_softmax(self, dim, dtype=None):
    return softmax(self, dim, dtype=dtype)


def _t_log_softmax(self, dim, dtype=None):
    return log_softmax(self, dim, dtype=dtype)


Tensor.softmax = _t_softmax
Tensor.log_softmax = _t_log_softmax
FUNCTIONS.update(softmax=softmax, log_softmax=log_softmax)
