"""The three discrete Fourier transform primitives every spectral function is built from.

``_fft_c2c`` (complex to complex), ``_fft_r2c`` (real to complex, optionally one-sided) and
``_fft_c2r`` (one-sided Hermitian complex to real), as PyTorch's ATen defines them: a list of
dimensions, a normalization code and a direction. ``ember.fft``, ``stft`` and ``istft`` only
resize, promote and conjugate around them.

Normalization codes (PyTorch's ``fft_norm_mode``): 0 multiplies by nothing, 1 by
``1/sqrt(n)``, 2 by ``1/n``, where ``n`` is the number of points of the transformed signal.

Each primitive's derivative is written with the primitives themselves, so derivatives of any
order exist:

* c2c: the adjoint of a DFT is the DFT of the other direction with the same scale;
* r2c: its one-sided output is a selection of the full c2c output, so the gradient is the
  zero-padded grad sent through an inverse c2c, of which the input (real) keeps the real part;
* c2r: an r2c of the grad, where each one-sided bin that stands for two bins of the full
  spectrum (its mirror image was filled in by Hermitian symmetry) counts twice.

>>> x = ember.tensor([1., 2., 3., 4.])
>>> ember._fft_r2c(x, [0], 0, True)
tensor([10.+0.j, -2.+2.j, -2.+0.j])
"""
import math

import numpy as np

from .._dispatch import FUNCTIONS, needs_grad, record
from .._tensor import make_tensor, wrap_dim
from .._backend import empty_strided
from ..autograd.graph import OpNode

# PyTorch's fft_norm_mode
NORM_NONE, NORM_BY_ROOT_N, NORM_BY_N = 0, 1, 2
# NumPy's norm= keyword that gives each mode, by direction
_NP_NORM_FORWARD = {NORM_NONE: "backward", NORM_BY_ROOT_N: "ortho", NORM_BY_N: "forward"}
_NP_NORM_BACKWARD = {NORM_NONE: "forward", NORM_BY_ROOT_N: "ortho", NORM_BY_N: "backward"}


def _node(name):
    # a class of its own shown as PyTorch's name; the derivatives read only saved arguments
    return type(name, (OpNode,), {"__module__": "builtins", "saves_inputs": False})


_C2C = _node("FftC2CBackward0")
_R2C = _node("FftR2CBackward0")
_C2R = _node("FftC2RBackward0")


def _dims(dim, ndim):
    if isinstance(dim, int):
        dim = (dim,)
    return tuple(wrap_dim(d, ndim) for d in dim)


def _output_layout(arr, out_shape, dims, sort_last):
    """Strides of PyTorch's CPU transform output, in elements.

    The kernel batches the untransformed dimensions outermost, ordered by decreasing input
    stride, and then the transformed ones, also ordered by decreasing input stride except the
    last one of a real transform (its halved dimension stays innermost); the output is
    row-major in that order."""
    st = arr.strides
    batch = sorted((d for d in range(arr.ndim) if d not in dims), key=lambda d: -st[d])
    sig = list(dims)
    if sort_last:
        sig.sort(key=lambda d: -st[d])
    else:
        sig[:-1] = sorted(sig[:-1], key=lambda d: -st[d])
    strides = [0] * arr.ndim
    size = 1
    for d in reversed(batch + sig):
        strides[d] = size
        size *= max(out_shape[d], 1)
    return strides


def _place(res, strides, dt):
    """``res`` copied into a new array with the given element strides."""
    if res.ndim < 2:
        return np.ascontiguousarray(res, dtype=dt.np)
    out = empty_strided(res.shape, strides, dt.np)
    np.copyto(out, res, casting="unsafe")
    return out


def _signal_size(shape, dims):
    return math.prod(shape[d] for d in dims)


def _check_empty_batch(arr, dims):
    # NOTE: PyTorch's MKL kernels refuse a transform over an empty batch
    if arr.size == 0 and all(arr.shape[d] > 0 for d in dims):
        raise RuntimeError("MKL FFT error: Intel oneMKL DFTI ERROR: Inconsistent configuration "
                           "parameters")


def _fft_c2c(input, dim, normalization, forward):
    """Complex-to-complex DFT over ``dim`` (forward: ``exp(-2 pi i ...)``).

    >>> ember._fft_c2c(ember.tensor([1+0j, 1+0j]), [0], 0, True)
    tensor([2.+0.j, 0.+0.j])
    """
    dt = input._dtype
    if not dt.is_complex:
        raise RuntimeError(f"Expected a complex input tensor, but got {dt.scalar_name}")
    a = input._array
    dims = _dims(dim, a.ndim)
    if not dims:
        res = a.copy(order="K")
    else:
        _check_empty_batch(a, dims)
        mode = (_NP_NORM_FORWARD if forward else _NP_NORM_BACKWARD)[normalization]
        fn = np.fft.fftn if forward else np.fft.ifftn
        res = fn(a, axes=dims, norm=mode)
        res = _place(res, _output_layout(a, res.shape, dims, True), dt)
    out = make_tensor(res, dt)
    if needs_grad(input):
        record(_C2C, (input,), out, {"dim": dims, "normalization": normalization,
                                     "forward": forward})
    return out


def _fft_r2c(input, dim, normalization, onesided):
    """Forward DFT of a real tensor over ``dim``; ``onesided`` keeps the first ``n // 2 + 1``
    bins of the last transformed dimension (the rest follow by Hermitian symmetry).

    >>> ember._fft_r2c(ember.tensor([1., 0., 0.]), [0], 0, False)
    tensor([1.+0.j, 1.+0.j, 1.+0.j])
    """
    dt = input._dtype
    if not dt.is_floating_point:
        raise RuntimeError(f"Expected a real floating input tensor, but got {dt.scalar_name}")
    a = input._array
    dims = _dims(dim, a.ndim)
    cdt = dt.to_complex()
    _check_empty_batch(a, dims)
    mode = _NP_NORM_FORWARD[normalization]
    if onesided:
        res = np.fft.rfftn(a, axes=dims, norm=mode)
    else:
        res = np.fft.fftn(a, axes=dims, norm=mode)
    res = _place(res, _output_layout(a, res.shape, dims, False), cdt)
    out = make_tensor(res, cdt)
    if needs_grad(input):
        record(_R2C, (input,), out, {"dim": dims, "normalization": normalization,
                                     "onesided": onesided, "last_dim_size": a.shape[dims[-1]]})
    return out


def _fft_c2r(input, dim, normalization, last_dim_size):
    """Inverse DFT of a one-sided Hermitian spectrum over ``dim``: a real signal whose last
    transformed dimension has ``last_dim_size`` points (the imaginary parts the symmetry
    leaves undetermined, such as the zero-frequency bin's, are ignored).

    >>> ember._fft_c2r(ember.tensor([4+0j, 0j, 0j]), [0], 2, 4)
    tensor([1., 1., 1., 1.])
    """
    dt = input._dtype
    if not dt.is_complex:
        raise RuntimeError(f"Expected a complex input tensor, but got {dt.scalar_name}")
    a = input._array
    dims = _dims(dim, a.ndim)
    rdt = dt.to_real()
    _check_empty_batch(a, dims)
    mode = _NP_NORM_BACKWARD[normalization]
    # NOTE: like PyTorch's kernel, a multi-dimensional c2r is a c2c over the leading
    # dimensions followed by a one-dimensional c2r, which is also what NumPy's irfftn does
    if len(dims) > 1:
        lead = dims[:-1]
        a = _place(np.fft.ifftn(a, axes=lead, norm=mode),
                   _output_layout(a, a.shape, lead, True), dt)
    last = dims[-1]
    res = np.fft.irfft(a, n=last_dim_size, axis=last, norm=mode)
    res = _place(res, _output_layout(a, res.shape, (last,), False), rdt)
    out = make_tensor(res, rdt)
    if needs_grad(input):
        record(_C2R, (input,), out, {"dim": dims, "normalization": normalization,
                                     "last_dim_size": last_dim_size})
    return out


def _c2c_grad(ctx, grad):
    s = ctx.saved
    return _fft_c2c(grad, s["dim"], s["normalization"], not s["forward"])


def _r2c_grad(ctx, grad):
    s = ctx.saved
    dims = s["dim"]
    if s["onesided"]:
        last = dims[-1]
        missing = s["last_dim_size"] - grad.shape[last]
        if missing > 0:
            zeros_shape = list(grad.shape)
            zeros_shape[last] = missing
            grad = FUNCTIONS["cat"]((grad, grad.new_zeros(zeros_shape)), last)
    return _fft_c2c(grad, dims, s["normalization"], False).real


def _c2r_grad(ctx, grad):
    s = ctx.saved
    dims = s["dim"]
    g = _fft_r2c(grad, dims, s["normalization"], True)
    last = dims[-1]
    doubled = grad.shape[last] - g.shape[last]
    if doubled > 0:
        weight = np.ones(g.shape[last], dtype=grad._dtype.np)
        weight[1:1 + doubled] = 2
        weight = weight.reshape((-1,) + (1,) * (g.ndim - 1 - last))
        g = g * make_tensor(weight, grad._dtype)
    return g


_C2C.backward_fn = staticmethod(_c2c_grad)
_R2C.backward_fn = staticmethod(_r2c_grad)
_C2R.backward_fn = staticmethod(_c2r_grad)

FUNCTIONS.update(_fft_c2c=_fft_c2c, _fft_r2c=_fft_r2c, _fft_c2r=_fft_c2r)
