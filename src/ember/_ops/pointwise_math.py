"""Elementwise math functions (trigonometric, hyperbolic, activations) with derivatives.

These INT_TO_FLOAT ops compute integer inputs in the default dtype, as PyTorch does.
"""
import numpy as np

from .. import _dtype as D
from .._dispatch import pointwise_unary, INT_TO_FLOAT, DEFAULT, WIDE_UNSIGNED, FUNCTIONS
from .._tensor import Tensor


@pointwise_unary("sin", kind=INT_TO_FLOAT, grad_fn="SinBackward0", missing=(D.complex32,))
def sin(a):
    return np.sin(a)


@sin.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad * x.cos().conj()


@pointwise_unary("cos", kind=INT_TO_FLOAT, grad_fn="CosBackward0", missing=(D.complex32,))
def cos(a):
    return np.cos(a)


@cos.derivative
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad * -x.sin().conj()


@pointwise_unary("tanh", kind=INT_TO_FLOAT, grad_fn="TanhBackward0", missing=(D.complex32,))
def tanh(a):
    return np.tanh(a)


@tanh.derivative
def _(ctx, grad):
    r = ctx.result
    return grad * (1 - r * r).conj()


def _sigmoid_kernel(a):
    # NOTE: split by sign so exp never overflows; one exp per element either way.
    if a.dtype.kind == "c":
        return 1 / (1 + np.exp(-a))
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


@pointwise_unary("sigmoid", kind=INT_TO_FLOAT, grad_fn="SigmoidBackward0", missing=(D.complex32,))
def sigmoid(a):
    return _sigmoid_kernel(a)


@sigmoid.derivative
def _(ctx, grad):
    r = ctx.result
    return grad * (r * (1 - r)).conj()


def _relu_check(x, inplace):
    if x._dtype is D.bool_:
        raise RuntimeError("Boolean inputs not supported for relu")
    if x._dtype.is_complex:
        raise NotImplementedError("clamp is not supported for complex types")


@pointwise_unary("relu", kernel="clamp_min_scalar_cpu", missing=WIDE_UNSIGNED, grad_fn="ReluBackward0",
                 precheck=_relu_check)
def relu(a):
    return np.maximum(a, a.dtype.type(0))


@relu.derivative
def _(ctx, grad):
    r = ctx.result
    return grad * (r > 0).to(grad.dtype)
