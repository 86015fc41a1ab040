"""The legacy typed storage classes (``ember.FloatStorage``, ``ember.LongStorage``, ...).

As in PyTorch, constructing one gives a ``TypedStorage`` of the class's dtype (from nothing, a
size, a sequence of values, or ``wrap_storage=``), and ``isinstance`` checks the dtype, so
``t.storage()`` of a float32 tensor is an ``ember.FloatStorage``. ``ember.Storage`` is
``FloatStorage``; ``Tensor.storage_type()`` names the class of a tensor's dtype.

>>> s = ember.IntStorage([1, 2, 3])
>>> s.dtype, s.tolist(), isinstance(ember.zeros(1).storage(), ember.FloatStorage)
(ember.int32, [1, 2, 3], True)
"""
import numpy as np

from . import _dtype as D
from ._storage import TypedStorage, UntypedStorage, _warn_typed_storage_removal


class _LegacyStorageMeta(type):
    """isinstance(s, FloatStorage) holds for any TypedStorage of float32."""

    def __instancecheck__(cls, instance):
        if type(instance) is TypedStorage:
            return instance.dtype is cls.dtype
        return type.__instancecheck__(cls, instance)


def _signature_error(cls, extra):
    return RuntimeError(
        f"{cls}.__new__ received an invalid combination of arguments. Expected one of:\n"
        " * no arguments\n * (int size)\n * (Sequence data)\n"
        f" * (*, UntypedStorage wrap_storage)\n{extra}")


class _LegacyStorage(TypedStorage, metaclass=_LegacyStorageMeta):
    dtype = None

    def __new__(cls, *args, wrap_storage=None, dtype=None, device=None):
        _warn_typed_storage_removal()
        if dtype is not None:
            raise _signature_error(cls, "Keyword argument 'dtype' cannot be specified")
        if device is not None and str(device) != "cpu":
            raise _signature_error(cls, "Keyword argument 'device' cannot be specified")
        dt = cls.dtype
        if wrap_storage is not None:
            if args:
                raise _signature_error(cls, "No positional arguments should be given when using "
                                            "'wrap_storage'")
            if not isinstance(wrap_storage, UntypedStorage):
                raise TypeError(f"expected UntypedStorage for argument 'wrap_storage', but got "
                                f"{type(wrap_storage)}")
            return TypedStorage(wrap_storage, dt)
        if len(args) > 1:
            raise _signature_error(cls, "Too many positional arguments")
        if not args:
            values = np.zeros(0, dt.np)
        elif isinstance(args[0], int) and not isinstance(args[0], bool):
            if args[0] < 0:
                nbytes = args[0] * dt.itemsize
                raise RuntimeError(f"[enforce fail at alloc_cpu.cpp:98] ((ptrdiff_t)nbytes) >= "
                                   f"0. alloc_cpu() seems to have been called with negative "
                                   f"number: {nbytes % 2 ** 64}")
            values = np.zeros(args[0], dt.np)
        elif isinstance(args[0], (list, tuple)):
            for v in args[0]:
                if isinstance(v, str):
                    raise ValueError(f"too many dimensions '{type(v).__name__}'")
                if not isinstance(v, (bool, int, float, complex, np.generic)):
                    raise TypeError(f"new(): invalid data type '{type(v).__name__}'")
            values = np.array(args[0], dtype=dt.np).reshape(-1)
        else:
            raise TypeError(f"new(): invalid data type '{type(args[0]).__name__}'")
        return TypedStorage(UntypedStorage(values), dt)


def _make(name, dt):
    cls = _LegacyStorageMeta(name, (_LegacyStorage,), {"dtype": dt, "__module__": "ember"})
    return cls


DoubleStorage = _make("DoubleStorage", D.float64)
FloatStorage = _make("FloatStorage", D.float32)
HalfStorage = _make("HalfStorage", D.float16)
BFloat16Storage = _make("BFloat16Storage", D.bfloat16)
LongStorage = _make("LongStorage", D.int64)
IntStorage = _make("IntStorage", D.int32)
ShortStorage = _make("ShortStorage", D.int16)
CharStorage = _make("CharStorage", D.int8)
ByteStorage = _make("ByteStorage", D.uint8)
BoolStorage = _make("BoolStorage", D.bool_)
ComplexFloatStorage = _make("ComplexFloatStorage", D.complex64)
ComplexDoubleStorage = _make("ComplexDoubleStorage", D.complex128)
Storage = FloatStorage

LEGACY_STORAGES = {c.__name__: c for c in (
    DoubleStorage, FloatStorage, HalfStorage, BFloat16Storage, LongStorage, IntStorage,
    ShortStorage, CharStorage, ByteStorage, BoolStorage, ComplexFloatStorage,
    ComplexDoubleStorage)}
_BY_DTYPE = {c.dtype: c for c in LEGACY_STORAGES.values()}


def storage_type(self):
    """The legacy storage class of this tensor's dtype.

    >>> ember.zeros(1, dtype=ember.int64).storage_type()
    <class 'ember.LongStorage'>
    """
    _warn_typed_storage_removal()
    try:
        return _BY_DTYPE[self._dtype]
    except KeyError:
        raise RuntimeError(f"no legacy storage class for {self._dtype}") from None
