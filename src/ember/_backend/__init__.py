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


def as_strided(arr, shape, strides_in_elements, offset=0):
    """A view of ``arr``'s memory from its first element (plus ``offset`` elements) with the
    given element strides.

    NOTE: built on the owning buffer with the ndarray constructor, so the view's ``.base`` is
    the storage's root array (storage sharing stays visible) and NumPy checks the bounds."""
    itemsize = arr.itemsize
    byte_strides = tuple(s * itemsize for s in strides_in_elements)
    if type(arr) is ndarray:
        root = root_array(arr)
        if root.flags.c_contiguous:
            start = offset * itemsize
            if root is not arr:
                start += data_ptr(arr) - data_ptr(root)
            try:
                return ndarray(shape, arr.dtype, buffer=root, offset=start, strides=byte_strides)
            except ValueError:
                if 0 not in shape:
                    raise
                # an empty view whose first element would lie past the buffer's end
    if offset:
        arr = arr.reshape(-1)[offset:] if arr.flags.c_contiguous else arr.ravel()[offset:]
    return _np_as_strided(arr, shape, byte_strides, writeable=arr.flags.writeable)


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


def contiguous_strides(shape):
    """Row-major element strides (PyTorch's: sizes of 0 count as 1)."""
    out = [1] * len(shape)
    acc = 1
    for i in range(len(shape) - 1, -1, -1):
        out[i] = acc
        acc *= shape[i] if shape[i] > 1 else 1
    return tuple(out)


def empty_strided(shape, strides, np_dtype, xp=np):
    """A fresh array with exactly the given element strides (which must be non-negative).

    NOTE: NumPy gives empty arrays all-zero strides; as_strided keeps the requested ones, which
    is how an empty tensor still reports PyTorch's strides."""
    shape = tuple(shape)
    strides = tuple(strides)
    if strides == contiguous_strides(shape) and 0 not in shape:
        return xp.empty(shape, np_dtype)
    numel = 1
    for n in shape:
        numel *= n
    span = 1 + sum((n - 1) * s for n, s in zip(shape, strides)) if numel else 0
    buf = xp.empty(max(span, 0), np_dtype)
    return as_strided(buf, shape, strides)


def copy_with_strides(arr, strides, np_dtype=None):
    """A copy of ``arr`` (converted to ``np_dtype``) laid out with the given element strides."""
    np_dtype = arr.dtype if np_dtype is None else np_dtype
    shape = arr.shape
    xp = array_module(arr)
    if 0 not in shape and tuple(strides) == contiguous_strides(shape):
        return xp.array(arr, dtype=np_dtype, order="C", copy=True)
    out = empty_strided(shape, strides, np_dtype, xp)
    if out.size:
        out[...] = arr
    return out
