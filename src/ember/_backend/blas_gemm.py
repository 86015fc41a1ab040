"""``C = A @ B + beta * C`` through the CBLAS of the OpenBLAS that NumPy loaded.

np.matmul has no accumulating form. A convolution over a flat padded grid multiplies each
kernel tap's weights by the same buffer shifted a few elements: with an accumulating GEMM on
those shifted windows the taps add up inside BLAS, and the (taps x channels, pixels) column
copy disappears (a 3x3 64-channel conv: ~45 ms -> ~28 ms on one core).

``gemm_accumulate`` returns False (doing nothing) when no CBLAS is found or the operands do
not suit it; callers then take their NumPy path.

>>> import numpy as np
>>> a, b = np.ones((2, 3), np.float32), np.ones((3, 4), np.float32)
>>> c = np.zeros((2, 4), np.float32)
>>> gemm_accumulate(a, b, c, 0.0) in (True, False)
True
"""
import ctypes

import numpy as np

from .blas_threads import _loaded_openblas_paths

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112

# (prefix, suffix, integer type) of the cblas symbols, as in blas_threads
_FORMS = (("scipy_cblas_", "64_", ctypes.c_int64), ("scipy_cblas_", "", ctypes.c_int32),
          ("cblas_", "64_", ctypes.c_int64), ("cblas_", "", ctypes.c_int32))

_ROUTINES = None


def _bind(lib, name, real):
    for prefix, suffix, integer in _FORMS:
        fn = getattr(lib, prefix + name + suffix, None)
        if fn is not None:
            fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, integer, integer, integer,
                           real, ctypes.c_void_p, integer, ctypes.c_void_p, integer, real,
                           ctypes.c_void_p, integer]
            fn.restype = None
            return fn
    return None


def _routines():
    """{dtype: cblas ?gemm} for float32/float64, found once (empty without OpenBLAS)."""
    global _ROUTINES
    if _ROUTINES is None:
        found = {}
        for path in _loaded_openblas_paths():
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            s, d = _bind(lib, "sgemm", ctypes.c_float), _bind(lib, "dgemm", ctypes.c_double)
            if s is not None and d is not None:
                found = {np.dtype(np.float32): s, np.dtype(np.float64): d}
                break
        _ROUTINES = found
    return _ROUTINES


def _rows(a):
    """(transpose flag, leading dimension) for a 2-d operand with one unit stride, else None."""
    item = a.itemsize
    r, c = a.strides
    if c == item and r % item == 0 and r // item >= max(1, a.shape[1]):
        return _NO_TRANS, r // item
    if r == item and c % item == 0 and c // item >= max(1, a.shape[0]):
        return _TRANS, c // item
    return None


def gemm_accumulate(a, b, c, beta):
    """``c[...] = a @ b + beta * c`` in place (``beta`` 0: ``c``'s old contents are ignored).

    ``a`` (M, K) and ``b`` (K, N) may be any 2-d views with a unit stride along one axis and
    rows (or columns) that do not overlap, such as a column window of a wider array; ``c``
    (M, N) must be C-contiguous. Returns whether it ran."""
    fn = _routines().get(c.dtype)
    if fn is None or a.dtype != c.dtype or b.dtype != c.dtype or not c.flags.c_contiguous:
        return False
    M, K = a.shape
    N = b.shape[1]
    if M == 0 or N == 0 or K == 0:
        return False
    ta, tb = _rows(a), _rows(b)
    if ta is None or tb is None:
        return False
    fn(_ROW_MAJOR, ta[0], tb[0], M, N, K, 1.0, a.ctypes.data, ta[1], b.ctypes.data, tb[1],
       float(beta), c.ctypes.data, N)
    return True

