"""The math of nn.Linear / nn.Bilinear and dropout, as ``nn.functional`` exposes it."""
import warnings

import numpy as np

from .. import _autocast_state as _amp
from .._tensor import Tensor, make_tensor
from ..autograd.grad_mode import STATE as _GRAD
from .._dispatch import type_name


_BLAS = []


def _blas():
    """The blas module (imported on first use: it imports this package's ops)."""
    if not _BLAS:
        from . import blas
        _BLAS.append(blas)
    return _BLAS[0]


def linear(input, weight, bias=None):
    """``input @ weight.T + bias`` (addmm for 2-D input, as PyTorch records it).

    >>> ember.nn.functional.linear(ember.ones(1, 2), ember.ones(3, 2)).shape
    ember.Size([1, 3])
    """
    if _amp.ACTIVE[0]:
        input, weight, bias = _amp.lower(input, weight, bias)
    if type(input) is Tensor and isinstance(weight, Tensor) and not (_GRAD.enabled and (
            input._requires_grad or weight._requires_grad
            or (bias is not None and bias._requires_grad))):
        # NOTE: the no-grad fast path (inference): the product addmm / mm run on the arrays,
        # without making the ``weight.t()`` view
        a, w, dt = input._array, weight._array, input._dtype
        B = _BLAS[0] if _BLAS else _blas()
        if a.ndim == 2 and w.ndim == 2 and weight._dtype is dt and a.shape[1] == w.shape[1] \
                and dt in B.BLAS_DTYPES:
            if bias is None:
                return make_tensor(B.matmul_np(a, w.T), dt)
            if isinstance(bias, Tensor):
                c = bias._array
                if bias._dtype is dt and c.shape == (w.shape[0],):
                    r = B.matmul_np(a, w.T)
                    np.add(r, c, out=r)
                    return make_tensor(r, dt)
    B = _BLAS[0] if _BLAS else _blas()
    addmm, matmul = B.addmm, B.matmul
    for name, t in (("input", input), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"linear(): argument '{name}' must be Tensor, not {type_name(t)}")
    if bias is not None and input.dim() >= 2:
        if input.dim() == 2:
            return addmm(bias, input, weight.t())
        lead = input.shape[:-1]
        out = addmm(bias, input.reshape(-1, input.shape[-1]), weight.t())
        return out.view(*lead, out.shape[-1])
    out = matmul(input, weight.t())
    if bias is not None:
        out = out + bias
    return out


def bilinear(input1, input2, weight, bias=None):
    """``y_k = x1^T W_k x2 + b_k`` for each output feature k."""
    from .blas import einsum
    out = einsum("...i,kij,...j->...k", input1, weight, input2)
    if bias is not None:
        out = out + bias
    return out


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero elements with probability ``p`` and scale the rest by ``1/(1-p)`` (training only).

    The mask is drawn exactly as PyTorch's CPU kernel draws it, so seeded runs match.
    """
    from .creation import empty_like
    from ..random import bernoulli_
    _check_p(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    if p == 1:
        return input.mul_(0) if inplace else input * 0
    noise = bernoulli_(empty_like(input), 1 - p)
    noise.div_(1 - p)
    return input.mul_(noise) if inplace else input * noise


def _feature_dropout(input, p, training, inplace, batched_dims, name):
    from .creation import empty
    from ..random import bernoulli_
    _check_p(p)
    if input.dim() not in batched_dims:
        warnings.warn(f"{name}: Received a {input.dim()}-D input to {name}, which is deprecated "
                      "and will result in an error in a future release.", UserWarning,
                      stacklevel=3)
    if not training or p == 0 or input.numel() == 0:
        return input
    if p == 1:
        return input.mul_(0) if inplace else input * 0
    nd = input.dim()
    shape = tuple(input.shape[:2]) + (1,) * (nd - 2)
    noise = bernoulli_(empty(shape, dtype=input.dtype), 1 - p)
    noise.div_(1 - p)
    return input.mul_(noise) if inplace else input * noise


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) input."""
    return _feature_dropout(input, p, training, inplace, (3,), "dropout1d")


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) input."""
    return _feature_dropout(input, p, training, inplace, (4,), "dropout2d")


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) input."""
    return _feature_dropout(input, p, training, inplace, (5,), "dropout3d")


def _alpha_dropout(input, p, training, inplace, feature):
    from .creation import empty, empty_like
    from ..random import bernoulli_
    _check_p(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    if p == 1:
        return input.mul_(0) if inplace else input * 0
    # SELU's fixed point: keep mean 0 and variance 1 after dropping to -alpha*scale
    alpha = 1.7580993408473766
    if feature:
        shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
        noise = bernoulli_(empty(shape, dtype=input.dtype), 1 - p)
    else:
        noise = bernoulli_(empty_like(input), 1 - p)
    a = 1.0 / ((alpha * alpha * p + 1) * (1 - p)) ** 0.5
    b = (noise - 1) * (alpha * a) + alpha * a * p
    noise = noise * a
    out = input.mul_(noise) if inplace else input * noise
    return out.add_(b) if inplace else out + b


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: dropped units take SELU's negative saturation value."""
    return _alpha_dropout(input, p, training, inplace, False)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """alpha_dropout over whole channels."""
    return _alpha_dropout(input, p, training, inplace, True)

