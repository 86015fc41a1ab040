"""Moving and converting tensors: ``to`` (every overload), ``type``, ``float()``/``long()``/...,
``cpu``/``cuda``, ``copy_``, ``fill_``, ``zero_``.
"""
import numpy as np

from .. import _dtype as D
from .._device import CPU, device as _device_cls, as_device
from .._dispatch import FUNCTIONS, tensor_method, record, check_inplace, type_name
from .._tensor import Tensor, make_tensor
from .._memory_format import preserve_format, contiguous_format, memory_format as _mf_cls
from .._tensor_type import legacy_type_name
from ..autograd.graph import node_class, rebase_inplace
from ..autograd.grad_mode import STATE as _GRAD


def _to_copy(self, dtype, device, memory_format=preserve_format):
    """A converted copy; recorded as ToCopyBackward0."""
    a = self._array
    dt = dtype or self._dtype
    if dt.np is None:
        raise RuntimeError(f"ember cannot hold {dt} tensors (NumPy has no such type)")
    if self._dtype.is_complex and not dt.is_complex:
        import warnings
        warnings.warn("Casting complex values to real discards the imaginary part", UserWarning,
                      stacklevel=4)
        a = a.real
    if memory_format is preserve_format:
        arr = a.astype(dt.np, order="K", copy=True)
        if not (arr.flags.c_contiguous or arr.flags.f_contiguous) and not self.is_non_overlapping_and_dense():
            arr = np.ascontiguousarray(arr)
    else:
        arr = np.array(a, dtype=dt.np, order="C", copy=True)
        if memory_format is not contiguous_format:
            from .views import clone
            arr = clone(make_tensor(arr, dt), memory_format=memory_format)._array
    dev = device or self.device
    if type(self._array) is not np.ndarray and dev.type == "cpu":
        arr = self._array.get().astype(dt.np) if False else _to_host(self._array).astype(dt.np)
    if dev.type == "cuda":
        from ..cuda import to_device_array
        arr = to_device_array(arr, dev)
    t = make_tensor(arr, dt)
    if self._requires_grad and _GRAD.enabled and (dt.is_floating_point or dt.is_complex):
        record(node_class("ToCopyBackward0"), (self,), t, {"self_dtype": self._dtype})
    return t


def _to_host(arr):
    return arr.get() if hasattr(arr, "get") else np.asarray(arr)


node_class("ToCopyBackward0").backward_fn = staticmethod(
    lambda ctx, grad: grad.to(ctx.saved["self_dtype"]) if not (
        ctx.saved["self_dtype"].is_complex is False and grad._dtype.is_complex)
    else grad.real.to(ctx.saved["self_dtype"]))


def _parse_to(args, kwargs):
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    non_blocking = kwargs.pop("non_blocking", False)
    copy = kwargs.pop("copy", False)
    memory_format = kwargs.pop("memory_format", preserve_format)
    if kwargs:
        raise TypeError(f"to() received an invalid combination of arguments - got unexpected "
                        f"keyword argument '{next(iter(kwargs))}'")
    args = list(args)
    if args and isinstance(args[0], Tensor):
        other = args.pop(0)
        dtype, device = other._dtype, other.device
    elif args and isinstance(args[0], D.dtype):
        dtype = args.pop(0)
    elif args and (isinstance(args[0], (str, _device_cls, int)) and not isinstance(args[0], bool)
                   or args[0] is None):
        device = args.pop(0)
        if args and isinstance(args[0], D.dtype):
            dtype = args.pop(0)
    if args and isinstance(args[0], bool):
        non_blocking = args.pop(0)
    if args and isinstance(args[0], bool):
        copy = args.pop(0)
    if args:
        raise TypeError(f"to() received an invalid combination of arguments - got "
                        f"({', '.join(type_name(a) for a in args)})")
    if dtype is not None and not isinstance(dtype, D.dtype):
        from .creation import _dtype_arg
        dtype = _dtype_arg(dtype)
    return dtype, as_device(device), copy, memory_format


@tensor_method()
def to(self, *args, **kwargs):
    """Convert dtype and/or device; returns self when nothing changes and copy=False.

    >>> ember.tensor([1, 2]).to(ember.float64)
    tensor([1., 2.], dtype=ember.float64)
    """
    dtype, device, copy, memory_format = _parse_to(args, kwargs)
    if device is not None:
        from .creation import check_device
        device = check_device(device)
        if device.type == "cuda" and device.index is None:
            from .. import cuda
            device = _device_cls("cuda", cuda.current_device())
    same_dtype = dtype is None or dtype is self._dtype
    same_device = device is None or device == self.device
    same_format = memory_format is preserve_format or self.is_contiguous(memory_format=memory_format)
    if same_dtype and same_device and same_format and not copy:
        return self
    return _to_copy(self, dtype, device, memory_format)


@tensor_method()
def cpu(self, memory_format=preserve_format):
    """This tensor on the CPU (self if already there)."""
    if type(self._array) is np.ndarray:
        return self
    return _to_copy(self, None, CPU)


@tensor_method()
def cuda(self, device=None, non_blocking=False, memory_format=preserve_format):
    """This tensor on a CUDA device (needs the CuPy backend)."""
    from .. import cuda as _cuda
    _cuda._lazy_init()
    dev = _device_cls("cuda", _cuda.current_device() if device is None else
                      (device if isinstance(device, int) else as_device(device).index or 0))
    return self.to(dev)


@tensor_method("type")
def type_(self, dtype=None, non_blocking=False, **kwargs):
    """Without arguments the legacy type name ('ember.FloatTensor'); else a converted tensor."""
    if dtype is None:
        return legacy_type_name(self)
    if isinstance(dtype, str):
        name = dtype.split(".")[-1]
        from .creation import LEGACY
        if name not in LEGACY:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = LEGACY[name].dtype
    elif hasattr(dtype, "_dtype") and not isinstance(dtype, D.dtype):
        dtype = dtype._dtype
    return self.to(dtype)


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
    """Copy ``src`` (broadcast, converted) into self in place.

    >>> t = ember.zeros(3); t.copy_(ember.tensor([1, 2, 3])); t
    tensor([1., 2., 3.])
    """
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' (position 1) must be Tensor, not {type_name(src)}")
    from .._dispatch import broadcast_shapes2
    a = self._array
    try:
        shape = broadcast_shapes2(a.shape, src._array.shape)
    except RuntimeError:
        shape = None
    if shape != a.shape:
        raise RuntimeError(f"The size of tensor a ({a.shape[-1] if a.ndim else 1}) must match the "
                           f"size of tensor b ({src._array.shape[-1] if src._array.ndim else 1}) "
                           f"at non-singleton dimension {max(a.ndim - 1, 0)}")
    check_inplace(self)
    grad = _GRAD.enabled and (src._requires_grad or self._requires_grad)
    s = src._array
    if type(s) is not type(a):
        s = _to_host(s) if type(a) is np.ndarray else s
    if src._dtype.is_complex and not self._dtype.is_complex:
        import warnings
        warnings.warn("Casting complex values to real discards the imaginary part", UserWarning,
                      stacklevel=2)
        s = s.real
    np.copyto(a, s, casting="unsafe")
    self._bump_version()
    if grad:
        rebase_inplace(self, node_class("CopyBackwards"), (self, src), {"src_shape": s.shape})
    return self


def _copy_grad(ctx, grad):
    from ..autograd.engine import _sum_to
    src = ctx.inputs[1]
    g_src = _sum_to(grad, src._array.shape).to(src._dtype) if src._requires_grad else None
    return grad * 0, g_src


_cb = node_class("CopyBackwards")
_cb._name = "torch::autograd::CopyBackwards"
_cb.backward_fn = staticmethod(_copy_grad)


@tensor_method()
def fill_(self, value):
    """Fill with ``value`` in place."""
    if isinstance(value, Tensor):
        if value._array.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._array.ndim} dimensions.")
        value = value.item()
    check_inplace(self)
    v = D.normalize_scalar(value)
    if self._dtype.category <= 1 and isinstance(v, float):
        v = int(v) if np.isfinite(v) else v
    self._array[...] = v
    self._bump_version()
    if self._requires_grad and _GRAD.enabled:
        rebase_inplace(self, node_class("FillBackward2"), (self,), None)
    return self


node_class("FillBackward2").backward_fn = staticmethod(lambda ctx, grad: grad * 0)


@tensor_method()
def zero_(self):
    """Fill with zeros in place."""
    check_inplace(self)
    self._array[...] = 0
    self._bump_version()
    if self._requires_grad and _GRAD.enabled:
        rebase_inplace(self, node_class("ZeroBackward0"), (self,), None)
    return self


node_class("ZeroBackward0").backward_fn = staticmethod(lambda ctx, grad: grad * 0)


@tensor_method()
def resize_(self, *sizes, memory_format=None):
    """Change the shape in place, keeping the leading elements of the storage."""
    from .creation import parse_size
    shape = parse_size(sizes, "resize_")
    if self._requires_grad and _GRAD.enabled:
        raise RuntimeError("cannot resize variables that require grad")
    a = self._array
    if shape == a.shape:
        return self
    n = int(np.prod(shape)) if shape else 1
    if a.flags.c_contiguous and a.base is None and n <= a.size:
        new = a.reshape(-1)[:n].reshape(shape)
    else:
        new = np.empty(shape, self._dtype.np)
        flat = np.ascontiguousarray(a).reshape(-1)
        k = min(n, flat.size)
        new.reshape(-1)[:k] = flat[:k]
    self._array = new
    self._bump_version()
    return self


@tensor_method()
def resize_as_(self, other, memory_format=None):
    return self.resize_(other._array.shape)


FUNCTIONS.update(fill_=fill_, zero_=zero_)
