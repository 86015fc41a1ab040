"""``ember.fft``: PyTorch's discrete Fourier transforms (NumPy's ``numpy.fft`` interface).

Every transform resizes its input (zero-padding or trimming to ``n``/``s``), promotes it
(integers and bool to the default dtype; real to complex where the transform needs complex
input; half precision is refused, as on PyTorch's CPU), and calls one of the three primitives
of ``_ops/spectral.py``, so gradients (``FftR2CBackward0``, ``FftC2CBackward0``,
``FftC2RBackward0``) and their derivatives come for free.

``norm`` picks which direction is scaled: "backward" (the default: the inverse transform
divides by ``n``), "forward" (the forward one does), "ortho" (both divide by ``sqrt(n)``).

>>> ember.fft.fft(ember.tensor([1., 2., 3., 4.]))
tensor([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j])
>>> ember.fft.irfft(ember.fft.rfft(ember.tensor([1., 2., 3.])), n=3)
tensor([1., 2., 3.])
"""
import operator

import numpy as np

from . import _dtype as D
from ._dispatch import FUNCTIONS, needs_grad, record, type_name, write_out
from ._tensor import Tensor, make_tensor, wrap_dim, strides_of
from ._backend import empty_strided
from ._ops.spectral import (_fft_c2c, _fft_c2r, _fft_r2c, NORM_NONE, NORM_BY_ROOT_N,
                            NORM_BY_N)
from ._ops.creation import check_device, finish, _dtype_arg
from .autograd.graph import OpNode

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
           "hfft2", "ihfft2", "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn", "fftfreq",
           "rfftfreq", "fftshift", "ifftshift"]


# ---------------------------------------------------------------------------- arguments
def _tensor_arg(fname, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"fft_{fname}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type_name(x)}")
    return x


def _int_arg(fname, argname, v):
    if isinstance(v, (bool, np.bool_)) or not hasattr(v, "__index__"):
        raise TypeError(f"fft_{fname}(): argument '{argname}' must be int, not {type_name(v)}")
    return operator.index(v)


def _ints_arg(fname, argname, v):
    """An int list argument (a single int stands for a one-element list)."""
    if v is None:
        return None
    if isinstance(v, Tensor) or not isinstance(v, (list, tuple)):
        return (_int_arg(fname, argname, v),)
    for i, x in enumerate(v):
        if isinstance(x, (bool, np.bool_)) or not hasattr(x, "__index__"):
            if argname == "s":
                # (a SymInt list: PyTorch's parser words its error differently)
                raise TypeError(f"fft_{fname}(): argument 's' failed to unpack the object at "
                                f"pos {i + 1} with error \"type must be tuple of ints,but got "
                                f"{type_name(x)}\"")
            raise TypeError(f"fft_{fname}(): argument '{argname}' must be tuple of ints, not "
                            f"{type(v).__name__}")
    return tuple(operator.index(x) for x in v)


def _norm_arg(fname, norm):
    if norm is not None and not isinstance(norm, str):
        raise TypeError(f"fft_{fname}(): argument 'norm' must be str, not {type_name(norm)}")
    return norm


def _norm_mode(norm, forward):
    """The normalization code of a NumPy-style ``norm`` string for one direction."""
    if norm is None or norm == "backward":
        return NORM_NONE if forward else NORM_BY_N
    if norm == "forward":
        return NORM_BY_N if forward else NORM_NONE
    if norm == "ortho":
        return NORM_BY_ROOT_N
    raise RuntimeError(f'Invalid normalization mode: "{norm}"')


def _wrap(dim, ndim):
    # NOTE: unlike most ops, a 0-dim tensor has no dimension -1 or 0 to transform
    if ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return wrap_dim(dim, ndim)


def _promote(x, require_complex):
    """PyTorch's FFT input promotion on the CPU."""
    dt = x._dtype
    if dt.is_complex:
        return x
    if not dt.is_floating_point:
        dt = D.get_default_dtype()
    if dt not in (D.float32, D.float64):
        raise RuntimeError(f"Unsupported dtype {dt.scalar_name}")
    if require_complex:
        dt = dt.to_complex()
    return x if dt is x._dtype else x.to(dt)


def _check_points(n):
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")


def _resize(x, dims, sizes):
    """``x`` trimmed or zero-padded so that ``x.shape[dims[i]] == sizes[i]`` (-1: as is)."""
    pads = []
    for d, n in zip(dims, sizes):
        if n == -1:
            continue
        have = x.shape[d]
        if have > n:
            x = x.narrow(d, 0, n)
        elif have < n:
            pads.append((d, n - have))
    for d, extra in pads:
        shape = list(x.shape)
        shape[d] = extra
        x = FUNCTIONS["cat"]((x, x.new_zeros(shape)), d)
    return x


# (a class of its own, shown as PyTorch's name, so no other family's ConjBackward0 clashes)
_CONJ = type("ConjBackward0", (OpNode,), {
    "__module__": "builtins", "saves_inputs": False,
    "backward_fn": staticmethod(lambda ctx, grad: grad.conj())})


def _conj(x):
    """The conjugate, recorded as PyTorch's (lazy) conj is: ConjBackward0.

    (ember has no conjugate bit, so the values are conjugated here.)"""
    a = x._array
    res = empty_strided(a.shape, strides_of(a), a.dtype)
    np.conjugate(a, out=res)
    out = make_tensor(res, x._dtype)
    if needs_grad(x):
        record(_CONJ, (x,), out)
    return out


def _finish(fname, result, out, want):
    """Return ``result``, or store it in ``out`` after PyTorch's out= checks."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"fft_{fname}(): argument 'out' must be Tensor, not {type_name(out)}")
    if want == "complex" and not out._dtype.is_complex:
        raise RuntimeError(f"{fname} expects a complex output tensor, but got "
                           f"{out._dtype.scalar_name}")
    if want == "real" and not out._dtype.is_floating_point:
        raise RuntimeError(f"{fname} expects a floating point output tensor, but got "
                           f"{out._dtype.scalar_name}")
    if want == "complex" and out._dtype is not result._dtype:
        raise RuntimeError(f"Found dtype {out._dtype.scalar_name} but expected "
                           f"{result._dtype.scalar_name}")
    return write_out(out, result._array, f"fft_{fname}")


# ---------------------------------------------------------------------------- one dimension
def _c2c(fname, x, n, dim, norm, forward, out):
    d = _wrap(dim, x.ndim)
    n = x.shape[d] if n is None else n
    _check_points(n)
    x = _resize(x, (d,), (n,))
    return _finish(fname, _fft_c2c(x, (d,), _norm_mode(norm, forward), forward), out, "complex")


def _r2c(fname, x, n, dim, norm, forward, onesided, out):
    if x._dtype.is_complex:
        raise RuntimeError(f"{fname} expects a real input tensor, but got {x._dtype.scalar_name}")
    if out is not None and isinstance(out, Tensor) and not out._dtype.is_complex:
        raise RuntimeError(f"{fname} expects a complex output tensor, but got "
                           f"{out._dtype.scalar_name}")
    x = _promote(x, False)
    d = _wrap(dim, x.ndim)
    n = x.shape[d] if n is None else n
    _check_points(n)
    x = _resize(x, (d,), (n,))
    res = _fft_r2c(x, (d,), _norm_mode(norm, forward), onesided)
    if not forward:
        res = _conj(res)
    return _finish(fname, res, out, "complex")


def _c2r(fname, x, n, dim, norm, forward, out):
    if out is not None and isinstance(out, Tensor) and not out._dtype.is_floating_point:
        raise RuntimeError(f"{fname} expects a floating point output tensor, but got "
                           f"{out._dtype.scalar_name}")
    x = _promote(x, True)
    d = _wrap(dim, x.ndim)
    last = 2 * (x.shape[d] - 1) if n is None else n
    _check_points(last)
    if n is not None:
        x = _resize(x, (d,), (last // 2 + 1,))
    if forward:
        x = _conj(x)
    return _finish(fname, _fft_c2r(x, (d,), _norm_mode(norm, forward), last), out, "real")


def _one_dim(fname, kind, forward, onesided=False):
    def transform(input, n=None, dim=-1, norm=None, *, out=None):
        x = _tensor_arg(fname, input)
        n = None if n is None else _int_arg(fname, "n", n)
        dim = _int_arg(fname, "dim", dim)
        norm = _norm_arg(fname, norm)
        if kind == "c2r":
            return _c2r(fname, x, n, dim, norm, forward, out)
        if kind == "r2c" or not x._dtype.is_complex:
            return _r2c(fname, x, n, dim, norm, forward, onesided, out)
        return _c2c(fname, x, n, dim, norm, forward, out)
    transform.__name__ = transform.__qualname__ = fname
    return transform


fft = _one_dim("fft", "c2c", True)
fft.__doc__ = """The DFT of ``input`` along ``dim`` (``n`` points: trimmed or zero-padded).

    >>> ember.fft.fft(ember.tensor([1., 0., 0., 0.]))
    tensor([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j])
    """
ifft = _one_dim("ifft", "c2c", False)
ifft.__doc__ = """The inverse DFT of ``input`` along ``dim``.

    >>> ember.fft.ifft(ember.tensor([4., 0., 0., 0.]))
    tensor([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j])
    """
rfft = _one_dim("rfft", "r2c", True, onesided=True)
rfft.__doc__ = """The DFT of a real ``input``: only the ``n // 2 + 1`` non-negative frequencies.

    >>> ember.fft.rfft(ember.tensor([1., 2., 3., 4.]))
    tensor([10.+0.j, -2.+2.j, -2.+0.j])
    """
irfft = _one_dim("irfft", "c2r", False)
irfft.__doc__ = """The inverse of ``rfft``: a real signal of ``n`` points (default
    ``2 * (input.size(dim) - 1)``) from its non-negative frequencies.

    >>> ember.fft.irfft(ember.tensor([4+0j, 0j, 0j]))
    tensor([1., 1., 1., 1.])
    """
hfft = _one_dim("hfft", "c2r", True)
hfft.__doc__ = """The DFT of a Hermitian-symmetric signal given by its first half: real.

    >>> ember.fft.hfft(ember.tensor([1+0j, 0j, 0j]))
    tensor([1., 1., 1., 1.])
    """
ihfft = _one_dim("ihfft", "r2c", False, onesided=True)
ihfft.__doc__ = """The inverse of ``hfft``: the first half of the inverse DFT of a real signal.

    >>> ember.fft.ihfft(ember.tensor([1., 1., 1., 1.]))
    tensor([1.-0.j, 0.-0.j, 0.-0.j])
    """


# ---------------------------------------------------------------------------- n dimensions
def _shape_and_dims(x, s, dim):
    """PyTorch's canonical (signal shape, dims) of an n-dimensional transform."""
    nd = x.ndim
    dims = None
    if dim is not None:
        dims = [_wrap(d, nd) for d in dim]
        if len(set(dims)) != len(dims):
            raise RuntimeError("FFT dims must be unique")
    if s is not None:
        if dim is not None and len(dim) != len(s):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
        if len(s) > nd:
            raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has {nd} "
                               "dimensions.")
        if dims is None:
            dims = list(range(nd - len(s), nd))
        shape = [x.shape[d] if n == -1 else n for d, n in zip(dims, s)]
    elif dims is None:
        dims = list(range(nd))
        shape = list(x.shape)
    else:
        shape = [x.shape[d] for d in dims]
    for n in shape:
        _check_points(n)
    return shape, dims


def _c2r_shape_and_dims(fname, x, s, dim):
    shape, dims = _shape_and_dims(x, s, dim)
    if not shape:
        raise RuntimeError(f"{fname} must transform at least one axis")
    last = 2 * (x.shape[dims[-1]] - 1) if s is None or s[-1] == -1 else shape[-1]
    _check_points(last)
    shape[-1] = last // 2 + 1
    return shape, dims, last


def _fftn(fname, forward, x, s, dim, norm, out):
    shape, dims = _shape_and_dims(x, s, dim)
    x = _resize(_promote(x, True), dims, shape)
    return _finish(fname, _fft_c2c(x, dims, _norm_mode(norm, forward), forward), out, "complex")


def _rfftn(fname, x, s, dim, norm, out):
    if x._dtype.is_complex:
        raise RuntimeError(f"rfftn expects a real-valued input tensor, but got "
                           f"{x._dtype.scalar_name}")
    shape, dims = _shape_and_dims(x, s, dim)
    if not shape:
        raise RuntimeError("rfftn must transform at least one axis")
    x = _resize(_promote(x, False), dims, shape)
    res = _fft_r2c(x, dims, _norm_mode(norm, True), True)
    return _finish(fname, res, out, "complex")


def _irfftn(fname, x, s, dim, norm, out):
    shape, dims, last = _c2r_shape_and_dims("irfftn", x, s, dim)
    x = _resize(_promote(x, True), dims, shape)
    return _finish(fname, _fft_c2r(x, dims, _norm_mode(norm, False), last), out, "real")


def _hfftn(fname, x, s, dim, norm, out):
    shape, dims, last = _c2r_shape_and_dims("hfftn", x, s, dim)
    x = _resize(_promote(x, True), dims, shape)
    mode = _norm_mode(norm, True)
    if len(dims) > 1:
        x = _fft_c2c(x, dims[:-1], mode, True)
    return _finish(fname, _fft_c2r(_conj(x), dims[-1:], mode, last), out, "real")


def _ihfftn(fname, x, s, dim, norm, out):
    if x._dtype.is_complex:
        raise RuntimeError(f"Only supports floating-point dtypes, but found: "
                           f"{x._dtype.scalar_name}")
    shape, dims = _shape_and_dims(x, s, dim)
    if not shape:
        raise RuntimeError("ihfftn must transform at least one axis")
    x = _resize(_promote(x, False), dims, shape)
    mode = _norm_mode(norm, False)
    res = _fft_r2c(x, dims[-1:], mode, True)
    if len(dims) == 1:
        return _finish(fname, _conj(res), out, "complex")
    res = res.conj_physical()
    return _finish(fname, _fft_c2c(res, dims[:-1], mode, False), out, "complex")


def _n_dim(fname, impl, default_dim, forward=None):
    def transform(input, s=None, dim=default_dim, norm=None, *, out=None):
        x = _tensor_arg(fname, input)
        s = _ints_arg(fname, "s", s)
        dim = _ints_arg(fname, "dim", dim)
        norm = _norm_arg(fname, norm)
        if forward is None:
            return impl(fname, x, s, dim, norm, out)
        return impl(fname, forward, x, s, dim, norm, out)
    transform.__name__ = transform.__qualname__ = fname
    return transform


_LAST2 = (-2, -1)
fftn = _n_dim("fftn", _fftn, None, True)
fftn.__doc__ = """The n-dimensional DFT over ``dim`` (default: all dimensions, or the last
    ``len(s)``), each transformed dimension resized to ``s``.

    >>> ember.fft.fftn(ember.ones(2, 2))
    tensor([[4.+0.j, 0.+0.j],
            [0.+0.j, 0.+0.j]])
    """
ifftn = _n_dim("ifftn", _fftn, None, False)
ifftn.__doc__ = """The n-dimensional inverse DFT.

    >>> ember.fft.ifftn(ember.tensor([[4., 0.], [0., 0.]]))
    tensor([[1.+0.j, 1.+0.j],
            [1.+0.j, 1.+0.j]])
    """
rfftn = _n_dim("rfftn", _rfftn, None)
rfftn.__doc__ = """The n-dimensional DFT of a real input, one-sided in the last dimension.

    >>> ember.fft.rfftn(ember.ones(2, 2))
    tensor([[4.+0.j, 0.+0.j],
            [0.+0.j, 0.+0.j]])
    """
irfftn = _n_dim("irfftn", _irfftn, None)
irfftn.__doc__ = """The inverse of ``rfftn`` (the last dimension has ``s[-1]`` points, by
    default ``2 * (input.size(dim[-1]) - 1)``).

    >>> ember.fft.irfftn(ember.tensor([[4+0j, 0j], [0j, 0j]]))
    tensor([[1., 1.],
            [1., 1.]])
    """
hfftn = _n_dim("hfftn", _hfftn, None)
hfftn.__doc__ = """The n-dimensional DFT of a Hermitian-symmetric signal given by its half.

    >>> ember.fft.hfftn(ember.tensor([[1+0j, 0j], [0j, 0j]]))
    tensor([[1., 1.],
            [1., 1.]])
    """
ihfftn = _n_dim("ihfftn", _ihfftn, None)
ihfftn.__doc__ = """The inverse of ``hfftn``.

    >>> ember.fft.ihfftn(ember.ones(2, 2))
    tensor([[1.-0.j, 0.-0.j],
            [0.+0.j, 0.+0.j]])
    """
fft2 = _n_dim("fft2", _fftn, _LAST2, True)
fft2.__doc__ = """``fftn`` over the last two dimensions (``dim=(-2, -1)``).

    >>> ember.fft.fft2(ember.ones(2, 2)).real
    tensor([[4., 0.],
            [0., 0.]])
    """
ifft2 = _n_dim("ifft2", _fftn, _LAST2, False)
ifft2.__doc__ = """``ifftn`` over the last two dimensions.

    >>> ember.fft.ifft2(ember.tensor([[4., 0.], [0., 0.]])).real
    tensor([[1., 1.],
            [1., 1.]])
    """
rfft2 = _n_dim("rfft2", _rfftn, _LAST2)
rfft2.__doc__ = """``rfftn`` over the last two dimensions.

    >>> ember.fft.rfft2(ember.ones(2, 2)).real
    tensor([[4., 0.],
            [0., 0.]])
    """
irfft2 = _n_dim("irfft2", _irfftn, _LAST2)
irfft2.__doc__ = """``irfftn`` over the last two dimensions.

    >>> ember.fft.irfft2(ember.tensor([[4+0j, 0j], [0j, 0j]]))
    tensor([[1., 1.],
            [1., 1.]])
    """
hfft2 = _n_dim("hfft2", _hfftn, _LAST2)
hfft2.__doc__ = """``hfftn`` over the last two dimensions.

    >>> ember.fft.hfft2(ember.tensor([[1+0j, 0j], [0j, 0j]]))
    tensor([[1., 1.],
            [1., 1.]])
    """
ihfft2 = _n_dim("ihfft2", _ihfftn, _LAST2)
ihfft2.__doc__ = """``ihfftn`` over the last two dimensions.

    >>> ember.fft.ihfft2(ember.ones(2, 2)).real
    tensor([[1., 0.],
            [0., 0.]])
    """


# ---------------------------------------------------------------------------- frequencies
def _freq_args(fname, n, d, dtype, device):
    if isinstance(n, (bool, np.bool_)) or not hasattr(n, "__index__"):
        raise TypeError(f"fft_{fname}(): argument 'n' (position 1) must be int, not "
                        f"{type_name(n)}")
    if isinstance(d, (bool, Tensor)) or not isinstance(d, (int, float, np.number)):
        raise TypeError(f"fft_{fname}(): argument 'd' (position 2) must be float, not "
                        f"{type_name(d)}")
    dt = _dtype_arg(dtype, f"fft_{fname}") or D.get_default_dtype()
    return operator.index(n), float(d), dt, check_device(device, f"fft_{fname}")


def _scale(n, d):
    with np.errstate(divide="ignore"):
        return float(np.float64(1.0) / (np.float64(n) * np.float64(d)))


def _freq_tensor(fname, values, dt, n, d, out, device, requires_grad):
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(f"{fname} requires a floating point or complex dtype")
    if dt.is_complex:
        raise NotImplementedError(f"\"arange_cpu\" not implemented for '{dt.scalar_name}'")
    scale = _scale(n, d)
    # (as PyTorch: integers in the dtype, times the scale rounded to the dtype's compute type)
    compute = np.float32 if dt.itemsize <= 4 else np.float64
    with np.errstate(invalid="ignore"):
        arr = (values.astype(dt.np).astype(compute) * compute(scale)).astype(dt.np)
    if out is not None:
        return write_out(out, arr, f"fft_{fname}")
    return finish(make_tensor(arr, dt), requires_grad, device)


def _c_half(n):
    """``n / 2`` with C's truncation toward zero."""
    return -((-n) // 2) if n < 0 else n // 2


def fftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, pin_memory=False,
            requires_grad=False):
    """The sample frequencies of an ``n``-point DFT with sample spacing ``d``:
    ``[0, 1, ..., n//2 - 1 (or n//2), -(n//2), ..., -1] / (n * d)``.

    >>> ember.fft.fftfreq(4)
    tensor([ 0.0000,  0.2500, -0.5000, -0.2500])
    """
    if out is not None and dtype is None:
        dtype = out._dtype
    n, d, dt, dev = _freq_args("fftfreq", n, d, dtype, device)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    values = np.arange(n, dtype=np.int64)
    values[(n + 1) // 2:] -= n
    return _freq_tensor("fftfreq", values, dt, n, d, out, dev, requires_grad)


def rfftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, pin_memory=False,
             requires_grad=False):
    """The non-negative sample frequencies of an ``n``-point real DFT:
    ``[0, 1, ..., n//2] / (n * d)``.

    >>> ember.fft.rfftfreq(4)
    tensor([0.0000, 0.2500, 0.5000])
    """
    if out is not None and dtype is None:
        dtype = out._dtype
    n, d, dt, dev = _freq_args("rfftfreq", n, d, dtype, device)
    size = _c_half(n) + 1
    if size < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {size}: [{size}]")
    values = np.arange(size, dtype=np.int64)
    return _freq_tensor("rfftfreq", values, dt, n, d, out, dev, requires_grad)


# ---------------------------------------------------------------------------- shifts
def _shift(fname, input, dim, inverse):
    x = _tensor_arg(fname, input)
    if dim is None:
        dims = tuple(range(x.ndim))
    else:
        dims = tuple(_wrap(d, x.ndim) for d in _ints_arg(fname, "dim", dim))
    shifts = tuple((x.shape[d] + inverse) // 2 for d in dims)
    return x.roll(shifts, dims)


def fftshift(input, dim=None):
    """Move the zero frequency to the centre of ``dim`` (default: all dimensions).

    >>> ember.fft.fftshift(ember.fft.fftfreq(4))
    tensor([-0.5000, -0.2500,  0.0000,  0.2500])
    """
    return _shift("fftshift", input, dim, 0)


def ifftshift(input, dim=None):
    """The inverse of ``fftshift``.

    >>> ember.fft.ifftshift(ember.tensor([-0.5, -0.25, 0., 0.25]))
    tensor([ 0.0000,  0.2500, -0.5000, -0.2500])
    """
    return _shift("ifftshift", input, dim, 1)

