"""Tensor creation: tensor(), from_numpy, factories (zeros, arange, linspace, eye, ...), the
``*_like`` and ``new_*`` forms, and the legacy ``FloatTensor(...)`` constructors.

dtype inference follows PyTorch (Python floats take the default dtype), never NumPy.
"""
import math
import numbers
import operator
import warnings

import numpy as np

from .. import _dtype as D
from .._device import CPU, as_device, device as _device_cls, default_device as _default_device
from .._dispatch import FUNCTIONS, tensor_method
from .._tensor import Tensor, make_tensor, _new, strides_of
from .._size import Size
from .._memory_format import (contiguous_format, preserve_format, channels_last,
                              channels_last_3d, channels_last_strides, contiguous_strides)
from .._backend import root_array, data_ptr, as_strided as _as_strided, copy_with_strides, empty_strided as _empty_strided_array
from .._memory_format import (preserve_strides, infer_dense_strides, strides_for_format,
                              memory_format as _MemoryFormat, layout as _Layout)
from ..autograd.grad_mode import STATE as _GRAD
from ..autograd.graph import node_class


# ---------------------------------------------------------------------------- helpers
def arg_type_name(x):
    """The type name PyTorch's argument parser prints (``numpy.float64``, ``Tensor``, ...)."""
    if isinstance(x, Tensor):
        return "Tensor"
    if isinstance(x, D.dtype):
        return "ember.dtype"
    if isinstance(x, _device_cls):
        return "ember.device"
    if isinstance(x, (_MemoryFormat, _Layout)):
        return "ember." + type(x).__name__
    t = type(x)
    if t.__module__ == "numpy":
        return "numpy." + t.__name__
    return t.__name__


def _is_int_arg(x):
    """An int argument as PyTorch's parser sees one: no bools, no floats; NumPy integers and
    one-element integer tensors pass."""
    if type(x) is int:
        return True
    if isinstance(x, (bool, np.bool_, float, np.floating, complex, np.complexfloating,
                      np.ndarray)):
        return False
    if isinstance(x, Tensor):
        return x._dtype.category == 1 and x._array.size == 1
    return hasattr(x, "__index__")


def _int_list(seq, fname, argname):
    if len(seq) and not _is_int_arg(seq[0]):
        raise TypeError(f"{fname}(): argument '{argname}' (position 1) must be tuple of ints, but "
                        f"found element of type {arg_type_name(seq[0])} at pos 0")
    out = []
    for i, s in enumerate(seq):
        if type(s) is int:
            out.append(s)
        elif isinstance(s, (bool, Tensor)) or (hasattr(s, "__index__") and not isinstance(
                s, (np.floating, np.complexfloating))):
            out.append(operator.index(s))
        else:
            raise TypeError(f"{fname}(): argument '{argname}' failed to unpack the object at pos "
                            f"{i + 1} with error \"type must be tuple of ints,but got "
                            f"{arg_type_name(s)}\"")
    return tuple(out)


def size_arg(size, fname, argname="size", varargs=True):
    """A ``size`` argument as PyTorch parses it: ints as varargs (``zeros(2, 3)``) or one
    tuple/list/Size (``zeros((2, 3))``); PyTorch's TypeErrors otherwise."""
    if len(size) == 1:
        s = size[0]
        if isinstance(s, (tuple, list)):
            return _int_list(s, fname, argname)
        if _is_int_arg(s):
            return (operator.index(s),)
        raise TypeError(f"{fname}(): argument '{argname}' (position 1) must be tuple of ints, not "
                        f"{arg_type_name(s)}")
    if not size:
        raise TypeError(f'{fname}() missing 1 required positional arguments: "{argname}"')
    if not varargs or not _is_int_arg(size[0]):
        raise TypeError(f"{fname}() takes 1 positional argument but {len(size)} were given")
    return _int_list(size, fname, argname)


def check_nonnegative(shape):
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"[{', '.join(map(str, shape))}]")
    return shape


def parse_size(size, fname):
    """``(2, 3)``, ``((2, 3),)``, ``(Size,)`` -> a tuple of non-negative ints, with PyTorch's
    errors."""
    return check_nonnegative(size_arg(size, fname))


def check_device(device, fname=None):
    """The device a factory allocates on (the default device when None); CUDA needs the CuPy
    backend."""
    if device is not None and not isinstance(device, (str, _device_cls, int)):
        prefix = f"{fname}(): " if fname else ""
        raise TypeError(f"{prefix}argument 'device' must be torch.device, not "
                        f"{arg_type_name(device)}")
    device = as_device(device)
    if device is None:
        device = _default_device()
        if device is None:
            return CPU
    if device.type == "cpu":
        return CPU
    if device.type == "cuda":
        from .. import cuda
        cuda._lazy_init()
        return device
    if device.type == "meta":
        raise NotImplementedError("ember has no meta tensors")
    raise RuntimeError(f"PyTorch is not linked with support for {device.type} devices")


def finish(t, requires_grad=False, device=None):
    """Move a freshly made CPU tensor to ``device`` and set requires_grad as factories do."""
    if device is not None and device.type == "cuda":
        from ..cuda import to_device_array
        t._array = to_device_array(t._array, device)
    if requires_grad:
        if not (t._dtype.is_floating_point or t._dtype.is_complex):
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t._requires_grad = True
    if _GRAD.inference:
        t._inference = True
    return t


_PY_TYPE_DTYPES = {float: D.float64, int: D.int64, bool: D.bool_, complex: D.complex128}


def _dtype_arg(dtype, fname=None):
    """A ``dtype=`` argument: an ember dtype, or Python's float/int/bool/complex."""
    if dtype is None or isinstance(dtype, D.dtype):
        return dtype
    try:
        return _PY_TYPE_DTYPES[dtype]
    except (KeyError, TypeError):
        pass
    if fname is None:
        # internal callers (Tensor.to, ...) also take NumPy dtypes
        try:
            return D.from_numpy_dtype(np.dtype(dtype))
        except TypeError:
            raise TypeError(f"dtype must be torch.dtype, not {arg_type_name(dtype)}") from None
    raise TypeError(f"{fname}(): argument 'dtype' must be torch.dtype, not {arg_type_name(dtype)}")


def _check_holdable(dt):
    if dt.np is None:
        raise RuntimeError(f"ember cannot hold {dt} tensors (NumPy has no such type)")


def _alloc(shape, dt, fill=None, memory_format=contiguous_format):
    """A fresh array of ``shape`` (filled with a Python number, or uninitialised) laid out in
    ``memory_format``."""
    _check_holdable(dt)
    if memory_format is contiguous_format:
        if 0 in shape:
            return _empty_strided_array(shape, contiguous_strides(shape), dt.np)
        if fill is None:
            return np.empty(shape, dt.np)
        if fill == 0:
            return np.zeros(shape, dt.np)
        return np.full(shape, fill, dt.np)
    arr = _empty_strided_array(shape, strides_for_format(shape, memory_format), dt.np)
    if fill is not None and arr.size:
        arr[...] = fill
    return arr


# ---------------------------------------------------------------------------- checked scalars
# PyTorch converts a Scalar argument (full's fill_value, fill_'s value) to the tensor's type
# with an overflow check; the message names the C++ type.
_CPP_SCALAR = {
    "bool": "bool", "uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int",
    "int64": "int64_t", "uint16": "uint16_t", "uint32": "uint32_t", "uint64": "uint64_t",
    "float16": "c10::Half", "bfloat16": "c10::BFloat16", "float32": "float", "float64": "double",
    "complex32": "c10::complex<c10::Half>", "complex64": "c10::complex<float>",
    "complex128": "c10::complex<double>", "float8_e4m3fn": "c10::Float8_e4m3fn",
    "float8_e5m2": "c10::Float8_e5m2", "float8_e4m3fnuz": "c10::Float8_e4m3fnuz",
    "float8_e5m2fnuz": "c10::Float8_e5m2fnuz",
}


def scalar_arg(value, fname, argname="fill_value", pos=2):
    """A Scalar argument as a Python bool/int/float/complex (0-dim tensors and NumPy scalars
    read as PyTorch reads them); TypeError for anything else."""
    t = type(value)
    if t is int or t is float or t is bool or t is complex:
        if t is int and not (-(1 << 63) <= value < (1 << 64)):
            raise OverflowError("int too big to convert" if value > 0 else
                                "can't convert negative int to unsigned")
        return value
    if isinstance(value, Tensor):
        if value._array.ndim == 0:
            return value.item()
    elif isinstance(value, (np.generic, bool, int, float, complex)):
        try:
            return D.normalize_scalar(value)
        except TypeError:
            pass
    raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be Number, not "
                    f"{arg_type_name(value)}")


def checked_scalar(value, dt):
    """``value`` (a Python number) converted to ``dt`` as a NumPy scalar, raising PyTorch's
    ``value cannot be converted to type ... without overflow``."""
    cat = dt.category
    if cat == 0:
        return np.bool_(value != 0)
    t = type(value)
    if t is complex:
        if cat < 3 and value.imag:
            raise _scalar_overflow(dt)
        if cat < 3:
            value = value.real
            t = float
    if cat == 1:
        info = np.iinfo(dt.np)
        hi = int(info.max)
        lo = int(info.min)
        if t is float:
            if not (lo <= value <= hi):
                raise _scalar_overflow(dt)
            return dt.np.type(int(value))
        v = int(value)
        if lo == 0:   # unsigned: negative values wrap as in C
            if v > hi or -v > hi:
                raise _scalar_overflow(dt)
            return dt.np.type(v & hi)
        if v < lo or v > hi:
            raise _scalar_overflow(dt)
        return dt.np.type(v)
    _check_holdable(dt)
    fmax = float(_float_max(dt))
    if cat == 2:
        v = float(value)
        if math.isfinite(v) and abs(v) > fmax:
            raise _scalar_overflow(dt)
        return _to_float_np(v, dt)
    z = complex(value)
    for part in (z.real, z.imag):
        if math.isfinite(part) and abs(part) > fmax:
            raise _scalar_overflow(dt)
    return dt.np.type(z)


def _float_max(dt):
    if dt.category == 3:
        dt = dt.to_real()
    import ml_dtypes
    return ml_dtypes.finfo(dt.np).max


def _to_float_np(v, dt):
    # NOTE: PyTorch converts a double to half/bfloat16/float8 through float.
    if dt.itemsize < 4:
        return np.array(np.float32(v)).astype(dt.np)[()]
    return dt.np.type(v)


def _scalar_overflow(dt):
    return RuntimeError(f"value cannot be converted to type {_CPP_SCALAR.get(dt.name, dt.name)} "
                        "without overflow")


# ---------------------------------------------------------------------------- tensor()
# PyTorch's torch.tensor(data) in three passes: the sizes (following the first element at each
# level), the dtype (promote_types folded over every element), then the store (which checks
# every sequence's length and converts each element by the target dtype's rules).
_PY_NUMBERS = frozenset((bool, int, float, complex))


def _is_sequence(x):
    t = type(x)
    if t is list or t is tuple:
        return True
    if isinstance(x, (Tensor, np.generic, dict)):
        return False
    return hasattr(t, "__getitem__") and hasattr(t, "__len__")


def _compute_sizes(data):
    sizes = []
    seq = data
    while _is_sequence(seq):
        n = len(seq)
        sizes.append(n)
        if n == 0:
            break
        if isinstance(seq, str):
            raise ValueError("too many dimensions 'str'")
        seq = seq[0]
    return sizes


def _elem_dtype(x):
    """The dtype PyTorch infers for one element (``infer_scalar_type``)."""
    t = type(x)
    if t is float:
        return D.get_default_dtype()
    if t is int:
        return D.int64
    if t is bool:
        return D.bool_
    if isinstance(x, Tensor):
        return x._dtype
    if isinstance(x, (np.generic, np.ndarray)):
        return D.from_numpy_dtype(x.dtype)
    if t is complex or isinstance(x, complex):
        return _default_complex()
    if isinstance(x, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
    if isinstance(x, bool):
        return D.bool_
    if isinstance(x, int):
        return D.int64
    if isinstance(x, float):
        return D.get_default_dtype()
    if _is_sequence(x):
        return _seq_dtype(x)
    raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")


def _default_complex():
    if D.get_default_dtype() is D.bfloat16:
        raise RuntimeError("invalid default scalar type for complex")
    return D.get_default_complex_dtype()


def _py_types_dtype(types):
    if complex in types:
        return _default_complex()
    if float in types:
        return D.get_default_dtype()
    if int in types:
        return D.int64
    return D.bool_


def _seq_dtype(seq):
    n = len(seq)
    if n == 0:
        return D.get_default_dtype()
    if type(seq) is list or type(seq) is tuple:
        types = set(map(type, seq))
        if types <= _PY_NUMBERS:
            return _py_types_dtype(types)
    cur = None
    for x in seq:
        dt = _elem_dtype(x)
        cur = dt if cur is None else D.promote_types(cur, dt)
        if cur is D.complex128:
            break
    return cur


def _pure_python(data, ndim):
    """True if ``data`` is nested lists/tuples of Python numbers only, ``ndim`` deep."""
    if ndim == 0:
        return type(data) in _PY_NUMBERS
    if type(data) is not list and type(data) is not tuple:
        return False
    if ndim == 1:
        return set(map(type, data)) <= _PY_NUMBERS
    return all(_pure_python(x, ndim - 1) for x in data)


def _overflow(dt):
    return RuntimeError(f"value cannot be converted to type {dt.name} without overflow")


_I64_MIN, _I64_MAX = -(1 << 63), (1 << 63) - 1


def _int_limits(dt):
    info = np.iinfo(dt.np)
    return int(info.min), int(info.max)


def _unpack_long(v):
    # THPUtils_unpackLong: anything with __index__, overflowing int64 is a ValueError
    i = operator.index(v)
    if i < _I64_MIN or i > _I64_MAX:
        raise ValueError("Overflow when unpacking long long")
    return i


def _store_int(v, dt):
    lo, hi = _int_limits(dt)
    if isinstance(v, float):
        f = float(v)
        if not (lo <= f <= hi):   # NaN fails too
            raise _overflow(dt)
        return int(f)
    i = _unpack_long(v)
    if lo == 0:   # unsigned: negative values wrap, as in C
        if i > hi or -i > hi:
            raise _overflow(dt)
        return i & hi
    if i < lo or i > hi:
        raise _overflow(dt)
    return i


def _store_uint64(v, dt):
    if not isinstance(v, int):
        raise TypeError("an integer is required")
    if v < 0:
        raise OverflowError("can't convert negative int to unsigned")
    if v > 0xFFFFFFFFFFFFFFFF:
        raise OverflowError("int too big to convert")
    return int(v)


def _store_bool(v, dt):
    if isinstance(v, float):
        return bool(v)
    if isinstance(v, complex):
        return bool(v.real) or bool(v.imag)
    if isinstance(v, np.bool_):
        return bool(v)
    return operator.index(v) != 0


def _store_float(v, dt):
    if isinstance(v, complex) and not isinstance(v, np.generic):
        raise TypeError("must be real number, not complex")
    if not (hasattr(type(v), "__float__") or hasattr(type(v), "__index__")):
        raise TypeError(f"must be real number, not {arg_type_name(v)}")
    if isinstance(v, np.generic):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return float(v)
    return float(v)


def _store_complex(v, dt):
    return complex(v)


def _element_store(dt):
    if dt is D.bool_:
        return _store_bool
    if dt is D.uint64:
        return _store_uint64
    if dt.category == 1:
        return _store_int
    if dt.category == 2:
        return _store_float
    return _store_complex


def _store_rec(obj, sizes, dim, conv, dt, out):
    if dim == len(sizes):
        out.append(conv(obj, dt))
        return
    n = sizes[dim]
    if type(obj) is list or type(obj) is tuple:
        seq = obj
    else:
        try:
            seq = list(obj)
        except TypeError:
            raise TypeError("not a sequence") from None
    if len(seq) != n:
        raise ValueError(f"expected sequence of length {n} at dim {dim} (got {len(seq)})")
    for x in seq:
        _store_rec(x, sizes, dim + 1, conv, dt, out)


def _work_np(dt):
    """The NumPy dtype Python values are first gathered in before the final cast."""
    if dt.category == 1:
        return np.uint64 if dt is D.uint64 else np.int64
    if dt.category == 0:
        return np.bool_
    if dt.category == 2:
        return np.float64
    return np.complex128


def _final_cast(a, dt):
    # NOTE: PyTorch converts doubles to half, bfloat16 and float8 through float.
    with np.errstate(over="ignore", invalid="ignore"):
        if dt.category == 2 and dt.itemsize < 4 and a.dtype == np.float64:
            a = a.astype(np.float32)
        return a.astype(dt.np, copy=False)


def _fast_store(data, sizes, dt):
    """Nested lists of Python numbers: one NumPy conversion plus vectorised range checks, or
    None when the slow per-element path must decide."""
    try:
        a = np.array(data)
    except (ValueError, OverflowError, TypeError):
        return None
    if a.shape != tuple(sizes):
        return None
    k = a.dtype.kind
    if k not in "bifc":
        return None
    cat = dt.category
    if cat == 0:
        return a.astype(np.bool_)
    if cat == 1:
        if dt is D.uint64:
            if k in "fc":
                raise TypeError("an integer is required")
            if a.size and a.min() < 0:
                raise OverflowError("can't convert negative int to unsigned")
            return a.astype(np.uint64)
        if k == "c":
            raise TypeError("'complex' object cannot be interpreted as an integer")
        lo, hi = _int_limits(dt)
        if k == "f":
            if _has_int(data, len(sizes)):
                return None   # ints mixed with floats: keep the ints exact
            if a.size and not (np.all(a >= lo) and np.all(a <= hi)):
                raise _overflow(dt)
            return a.astype(dt.np)
        if a.size:
            mn, mx = int(a.min()), int(a.max())
            if mx > hi or (mn < (-hi if lo == 0 else lo)):
                raise _overflow(dt)
        return a.astype(dt.np)
    if cat == 2:
        if k == "c":
            raise TypeError("must be real number, not complex")
        return _final_cast(a.astype(np.float64, copy=False), dt)
    return a.astype(dt.np)


def _block_store(data, sizes, dt):
    """Lists of same-dtype 0-dim tensors, or of same-shape NumPy arrays: one stacked conversion
    that applies the element rules of the slow path to the whole block (or None)."""
    if type(data) is not list and type(data) is not tuple:
        return None
    first = data[0]
    if type(first) is Tensor:
        if len(sizes) != 1:
            return None
        src = first._dtype
        for x in data:
            if type(x) is not Tensor or x._dtype is not src or x._array.ndim:
                return None
        block = np.array([x._cpu_array() for x in data], dtype=src.np)
        return _convert_tensor_block(block, src, dt)
    if type(first) is np.ndarray:
        shape = tuple(sizes[1:])
        for x in data:
            if type(x) is not np.ndarray or x.dtype != first.dtype or x.shape != shape:
                return None
        D.from_numpy_dtype(first.dtype)   # PyTorch's error for unsupported NumPy dtypes
        return _convert_numpy_block(np.stack(data), dt)
    return None


def _not_an_integer(npdt):
    return TypeError(f"'numpy.{npdt.type.__name__}' object cannot be interpreted as an integer")


def _int_block(a, dt, from_float):
    """Integer values (or Python floats) stored into integer dtype ``dt`` with the overflow
    checks of PyTorch's element store."""
    lo, hi = _int_limits(dt)
    if not a.size:
        return a.astype(dt.np)
    if from_float:
        if not (np.all(a >= lo) and np.all(a <= hi)):
            raise _overflow(dt)
        return a.astype(dt.np)
    if a.dtype == np.uint64 and a.max() > _I64_MAX:
        raise ValueError("Overflow when unpacking long long")
    mn, mx = int(a.min()), int(a.max())
    if mx > hi or mn < (-hi if lo == 0 else lo):
        raise _overflow(dt)
    return a.astype(np.int64).astype(dt.np)


def _convert_numpy_block(a, dt):
    """Elements that are NumPy scalars of ``a.dtype`` stored as ``dt`` (the per-element rules)."""
    k = a.dtype
    cat = dt.category
    with np.errstate(over="ignore", invalid="ignore"):
        if cat == 3:
            return a.astype(np.complex128).astype(dt.np)
        if cat == 2:
            if k.kind == "c":
                a = a.real
            return _final_cast(a.astype(np.float64), dt)
    if not a.size:
        return a.astype(dt.np)
    if dt is D.uint64:
        raise TypeError("an integer is required")
    if cat == 0:
        if k == np.float64 or k.kind in "biu":
            return a != 0
        if k == np.complex128:
            return (a.real != 0) | (a.imag != 0)
        raise _not_an_integer(k)
    if k == np.float64:
        return _int_block(a, dt, True)
    if k.kind in "iu":
        return _int_block(a, dt, False)
    raise _not_an_integer(k)


def _convert_tensor_block(a, src, dt):
    """Elements that are 0-dim tensors of dtype ``src`` stored as ``dt`` (float(t), index(t),
    complex(t) as PyTorch's element store calls them)."""
    cat = dt.category
    with np.errstate(over="ignore", invalid="ignore"):
        if cat == 3:
            return a.astype(np.complex128).astype(dt.np)
        if cat == 2:
            if src.is_complex:
                if a.size and np.any(a.imag != 0):
                    raise RuntimeError("value cannot be converted to type double without "
                                       "overflow")
                a = a.real
            return _final_cast(a.astype(np.float64), dt)
    if not a.size:
        return a.astype(dt.np)
    if dt is D.uint64:
        raise TypeError("an integer is required")
    if src.category > 1:
        raise TypeError("only integer tensors of a single element can be converted to an index")
    if src is D.uint64 and a.max() > _I64_MAX:
        raise RuntimeError("value cannot be converted to type int64_t without overflow")
    if cat == 0:
        return a != 0
    return _int_block(a.astype(np.int64), dt, False)


def _has_int(data, ndim):
    if ndim <= 1:
        return int in set(map(type, data))
    return any(_has_int(x, ndim - 1) for x in data)


def _numel(sizes):
    n = 1
    for s in sizes:
        n *= s
    return n


def _sequence_to_array(data, dtype):
    """(array, dtype) for a Python scalar, NumPy scalar or (nested) sequence, by PyTorch's
    rules."""
    sizes = _compute_sizes(data)
    dt = dtype or _elem_dtype(data)
    if dt.np is None:
        raise RuntimeError(f"ember cannot hold {dt} tensors (NumPy has no such type)")
    shape = tuple(sizes)
    if _numel(sizes) == 0:
        return np.empty(shape, dt.np), dt
    if sizes and _pure_python(data, len(sizes)):
        arr = _fast_store(data, sizes, dt)
        if arr is not None:
            return arr, dt
    arr = _block_store(data, sizes, dt)
    if arr is not None:
        return arr, dt
    vals = []
    _store_rec(data, sizes, 0, _element_store(dt), dt, vals)
    arr = np.array(vals, dtype=_work_np(dt)).reshape(shape)
    return _final_cast(arr, dt), dt


def _copy_preserving(arr, dt):
    """A copy of ``arr`` as ``dt`` with PyTorch's preserve_format layout."""
    return copy_with_strides(_read_array(arr), preserve_strides(arr.shape, strides_of(arr)),
                             dt.np)


def _read_array(arr):
    return arr if type(arr) is np.ndarray else arr.get()


def _data_to_array(data, dtype, copy=True):
    """(array, dtype) for ``tensor(data, dtype=dtype)``."""
    if isinstance(data, Tensor):
        dt = dtype or data._dtype
        return _cast_copy(data._array, data._dtype, dt), dt
    if isinstance(data, np.ndarray):
        t = from_numpy(data)
        dt = dtype or t._dtype
        return _cast_copy(data, t._dtype, dt), dt
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    if (type(data) is list or type(data) is tuple) and data and type(data[0]) is np.ndarray:
        warnings.warn("Creating a tensor from a list of numpy.ndarrays is extremely slow. Please "
                      "consider converting the list to a single numpy.ndarray with numpy.array() "
                      "before converting to a tensor.", UserWarning, stacklevel=3)
    return _sequence_to_array(data, dtype)


def _cast_copy(arr, src_dt, dt):
    if dt.np is None:
        raise RuntimeError(f"ember cannot hold {dt} tensors (NumPy has no such type)")
    if src_dt.is_complex and not dt.is_complex:
        arr = arr.real
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # NumPy's cast warnings (NaN to int ...)
        return _copy_preserving(arr, dt)


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor copied from ``data`` (nested lists, scalars, arrays or tensors).

    >>> ember.tensor([[1, 2], [3, 4.]])
    tensor([[1., 2.],
            [3., 4.]])
    """
    dtype = _dtype_arg(dtype, "tensor")
    device = check_device(device)
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or "
                      "sourceTensor.detach().clone().requires_grad_(True), rather than "
                      "torch.tensor(sourceTensor).", UserWarning, stacklevel=2)
    arr, dt = _data_to_array(data, dtype)
    return finish(make_tensor(arr, dt), requires_grad, device)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with ``data`` when it is a tensor or array of the
    right dtype (and device).

    >>> a = np.zeros(3); ember.as_tensor(a).data_ptr() == a.ctypes.data
    True
    """
    dtype = _dtype_arg(dtype, "as_tensor")
    dev = check_device(device) if device is not None else None
    if isinstance(data, Tensor):
        return data.to(device=dev, dtype=dtype)
    if isinstance(data, np.ndarray):
        t = from_numpy(data)
        return t.to(device=dev, dtype=dtype)
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    arr, dt = _sequence_to_array(data, dtype)
    return finish(make_tensor(arr, dt), False, dev)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """Convert ``obj`` (tensor, NumPy array or scalar, DLPack or buffer object, nested sequence)
    to a tensor, sharing memory unless a copy is asked for (``copy=True``) or needed.

    >>> a = np.arange(3.); ember.asarray(a).data_ptr() == a.ctypes.data
    True
    """
    dt = _dtype_arg(dtype, "asarray")
    dev = as_device(device)
    force_copy = bool(copy)
    force_alias = copy is False
    t = None
    if isinstance(obj, Tensor):
        t = obj
    elif isinstance(obj, np.ndarray):
        t = from_numpy(obj)
    elif isinstance(obj, np.generic):
        if force_alias:
            raise RuntimeError("can't alias NumPy scalars. Either remove copy=False or transform "
                               "it in a ndarray. ")
        t = from_numpy(np.asarray(obj))
        force_copy = False   # already a copy (and, as in PyTorch, copy=True then aliases)
    elif hasattr(obj, "__dlpack__") and not isinstance(obj, type):
        t = from_dlpack(obj)
    elif _has_buffer(obj):
        t = frombuffer(obj, dtype=dt or D.get_default_dtype())
    if t is not None:
        wrong_device = dev is not None and dev != t.device
        wrong_dtype = dt is not None and dt is not t._dtype
        if force_copy or (copy is None and (wrong_device or wrong_dtype)):
            if wrong_device or wrong_dtype:
                t = t.to(device=dev, dtype=dt, copy=force_copy)
            else:
                t = t.clone()
        else:
            if wrong_device:
                raise ValueError(f"can't alias tensor from device '{t.device}' to '{dev}'.")
            if wrong_dtype:
                raise ValueError(f"can't alias tensor with dtype '{t._dtype.scalar_name}' into "
                                 f"dtype '{dt.scalar_name}'.")
        if requires_grad:
            t.requires_grad_(True)
        return t
    if force_alias:
        raise ValueError("can't alias arbitrary sequence into a tensor.")
    if isinstance(obj, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(obj).__name__}'")
    arr, dt = _sequence_to_array(obj, dt)
    return finish(make_tensor(arr, dt), requires_grad, check_device(dev))


def _has_buffer(obj):
    try:
        memoryview(obj)
    except TypeError:
        return False
    return True


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-d tensor sharing memory with a Python buffer (bytes, bytearray, array, ...).

    >>> ember.frombuffer(bytearray(b"ab"), dtype=ember.uint8)
    tensor([97, 98], dtype=ember.uint8)
    """
    dt = _dtype_arg(dtype, "frombuffer")
    _check_holdable(dt)
    try:
        mv = memoryview(buffer)
    except TypeError:
        raise ValueError("object does not implement Python buffer protocol.") from None
    n = mv.nbytes
    if n == 0 or count == 0:
        raise ValueError(f"both buffer length ({n}) and count ({count}) must not be 0")
    if offset < 0 or offset >= n:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than "
                         f"buffer length ({n} bytes) minus 1")
    isz = dt.itemsize
    if count < 0:
        if (n - offset) % isz:
            raise ValueError(f"buffer length ({n - offset} bytes) after offset ({offset} bytes) "
                             f"must be a multiple of element size ({isz})")
        count = (n - offset) // isz
    elif offset + count * isz > n:
        raise ValueError(f"requested buffer length ({count} * {isz} bytes) after offset "
                         f"({offset} bytes) must not be greater than actual buffer length "
                         f"({n} bytes)")
    raw = np.frombuffer(mv.cast("B") if mv.ndim != 1 or mv.format != "B" else mv, np.uint8)
    arr = raw[offset:offset + count * isz].view(dt.np)
    return finish(make_tensor(arr, dt), requires_grad, None)


def _np_dtype_name(npdt):
    return f"numpy.{npdt.type.__name__}"


def from_numpy(ndarray):
    """A tensor sharing memory with a NumPy array (no copy).

    >>> a = np.arange(3); t = ember.from_numpy(a); a[0] = 7; t
    tensor([7, 1, 2])
    """
    if type(ndarray) is not np.ndarray and not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {arg_type_name(ndarray)})")
    npdt = ndarray.dtype
    try:
        dt = D.from_numpy_dtype(npdt)
    except TypeError:
        dt = None
    if dt is None or dt in D.FLOAT8_DTYPES or dt is D.bfloat16:
        if npdt.byteorder not in "=|" and npdt.newbyteorder("=") in D._FROM_NP:
            dt = None
        else:
            raise TypeError(
                f"can't convert np.ndarray of type {_np_dtype_name(npdt)}. The only supported "
                "types are: float64, float32, float16, complex64, complex128, int64, int32, int16, "
                "int8, uint64, uint32, uint16, uint8, and bool.")
    if dt is None:
        raise ValueError("given numpy array has byte order different from the native byte "
                         "order. Conversion between byte orders is currently not supported.")
    isz = ndarray.itemsize
    for s in ndarray.strides:
        if s < 0:
            raise ValueError("At least one stride in the given numpy array is negative, and "
                             "tensors with negative strides are not currently supported. (You can "
                             "probably work around this by making a copy of your array  with "
                             "array.copy().) ")
        if s % isz:
            raise ValueError("given numpy array strides not a multiple of the element byte size. "
                             "Copy the numpy array to reallocate the memory.")
    return make_tensor(own_storage(ndarray), dt)


def own_storage(arr):
    """``arr``, or the same memory re-viewed so that its storage starts at its first element and
    spans just its elements (PyTorch's from_numpy storage: storage_offset() is 0)."""
    root = root_array(arr)
    if root is arr:
        return arr
    isz = arr.itemsize
    start = data_ptr(arr) - data_ptr(root)
    span = (1 + sum((n - 1) * s for n, s in zip(arr.shape, arr.strides)) // isz) if arr.size else 0
    if (start == 0 and span * isz == root.nbytes) or not (root.flags.c_contiguous or
                                                          root.flags.f_contiguous):
        return arr
    try:
        raw = memoryview(root.reshape(-1, order="A").view(np.uint8))
    except (ValueError, TypeError, AttributeError):
        return arr
    flat = np.frombuffer(raw[start:start + span * isz], dtype=arr.dtype)
    if not root.flags.writeable or not arr.flags.writeable:
        flat.flags.writeable = False
    return np.ndarray(arr.shape, arr.dtype, buffer=flat, strides=arr.strides)


def from_dlpack(ext_tensor):
    """A tensor sharing memory with any object that speaks DLPack (NumPy arrays, PyTorch and
    CuPy tensors, ...) or with a DLPack capsule.

    >>> a = np.arange(3.); ember.from_dlpack(a).data_ptr() == a.ctypes.data
    True
    """
    from .._backend import dlpack
    if isinstance(ext_tensor, Tensor):
        if ext_tensor._requires_grad:
            raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
        return make_tensor(ext_tensor._array, ext_tensor._dtype)   # a new tensor, same memory
    if not hasattr(ext_tensor, "__dlpack__"):
        if type(ext_tensor).__name__ != "PyCapsule":
            raise RuntimeError("from_dlpack received an invalid capsule. Note that DLTensor "
                               "capsules can be consumed only once, so you might have already "
                               "constructed a tensor from it once.")
        arr = dlpack.import_capsule(ext_tensor)
        return make_tensor(arr, D.from_numpy_dtype(arr.dtype))
    dev_type, dev_id = ext_tensor.__dlpack_device__()
    if int(dev_type) == 2:   # kDLCUDA
        from .. import cuda
        cuda._lazy_init()
        import cupy
        arr = cupy.from_dlpack(ext_tensor)
        return make_tensor(arr, D.from_numpy_dtype(arr.dtype))
    try:
        arr = np.from_dlpack(ext_tensor)
    except (BufferError, RuntimeError, TypeError):
        # dtypes NumPy does not exchange (bfloat16, ...): read the DLPack struct ourselves
        arr = dlpack.import_capsule(ext_tensor.__dlpack__())
    return make_tensor(arr, D.from_numpy_dtype(arr.dtype))


def scalar_tensor(s, *, dtype=None, layout=None, device=None, pin_memory=False,
                  requires_grad=False):
    """A 0-dim tensor of the default dtype (or ``dtype``) holding ``s``.

    >>> ember.scalar_tensor(3)
    tensor(3.)
    """
    dt = _dtype_arg(dtype, "scalar_tensor") or D.get_default_dtype()
    v = scalar_arg(s, "scalar_tensor", "s", 1)
    if dt.category == 2 and dt.itemsize < 4:
        # NOTE: PyTorch fills half/bfloat16 through double: no overflow check
        if type(v) is complex and v.imag:
            raise RuntimeError("value cannot be converted to type double without overflow")
        with np.errstate(over="ignore"):
            arr = np.array(_to_float_np(float(v.real if type(v) is complex else v), dt))
    else:
        arr = np.array(checked_scalar(v, dt))
    return finish(make_tensor(arr, dt), requires_grad, check_device(device))


# ---------------------------------------------------------------------------- factories
def _factory(fname, fill, doc):
    def factory(*size, out=None, dtype=None, layout=None, device=None, pin_memory=False,
                requires_grad=False, **kw):
        if "size" in kw:
            if size:
                raise TypeError(f"{fname}() got multiple values for argument 'size'")
            size = (kw.pop("size"),)
        memory_format = kw.pop("memory_format", None) if fname == "empty" else None
        if kw:
            raise TypeError(f"{fname}() got an unexpected keyword argument '{next(iter(kw))}'")
        shape = size_arg(size, fname)
        if fname == "zeros":
            if any(s < 0 for s in shape):
                raise RuntimeError("zeros: Dimension size must be non-negative.")
        else:
            check_nonnegative(shape)
        dt = _dtype_arg(dtype, fname) or (out._dtype if out is not None else
                                          D.get_default_dtype())
        dev = check_device(device, fname)
        if memory_format is preserve_format:
            raise RuntimeError("unsupported memory format Preserve")
        arr = _alloc(shape, dt, fill, memory_format or contiguous_format)
        if out is not None:
            return _write_out(out, arr)
        return finish(make_tensor(arr, dt), requires_grad, dev)
    factory.__name__ = factory.__qualname__ = fname
    factory.__doc__ = doc
    return factory


zeros = _factory("zeros", 0, "A tensor of zeros.\n\n    >>> ember.zeros(2, 3).shape\n"
                 "    ember.Size([2, 3])\n    ")
ones = _factory("ones", 1, "A tensor of ones.\n\n    >>> ember.ones(2)\n    tensor([1., 1.])\n    ")
empty = _factory("empty", None, "An uninitialised tensor.\n\n    >>> ember.empty(2, 3).shape\n"
                 "    ember.Size([2, 3])\n    ")


def _write_out(out, arr):
    """Store a factory result into ``out=`` (resized to the result's shape)."""
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {arg_type_name(out)}")
    if arr.dtype != out._dtype.np:
        arr = arr.astype(out._dtype.np)
    if out._array.shape == arr.shape:
        out._array[...] = arr
    else:
        out._array = arr
    out._bump_version()
    return out


def _fill_dtype(v):
    t = type(v)
    if t is bool:
        return D.bool_
    if t is int:
        return D.int64
    if t is float:
        return D.get_default_dtype()
    return D.complex128 if D.get_default_dtype() is D.float64 else D.complex64


def _size_tuple(size, fname):
    if isinstance(size, (tuple, list)):
        return check_nonnegative(_int_list(size, fname, "size"))
    raise TypeError(f"{fname}(): argument 'size' (position 1) must be tuple of ints, not "
                    f"{arg_type_name(size)}")


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, pin_memory=False,
         requires_grad=False):
    """A tensor filled with ``fill_value``; the dtype follows the value's type.

    >>> ember.full((2,), 7)
    tensor([7, 7])
    """
    shape = _size_tuple(size, "full")
    v = scalar_arg(fill_value, "full")
    dt = _dtype_arg(dtype, "full") or (out._dtype if out is not None else _fill_dtype(v))
    _check_holdable(dt)
    arr = np.full(shape, checked_scalar(v, dt), dt.np) if 0 not in shape else _alloc(shape, dt)
    if out is not None:
        return _write_out(out, arr)
    return finish(make_tensor(arr, dt), requires_grad, check_device(device))


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """An uninitialised tensor with the given sizes and element strides.

    >>> ember.empty_strided((2, 3), (1, 2)).stride()
    (1, 2)
    """
    size = _size_tuple(size, "empty_strided")
    if not isinstance(stride, (tuple, list)):
        raise TypeError(f"empty_strided(): argument 'stride' (position 2) must be tuple of ints, "
                        f"not {arg_type_name(stride)}")
    stride = _int_list(stride, "empty_strided", "stride")
    dt = _dtype_arg(dtype, "empty_strided") or D.get_default_dtype()
    _check_holdable(dt)
    if len(size) != len(stride):
        raise RuntimeError(f"dimensionality of sizes ({len(size)}) must match dimensionality of "
                           f"strides ({len(stride)})")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"Storage size calculation overflowed with sizes="
                           f"[{', '.join(map(str, size))}] and strides="
                           f"[{', '.join(map(str, stride))}]")
    arr = _empty_strided_array(size, stride, dt.np)
    return finish(make_tensor(arr, dt), requires_grad, check_device(device))


def _like_strides(src, memory_format, fname):
    """Element strides of a ``*_like`` result (PyTorch's empty_like layout rules)."""
    shape = src._array.shape
    if memory_format is preserve_format:
        return preserve_strides(shape, strides_of(src._array))
    return strides_for_format(shape, memory_format)


def _like_input(input, fname):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not "
                        f"{arg_type_name(input)}")


def _like(fname, fill):
    def like(input, *, dtype=None, layout=None, device=None, pin_memory=False,
             requires_grad=False, memory_format=preserve_format):
        _like_input(input, fname)
        dt = _dtype_arg(dtype, fname) or input._dtype
        _check_holdable(dt)
        dev = check_device(device) if device is not None else input.device
        arr = _empty_strided_array(input._array.shape, _like_strides(input, memory_format, fname),
                                   dt.np)
        if fill is not None and arr.size:
            arr[...] = fill
        return finish(make_tensor(arr, dt), requires_grad, dev)
    like.__name__ = like.__qualname__ = fname
    like.__doc__ = (f"``{fname.replace('_like', '')}`` with the shape, dtype, device and layout "
                    f"of ``input``.\n\n    >>> ember.{fname}(ember.ones(2, 3)).shape\n"
                    "    ember.Size([2, 3])\n    ")
    return like


zeros_like = _like("zeros_like", 0)
ones_like = _like("ones_like", 1)
empty_like = _like("empty_like", None)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, pin_memory=False,
              requires_grad=False, memory_format=preserve_format):
    """A tensor like ``input`` filled with ``fill_value`` (the dtype stays input's).

    >>> ember.full_like(ember.ones(2, dtype=ember.int64), 2.5)
    tensor([2, 2])
    """
    _like_input(input, "full_like")
    v = scalar_arg(fill_value, "full_like")
    t = empty_like(input, dtype=dtype, device=device, memory_format=memory_format)
    if t._array.size:
        t._array[...] = checked_scalar(v, t._dtype)
    return finish(t, requires_grad, None)


def _new_factory(name, fill):
    def new(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
            pin_memory=False, **kw):
        if "size" in kw:
            if size:
                raise TypeError(f"{name}() got multiple values for argument 'size'")
            size = (kw.pop("size"),)
        if kw:
            raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(kw))}'")
        shape = parse_size(size, name)
        dt = _dtype_arg(dtype, name) or self._dtype
        dev = check_device(device) if device is not None else self.device
        return finish(make_tensor(_alloc(shape, dt, fill), dt), requires_grad, dev)
    new.__name__ = new.__qualname__ = name
    new.__doc__ = (f"``ember.{name[4:]}`` with this tensor's dtype and device by default.\n\n"
                   f"    >>> ember.ones(2, dtype=ember.int32).{name}(3).dtype\n"
                   "    ember.int32\n    ")
    return new


Tensor.new_zeros = _new_factory("new_zeros", 0)
Tensor.new_ones = _new_factory("new_ones", 1)
Tensor.new_empty = _new_factory("new_empty", None)


@tensor_method()
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False,
             layout=None, pin_memory=False):
    """A tensor of ``size`` filled with ``fill_value``, with this tensor's dtype and device.

    >>> ember.ones(1, dtype=ember.int16).new_full((2,), 7)
    tensor([7, 7], dtype=ember.int16)
    """
    shape = _size_tuple(size, "new_full")
    v = scalar_arg(fill_value, "new_full")
    dt = _dtype_arg(dtype, "new_full") or self._dtype
    _check_holdable(dt)
    arr = np.full(shape, checked_scalar(v, dt), dt.np) if 0 not in shape else _alloc(shape, dt)
    dev = check_device(device) if device is not None else self.device
    return finish(make_tensor(arr, dt), requires_grad, dev)


@tensor_method()
def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None,
               pin_memory=False):
    """A new tensor from ``data`` with this tensor's dtype and device by default.

    >>> ember.ones(1, dtype=ember.int16).new_tensor([1, 2])
    tensor([1, 2], dtype=ember.int16)
    """
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or "
                      "sourceTensor.detach().clone().requires_grad_(True), rather than "
                      "tensor.new_tensor(sourceTensor).", UserWarning, stacklevel=2)
    dt = _dtype_arg(dtype, "new_tensor") or self._dtype
    arr, dt = _data_to_array(data, dt)
    dev = check_device(device) if device is not None else self.device
    return finish(make_tensor(arr, dt), requires_grad, dev)


@tensor_method()
def new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False,
                      layout=None, pin_memory=False):
    """``ember.empty_strided`` with this tensor's dtype and device by default."""
    return empty_strided(size, stride, dtype=dtype or self._dtype,
                         device=device or self.device, requires_grad=requires_grad)


# ---------------------------------------------------------------------------- ranges
def invalid_combination(fname, args, kwargs=None):
    """PyTorch's TypeError for arguments that match none of an op's signatures (its first line;
    the list of signatures is summarised). Keyword arguments print in reverse order, as
    PyTorch's parser lists them."""
    got = ", ".join(arg_type_name(a) for a in args)
    kw = [f"{k}={arg_type_name(v)}" for k, v in reversed(list((kwargs or {}).items()))]
    if got:
        got += "".join(", " + k for k in kw)
    else:
        got = "".join(k + ", " for k in kw)
    return TypeError(f"{fname}() received an invalid combination of arguments - got ({got}), "
                     f"but expected one of:\n (see ember.{fname}'s docstring)")


def _is_number(x):
    if isinstance(x, Tensor):
        return x._array.ndim == 0
    return isinstance(x, (bool, int, float, complex, np.bool_, np.number))


def _number(x):
    """A Number argument (Python/NumPy scalar or 0-dim tensor) as a Python number."""
    if isinstance(x, Tensor):
        return x.item()
    return D.normalize_scalar(x)


def _is_integral(x):
    if isinstance(x, Tensor):
        return x._dtype.category <= 1
    if isinstance(x, np.generic):
        return isinstance(x, np.integer)
    return isinstance(x, int)


def _to_double(v):
    if type(v) is complex:
        if v.imag:
            raise RuntimeError("value cannot be converted to type double without overflow")
        v = v.real
    return float(v)


def _fmt_double(v):
    return format(v, "g")


def _acc_value(v, dt):
    """``Scalar.to<acc_type>()`` of PyTorch's range kernels: int64 for integer dtypes, float
    for half types, double otherwise."""
    if dt.category == 1:
        return int(checked_scalar(v, D.int64))
    if dt.itemsize < 4:
        return float(checked_scalar(v, D.float32))
    return float(checked_scalar(v, D.float64))


def arange(*args, out=None, dtype=None, layout=None, device=None, pin_memory=False,
           requires_grad=False, **kw):
    """Values from ``start`` to ``end`` (exclusive) by ``step``: ``arange(end)``,
    ``arange(start, end)``, ``arange(start, end, step)``.

    >>> ember.arange(5)
    tensor([0, 1, 2, 3, 4])
    >>> ember.arange(0, 1, 0.25)
    tensor([0.0000, 0.2500, 0.5000, 0.7500])
    """
    names = ("start", "end", "step")
    unknown = set(kw) - set(names)
    if unknown:
        raise TypeError(f"arange() got an unexpected keyword argument '{unknown.pop()}'")
    if len(args) > 3 or (len(args) == 1 and ("start" in kw or "step" in kw)) or (
            len(args) >= 2 and "start" in kw):
        raise invalid_combination("arange", args, kw)
    if len(args) == 1 and "end" not in kw:
        start, end, step = 0, args[0], kw.get("step", 1)
        given = (("end", end, 1),)
    else:
        vals = dict(zip(names, args))
        for k, v in kw.items():
            if k in vals:
                raise invalid_combination("arange", args, kw)
            vals[k] = v
        if "end" not in vals:
            raise TypeError('arange() missing 1 required positional arguments: "end"')
        start, end, step = vals.get("start", 0), vals["end"], vals.get("step", 1)
        given = tuple((k, vals[k], i + 1) for i, k in enumerate(names) if k in vals)
    for name, v, pos in given:
        if not _is_number(v):
            if len(given) == 1:
                raise TypeError(f"arange(): argument '{name}' (position {pos}) must be Number, "
                                f"not {arg_type_name(v)}")
            raise invalid_combination("arange", args, kw)
    integral = _is_integral(start) and _is_integral(end) and _is_integral(step)
    start, end, step = _number(start), _number(end), _number(step)
    for v in (start, end, step):
        if type(v) is int and not (-(1 << 63) <= v < (1 << 64)):
            raise OverflowError("int too big to convert" if v > 0 else
                                "can't convert negative int to unsigned")
    dt = _dtype_arg(dtype, "arange") or (out._dtype if out is not None else
                                         (D.int64 if integral else D.get_default_dtype()))
    if dt is D.bool_ or dt in D.BAREBONES_UNSIGNED or dt.is_complex or dt.np is None:
        raise NotImplementedError(f"\"arange_cpu\" not implemented for '{dt.scalar_name}'")
    xs, xe, xst = _acc_value(start, dt), _acc_value(end, dt), _acc_value(step, dt)
    # NOTE: int64 checks the truncated values; the other integer dtypes check the given ones
    # (so arange(0, 1, 0.25, dtype=int32) is four zeros).
    cs, ce, cst = (xs, xe, xst) if dt is D.int64 or dt.category != 1 else (
        _to_double(start), _to_double(end), _to_double(step))
    if cst == 0:
        if _to_double(step) != 0:
            raise ValueError("step must be nonzero")
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(cs) and math.isfinite(ce)):
        raise RuntimeError(f"unsupported range: {_fmt_double(cs)} -> {_fmt_double(ce)}")
    if not ((cst > 0 and ce >= cs) or (cst < 0 and ce <= cs)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dt is D.int64:
        sgn = 1 if xst > 0 else -1
        num = xe - xs + xst - sgn
        size = abs(num) // abs(xst) * (1 if (num >= 0) == (xst > 0) else -1)
    else:
        size_d = math.ceil((_to_double(end) - _to_double(start)) / _to_double(step)) \
            if math.isfinite((_to_double(end) - _to_double(start)) / _to_double(step)) else -1
        if not (0 <= size_d <= (1 << 63) - 1):
            raise RuntimeError("invalid size, possible overflow?")
        size = int(size_d)
    if size > (1 << 40):
        raise RuntimeError("invalid size, possible overflow?")
    if dt.category == 1:
        arr = (np.arange(size, dtype=np.int64) * xst + xs).astype(dt.np)
    elif dt.itemsize < 4:
        with np.errstate(over="ignore"):
            arr = (np.float32(xs) + np.float32(xst) * np.arange(size, dtype=np.float32)
                   ).astype(dt.np)
    else:
        with np.errstate(over="ignore"):
            arr = (xs + xst * np.arange(size, dtype=np.float64)).astype(dt.np)
    if out is not None:
        return _write_out(out, arr)
    return finish(make_tensor(arr, dt), requires_grad, check_device(device))


def range_(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """Deprecated inclusive range (``torch.range``): default dtype, ``end`` included."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its "
                  "behavior is inconsistent with Python's range builtin. Instead, use torch.arange, "
                  "which produces values in [start, end).", UserWarning, stacklevel=2)
    if end is None:
        start, end = 0, start
    dt = _dtype_arg(dtype, "range") or D.get_default_dtype()
    xs, xe, xst = (_acc_value(_number(v), dt) for v in (start, end, step))
    if xst == 0:
        raise RuntimeError("step must be nonzero")
    if not ((xst > 0 and xe >= xs) or (xst < 0 and xe <= xs)):
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    n = int((xe - xs) / xst) + 1
    if dt.category == 1:
        arr = (np.arange(n, dtype=np.int64) * xst + xs).astype(dt.np)
    else:
        arr = (np.arange(n, dtype=np.float64) * xst + xs).astype(dt.np)
    if out is not None:
        return _write_out(out, arr)
    return finish(make_tensor(arr, dt), requires_grad, check_device(device))


def _space_args(fname, start, end, steps, args, kwargs, base=None):
    if not (_is_number(start) or isinstance(start, Tensor)) or not (
            _is_number(end) or isinstance(end, Tensor)) or steps is None or not _is_int_arg(
            steps) or isinstance(steps, Tensor) or (
            base is not None and not isinstance(base, (int, float, np.integer, np.floating))):
        raise invalid_combination(fname, args, kwargs)
    for name, v in (("start", start), ("end", end)):
        if isinstance(v, Tensor) and v._array.ndim:
            raise RuntimeError(f"linspace only supports 0-dimensional start and end tensors, but "
                               f"got {name} with {v._array.ndim} dimension(s).")
    steps = operator.index(steps)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return _number(start), _number(end), steps


def _space_dtype(fname, s, e, dtype):
    is_c = type(s) is complex or type(e) is complex
    inferred = _default_complex_for_space() if is_c else D.get_default_dtype()
    dt = _dtype_arg(dtype, fname) or inferred
    if is_c and not dt.is_complex:
        raise RuntimeError(f"torch.{fname}(): inferred dtype {_CPP_SCALAR[inferred.name]} can't "
                           f"be safely cast to passed dtype {dt.scalar_name}")
    if dt is D.bool_ or dt in D.BAREBONES_UNSIGNED or dt.np is None:
        raise NotImplementedError(f"\"{fname}_cpu\" not implemented for '{dt.scalar_name}'")
    return dt


def _default_complex_for_space():
    d = D.get_default_dtype()
    return {D.float64: D.complex128, D.float16: D.complex32}.get(d, D.complex64)


def _space_exponents(s, e, steps, dt):
    """PyTorch's symmetric fill: the first half counts up from ``start``, the second half down
    from ``end`` (integer dtypes truncate ``start``/``end`` first and step in double)."""
    cs = checked_scalar(s, dt)
    ce = checked_scalar(e, dt)
    if steps == 1:
        return None, cs
    if dt.category == 1:
        s0, e0, work = float(int(cs)), float(int(ce)), np.float64
    elif dt.category == 3:
        work = np.complex64 if dt is D.complex64 else np.complex128
        s0, e0 = work(cs), work(ce)
    else:
        work = np.float32 if dt.itemsize <= 4 else np.float64
        s0, e0 = work(cs), work(ce)
    diff = work(e0) - work(s0)
    if dt.category == 2 and dt.itemsize < 4:
        # NOTE: for half types PyTorch rounds end - start to the dtype, then steps in float
        diff = np.float32(np.float32(diff).astype(dt.np))
    step = diff / work(steps - 1)
    idx = np.arange(steps)
    half = steps // 2
    lo = work(s0) + step * idx[:half].astype(work)
    hi = work(e0) - step * (steps - 1 - idx[half:]).astype(work)
    return np.concatenate([lo, hi]), cs


def linspace(start, end, steps=None, *args, out=None, dtype=None, layout=None, device=None,
             pin_memory=False, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    >>> ember.linspace(0, 1, 5)
    tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    if args:
        raise invalid_combination("linspace", (start, end, steps) + args)
    s, e, steps = _space_args("linspace", start, end, steps,
                              tuple(x for x in (start, end, steps) if x is not None), None)
    dt = _space_dtype("linspace", s, e, dtype)
    if steps == 0:
        arr = np.empty(0, dt.np)
    else:
        vals, first = _space_exponents(s, e, steps, dt)
        if vals is None:
            arr = np.array([first], dt.np)
        else:
            with np.errstate(over="ignore", invalid="ignore"):
                arr = _final_cast(vals, dt) if dt.category != 1 else vals.astype(dt.np)
    if out is not None:
        return _write_out(out, arr)
    return finish(make_tensor(arr, dt), requires_grad, check_device(device))


def logspace(start, end, steps=None, base=10.0, *args, out=None, dtype=None, layout=None,
             device=None, pin_memory=False, requires_grad=False):
    """``base ** linspace(start, end, steps)``.

    >>> ember.logspace(0, 3, 4, base=2)
    tensor([1., 2., 4., 8.])
    """
    if args:
        raise invalid_combination("logspace", (start, end, steps, base) + args)
    s, e, steps = _space_args("logspace", start, end, steps,
                              tuple(x for x in (start, end, steps) if x is not None), None,
                              base=base)
    dt = _space_dtype("logspace", s, e, dtype)
    base = float(base)
    if steps == 0:
        arr = np.empty(0, dt.np)
    else:
        vals, first = _space_exponents(s, e, steps, dt)
        if vals is None:
            vals = np.array([first])
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if dt.category == 1:
                arr = np.power(base, vals.astype(np.float64)).astype(dt.np)
            elif dt.category == 3:
                arr = np.power(vals.dtype.type(base), vals).astype(dt.np)
            else:
                work = np.float32 if dt.itemsize <= 4 else np.float64
                arr = _final_cast(np.power(work(base), vals.astype(work)), dt)
    if out is not None:
        return _write_out(out, arr)
    return finish(make_tensor(arr, dt), requires_grad, check_device(device))


def int_arg(x, fname, argname, pos):
    """An int argument with PyTorch's TypeError (bools and floats refused)."""
    if not _is_int_arg(x):
        raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be int, not "
                        f"{arg_type_name(x)}")
    return operator.index(x)


def eye(n, m=None, *args, out=None, dtype=None, layout=None, device=None, pin_memory=False,
        requires_grad=False, **kw):
    """The identity matrix (``n`` x ``m``).

    >>> ember.eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    """
    given = {k: v for k, v in (("out", out), ("dtype", dtype), ("layout", layout),
                                ("device", device)) if v is not None}
    if args or kw:
        raise invalid_combination("eye", (n, m) + args, {**given, **kw})
    if m is None and given and not _is_int_arg(n):
        raise invalid_combination("eye", (n,), given)
    if m is None:
        n = int_arg(n, "eye", "n", 1)
        m = n
    else:
        if not (_is_int_arg(n) and _is_int_arg(m)):
            raise invalid_combination("eye", (n, m))
        n, m = operator.index(n), operator.index(m)
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    dt = _dtype_arg(dtype, "eye") or (out._dtype if out is not None else D.get_default_dtype())
    _check_holdable(dt)
    arr = np.eye(n, m, dtype=dt.np) if n and m else _alloc((n, m), dt)
    if out is not None:
        return _write_out(out, arr)
    return finish(make_tensor(arr, dt), requires_grad, check_device(device))


def _tri_indices(fname, row, col, offset, dtype, upper):
    row = int_arg(row, fname, "row", 1)
    col = int_arg(col, fname, "col", 2)
    offset = int_arg(offset, fname, "offset", 3)
    dt = _dtype_arg(dtype, fname) or D.int64
    if dt is not D.int64 and dt is not D.int32:
        raise NotImplementedError(f"\"{fname}\" not implemented for '{dt.scalar_name}'")
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")
    r, c = np.indices((row, col))
    mask = (c - r >= offset) if upper else (c - r <= offset)
    return make_tensor(np.stack([r[mask], c[mask]]).astype(dt.np), dt)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """Row and column indices of the lower triangle of a ``row`` x ``col`` matrix.

    >>> ember.tril_indices(2, 2)
    tensor([[0, 1, 1],
            [0, 0, 1]])
    """
    return _tri_indices("tril_indices", row, col, offset, dtype, False)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """Row and column indices of the upper triangle of a ``row`` x ``col`` matrix.

    >>> ember.triu_indices(2, 2)
    tensor([[0, 0, 1],
            [0, 1, 1]])
    """
    return _tri_indices("triu_indices", row, col, offset, dtype, True)


def _complex_args(fname, a, b, names):
    for x, name, pos in ((a, names[0], 1), (b, names[1], 2)):
        if not isinstance(x, Tensor):
            raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be Tensor, not "
                            f"{arg_type_name(x)}")
    if a._dtype not in (D.float16, D.float32, D.float64) or b._dtype not in (
            D.float16, D.float32, D.float64):
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{a._dtype.scalar_name} and {b._dtype.scalar_name}")
    if a._dtype is not b._dtype:
        raise RuntimeError(f"Expected object of scalar type {a._dtype.scalar_name} but got "
                           f"scalar type {b._dtype.scalar_name} for second argument")
    from .._dispatch import broadcast_shapes2
    shape = broadcast_shapes2(a._array.shape, b._array.shape)
    dt = a._dtype.to_complex()
    if dt.np is None:
        if fname == "polar":
            raise NotImplementedError("\"polar_cpu\" not implemented for 'Half'")
        raise RuntimeError("ember cannot hold complex32 tensors (NumPy has no such type)")
    return shape, dt


def _binary_layout(a, b, shape):
    # the output of a binary elementwise op follows its inputs' layout (TensorIterator)
    if a._array.shape == shape:
        return preserve_strides(shape, strides_of(a._array))
    if b._array.shape == shape:
        return preserve_strides(shape, strides_of(b._array))
    return contiguous_strides(shape)


def complex_(real, imag, *, out=None):
    """A complex tensor from real and imaginary parts (float or double tensors).

    >>> ember.complex(ember.tensor([1.]), ember.tensor([2.]))
    tensor([1.+2.j])
    """
    shape, dt = _complex_args("complex", real, imag, ("real", "imag"))
    res = _empty_strided_array(shape, _binary_layout(real, imag, shape), dt.np)
    if res.size:
        res.real = real._array
        res.imag = imag._array
    if out is not None:
        return _write_out(out, res)
    t = make_tensor(res, dt)
    if _GRAD.enabled and (real._requires_grad or imag._requires_grad):
        from .._dispatch import record
        record(node_class("ComplexBackward0"), (real, imag), t)
    return t


def _complex_grad(ctx, grad):
    real, imag = ctx.inputs
    from ..autograd.engine import sum_to as _sum_to
    gr = _sum_to(grad.real, real._array.shape) if real._requires_grad else None
    gi = _sum_to(grad.imag, imag._array.shape) if imag._requires_grad else None
    return gr, gi


def polar(abs, angle, *, out=None):
    """A complex tensor from magnitude and phase: ``abs * (cos(angle) + i sin(angle))``.

    >>> ember.polar(ember.tensor([2.]), ember.tensor([0.]))
    tensor([2.+0.j])
    """
    shape, dt = _complex_args("polar", abs, angle, ("abs", "angle"))
    res = _empty_strided_array(shape, _binary_layout(abs, angle, shape), dt.np)
    if res.size:
        res.real = abs._array * np.cos(angle._array)
        res.imag = abs._array * np.sin(angle._array)
    if out is not None:
        return _write_out(out, res)
    t = make_tensor(res, dt)
    if _GRAD.enabled and (abs._requires_grad or angle._requires_grad):
        from .._dispatch import record
        record(node_class("PolarBackward0"), (abs, angle), t, {"result": t.detach()})
    return t


def _polar_grad(ctx, grad):
    # PyTorch's polar_backward: d/d|z| = Re(conj(g) sgn(z)), d/dangle = Re(conj(g) i z)
    from .. import sgn
    from ..autograd.engine import sum_to as _sum_to
    abs_, angle = ctx.inputs
    result = ctx.saved["result"]
    gc = grad.conj()
    ga = _sum_to((gc * sgn(result)).real, abs_._array.shape) if abs_._requires_grad else None
    gt = _sum_to((gc * (result * 1j)).real, angle._array.shape) if angle._requires_grad else None
    return ga, gt


node_class("ComplexBackward0").backward_fn = staticmethod(_complex_grad)
node_class("PolarBackward0").backward_fn = staticmethod(_polar_grad)


# ---------------------------------------------------------------------------- legacy constructors
def _legacy_signature_error(args, kwargs):
    got = [arg_type_name(a) for a in args]
    got += [f"{k}={_kw_type_name(v)}" for k, v in kwargs.items()]
    return TypeError(
        f"new() received an invalid combination of arguments - got ({', '.join(got)}), but "
        "expected one of:\n * (*, torch.device device = None)\n * (torch.Storage storage)\n"
        " * (Tensor other)\n * (tuple of ints size, *, torch.device device = None)\n"
        " * (object data, *, torch.device device = None)\n")


def _kw_type_name(v):
    if isinstance(v, D.dtype):
        return "torch.dtype"
    if isinstance(v, _device_cls):
        return "torch.device"
    return arg_type_name(v)


def _options_str(dt):
    return (f"TensorOptions(dtype={dt.cpp_name}, device=cpu, "
            "layout=Strided, requires_grad=false (default), pinned_memory=false (default), "
            "memory_format=(nullopt))")


def legacy_new(cls, dtype, args, kwargs, check_tensor_dtype=None):
    """``ember.Tensor(2, 3)``, ``ember.Tensor([1, 2])``, ``ember.FloatTensor(...)`` and
    ``t.new(...)``: sizes give uninitialised memory, a sequence is copied, a tensor aliased."""
    dt = dtype or D.get_default_dtype()
    device = kwargs.get("device")
    if set(kwargs) - {"device"}:
        raise _legacy_signature_error(args, kwargs)
    if check_tensor_dtype is None:
        check_tensor_dtype = dtype is not None
    if not args:
        t = make_tensor(_alloc((0,), dt), dt)
    elif len(args) == 1 and isinstance(args[0], Tensor):
        src = args[0]
        if check_tensor_dtype and src._dtype is not dt:
            raise TypeError(f"expected {_options_str(dt)} (got {_options_str(src._dtype)})")
        t = make_tensor(src._array, src._dtype)
    elif isinstance(args[0], Tensor) and args[0]._array.size != 1:
        raise _legacy_signature_error(args, kwargs)
    elif _is_int_arg(args[0]) or (len(args) == 1 and isinstance(args[0], Size)):
        shape = parse_size(args, "new")
        t = make_tensor(_alloc(shape, dt), dt)
    elif len(args) == 1:
        data = args[0]
        if isinstance(data, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
        if not (isinstance(data, np.ndarray) or _is_sequence(data)):
            raise TypeError(f"new(): data must be a sequence (got {arg_type_name(data)})")
        arr, _ = _data_to_array(data, dt)
        t = make_tensor(arr, dt)
    else:
        raise _legacy_signature_error(args, kwargs)
    if cls is not Tensor:
        obj = _new(cls)
        obj._array, obj._dtype = t._array, t._dtype
        t = obj
    return finish(t, False, check_device(device))


@tensor_method()
def new(self, *args, **kwargs):
    """The legacy constructor with this tensor's dtype: ``t.new(2, 3)``, ``t.new([1, 2])``.

    >>> ember.ones(1, dtype=ember.int32).new([1, 2])
    tensor([1, 2], dtype=ember.int32)
    """
    return legacy_new(Tensor, self._dtype, args, kwargs, check_tensor_dtype=True)


class tensortype(type):
    """The metaclass of the legacy tensor types: ``isinstance(t, ember.FloatTensor)`` holds for
    CPU float32 tensors."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj._dtype is cls.dtype and type(obj._array) is np.ndarray

    def __subclasscheck__(cls, sub):
        return sub is cls

    def __repr__(cls):
        return f"<class 'ember.{cls.__name__}'>"

    is_sparse = False
    is_cuda = False


def _legacy_class(name, dt):
    def __new__(cls, *args, **kwargs):
        return legacy_new(Tensor, dt, args, kwargs)
    return tensortype(name, (), {"__new__": __new__, "dtype": dt, "__module__": "ember",
                                 "__doc__": f"The legacy constructor of {dt} tensors."})


LEGACY = {d.tensor_type_name: _legacy_class(d.tensor_type_name, d)
          for d in D.ALL_DTYPES if d.tensor_type_name}


def _rebuild_tensor(array, dtype_name, requires_grad):
    t = make_tensor(array, D._dtype_by_name(dtype_name))
    if requires_grad:
        t._requires_grad = True
    return t


def _rebuild_tensor_v2(storage, dtype_name, shape, strides, offset, requires_grad, attrs=None,
                       cls=None):
    """Unpickle a tensor: a view of the (shared, unpickled once) storage array."""
    from .views import storage_view
    dt = D._dtype_by_name(dtype_name)
    arr = storage_view(storage, dt.np, shape, strides, offset)
    t = make_tensor(arr, dt) if cls is None else _new(cls)
    if cls is not None:
        t._array, t._dtype = arr, dt
    if requires_grad:
        t._requires_grad = True
    if attrs:
        t.__dict__.update(attrs)
    return t


FUNCTIONS.update(
    tensor=tensor, as_tensor=as_tensor, asarray=asarray, from_numpy=from_numpy,
    from_dlpack=from_dlpack, frombuffer=frombuffer, scalar_tensor=scalar_tensor, zeros=zeros, ones=ones, empty=empty,
    full=full, empty_strided=empty_strided, zeros_like=zeros_like, ones_like=ones_like,
    empty_like=empty_like, full_like=full_like, arange=arange, range=range_, linspace=linspace,
    logspace=logspace, eye=eye, tril_indices=tril_indices, triu_indices=triu_indices,
    complex=complex_, polar=polar)
