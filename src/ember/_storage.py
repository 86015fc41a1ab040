"""Storages: the flat memory tensors view. ``UntypedStorage`` is bytes; ``TypedStorage`` is the
legacy typed form (``t.storage()``).

>>> a = ember.arange(5); b = a[2:]
>>> a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()
True
"""
import weakref

import numpy as np

from . import _dtype as D
from ._backend import root_array, data_ptr as _data_ptr


# storages (by their root array) marked by share_memory_
_SHARED = weakref.WeakValueDictionary()


def share_root(root):
    _SHARED[id(root)] = root


def is_shared_root(root):
    return _SHARED.get(id(root)) is root


class UntypedStorage:
    """A flat byte buffer, shared by every tensor that views it."""

    def __init__(self, size=0, *, device=None):
        if isinstance(size, np.ndarray):
            self._buf = size
        else:
            self._buf = np.zeros(int(size), np.uint8)
        self._root = self._buf

    @classmethod
    def _of_array(cls, arr):
        s = object.__new__(cls)
        root = root_array(arr)
        s._root = root
        s._buf = root.reshape(-1).view(np.uint8) if root.flags.c_contiguous else root
        return s

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

    def tolist(self):
        return self._buf.view(np.uint8).reshape(-1).tolist()

    def __getitem__(self, i):
        return int(self._buf.view(np.uint8).reshape(-1)[i])

    def __setitem__(self, i, v):
        self._buf.view(np.uint8).reshape(-1)[i] = v

    def fill_(self, value):
        self._buf.view(np.uint8).reshape(-1)[...] = value
        return self

    def is_shared(self):
        return is_shared_root(self._root)

    def share_memory_(self):
        share_root(self._root)
        return self

    def cpu(self):
        return self

    def __repr__(self):
        vals = "\n".join(" " + str(v) for v in self.tolist())
        return f"{vals}\n[ember.storage.UntypedStorage(device=cpu) of size {len(self)}]"


class TypedStorage:
    """The legacy typed view of a storage (``tensor.storage()``)."""

    def __init__(self, untyped, dtype):
        self._untyped = untyped
        self.dtype = dtype

    @classmethod
    def _of_tensor(cls, t):
        return cls(UntypedStorage._of_array(t._array), t._dtype)

    def _values(self):
        buf = self._untyped._buf
        return buf.reshape(-1).view(np.uint8).view(self.dtype.np)

    def data_ptr(self):
        return self._untyped.data_ptr()

    def size(self):
        return self._untyped.nbytes() // self.dtype.itemsize

    def __len__(self):
        return self.size()

    def element_size(self):
        return self.dtype.itemsize

    def nbytes(self):
        return self._untyped.nbytes()

    def untyped(self):
        return self._untyped

    @property
    def device(self):
        return self._untyped.device

    def tolist(self):
        return self._values().tolist()

    def __getitem__(self, i):
        return self._values()[i].item()

    def __setitem__(self, i, v):
        self._values()[i] = v

    def __iter__(self):
        return iter(self.tolist())

    def __repr__(self):
        vals = "\n".join(" " + str(v) for v in self.tolist())
        return (f"{vals}\n[ember.storage.TypedStorage(dtype={self.dtype}, device=cpu) of size "
                f"{len(self)}]")
