"""Storages: the flat memory tensors view. ``UntypedStorage`` is bytes; ``TypedStorage`` is the
legacy typed form (``t.storage()``). A storage is the root NumPy (or CuPy) array every view of it
is based on; asking a tensor for its storage twice gives the same object, as in PyTorch.

>>> a = ember.arange(5); b = a[2:]
>>> a.untyped_storage() is b.untyped_storage()
True
"""
import warnings
import weakref

import numpy as np

from . import _dtype as D
from ._backend import root_array, data_ptr as _data_ptr

# storages (by their root array) marked by share_memory_
_SHARED = weakref.WeakValueDictionary()
# the live storage object of each root array (so t.untyped_storage() is t.untyped_storage())
_STORAGES = weakref.WeakValueDictionary()


def share_root(root):
    _SHARED[id(root)] = root


def is_shared_root(root):
    return _SHARED.get(id(root)) is root


def _flat_bytes(root):
    if root.flags.c_contiguous:
        return root.reshape(-1).view(np.uint8)
    if root.flags.f_contiguous:
        return root.T.reshape(-1).view(np.uint8)
    return np.ascontiguousarray(root).reshape(-1).view(np.uint8)


class UntypedStorage:
    """A flat byte buffer, shared by every tensor that views it.

    >>> ember.UntypedStorage(3).tolist()
    [0, 0, 0]
    """

    __slots__ = ("_root", "_buf", "__weakref__")

    def __init__(self, *args, device=None, **kwargs):
        if device is not None:
            from ._device import as_device
            if as_device(device).type == "cuda":
                from . import cuda
                cuda._lazy_init()
        if not args:
            buf = np.zeros(0, np.uint8)
        elif len(args) == 1 and isinstance(args[0], np.ndarray):
            buf = args[0]
        elif len(args) == 1 and isinstance(args[0], int) and not isinstance(args[0], bool):
            n = args[0]
            if n < 0:
                raise RuntimeError(f"[enforce fail at alloc_cpu.cpp:98] ((ptrdiff_t)nbytes) >= "
                                   f"0. alloc_cpu() seems to have been called with negative "
                                   f"number: {n % 2 ** 64}")
            buf = np.zeros(n, np.uint8)
        elif len(args) == 1 and isinstance(args[0], (list, tuple)):
            buf = np.array([int(v) & 0xFF for v in args[0]], np.uint8)
        else:
            raise TypeError("UntypedStorage(): invalid arguments")
        self._root = buf
        self._buf = _flat_bytes(buf)

    @classmethod
    def _of_array(cls, arr):
        root = root_array(arr)
        s = _STORAGES.get(id(root))
        if s is not None and s._root is root:
            return s
        s = object.__new__(cls)
        s._root = root
        s._buf = _flat_bytes(root)
        _STORAGES[id(root)] = s
        return s

    @classmethod
    def from_buffer(cls, buffer, byte_order="native", count=-1, offset=0, dtype=None):
        """A storage copied from a bytes-like object."""
        data = np.frombuffer(buffer, np.uint8)[offset:]
        return cls(data.copy())

    # facts
    def data_ptr(self):
        return _data_ptr(self._buf) if self._buf.nbytes else 0

    def nbytes(self):
        return self._buf.nbytes

    def size(self):
        return self._buf.nbytes

    def __len__(self):
        return self._buf.nbytes

    def element_size(self):
        return 1

    @property
    def device(self):
        from ._device import CPU
        return CPU

    @property
    def is_cuda(self):
        return False

    def is_pinned(self, device="cuda"):
        return False

    def is_shared(self):
        return is_shared_root(self._root)

    def share_memory_(self):
        share_root(self._root)
        return self

    def type(self, dtype=None, non_blocking=False):
        return "torch.storage.UntypedStorage"

    def untyped(self):
        return self

    def cpu(self):
        return self

    # values
    def tolist(self):
        return self._buf.tolist()

    def __bytes__(self):
        return self._buf.tobytes()

    def __iter__(self):
        return iter(self.tolist())

    def _index(self, i):
        n = self._buf.size
        if isinstance(i, bool) or not hasattr(i, "__index__"):
            raise RuntimeError(f"can't index a {type(self).__module__}.{type(self).__name__} "
                               f"with {type(i).__name__}")
        i = i.__index__()
        if i < -n or i >= n:
            raise IndexError(f"index {i} out of range for storage of size {n}")
        return i + n if i < 0 else i

    def __getitem__(self, i):
        if isinstance(i, slice):
            start, stop, step = i.indices(self._buf.size)
            if step != 1:
                raise RuntimeError("slices are only supported in steps of 1")
            s = object.__new__(type(self))
            s._root = self._root
            s._buf = self._buf[start:max(start, stop)]
            return s
        return int(self._buf[self._index(i)])

    def __setitem__(self, i, v):
        if isinstance(i, slice):
            self._buf[i] = v
        else:
            self._buf[self._index(i)] = v

    def fill_(self, value):
        self._buf[...] = value
        return self

    def copy_(self, source, non_blocking=None):
        src = source._buf if isinstance(source, UntypedStorage) else source.untyped()._buf
        if src.size != self._buf.size:
            raise RuntimeError(f"size mismatch, {self._buf.size} vs {src.size}")
        self._buf[...] = src
        return self

    def clone(self):
        return UntypedStorage(self._buf.copy())

    def resize_(self, size):
        """Resize in place (NOTE: tensors already viewing the storage keep the old memory)."""
        new = np.zeros(size, np.uint8)
        k = min(size, self._buf.size)
        new[:k] = self._buf[:k]
        self._root = new
        self._buf = new
        return self

    def __reduce__(self):
        return (UntypedStorage, (self._buf.copy(),))

    def __repr__(self):
        vals = "".join(f" {v}\n" for v in self.tolist())
        return f"{vals}[ember.storage.UntypedStorage(device=cpu) of size {len(self)}]"


UntypedStorage.__module__ = "ember.storage"

_WARNED = [False]


def _warn_typed_storage_removal():
    if not _WARNED[0]:
        _WARNED[0] = True
        warnings.warn(
            "TypedStorage is deprecated. It will be removed in the future and UntypedStorage will "
            "be the only storage class. This should only matter to you if you are using storages "
            "directly.  To access UntypedStorage directly, use tensor.untyped_storage() instead "
            "of tensor.storage()", UserWarning, stacklevel=3)


class TypedStorage:
    """The legacy typed view of a storage (``tensor.storage()``).

    >>> ember.tensor([1, 2], dtype=ember.int16).storage().tolist()
    [1, 2]
    """

    is_sparse = False

    def __init__(self, untyped, dtype):
        self._untyped_storage = untyped
        self.dtype = dtype

    @classmethod
    def _of_tensor(cls, t):
        _warn_typed_storage_removal()
        return cls(UntypedStorage._of_array(t._array), t._dtype)

    @property
    def _untyped(self):
        return self._untyped_storage

    def _values(self):
        buf = self._untyped_storage._buf
        n = buf.size // self.dtype.itemsize
        return buf[:n * self.dtype.itemsize].view(self.dtype.np)

    def data_ptr(self):
        return self._untyped_storage.data_ptr()

    def size(self):
        return self._untyped_storage.nbytes() // self.dtype.itemsize

    def __len__(self):
        return self.size()

    def element_size(self):
        return self.dtype.itemsize

    def nbytes(self):
        return self._untyped_storage.nbytes()

    def untyped(self):
        return self._untyped_storage

    @property
    def device(self):
        return self._untyped_storage.device

    @property
    def is_cuda(self):
        return False

    def is_shared(self):
        return self._untyped_storage.is_shared()

    def share_memory_(self):
        self._untyped_storage.share_memory_()
        return self

    def is_pinned(self, device="cuda"):
        return False

    def type(self, dtype=None, non_blocking=False):
        return f"ember.{self.pickle_storage_type()}"

    def pickle_storage_type(self):
        name = self.dtype.tensor_type_name or (self.dtype.scalar_name + "Tensor")
        return name.replace("Tensor", "Storage")

    def tolist(self):
        vals = self._values()
        if self.dtype.np.kind not in "biufc":
            vals = vals.astype(np.float32)
        return vals.tolist()

    def __iter__(self):
        return iter(self.tolist())

    def _index(self, i):
        n = self.size()
        i = i.__index__()
        if i < -n or i >= n:
            raise IndexError(f"index {i} out of range for storage of size {n}")
        return i + n if i < 0 else i

    def __getitem__(self, i):
        if isinstance(i, slice):
            raise RuntimeError("slices are only supported in UntypedStorage.__getitem__")
        v = self._values()[self._index(i)]
        from ._tensor import _py_scalar
        return _py_scalar(v.item(), self.dtype)

    def __setitem__(self, i, v):
        if isinstance(i, slice):
            self._values()[i] = v
        else:
            self._values()[self._index(i)] = v

    def fill_(self, value):
        self._values()[...] = value
        return self

    def clone(self):
        return TypedStorage(self._untyped_storage.clone(), self.dtype)

    def copy_(self, source, non_blocking=None):
        self._untyped_storage.copy_(source.untyped() if isinstance(source, TypedStorage)
                                    else source)
        return self

    def __reduce__(self):
        return (TypedStorage, (self._untyped_storage, self.dtype))

    def __repr__(self):
        vals = "".join(f" {v}\n" for v in self.tolist())
        return (f"{vals}[ember.storage.TypedStorage(dtype={self.dtype}, device=cpu) of size "
                f"{len(self)}]")


TypedStorage.__module__ = "ember.storage"
