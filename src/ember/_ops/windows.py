"""Window functions for spectral analysis: ``hann_window``, ``hamming_window``,
``blackman_window``, ``bartlett_window``, ``kaiser_window``.

Each is a factory like ``ember.ones``. A *periodic* window (the default, the one to use with
``stft``) is the symmetric window one point longer with its last point dropped, so that
consecutive frames tile. Values are computed in double precision and rounded once.

>>> ember.hann_window(4)
tensor([0.0000, 0.5000, 1.0000, 0.5000])
>>> ember.hann_window(5, periodic=False)
tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
"""
import math

import numpy as np

from .. import _dtype as D
from .._dispatch import FUNCTIONS, type_name
from .._tensor import make_tensor
from .creation import check_device, finish, _dtype_arg

# C++ type names PyTorch prints inside its TensorOptions(...) text
_CPP_NAMES = {D.bool_: "bool", D.uint8: "unsigned char", D.int8: "signed char",
              D.int16: "short int", D.int32: "int", D.int64: "long int",
              D.uint16: "unsigned short", D.uint32: "unsigned int", D.uint64: "unsigned long"}


def _window(fname, window_length, periodic, dtype, device, requires_grad, values):
    """The shared factory steps; ``values(n)`` gives the symmetric ``n``-point window in
    float64 for ``n >= 2``."""
    if isinstance(window_length, bool) or not hasattr(window_length, "__index__"):
        raise TypeError(f"{fname}(): argument 'window_length' (position 1) must be int, not "
                        f"{type_name(window_length)}")
    if not isinstance(periodic, bool):
        raise TypeError(f"{fname}(): argument 'periodic' (position 2) must be bool, not "
                        f"{type_name(periodic)}")
    n = window_length.__index__()
    dt = _dtype_arg(dtype, fname) or D.get_default_dtype()
    dev = check_device(device, fname)
    if dt.is_complex:
        raise NotImplementedError(f"\"arange_cpu\" not implemented for '{dt.scalar_name}'")
    if not dt.is_floating_point:
        raise RuntimeError(
            f"{fname} expects floating point dtypes, got: TensorOptions(dtype={_CPP_NAMES[dt]}, "
            "device=cpu, layout=Strided (default), requires_grad=false (default), "
            "pinned_memory=false, memory_format=(nullopt))")
    if n < 0:
        raise RuntimeError(f"{fname} requires non-negative window_length, got "
                           f"window_length={n}")
    if n <= 1:
        arr = np.ones(n)
    else:
        arr = values(n + 1)[:n] if periodic else values(n)
    return finish(make_tensor(np.ascontiguousarray(arr.astype(dt.np)), dt), requires_grad, dev)


def _phase(n):
    """``2 pi k / (n - 1)`` for ``k = 0 .. n-1``."""
    return np.arange(n) * (2 * math.pi / (n - 1))


def _number(fname, argname, pos, v):
    if isinstance(v, bool) or not isinstance(v, (int, float, np.number)):
        raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be float, not "
                        f"{type_name(v)}")
    return float(v)


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                pin_memory=False, requires_grad=False):
    """``0.5 - 0.5 cos(2 pi k / (N - 1))``: the raised-cosine window.

    >>> ember.hann_window(3, periodic=False)
    tensor([0., 1., 0.])
    """
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n: 0.5 - 0.5 * np.cos(_phase(n)))


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None,
                   layout=None, device=None, pin_memory=False, requires_grad=False):
    """``alpha - beta cos(2 pi k / (N - 1))``.

    >>> ember.hamming_window(3, periodic=False)
    tensor([0.0800, 1.0000, 0.0800])
    """
    a = _number("hamming_window", "alpha", 3, alpha)
    b = _number("hamming_window", "beta", 4, beta)
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n: a - b * np.cos(_phase(n)))


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    pin_memory=False, requires_grad=False):
    """``0.42 - 0.5 cos(2 pi k / (N - 1)) + 0.08 cos(4 pi k / (N - 1))``.

    >>> ember.blackman_window(4)[2]
    tensor(1.)
    """
    def values(n):
        p = _phase(n)
        return 0.42 - 0.5 * np.cos(p) + 0.08 * np.cos(2 * p)
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   values)


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    pin_memory=False, requires_grad=False):
    """The triangular window ``1 - |2k / (N - 1) - 1|``.

    >>> ember.bartlett_window(5, periodic=False)
    tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
    """
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n: 1 - np.abs(np.arange(n) * (2 / (n - 1)) - 1))


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None,
                  device=None, pin_memory=False, requires_grad=False):
    """``I0(beta sqrt(1 - ((k - c) / c)^2)) / I0(beta)`` with ``c = (N - 1) / 2`` (``I0``: the
    modified Bessel function of order 0).

    >>> ember.kaiser_window(3, periodic=False, beta=0.)
    tensor([1., 1., 1.])
    """
    b = _number("kaiser_window", "beta", 3, beta)

    def values(n):
        c = (n - 1) / 2
        r = (np.arange(n) - c) / c
        return np.i0(b * np.sqrt(np.maximum(1 - r * r, 0))) / np.i0(b)
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                   values)


FUNCTIONS.update(hann_window=hann_window, hamming_window=hamming_window,
                 blackman_window=blackman_window, bartlett_window=bartlett_window,
                 kaiser_window=kaiser_window)
