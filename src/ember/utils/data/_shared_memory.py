"""How ember tensors cross process boundaries: through shared memory, not pickled copies.

Registered with ``multiprocessing``'s pickler (the one its queues and process starts use),
so plain ``pickle`` keeps its usual in-band format. A tensor of at least
``SHARED_MEMORY_THRESHOLD`` bytes travels as the name of a file in ``/dev/shm`` holding its
data; the receiving process maps the file and unlinks it at once, so the memory lives exactly
as long as the receiving tensor. Each pickling is a one-shot transfer: the receiver owns the
file. Smaller tensors (where creating a file costs more than copying) travel in-band, as
only their own elements, never the whole storage they view.

In a DataLoader worker ``default_collate`` stacks batches straight into such a file
(``shared_empty_for_stack``), so a batch reaches the main process without any extra copy.
Files a process never receives (a loop left early) carry the loader's prefix and are removed
when the loader shuts down (``remove_files``).
"""
import glob
import itertools
import mmap
import os
import secrets
import weakref
from multiprocessing.reduction import ForkingPickler

import numpy as np

from ... import _dtype as D
from ..._backend import root_array
from ..._storage import share_root
from ..._tensor import Tensor, make_tensor, strides_of

SHM_DIR = "/dev/shm"
# below this many bytes a tensor is copied in-band: creating, mapping and first touching a
# fresh file costs about what piping 256 KiB does (measured through a worker: 64 KiB was
# faster in-band, 1 MiB 2.6x faster through a file)
SHARED_MEMORY_THRESHOLD = 256 * 1024

_prefix = f"ember_shm_{os.getpid()}"
_counter = itertools.count()
# root arrays this process allocated in shared memory and not yet handed over: id -> (ref, path)
_owned = {}


def set_file_prefix(prefix):
    """Name this process's shared-memory files ``PREFIX_<n>`` (DataLoader workers use their
    loader's prefix, so the loader can remove what never arrived)."""
    global _prefix
    _prefix = prefix


def remove_files(prefix):
    """Unlink the shared-memory files named ``PREFIX_*`` that no process received."""
    for path in glob.glob(os.path.join(SHM_DIR, glob.escape(prefix) + "_*")):
        try:
            os.unlink(path)
        except OSError:
            pass


def _create_file(nbytes):
    """A new file of ``nbytes`` in /dev/shm mapped into memory: (path, mmap); None if shared
    memory is unavailable or full."""
    if not os.path.isdir(SHM_DIR):
        return None
    for _ in range(3):
        path = os.path.join(SHM_DIR, f"{_prefix}_{next(_counter)}_{secrets.token_hex(3)}")
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
        except FileExistsError:
            continue
        except OSError:
            return None
        try:
            # NOTE: reserve the pages now: a full /dev/shm must fail here with ENOSPC, not later
            # with SIGBUS when the mapping is written
            os.posix_fallocate(fd, 0, nbytes)
            return path, mmap.mmap(fd, nbytes)
        except OSError:
            os.unlink(path)
            return None
        finally:
            os.close(fd)
    return None


def _forget(key):
    # the tensor died without being sent: nobody else will unlink its file
    entry = _owned.pop(key, None)
    if entry is not None:
        try:
            os.unlink(entry[1])
        except OSError:
            pass


def shared_empty(shape, dtype):
    """An uninitialised contiguous CPU tensor to be sent to another process: its memory is a
    shared-memory file when it is big enough to be worth one (an ordinary tensor otherwise,
    or when no shared memory can be had)."""
    import ember
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    made = _create_file(nbytes) if nbytes >= SHARED_MEMORY_THRESHOLD else None
    if made is None:
        return ember.empty(shape, dtype=dtype)
    path, mm = made
    root = np.frombuffer(mm, dtype=dtype.np)
    key = id(root)
    _owned[key] = (weakref.ref(root, lambda _, key=key: _forget(key)), path)
    return make_tensor(root.reshape(shape), dtype)


def shared_empty_for_stack(batch):
    """The ``out=`` for stacking ``batch`` in shared memory, or None where a file is not worth
    it or stacking must decide the result itself (mixed dtypes or devices, gradients)."""
    first = batch[0]
    dt, shape = first.dtype, first.shape
    if len(batch) * first.numel() * dt.itemsize < SHARED_MEMORY_THRESHOLD:
        return None
    for t in batch:
        if t.dtype is not dt or t.device.type != "cpu" or t.requires_grad:
            return None
        if t.shape != shape:
            return None  # let stack raise its own error
    return shared_empty((len(batch), *shape), dt)


def _dense_layout(arr):
    """For an array whose elements fill a memory block without gaps or overlaps, the axis
    order from outermost to innermost in memory; None otherwise."""
    order = sorted(range(arr.ndim), key=lambda i: -arr.strides[i])
    expected = arr.itemsize
    for i in reversed(order):
        if arr.shape[i] == 1:
            continue
        if arr.strides[i] != expected:
            return None
        expected *= arr.shape[i]
    return order


def _rebuild_inband(flat, dtype_name, shape, strides, requires_grad):
    from ..._ops.creation import _rebuild_tensor_v2
    return _rebuild_tensor_v2(flat, dtype_name, shape, strides, 0, requires_grad)


def _rebuild_from_file(path, nbytes, dtype_name, shape, strides, offset, requires_grad):
    from ..._ops.creation import _rebuild_tensor_v2
    fd = os.open(path, os.O_RDWR)
    try:
        mm = mmap.mmap(fd, nbytes)
    finally:
        os.close(fd)
        # the mapping keeps the memory; the name is no longer needed
        os.unlink(path)
    dt = D._dtype_by_name(dtype_name)
    root = np.frombuffer(mm, dtype=dt.np)
    share_root(root)
    return _rebuild_tensor_v2(root, dtype_name, shape, strides, offset, requires_grad)


def _handover_owned(t, arr):
    """The file already holding ``t``'s storage, if this process made it and still owns it."""
    root = root_array(arr)
    entry = _owned.get(id(root))
    if entry is None or entry[0]() is not root:
        return None
    del _owned[id(root)]
    offset = (arr.__array_interface__["data"][0] - root.__array_interface__["data"][0])
    return (_rebuild_from_file, (entry[1], root.nbytes, t.dtype.name, arr.shape,
                                 strides_of(arr), offset // arr.itemsize, t.requires_grad))


def reduce_tensor(t):
    """The multiprocessing reduction of an ember tensor (see the module docstring)."""
    if t.device.type != "cpu":
        return t.__reduce_ex__(2)
    if t.requires_grad and not t.is_leaf:
        raise RuntimeError(
            "Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd "
            "does not support crossing process boundaries.  If you just want to transfer the "
            "data, call detach() on the tensor before serializing (e.g., putting it on the "
            "queue).")
    arr = t._array
    handed = _handover_owned(t, arr)
    if handed is not None:
        return handed
    order = _dense_layout(arr)
    if order is None:
        arr = np.ascontiguousarray(arr)
        order = list(range(arr.ndim))
    strides = strides_of(arr)
    # the elements in memory order (a view for dense layouts)
    flat = arr.transpose(order).reshape(-1)
    dtype_name, shape = t.dtype.name, arr.shape
    if flat.nbytes >= SHARED_MEMORY_THRESHOLD:
        made = _create_file(flat.nbytes)
        if made is not None:
            path, mm = made
            np.frombuffer(mm, dtype=flat.dtype)[...] = flat
            del mm  # closes this process's mapping once the temporary view above is gone
            return (_rebuild_from_file, (path, flat.nbytes, dtype_name, shape, strides, 0,
                                         t.requires_grad))
    return (_rebuild_inband, (flat.copy() if flat.base is not None else flat, dtype_name,
                              shape, strides, t.requires_grad))


ForkingPickler.register(Tensor, reduce_tensor)
