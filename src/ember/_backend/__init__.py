"""What differs between NumPy (CPU) and CuPy (CUDA): array-module lookup and memory views.

Code above this package asks `array_module(arr)` instead of naming numpy or cupy.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided as _np_as_strided

ndarray = np.ndarray


def array_module(arr):
    """The array library (numpy or cupy) that owns ``arr``."""
    if type(arr) is ndarray:
        return np
    mod = type(arr).__module__
    if mod.startswith("cupy"):
        import cupy
        return cupy
    return np


def as_strided(arr, shape, strides_in_elements):
    """A view of ``arr``'s memory from its first element with the given element strides."""
    itemsize = arr.itemsize
    return _np_as_strided(arr, shape, tuple(s * itemsize for s in strides_in_elements),
                          writeable=arr.flags.writeable)


def data_ptr(arr):
    """Address of the first element of ``arr``."""
    return arr.__array_interface__["data"][0]


def root_array(arr):
    """The array that owns the memory ``arr`` views (follows ``.base``)."""
    while True:
        base = arr.base
        if isinstance(base, ndarray):
            arr = base
        else:
            return arr
