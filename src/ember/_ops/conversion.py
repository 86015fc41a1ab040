"""Moving and converting tensors: ``to`` (every overload), ``type``, ``float()``/``long()``/...,
``cpu``/``cuda``, ``copy_``, ``fill_``, ``zero_``.
"""
import builtins
import warnings

import numpy as np

from .. import _dtype as D
from .._device import CPU, device as _device_cls, as_device
from .._dispatch import FUNCTIONS, tensor_method, record, check_inplace, type_name
from .._tensor import Tensor, make_tensor, strides_of
from .._memory_format import (preserve_format, contiguous_format, memory_format as _mf_cls,
                              preserve_strides, strides_for_format, suggest_memory_format)
from .._backend import copy_with_strides, root_array, contiguous_strides
from .._tensor_type import legacy_type_name
from ..autograd.graph import node_class, rebase_inplace
from ..autograd.grad_mode import STATE as _GRAD
from .._bf16_nan import set_nan_bits, SCALAR, VECTORISED, COPY_FROM_DOUBLE


# PyTorch's float -> bfloat16 copy kernels: float32 fully vectorised, float64 in blocks
_BF16_COPY_BLOCK = {D.float32: VECTORISED, D.float64: COPY_FROM_DOUBLE}


def _to_copy(self, dtype, device, memory_format=preserve_format):
    """A converted copy with PyTorch's layout rules; recorded as ToCopyBackward0."""
    a = self._array
    dt = dtype or self._dtype
    if dt.np is None:
        raise RuntimeError(f"ember cannot hold {dt} tensors (NumPy has no such type)")
    shape = a.shape
    if memory_format is preserve_format:
        strides = preserve_strides(shape, strides_of(a))
    else:
        strides = strides_for_format(shape, memory_format)
    if self._dtype.is_complex and not dt.is_complex:
        warnings.warn("Casting complex values to real discards the imaginary part", UserWarning,
                      stacklevel=4)
        a = a.real
    dev = device or self.device
    if type(a) is not np.ndarray and dev.type == "cpu":
        a = _to_host(a)
    if dt.category == 2 and dt.itemsize < 4 and a.dtype == np.float64:
        a = a.astype(np.float32)   # NOTE: PyTorch rounds double to half types through float
    with np.errstate(invalid="ignore", over="ignore"):
        arr = copy_with_strides(a, strides, dt.np)
    if dt is D.bfloat16 and self._dtype.category == 2:
        set_nan_bits(arr, _BF16_COPY_BLOCK.get(self._dtype, SCALAR),
                     self._array.flags.c_contiguous and arr.flags.c_contiguous)
    if dev.type == "cuda":
        from ..cuda import to_device_array
        arr = to_device_array(arr, dev)
    t = make_tensor(arr, dt)
    if self._requires_grad and _GRAD.enabled and (dt.is_floating_point or dt.is_complex):
        record(node_class("ToCopyBackward0"), (self,), t, {"self_dtype": self._dtype})
    return t


def _to_host(arr):
    return arr.get() if hasattr(arr, "get") else np.asarray(arr)


def _to_copy_grad(ctx, grad):
    src = ctx.saved["self_dtype"]
    if grad._dtype.is_complex and not src.is_complex:
        grad = grad.real
    return grad.to(src)


node_class("ToCopyBackward0").backward_fn = staticmethod(_to_copy_grad)


def _as_dtype(x):
    """A positional ``to()`` argument read as a dtype, or None (PyTorch also takes Python's
    float/int/bool/complex types, and bool and float *values*)."""
    if isinstance(x, D.dtype):
        return x
    if x is float or x is int or x is bool or x is complex:
        from .creation import _PY_TYPE_DTYPES
        return _PY_TYPE_DTYPES[x]
    if builtins.type(x) is bool:
        return D.bool_
    if builtins.type(x) is float:
        return D.float64
    return None


def _invalid_to(args, kwargs):
    from .creation import invalid_combination
    return invalid_combination("to", args, kwargs)


def _parse_to(args, kwargs):
    """(dtype, device, non_blocking, copy, memory_format) from ``to``'s three overloads:
    ``to(dtype, ...)``, ``to(device=None, dtype=None, ...)``, ``to(tensor, ...)``."""
    dtype = device = None
    non_blocking = copy = False
    memory_format = kwargs.get("memory_format", preserve_format)
    pos = list(args)
    if pos and isinstance(pos[0], Tensor):
        other = pos.pop(0)
        dtype, device = other._dtype, other.device
        rest = ("non_blocking", "copy")
    elif pos and _as_dtype(pos[0]) is not None:
        dtype = _as_dtype(pos.pop(0))
        rest = ("non_blocking", "copy")
    elif pos and (pos[0] is None or isinstance(pos[0], (str, _device_cls)) or (
            builtins.type(pos[0]) is int)):
        device = pos.pop(0)
        if pos and _as_dtype(pos[0]) is not None and builtins.type(pos[0]) is not bool:
            dtype = _as_dtype(pos.pop(0))
        elif pos and pos[0] is None:
            pos.pop(0)
        rest = ("non_blocking", "copy")
    elif pos:
        raise _invalid_to(args, kwargs)
    else:
        rest = ("device", "dtype", "non_blocking", "copy")
    vals = dict(zip(rest, pos))
    if len(pos) > len(rest):
        raise _invalid_to(args, kwargs)
    for k, v in kwargs.items():
        if k in vals or k not in ("device", "dtype", "non_blocking", "copy", "memory_format"):
            raise _invalid_to(args, kwargs)
        if k in ("device", "dtype") and k not in rest:
            raise _invalid_to(args, kwargs)
        if k != "memory_format":
            vals[k] = v
    if "dtype" in vals:
        dtype = vals["dtype"]
        if dtype is not None:
            dtype = _as_dtype(dtype)
            if dtype is None:
                raise _invalid_to(args, kwargs)
    if "device" in vals:
        device = vals["device"]
        if device is not None and not isinstance(device, (str, _device_cls, int)):
            raise _invalid_to(args, kwargs)
    for k in ("non_blocking", "copy"):
        if k in vals and builtins.type(vals[k]) is not bool:
            raise _invalid_to(args, kwargs)
    non_blocking = vals.get("non_blocking", False)
    copy = vals.get("copy", False)
    if memory_format is None:
        memory_format = preserve_format
    elif not isinstance(memory_format, _mf_cls):
        raise _invalid_to(args, kwargs)
    if builtins.type(device) is int:
        from .. import cuda as _cuda
        if not _cuda.is_available():
            raise RuntimeError("Cannot access accelerator device when none is available.")
    return dtype, as_device(device), non_blocking, copy, memory_format


@tensor_method()
def to(self, *args, **kwargs):
    """Convert dtype and/or device (and layout); returns self when nothing changes and
    copy=False. Overloads: ``to(dtype)``, ``to(device, dtype)``, ``to(other_tensor)``, each with
    ``non_blocking``, ``copy`` and ``memory_format``.

    >>> ember.tensor([1, 2]).to(ember.float64)
    tensor([1., 2.], dtype=ember.float64)
    """
    if len(args) == 1 and not kwargs and builtins.type(args[0]) is D.dtype:
        # the common case: x.to(dtype)
        if args[0] is self._dtype:
            return self
        return _to_copy(self, args[0], None)
    dtype, device, _, copy, memory_format = _parse_to(args, kwargs)
    # NOTE: compared as given: to('cpu:0') of a CPU tensor (device 'cpu') copies, as in PyTorch
    same_device = device is None or device == self.device
    if device is not None:
        from .creation import check_device
        device = check_device(device)
        if device.type == "cuda" and device.index is None:
            from .. import cuda
            device = _device_cls("cuda", cuda.current_device())
    if (not copy and (dtype is None or dtype is self._dtype) and same_device
            and (memory_format is preserve_format or memory_format is suggest_memory_format(
                self._array.shape, strides_of(self._array)))):
        return self
    return _to_copy(self, dtype, device, memory_format)


@tensor_method()
def cpu(self, *args, memory_format=preserve_format):
    """This tensor on the CPU (self if already there).

    >>> x = ember.ones(2); x.cpu() is x
    True
    """
    if args:
        raise TypeError(f"cpu() takes 0 positional arguments but {len(args)} was given")
    if type(self._array) is np.ndarray:
        return self
    return _to_copy(self, None, CPU, memory_format)


@tensor_method()
def cuda(self, device=None, non_blocking=False, memory_format=preserve_format):
    """This tensor on a CUDA device (needs the CuPy backend; without it PyTorch's CPU-build
    AssertionError ``Torch not compiled with CUDA enabled``)."""
    from .. import cuda as _cuda
    if builtins.type(device) is int and not _cuda.is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")
    _cuda._lazy_init()
    if device is None:
        dev = _device_cls("cuda", _cuda.current_device())
    elif builtins.type(device) is int:
        dev = _device_cls("cuda", device)
    else:
        dev = as_device(device)
        if dev.type != "cuda":
            raise RuntimeError(f"Invalid device, must be cuda device")
        if dev.index is None:
            dev = _device_cls("cuda", _cuda.current_device())
    return self.to(dev, non_blocking=non_blocking, memory_format=memory_format)


@tensor_method()
def get_device(self):
    """The CUDA device index of a GPU tensor, -1 on the CPU.

    >>> ember.ones(1).get_device()
    -1
    """
    if type(self._array) is np.ndarray:
        return -1
    return self.device.index


@tensor_method("type")
def type_(self, dtype=None, non_blocking=False, **kwargs):
    """Without arguments the legacy type name ('ember.FloatTensor'); else this tensor converted
    to a dtype or a legacy type ('ember.IntTensor' or ember.IntTensor), self when already so.

    >>> ember.ones(2).type()
    'ember.FloatTensor'
    >>> ember.ones(2).type('ember.IntTensor')
    tensor([1, 1], dtype=ember.int32)
    """
    if dtype is None:
        return legacy_type_name(self)
    from .creation import LEGACY, tensortype
    if isinstance(dtype, str):
        prefix, _, name = dtype.rpartition(".")
        if prefix in ("torch", "ember") and name in LEGACY:
            dtype = LEGACY[name].dtype
        elif prefix in ("torch.cuda", "ember.cuda") and name in LEGACY:
            return self.to(device="cuda", dtype=LEGACY[name].dtype, non_blocking=non_blocking)
        else:
            raise ValueError(f"invalid type: '{dtype}'")
    elif isinstance(dtype, tensortype):
        dtype = dtype.dtype
    elif isinstance(dtype, builtins.type):
        mod = dtype.__module__
        name = dtype.__name__ if mod == "builtins" else f"{mod}.{dtype.__name__}"
        raise ValueError(f"invalid type: '{name}'")
    elif not isinstance(dtype, D.dtype):
        raise TypeError("dtype must be a type, str, or dtype object")
    return self.to(dtype, non_blocking=non_blocking)


def _caster(dt):
    def cast(self, memory_format=preserve_format):
        return self.to(dt, memory_format=memory_format)
    return cast


for _name, _dt in (("float", D.float32), ("double", D.float64), ("half", D.float16),
                   ("bfloat16", D.bfloat16), ("long", D.int64), ("int", D.int32),
                   ("short", D.int16), ("char", D.int8), ("byte", D.uint8), ("bool", D.bool_),
                   ("cfloat", D.complex64), ("cdouble", D.complex128)):
    setattr(Tensor, _name, _caster(_dt))


@tensor_method()
def type_as(self, other):
    return self.to(other._dtype)


# ---------------------------------------------------------------------------- in-place writes
@tensor_method()
def copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast to self's shape, converted to self's dtype) into self in place.

    >>> ember.zeros(3).copy_(ember.tensor([1, 2, 3]))
    tensor([1., 2., 3.])
    """
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not "
                        f"{type_name(src)}")
    from .._dispatch import broadcast_shapes2, shape_str
    a = self._array
    shape = broadcast_shapes2(a.shape, src._array.shape)
    if shape != a.shape:
        raise RuntimeError(f"output with shape {shape_str(a.shape)} doesn't match the broadcast "
                           f"shape {shape_str(shape)}")
    check_inplace(self)
    grad = _GRAD.enabled and (src._requires_grad or self._requires_grad)
    s = src._array
    if type(s) is not type(a):
        s = _to_host(s) if type(a) is np.ndarray else s
    if src._dtype.is_complex and not self._dtype.is_complex:
        warnings.warn("Casting complex values to real discards the imaginary part", UserWarning,
                      stacklevel=2)
        s = s.real
    if a.size:
        with np.errstate(invalid="ignore", over="ignore"):
            if self._dtype.category == 2 and self._dtype.itemsize < 4 and s.dtype == np.float64:
                s = s.astype(np.float32)   # PyTorch rounds double to half types through float
            np.copyto(a, s, casting="unsafe")
        if self._dtype is D.bfloat16 and src._dtype.category == 2:
            set_nan_bits(a, _BF16_COPY_BLOCK.get(src._dtype, SCALAR),
                         src._array.flags.c_contiguous and a.flags.c_contiguous and
                         src._array.shape == a.shape)
    self._bump_version()
    if grad:
        rebase_inplace(self, node_class("CopyBackwards"), (self, src), {"src_shape": s.shape})
    return self


def _copy_grad(ctx, grad):
    from ..autograd.engine import sum_to
    src = ctx.inputs[1]
    g_src = None
    if src._requires_grad:
        g = grad.real if grad._dtype.is_complex and not src._dtype.is_complex else grad
        g_src = sum_to(g, src._array.shape).to(src._dtype)
    return grad * 0, g_src


_cb = node_class("CopyBackwards")
_cb._name = "torch::autograd::CopyBackwards"
_cb.backward_fn = staticmethod(_copy_grad)


@tensor_method()
def fill_(self, value):
    """Fill with ``value`` in place (checked against the dtype's range as in PyTorch).

    >>> ember.zeros(2, dtype=ember.int32).fill_(7)
    tensor([7, 7], dtype=ember.int32)
    """
    from .creation import scalar_arg, checked_scalar
    if isinstance(value, Tensor):
        if value._array.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._array.ndim} dimensions.")
        value = value.item()
    v = checked_scalar(scalar_arg(value, "fill_", "value", 1), self._dtype)
    check_inplace(self)
    self._array[...] = v
    self._bump_version()
    if self._requires_grad and _GRAD.enabled:
        rebase_inplace(self, node_class("FillBackward2"), (self,), None)
    return self


node_class("FillBackward2").backward_fn = staticmethod(lambda ctx, grad: grad * 0)


@tensor_method()
def zero_(self):
    """Fill with zeros in place.

    >>> ember.ones(2).zero_()
    tensor([0., 0.])
    """
    check_inplace(self)
    self._array[...] = 0
    self._bump_version()
    if self._requires_grad and _GRAD.enabled:
        rebase_inplace(self, node_class("ZeroBackward0"), (self,), None)
    return self


node_class("ZeroBackward0").backward_fn = staticmethod(lambda ctx, grad: grad * 0)


def _reseat(self, shape, strides, offset, storage_src):
    """Point ``self`` at ``storage_src``'s storage with new sizes/strides/offset, growing the
    storage (a fresh buffer holding the old bytes) when it is too small."""
    from .views import storage_view
    isz = self._dtype.itemsize
    numel = 1
    for n in shape:
        numel *= n
    need = (offset + 1 + sum((n - 1) * s for n, s in zip(shape, strides))) if numel else offset
    root = root_array(storage_src)
    if need * isz <= root.nbytes:
        return storage_view(storage_src, self._dtype.np, shape, strides, offset)
    # NOTE: PyTorch reallocates the storage in place (every tensor sharing it sees the new
    # memory); ember's other views keep the old buffer.
    buf = np.zeros(need, self._dtype.np)
    old = np.ascontiguousarray(root).reshape(-1).view(np.uint8)
    buf.view(np.uint8)[:old.size] = old
    return storage_view(buf, self._dtype.np, shape, strides, offset)


@tensor_method()
def resize_(self, *sizes, memory_format=None):
    """Change the shape in place (contiguous strides from the current storage offset), growing
    the storage when needed; a no-op when the size is unchanged.

    >>> ember.arange(6.).resize_(2, 2)
    tensor([[0., 1.],
            [2., 3.]])
    """
    from .creation import size_arg
    if not sizes:
        raise TypeError('resize_() missing 1 required positional arguments: "size"')
    shape = size_arg(sizes, "resize_")
    if any(s < 0 for s in shape):
        raise RuntimeError("numel: integer multiplication overflow")
    if self._requires_grad and _GRAD.enabled:
        raise RuntimeError("cannot resize variables that require grad")
    a = self._array
    if shape == a.shape and memory_format in (None, preserve_format):
        return self
    strides = strides_for_format(shape, memory_format or contiguous_format)
    self._array = _reseat(self, shape, strides, self.storage_offset(), a)
    self._bump_version()
    return self


@tensor_method()
def resize_as_(self, the_template, memory_format=None):
    """``self.resize_(the_template.size())``."""
    return self.resize_(the_template._array.shape, memory_format=memory_format)


@tensor_method()
def set_(self, source=None, storage_offset=0, size=None, stride=None):
    """Make this tensor view ``source`` (a tensor or a storage) with the given geometry, or
    become empty (``set_()``).

    >>> ember.zeros(1).set_(ember.arange(3.))
    tensor([0., 1., 2.])
    """
    from .._storage import UntypedStorage, TypedStorage
    from .creation import _int_list
    check_inplace(self)
    if source is None:
        self._array = np.empty(0, self._dtype.np)
    elif isinstance(source, Tensor):
        if source._dtype is not self._dtype:
            raise RuntimeError(f"Could not set tensor of type {source._dtype.cpp_name} to a "
                               f"tensor of type {self._dtype.cpp_name}")
        self._array = source._array
    elif isinstance(source, (UntypedStorage, TypedStorage)):
        buf = source._untyped._buf if isinstance(source, TypedStorage) else source._buf
        isz = self._dtype.itemsize
        if size is None:
            shape = (root_array(buf).nbytes // isz - storage_offset,)
        else:
            shape = _int_list(size, "set_", "size")
        strides = contiguous_strides(shape) if stride is None else _int_list(stride, "set_",
                                                                           "stride")
        self._array = _reseat(self, shape, strides, storage_offset, buf)
    else:
        raise TypeError(f"set_(): argument 'source' (position 1) must be Storage, not "
                        f"{type_name(source)}")
    self._bump_version()
    return self


FUNCTIONS.update(fill_=fill_, zero_=zero_)
