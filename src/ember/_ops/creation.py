"""Tensor creation: tensor(), from_numpy, factories (zeros, arange, linspace, eye, ...), the
``*_like`` and ``new_*`` forms, and the legacy ``FloatTensor(...)`` constructors.

dtype inference follows PyTorch (Python floats take the default dtype), never NumPy.
"""
import math
import numbers

import numpy as np

from .. import _dtype as D
from .._device import CPU, as_device, device as _device_cls
from .._dispatch import FUNCTIONS, tensor_method
from .._tensor import Tensor, make_tensor, _new
from .._memory_format import (contiguous_format, preserve_format, channels_last,
                              channels_last_3d, channels_last_strides, contiguous_strides)
from .._backend import as_strided as _as_strided
from ..autograd.grad_mode import STATE as _GRAD


# ---------------------------------------------------------------------------- helpers
def parse_size(size, fname):
    """``(2, 3)``, ``((2, 3),)``, ``(Size,)`` -> a tuple of ints, with PyTorch's checks."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    elif len(size) == 1 and isinstance(size[0], Tensor) and size[0]._array.ndim == 1:
        size = size[0].tolist()
    out = []
    for i, s in enumerate(size):
        if isinstance(s, bool) or not hasattr(s, "__index__"):
            got = ", ".join(type(x).__name__ for x in size)
            raise TypeError(f"{fname}(): argument 'size' (position 1) must be tuple of ints, but "
                            f"found element of type {type(s).__name__} at pos {i}")
        v = s.__index__()
        if v < 0:
            raise RuntimeError(f"{fname}: Dimension size must be non-negative.")
        out.append(v)
    return tuple(out)


def check_device(device):
    """The device a factory allocates on; CUDA needs the CuPy backend."""
    device = as_device(device)
    if device is None or device.type == "cpu":
        return CPU
    if device.type == "cuda":
        from .. import cuda
        cuda._lazy_init()
        return device
    if device.type == "meta":
        raise NotImplementedError("ember has no meta tensors")
    raise RuntimeError(f"ember has no backend for device type '{device.type}'")


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


def _dtype_arg(dtype):
    if dtype is None or isinstance(dtype, D.dtype):
        return dtype
    if dtype in (float,):
        return D.float64
    if dtype is int:
        return D.int64
    if dtype is bool:
        return D.bool_
    if dtype is complex:
        return D.complex128
    try:
        return D.from_numpy_dtype(np.dtype(dtype))
    except TypeError:
        raise TypeError(f"dtype must be ember.dtype, not {type(dtype).__name__}") from None


def _alloc(shape, dt, fill=None, memory_format=contiguous_format):
    if dt.np is None:
        raise RuntimeError(f"ember cannot hold {dt} tensors (NumPy has no such type)")
    if fill is None:
        arr = np.empty(shape, dt.np)
    elif fill == 0:
        arr = np.zeros(shape, dt.np)
    else:
        arr = np.full(shape, fill, dt.np)
    if memory_format is channels_last or memory_format is channels_last_3d:
        arr = _layout_channels_last(arr, shape)
    return arr


def _layout_channels_last(arr, shape):
    order = (0, 2, 3, 1) if len(shape) == 4 else (0, 2, 3, 4, 1)
    if len(shape) not in (4, 5):
        raise RuntimeError("required rank 4 tensor to use channels_last format")
    inv = np.argsort(order)
    return np.ascontiguousarray(arr.transpose(order)).transpose(inv)


# ---------------------------------------------------------------------------- tensor()
_PY_SCALARS = (bool, int, float, complex)


def _infer(data, dims, depth, state):
    """Walk nested sequences: record the shape and fold the element dtype (PyTorch's rule)."""
    if isinstance(data, Tensor):
        if data._array.ndim == 0 or depth == 0:
            _fold(state, data._dtype)
            for s in data._array.shape:
                pass
            return data._array.shape
        _fold(state, data._dtype)
        return data._array.shape
    if isinstance(data, np.ndarray):
        _fold(state, D.from_numpy_dtype(data.dtype))
        return data.shape
    if isinstance(data, _PY_SCALARS):
        _fold(state, _py_elem_dtype(data))
        return ()
    if isinstance(data, np.generic):
        _fold(state, D.from_numpy_dtype(data.dtype))
        return ()
    if isinstance(data, (list, tuple)) or (hasattr(data, "__len__") and hasattr(data, "__getitem__")
                                           and not isinstance(data, (str, bytes, dict))):
        n = len(data)
        if n == 0:
            return (0,)
        types = set(map(type, data))
        if types <= {int, float, bool, complex}:
            for t in (bool, int, float, complex):
                if t in types:
                    _fold(state, _py_elem_dtype(t()))
            return (n,)
        shape0 = None
        for i, item in enumerate(data):
            s = _infer(item, dims, depth + 1, state)
            if shape0 is None:
                shape0 = s
            elif s != shape0:
                got = s[0] if len(s) else None
                want = shape0[0] if len(shape0) else None
                if isinstance(item, (list, tuple)) or isinstance(data[0], (list, tuple)):
                    raise ValueError(f"expected sequence of length {want} at dim {depth + 1} "
                                     f"(got {got if got is not None else len(item) if hasattr(item, '__len__') else 0})")
                raise ValueError(f"expected sequence of length {want} at dim {depth + 1} (got {got})")
        return (n,) + shape0
    if data is None:
        raise RuntimeError("Could not infer dtype of NoneType")
    raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")


def _py_elem_dtype(v):
    t = type(v)
    if t is bool:
        return D.bool_
    if t is int:
        return D.int64
    if t is float:
        return D.get_default_dtype()
    if D.get_default_dtype() is D.bfloat16:
        raise RuntimeError("invalid default scalar type for complex")
    return D.get_default_complex_dtype()


def _fold(state, dt):
    cur = state[0]
    if cur is D.complex128:
        return
    state[0] = dt if cur is None else D.promote_types(cur, dt)


def _to_array(data, dt):
    """Convert nested data (lists, tensors, arrays, scalars) to an array of ``dt``."""
    if isinstance(data, Tensor):
        return data._cpu_array().astype(dt.np)
    if isinstance(data, (list, tuple)) and any(isinstance(x, (Tensor, np.ndarray)) for x in data):
        parts = [_to_array(x, dt) for x in data]
        return np.stack(parts) if parts else np.empty((0,), dt.np)
    if isinstance(data, (list, tuple)) and data and isinstance(data[0], (list, tuple)):
        flat_has_tensor = _contains_tensor(data)
        if flat_has_tensor:
            return np.stack([_to_array(x, dt) for x in data])
    if dt.category == 1 and _has_big_int(data):
        return _int_array(data, dt)
    if dt.category <= 1:
        return np.array(data, dtype=object).astype(dt.np) if _has_float(data) else \
            np.array(data, dtype=dt.np)
    return np.array(data, dtype=dt.np)


def _contains_tensor(data):
    if isinstance(data, Tensor):
        return True
    if isinstance(data, (list, tuple)):
        return any(_contains_tensor(x) for x in data)
    return False


def _has_float(data):
    if isinstance(data, float):
        return True
    if isinstance(data, (list, tuple)):
        return any(_has_float(x) for x in data)
    return False


def _has_big_int(data):
    if type(data) is int:
        return data >= 2 ** 63 or data < -2 ** 63
    if isinstance(data, (list, tuple)):
        return any(_has_big_int(x) for x in data)
    return False


def _int_array(data, dt):
    def check(v):
        if type(v) is int and (v >= 2 ** 63 or v < -2 ** 63):
            raise RuntimeError(f"value cannot be converted to type {dt.name} without overflow")
    def walk(x):
        if isinstance(x, (list, tuple)):
            for y in x:
                walk(y)
        else:
            check(x)
    walk(data)
    return np.array(data, dtype=dt.np)


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor copied from ``data`` (nested lists, scalars, arrays or tensors).

    >>> ember.tensor([[1, 2], [3, 4.]])
    tensor([[1., 2.],
            [3., 4.]])
    """
    dtype = _dtype_arg(dtype)
    device = check_device(device)
    if isinstance(data, Tensor):
        import warnings
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or "
                      "sourceTensor.detach().clone().requires_grad_(True), rather than "
                      "torch.tensor(sourceTensor).", UserWarning, stacklevel=2)
    arr, dt = _data_to_array(data, dtype)
    t = make_tensor(arr, dt)
    return finish(t, requires_grad, device)


def _data_to_array(data, dtype, copy=True):
    if isinstance(data, np.ndarray):
        dt = dtype or D.from_numpy_dtype(data.dtype)
        arr = data.astype(dt.np, copy=True) if copy else data.astype(dt.np, copy=False)
        return np.ascontiguousarray(arr), dt
    if isinstance(data, Tensor):
        dt = dtype or data._dtype
        arr = data._cpu_array().astype(dt.np, copy=True) if copy else data._array.astype(dt.np, copy=False)
        return np.ascontiguousarray(arr) if copy else arr, dt
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    state = [None]
    shape = _infer(data, None, 0, state)
    dt = dtype or state[0] or D.get_default_dtype()
    if dt.np is None:
        raise RuntimeError(f"ember cannot hold {dt} tensors (NumPy has no such type)")
    if dtype is None and state[0] is D.int64 and _has_big_int(data):
        raise ValueError("Overflow when unpacking long long")
    if isinstance(data, _PY_SCALARS + (np.generic,)):
        arr = _scalar_array(data, dt)
    elif 0 in shape:
        arr = np.empty(shape, dt.np)
    else:
        arr = _to_array(data, dt)
    return arr, dt


def _scalar_array(v, dt):
    if isinstance(v, np.generic):
        return np.asarray(v).astype(dt.np)
    if dt.category <= 1 and type(v) is int:
        info = np.iinfo(dt.np) if dt is not D.bool_ else None
        if info is not None and not (info.min <= v <= info.max):
            raise RuntimeError(f"value cannot be converted to type {dt.name} without overflow")
    if dt.category < 3 and type(v) is complex:
        raise RuntimeError(f"value cannot be converted to type {dt.name} without overflow")
    return np.array(v, dtype=dt.np)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with ``data`` when it is a tensor or array of the
    right dtype.

    >>> a = np.zeros(3); ember.as_tensor(a).data_ptr() == a.ctypes.data
    True
    """
    dtype = _dtype_arg(dtype)
    device = check_device(device)
    if isinstance(data, Tensor):
        if (dtype is None or dtype is data._dtype) and (device is None or device == data.device):
            return data
        return data.to(device=device, dtype=dtype)
    if isinstance(data, np.ndarray):
        t = from_numpy(data)
        if dtype is not None and dtype is not t._dtype:
            t = t.to(dtype)
        return finish(t, False, device) if device.type != "cpu" else t
    return tensor(data, dtype=dtype, device=device)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """Convert ``obj`` to a tensor, sharing memory when possible (``copy=None``)."""
    dtype = _dtype_arg(dtype)
    if isinstance(obj, Tensor):
        t = obj
        if dtype is not None and dtype is not t._dtype:
            if copy is False:
                raise ValueError("can't alias tensor with a different dtype without copying")
            t = t.to(dtype)
        elif copy:
            t = t.clone()
    elif isinstance(obj, np.ndarray) or hasattr(obj, "__array_interface__") and not isinstance(obj, (list, tuple)):
        arr = np.asarray(obj)
        t = from_numpy(arr) if arr.ndim or True else None
        if dtype is not None and dtype is not t._dtype:
            t = t.to(dtype)
        elif copy:
            t = t.clone()
    else:
        t = tensor(obj, dtype=dtype)
    if requires_grad:
        t.requires_grad_(True)
    dev = as_device(device)
    if dev is not None and dev != t.device:
        t = t.to(dev)
    return t


def from_numpy(ndarray):
    """A tensor sharing memory with a NumPy array (no copy).

    >>> a = np.arange(3); t = ember.from_numpy(a); a[0] = 7; t
    tensor([7, 1, 2])
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    if any(s < 0 for s in ndarray.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors "
                         "with negative strides are not currently supported. (You can probably "
                         "work around this by making a copy of your array  with array.copy().) ")
    if ndarray.dtype.byteorder not in "=|" and ndarray.dtype.byteorder != ("<" if np.little_endian else ">"):
        raise TypeError("given numpy array has byte order different from the native byte order. "
                        "Conversion between byte orders is currently not supported.")
    dt = D.from_numpy_dtype(ndarray.dtype)
    if ndarray.itemsize and any(s % ndarray.itemsize for s in ndarray.strides):
        raise ValueError("given numpy array strides not a multiple of the element byte size. Copy "
                         "the numpy array to reallocate the memory.")
    return make_tensor(ndarray, dt)


def from_dlpack(ext_tensor):
    """A tensor sharing memory with any object that speaks DLPack."""
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    arr = np.from_dlpack(ext_tensor)
    return from_numpy(arr)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    """A 0-dim tensor of the default dtype (or ``dtype``) holding ``s``."""
    dtype = _dtype_arg(dtype) or D.get_default_dtype()
    if isinstance(s, complex) and not dtype.is_complex:
        raise RuntimeError(f"value cannot be converted to type "
                           f"{'float' if dtype is D.float32 else 'double'} without overflow")
    return finish(make_tensor(np.array(s, dtype=dtype.np), dtype), requires_grad, check_device(device))


# ---------------------------------------------------------------------------- factories
def _factory(fname, fill):
    def factory(*size, out=None, dtype=None, layout=None, device=None, pin_memory=False,
                requires_grad=False, memory_format=contiguous_format):
        shape = parse_size(size, fname)
        dt = _dtype_arg(dtype) or (out._dtype if out is not None else D.get_default_dtype())
        dev = check_device(device)
        arr = _alloc(shape, dt, fill, memory_format)
        if out is not None:
            out._array = arr
            out._bump_version()
            return out
        return finish(make_tensor(arr, dt), requires_grad, dev)
    factory.__name__ = factory.__qualname__ = fname
    return factory


zeros = _factory("zeros", 0)
ones = _factory("ones", 1)
empty = _factory("empty", None)
zeros.__doc__ = "A tensor of zeros.\n\n    >>> ember.zeros(2, 3).shape\n    ember.Size([2, 3])\n    "
ones.__doc__ = "A tensor of ones.\n\n    >>> ember.ones(2)\n    tensor([1., 1.])\n    "
empty.__doc__ = "An uninitialised tensor.\n\n    >>> ember.empty(2, 3).shape\n    ember.Size([2, 3])\n    "


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, pin_memory=False,
         requires_grad=False):
    """A tensor filled with ``fill_value``; the dtype follows the value's type.

    >>> ember.full((2,), 7)
    tensor([7, 7])
    """
    shape = parse_size((size,) if not isinstance(size, (tuple, list)) else (tuple(size),), "full")
    dt = _dtype_arg(dtype)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    fill_value = D.normalize_scalar(fill_value)
    if dt is None:
        t = type(fill_value)
        dt = {bool: D.bool_, int: D.int64, float: D.get_default_dtype()}.get(t)
        if dt is None:
            dt = D.complex128 if D.get_default_dtype() is D.float64 else D.complex64
    arr = np.full(shape, fill_value, dt.np) if dt.category >= 2 or type(fill_value) is not float \
        else np.full(shape, int(fill_value), dt.np)
    if out is not None:
        out._array = arr
        out._bump_version()
        return out
    return finish(make_tensor(arr, dt), requires_grad, check_device(device))


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """An uninitialised tensor with the given sizes and element strides."""
    size = tuple(size)
    stride = tuple(stride)
    dt = _dtype_arg(dtype) or D.get_default_dtype()
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape")
    span = 1 + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
    buf = np.empty(max(span, 0), dt.np)
    arr = _as_strided(buf, size, stride) if span else np.empty(size, dt.np)
    return finish(make_tensor(arr, dt), requires_grad, check_device(device))


def _like_memory_format(src, memory_format):
    """Element strides for a ``*_like`` result: preserve_format keeps dense layouts."""
    if memory_format is preserve_format:
        from .._memory_format import is_non_overlapping_and_dense
        st = src.stride()
        if is_non_overlapping_and_dense(src._array.shape, st):
            return st
        if src._array.ndim == 4 and src.is_contiguous(memory_format=channels_last) and not src.is_contiguous():
            return channels_last_strides(src._array.shape)
        return None
    if memory_format is channels_last:
        return channels_last_strides(src._array.shape)
    return None


def _like(fname, fill):
    def like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
             memory_format=preserve_format):
        dt = _dtype_arg(dtype) or input._dtype
        dev = check_device(device) if device is not None else input.device
        shape = input._array.shape
        strides = _like_memory_format(input, memory_format)
        if strides is not None and strides != contiguous_strides(shape):
            t = empty_strided(shape, strides, dtype=dt)
            if fill is not None:
                t._array[...] = fill
        else:
            t = make_tensor(_alloc(shape, dt, fill), dt)
        return finish(t, requires_grad, dev)
    like.__name__ = like.__qualname__ = fname
    return like


zeros_like = _like("zeros_like", 0)
ones_like = _like("ones_like", 1)
empty_like = _like("empty_like", None)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=preserve_format):
    """A tensor like ``input`` filled with ``fill_value`` (the dtype stays input's)."""
    t = empty_like(input, dtype=dtype, device=device, memory_format=memory_format)
    t._array[...] = D.normalize_scalar(fill_value) if not isinstance(fill_value, Tensor) else fill_value.item()
    return finish(t, requires_grad, None)


def _new_factory(name, fill):
    def new(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
            pin_memory=False):
        shape = parse_size(size, name)
        dt = _dtype_arg(dtype) or self._dtype
        dev = check_device(device) if device is not None else self.device
        return finish(make_tensor(_alloc(shape, dt, fill), dt), requires_grad, dev)
    new.__name__ = name
    return new


Tensor.new_zeros = _new_factory("new_zeros", 0)
Tensor.new_ones = _new_factory("new_ones", 1)
Tensor.new_empty = _new_factory("new_empty", None)


@tensor_method()
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False,
             layout=None, pin_memory=False):
    """A tensor of ``size`` filled with ``fill_value``, with this tensor's dtype and device."""
    return full(size, fill_value, dtype=dtype or self._dtype, device=device or self.device,
                requires_grad=requires_grad)


@tensor_method()
def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None,
               pin_memory=False):
    """A new tensor from ``data`` with this tensor's dtype and device by default."""
    if isinstance(data, Tensor):
        t = data.detach().clone()
        if dtype is not None:
            t = t.to(dtype)
    else:
        t = tensor(data, dtype=dtype or self._dtype, device=device or self.device)
    if requires_grad:
        t.requires_grad_(True)
    return t


@tensor_method()
def new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False,
                      layout=None, pin_memory=False):
    return empty_strided(size, stride, dtype=dtype or self._dtype, device=device or self.device,
                         requires_grad=requires_grad)


# ---------------------------------------------------------------------------- ranges
def _num(x, name):
    if isinstance(x, Tensor):
        return x.item()
    if isinstance(x, np.generic):
        return D.normalize_scalar(x)
    if isinstance(x, complex):
        raise RuntimeError("value cannot be converted to type double without overflow")
    if not isinstance(x, numbers.Number):
        raise TypeError(f"{name}(): argument must be Number, not {type(x).__name__}")
    return x


def _is_integral(x):
    if isinstance(x, Tensor):
        return x._dtype.category <= 1
    if isinstance(x, np.generic):
        return isinstance(x, (np.integer, np.bool_))
    return isinstance(x, int)


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           pin_memory=False, requires_grad=False):
    """Values from ``start`` to ``end`` (exclusive) by ``step``.

    >>> ember.arange(5)
    tensor([0, 1, 2, 3, 4])
    """
    if end is None:
        start, end = 0, start
    args = (start, end, step)
    integral = all(_is_integral(a) for a in args)
    s, e, st = (_num(a, "arange") for a in args)
    dt = _dtype_arg(dtype) or (D.int64 if integral else D.get_default_dtype())
    if dt in (D.bool_, D.uint16, D.uint32, D.uint64) or dt.is_complex:
        raise NotImplementedError(f'"arange_cpu" not implemented for \'{dt.scalar_name}\'')
    if st == 0:
        raise RuntimeError("step must be nonzero")
    if not all(math.isfinite(float(v)) for v in (s, e)):
        raise RuntimeError(f"unsupported range: {s} -> {e}")
    if (st > 0 and e < s) or (st < 0 and e > s):
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dt.category <= 1:
        n = math.ceil((e - s) / st) if not (integral) else -((s - e) // st)
        arr = (np.arange(n, dtype=np.int64) * int(st) + int(s)).astype(dt.np) if integral else \
            (np.arange(n, dtype=np.float64) * st + s).astype(dt.np)
    else:
        n = math.ceil((float(e) - float(s)) / float(st))
        arr = (np.arange(n, dtype=np.float64) * float(st) + float(s)).astype(dt.np)
    if out is not None:
        out._array = arr
        out._bump_version()
        return out
    return finish(make_tensor(arr, dt), requires_grad, check_device(device))


def range_(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """Deprecated inclusive range (``torch.range``): default dtype, ``end`` included."""
    import warnings
    warnings.warn("torch.range is deprecated and will be removed in a future release because its "
                  "behavior is inconsistent with Python's range builtin. Instead, use torch.arange, "
                  "which produces values in [start, end).", UserWarning, stacklevel=2)
    dt = _dtype_arg(dtype) or D.get_default_dtype()
    n = int(math.floor((float(end) - float(start)) / float(step))) + 1
    arr = (np.arange(n, dtype=np.float64) * float(step) + float(start)).astype(dt.np)
    return finish(make_tensor(arr, dt), requires_grad, check_device(device))


def _linspace_values(start, end, steps, np_dt):
    # PyTorch fills the first half forward from start and the second half backward from end.
    if steps == 1:
        return np.array([start], dtype=np_dt)
    step = (end - start) / (steps - 1)
    idx = np.arange(steps, dtype=np.float64)
    half = steps // 2
    out = np.where(idx < half, start + step * idx, end - step * (steps - 1 - idx))
    return out.astype(np_dt)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             pin_memory=False, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    >>> ember.linspace(0, 1, 5)
    tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    if isinstance(steps, bool) or not hasattr(steps, "__index__"):
        raise TypeError(f"linspace(): argument 'steps' (position 3) must be int, not "
                        f"{type(steps).__name__}")
    steps = steps.__index__()
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    is_c = any(isinstance(v, complex) or (isinstance(v, Tensor) and v._dtype.is_complex)
               for v in (start, end))
    dt = _dtype_arg(dtype) or (D.get_default_complex_dtype() if is_c else D.get_default_dtype())
    s = start.item() if isinstance(start, Tensor) else start
    e = end.item() if isinstance(end, Tensor) else end
    if dt.category <= 1:
        vals = _linspace_values(float(s), float(e), steps, np.float64) if steps else np.empty(0)
        arr = np.trunc(vals).astype(dt.np) if steps else np.empty(0, dt.np)
    elif dt.is_complex:
        arr = (_linspace_values(complex(s).real, complex(e).real, steps, np.float64)
               + 1j * _linspace_values(complex(s).imag, complex(e).imag, steps, np.float64)
               ).astype(dt.np) if steps else np.empty(0, dt.np)
    else:
        arr = _linspace_values(float(s), float(e), steps, np.float64).astype(dt.np) if steps \
            else np.empty(0, dt.np)
    if out is not None:
        out._array = arr
        out._bump_version()
        return out
    return finish(make_tensor(arr, dt), requires_grad, check_device(device))


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             pin_memory=False, requires_grad=False):
    """``base ** linspace(start, end, steps)``."""
    dt = _dtype_arg(dtype) or D.get_default_dtype()
    s = start.item() if isinstance(start, Tensor) else start
    e = end.item() if isinstance(end, Tensor) else end
    exps = _linspace_values(float(s), float(e), steps, np.float64) if steps else np.empty(0)
    arr = np.power(float(base), exps).astype(dt.np) if dt.category >= 2 else \
        np.power(float(base), exps).astype(np.int64).astype(dt.np)
    return finish(make_tensor(arr, dt), requires_grad, check_device(device))


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, pin_memory=False,
        requires_grad=False):
    """The identity matrix (``n`` x ``m``).

    >>> ember.eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    """
    if m is None:
        m = n
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    dt = _dtype_arg(dtype) or D.get_default_dtype()
    arr = np.eye(n, m, dtype=dt.np)
    return finish(make_tensor(arr, dt), requires_grad, check_device(device))


def _tri_indices(row, col, offset, dtype, upper):
    dt = _dtype_arg(dtype) or D.int64
    r, c = np.indices((row, col))
    mask = (c - r >= offset) if upper else (c - r <= offset)
    return make_tensor(np.stack([r[mask], c[mask]]).astype(dt.np), dt)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """Row and column indices of the lower triangle of a ``row`` x ``col`` matrix."""
    return _tri_indices(row, col, offset, dtype, False)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """Row and column indices of the upper triangle of a ``row`` x ``col`` matrix."""
    return _tri_indices(row, col, offset, dtype, True)


def complex_(real, imag, *, out=None):
    """A complex tensor from real and imaginary parts (float or double tensors)."""
    if real._dtype is not imag._dtype:
        raise RuntimeError(f"Expected object of scalar type {real._dtype.scalar_name} but got "
                           f"scalar type {imag._dtype.scalar_name} for second argument")
    if real._dtype not in (D.float32, D.float64, D.float16):
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{real._dtype.scalar_name} and {imag._dtype.scalar_name}")
    dt = real._dtype.to_complex()
    arr = real._array.astype(dt.np) + 1j * imag._array.astype(dt.np)
    return make_tensor(np.asarray(arr, dt.np), dt)


def polar(abs, angle, *, out=None):
    """A complex tensor from magnitude and phase."""
    if abs._dtype is not angle._dtype:
        raise RuntimeError(f"Expected object of scalar type {abs._dtype.scalar_name} but got "
                           f"scalar type {angle._dtype.scalar_name} for second argument")
    dt = abs._dtype.to_complex()
    arr = abs._array * np.cos(angle._array) + 1j * (abs._array * np.sin(angle._array))
    return make_tensor(np.asarray(arr, dt.np), dt)


# ---------------------------------------------------------------------------- legacy constructors
def legacy_new(cls, dtype, args, kwargs):
    """``ember.Tensor(2, 3)``, ``ember.Tensor([1, 2])``, ``ember.FloatTensor(...)``."""
    dt = dtype or D.get_default_dtype()
    device = kwargs.pop("device", None)
    if kwargs:
        raise TypeError(f"new() received an invalid combination of arguments - got "
                        f"({', '.join(kwargs)})")
    if not args:
        t = make_tensor(np.empty((0,), dt.np), dt)
    elif len(args) == 1 and isinstance(args[0], Tensor):
        src = args[0]
        if src._dtype is not dt:
            raise TypeError(f"expected {D.float32 if dt is D.float32 else dt} (got {src._dtype})")
        t = make_tensor(src._array, dt)
    elif all(isinstance(a, int) and not isinstance(a, bool) for a in args) or (
            len(args) == 1 and type(args[0]).__name__ == "Size"):
        shape = parse_size(args, "new")
        t = make_tensor(np.empty(shape, dt.np), dt)
    elif len(args) == 1:
        arr, _ = _data_to_array(args[0], dt)
        t = make_tensor(arr, dt)
    else:
        raise TypeError("new() received an invalid combination of arguments")
    if cls is not Tensor:
        obj = _new(cls)
        obj._array, obj._dtype = t._array, t._dtype
        t = obj
    return finish(t, False, check_device(device))


class _LegacyTensorType(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj._dtype is cls._dtype and obj.is_cpu


def _legacy_class(name, dt):
    def __new__(cls, *args, **kwargs):
        return legacy_new(Tensor, dt, args, kwargs)
    return _LegacyTensorType(name, (), {"__new__": __new__, "_dtype": dt,
                                        "__module__": "ember", "dtype": dt})


LEGACY = {d.tensor_type_name: _legacy_class(d.tensor_type_name, d)
          for d in D.ALL_DTYPES if d.tensor_type_name}


def _rebuild_tensor(array, dtype_name, requires_grad):
    t = make_tensor(array, D._dtype_by_name(dtype_name))
    if requires_grad:
        t._requires_grad = True
    return t


FUNCTIONS.update(
    tensor=tensor, as_tensor=as_tensor, asarray=asarray, from_numpy=from_numpy,
    from_dlpack=from_dlpack, scalar_tensor=scalar_tensor, zeros=zeros, ones=ones, empty=empty,
    full=full, empty_strided=empty_strided, zeros_like=zeros_like, ones_like=ones_like,
    empty_like=empty_like, full_like=full_like, arange=arange, range=range_, linspace=linspace,
    logspace=logspace, eye=eye, tril_indices=tril_indices, triu_indices=triu_indices,
    complex=complex_, polar=polar)
