"""``ember.save`` / ``ember.load``: PyTorch's own checkpoint files, both ways.

``save`` writes the zip format ``torch.save`` writes (same records, order, 64-byte alignment,
CRCs and serialization id; the pickle names PyTorch's classes and rebuild functions), so real
PyTorch loads it with its default ``weights_only=True``; ``_use_new_zipfile_serialization=False``
writes the legacy stream format. ``load`` reads both formats as written by PyTorch or ember and
gives ember objects back, storage sharing included. By default it unpickles with a restricted
interpreter (``_weights_only_unpickler.py``) that never imports or calls anything outside an
allow-list; ``weights_only=False`` maps ``torch.*`` names onto ember's (``torch.nn.modules.linear
.Linear`` -> ``ember.nn.modules.linear.Linear``) and unpickles anything, so only use it on files
you trust. The format is described in ``shared/notes/torch-pt-format.md``.

>>> ember.save({"w": ember.ones(2)}, "ckpt.pt")      # torch.load("ckpt.pt") reads it
>>> ember.load("ckpt.pt")
{'w': tensor([1., 1.])}
"""
import _codecs
import contextlib
import importlib
import io
import mmap as _mmap
import os
import pickle
import re
import secrets
import stat
import struct
import sys
import types
import warnings
import zlib
from collections import Counter, OrderedDict

import numpy as np

from . import _dtype as D
from . import _weights_only_unpickler as _wo
from ._backend import root_array, data_ptr as _data_ptr, contiguous_strides
from ._device import device as _device
from ._memory_format import layout as _layout, strided as _strided, sparse_coo as _sparse_coo
from ._size import Size
from ._storage import UntypedStorage, TypedStorage
from ._tensor import Tensor, make_tensor, _new
from ._weights_only_unpickler import (add_safe_globals, clear_safe_globals,  # noqa: F401
                                      get_safe_globals, safe_globals)

__all__ = ["save", "load", "add_safe_globals", "clear_safe_globals", "get_safe_globals",
           "safe_globals", "get_unsafe_globals_in_checkpoint", "set_default_mmap_options",
           "DEFAULT_PROTOCOL"]

DEFAULT_PROTOCOL = 2
MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001
STORAGE_ALIGNMENT = 64
_ZIP_MAGIC = b"PK\x03\x04"

_MINIZ = (". This is an internal miniz error. If you are seeing this error, there is a high "
          "likelihood that your checkpoint file is corrupted. This can happen if the checkpoint "
          "was not saved properly, was transferred incorrectly, or the file was modified after "
          "saving.")

# ============================================================================ dtype tables
# dtypes with a legacy typed-storage class; every later dtype is pickled as UntypedStorage + v3
_STORAGE_CLASS = {
    "float64": "DoubleStorage", "float32": "FloatStorage", "float16": "HalfStorage",
    "bfloat16": "BFloat16Storage", "int64": "LongStorage", "int32": "IntStorage",
    "int16": "ShortStorage", "int8": "CharStorage", "uint8": "ByteStorage", "bool": "BoolStorage",
    "complex128": "ComplexDoubleStorage", "complex64": "ComplexFloatStorage",
}
_EMBER_DTYPES = {d.name: d for d in D.ALL_DTYPES}
# PyTorch dtypes ember cannot hold, with their element sizes
_TORCH_ONLY_DTYPES = {
    "qint8": 1, "qint32": 4, "quint8": 1, "quint4x2": 1, "quint2x4": 1, "float8_e8m0fnu": 1,
    "float4_e2m1fn_x2": 1, "bits8": 1, "bits16": 2, "bits1x8": 1, "bits2x4": 1, "bits4x2": 1,
    **{f"uint{i}": 1 for i in range(1, 8)}, **{f"int{i}": 1 for i in range(1, 8)},
}
_QUANT_STORAGE = {"QInt8Storage": "qint8", "QInt32Storage": "qint32", "QUInt8Storage": "quint8",
                  "QUInt4x2Storage": "quint4x2", "QUInt2x4Storage": "quint2x4"}


class _TorchOnly:
    """Stands for a PyTorch object ember has no counterpart of (a quantized dtype, a CUDA tensor
    class, a qscheme ...): it can be named in a checkpoint, but using it raises."""

    __slots__ = ("name", "itemsize")

    def __init__(self, name, itemsize=1):
        self.name = name
        self.itemsize = itemsize

    def __repr__(self):
        return self.name


class _StorageType:
    """What a storage class (``torch.FloatStorage``, ``torch.storage.UntypedStorage``) named in
    a persistent id means when loading: the dtype of the storage's elements."""

    __slots__ = ("name", "dtype")

    def __init__(self, name, dtype):
        self.name = name
        self.dtype = dtype

    @property
    def itemsize(self):
        return self.dtype.itemsize

    def __repr__(self):
        return f"<storage type {self.name}>"


def _torch_dtype(name):
    d = _EMBER_DTYPES.get(name)
    if d is not None:
        return d
    return _TorchOnly("torch." + name, _TORCH_ONLY_DTYPES.get(name, 1))


# ============================================================================ rebuild functions
# These are what the PyTorch names in a checkpoint (torch._utils._rebuild_tensor_v2 ...) resolve
# to when loading; they check what a hostile file could get wrong before touching memory.

def _int(v, what):
    if type(v) is not int:
        if isinstance(v, bool) or not hasattr(v, "__index__"):
            raise TypeError(f"{what} must be an int, but got {type(v).__name__}")
        v = v.__index__()
    return v


def _ints(v, what):
    if not isinstance(v, (tuple, list)):
        raise TypeError(f"{what} must be a tuple of ints, but got {type(v).__name__}")
    return tuple(_int(x, what) for x in v)


def _tensor_on(storage, storage_offset, size, stride, dtype):
    """A tensor viewing ``storage`` (elements of ``dtype`` from ``storage_offset``)."""
    if not isinstance(storage, TypedStorage):
        raise TypeError(f"expected a storage to rebuild a tensor on, but got "
                        f"{type(storage).__name__}")
    if not isinstance(dtype, D.dtype) or dtype.np is None:
        raise RuntimeError(f"ember cannot hold tensors of dtype {dtype} (found in the checkpoint)")
    offset = _int(storage_offset, "storage_offset")
    size = _ints(size, "size")
    stride = _ints(stride, "stride")
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape: sizes={list(size)} and "
                           f"strides={list(stride)}")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    if any(n < 0 for n in size):
        raise RuntimeError("numel: integer multiplication overflow")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(size)} and "
                           f"strides={list(stride)}")
    buf = storage._untyped._buf
    isz = dtype.itemsize
    empty = 0 in size
    need = 0 if empty else (offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))) * isz
    if need > buf.nbytes:
        raise RuntimeError("Trying to resize storage that is not resizable")
    off_b = offset * isz
    if empty:
        # NOTE: an empty tensor may sit past the end of its storage; NumPy cannot place one there
        off_b = min(off_b, buf.nbytes - buf.nbytes % isz)
    arr = np.ndarray(size, dtype.np, buffer=buf, offset=off_b,
                     strides=tuple(s * isz for s in stride))
    return make_tensor(arr, dtype)


def _finish(t, requires_grad, metadata):
    if metadata:
        if not isinstance(metadata, dict):
            raise TypeError(f"tensor metadata must be a dict, but got {type(metadata).__name__}")
        # ember has no lazy conj/neg bits: the storage holds the un-conjugated/un-negated values
        if metadata.get("conj"):
            t = make_tensor(np.conj(t._array), t._dtype)
        if metadata.get("neg"):
            t = make_tensor(np.negative(t._array), t._dtype)
    if type(requires_grad) is not bool:
        raise TypeError(f"requires_grad must be a bool, but got {type(requires_grad).__name__}")
    if requires_grad:
        t.requires_grad = True
    return t


def _storage_dtype(storage):
    if not isinstance(storage, TypedStorage):
        raise TypeError(f"expected a storage to rebuild a tensor on, but got "
                        f"{type(storage).__name__}")
    return storage.dtype


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _tensor_on(storage, storage_offset, size, stride, _storage_dtype(storage))


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       metadata=None):
    t = _tensor_on(storage, storage_offset, size, stride, _storage_dtype(storage))
    return _finish(t, requires_grad, metadata)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None):
    _storage_dtype(storage)
    t = _tensor_on(storage, storage_offset, size, stride, dtype)
    return _finish(t, requires_grad, metadata)


def _rebuild_parameter(data, requires_grad, backward_hooks):
    from .nn.parameter import Parameter
    if not isinstance(data, Tensor):
        raise TypeError(f"Parameter data must be a Tensor, but got {type(data).__name__}")
    if type(requires_grad) is not bool:
        raise TypeError(f"requires_grad must be a bool, but got {type(requires_grad).__name__}")
    return Parameter(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    return _set_obj_state(_rebuild_parameter(data, requires_grad, backward_hooks), state)


def _set_obj_state(obj, state):
    if state is None:
        return obj
    if isinstance(state, tuple):
        if len(state) != 2:
            raise RuntimeError(f"Invalid serialized state: {state}")
        parts = state
    else:
        parts = (state,)
    for part in parts:
        if not part:
            continue
        if not isinstance(part, dict):
            raise TypeError(f"object state must be a dict, but got {type(part).__name__}")
        for k, v in part.items():
            if not isinstance(k, str) or (k.startswith("__") and k.endswith("__")):
                raise RuntimeError(f"refusing to set attribute {k!r} from a checkpoint")
            setattr(obj, k, v)
    return obj


def _as_subclass(t, new_type):
    from .nn.parameter import Parameter
    if type(t) is new_type:
        return t
    if not (isinstance(new_type, type) and issubclass(new_type, Tensor)):
        raise TypeError(f"cannot rebuild a tensor as {new_type!r}: not a Tensor subclass")
    if issubclass(new_type, Parameter):
        return Parameter.__new__(new_type, t, t._requires_grad)
    n = _new(new_type)
    n._array = t._array
    n._dtype = t._dtype
    if t._requires_grad:
        n._requires_grad = True
    return n


def _rebuild_from_type_v2(func, new_type, args, state):
    if func not in _TENSOR_REBUILDERS:
        raise RuntimeError(f"_rebuild_from_type_v2: unsupported rebuild function {func!r}")
    if not isinstance(args, tuple):
        raise TypeError(f"rebuild arguments must be a tuple, but got {type(args).__name__}")
    ret = func(*args)
    if type(ret) is not new_type:
        ret = _as_subclass(ret, new_type)
    return _set_obj_state(ret, state)


def _rebuild_device_tensor_from_numpy(data, dtype, device, requires_grad):
    if not isinstance(data, np.ndarray):
        raise TypeError(f"expected a NumPy array, but got {type(data).__name__}")
    if not isinstance(dtype, D.dtype) or dtype.np is None:
        raise RuntimeError(f"ember cannot hold tensors of dtype {dtype}")
    _check_cpu_target(str(device))
    return _finish(make_tensor(np.array(data, dtype=dtype.np), dtype), requires_grad, None)


def _rebuild_device_tensor_from_cpu_tensor(data, dtype, device, requires_grad):
    if not isinstance(data, Tensor):
        raise TypeError(f"expected a Tensor, but got {type(data).__name__}")
    _check_cpu_target(str(device))
    return _finish(data.to(dtype=dtype), requires_grad, None)


def _unsupported(what, name):
    def rebuild(*args, **kwargs):
        raise RuntimeError(f"ember cannot load {what} (the checkpoint calls torch._utils.{name})")
    rebuild.__name__ = rebuild.__qualname__ = name
    return rebuild


_rebuild_qtensor = _unsupported("quantized tensors", "_rebuild_qtensor")
_rebuild_sparse_tensor = _unsupported("sparse tensors", "_rebuild_sparse_tensor")
_rebuild_meta_tensor_no_storage = _unsupported("meta tensors", "_rebuild_meta_tensor_no_storage")
_rebuild_nested_tensor = _unsupported("nested tensors", "_rebuild_nested_tensor")
_rebuild_wrapper_subclass = _unsupported("wrapper-subclass tensors", "_rebuild_wrapper_subclass")

_TENSOR_REBUILDERS = {_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_qtensor,
                      _rebuild_sparse_tensor, _rebuild_meta_tensor_no_storage,
                      _rebuild_nested_tensor, _rebuild_wrapper_subclass,
                      _rebuild_device_tensor_from_numpy, _rebuild_device_tensor_from_cpu_tensor,
                      _rebuild_parameter, _rebuild_parameter_with_state}


def _set_legacy_state(inst, state):
    """BUILD on a tensor: old checkpoints set (storage, offset, size, stride) this way."""
    if not (isinstance(state, tuple) and len(state) == 4):
        raise RuntimeError(f"unsupported serialized tensor state of type {type(state).__name__}")
    storage, offset, size, stride = state
    t = _tensor_on(storage, offset, size, stride, _storage_dtype(storage))
    inst._array = t._array
    inst._dtype = t._dtype


_LAYOUTS = {}


def _get_layout(name):
    """``torch.serialization._get_layout``: a layout from its name (``"torch.strided"``)."""
    if not _LAYOUTS:
        _LAYOUTS["torch.strided"] = _strided
        _LAYOUTS["torch.sparse_coo"] = _sparse_coo
        for n in ("sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc", "_mkldnn", "jagged"):
            _LAYOUTS["torch." + n] = _layout(n)
    try:
        return _LAYOUTS[name]
    except (KeyError, TypeError):
        raise KeyError(name) from None


def _load_from_bytes(b):
    """``torch.storage._load_from_bytes``: what a plain ``pickle.dumps`` of a PyTorch storage
    calls (only reached with ``weights_only=False``)."""
    return load(io.BytesIO(b), weights_only=False)


def _safe_bytearray(*args):
    # NOTE: bytearray(n) fills n bytes; a checkpoint only ever passes the encoded bytes
    if not args or not isinstance(args[0], (bytes, bytearray, str)):
        raise pickle.UnpicklingError("bytearray() in a checkpoint must be given bytes")
    return bytearray(*args)


# ============================================================================ allow-list
_ALLOWED = None
_TENSOR_CLASS_IDS = set()


def _allowed_globals():
    """PyTorch's default weights-only allow-list (144 names) mapped to ember objects."""
    global _ALLOWED
    if _ALLOWED is not None:
        return _ALLOWED
    from .nn.parameter import Parameter
    from ._ops.creation import LEGACY
    g = {
        "collections.OrderedDict": OrderedDict, "collections.Counter": Counter,
        "builtins.set": set, "builtins.complex": complex, "builtins.bytearray": _safe_bytearray,
        "_codecs.encode": _codecs.encode,
        "torch.Size": Size, "torch.Tensor": Tensor, "torch.device": _device,
        "torch.nn.parameter.Parameter": Parameter,
        "torch.serialization._get_layout": _get_layout,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
    }
    for f in (_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter,
              _rebuild_parameter_with_state, _rebuild_qtensor, _rebuild_sparse_tensor,
              _rebuild_meta_tensor_no_storage, _rebuild_nested_tensor, _rebuild_wrapper_subclass,
              _rebuild_device_tensor_from_numpy, _rebuild_device_tensor_from_cpu_tensor):
        g["torch._utils." + f.__name__] = f
    for name in (list(_STORAGE_CLASS) + ["complex32"] + list(_TORCH_ONLY_DTYPES)
                 + ["uint16", "uint32", "uint64", "float8_e4m3fn", "float8_e5m2",
                    "float8_e4m3fnuz", "float8_e5m2fnuz"]):
        g["torch." + name] = _torch_dtype(name)
    for dname, cname in _STORAGE_CLASS.items():
        g["torch." + cname] = _StorageType("torch." + cname, _EMBER_DTYPES[dname])
    for cname, qname in _QUANT_STORAGE.items():
        g["torch." + cname] = _StorageType("torch." + cname, _torch_dtype(qname))
    for cname in ("Double", "Float", "Half", "BFloat16", "Long", "Int", "Short", "Char", "Byte",
                  "Bool", "ComplexDouble", "ComplexFloat"):
        g[f"torch.cuda.{cname}Storage"] = _StorageType(f"torch.cuda.{cname}Storage",
                                                       g[f"torch.{cname}Storage"].dtype)
    g["torch.storage.TypedStorage"] = _StorageType("torch.storage.TypedStorage", D.uint8)
    g["torch.storage.UntypedStorage"] = _StorageType("torch.storage.UntypedStorage", D.uint8)
    kinds = ("BFloat16", "Bool", "Byte", "Char", "Double", "Float", "Half", "Int", "Long", "Short")
    for k in kinds:
        cls = LEGACY[k + "Tensor"]
        g[f"torch.{k}Tensor"] = cls
        _TENSOR_CLASS_IDS.add(id(cls))
        g[f"torch.cuda.{k}Tensor"] = _TorchOnly(f"torch.cuda.{k}Tensor")
        if k != "Bool":
            g[f"torch.sparse.{k}Tensor"] = _TorchOnly(f"torch.sparse.{k}Tensor")
            g[f"torch.cuda.sparse.{k}Tensor"] = _TorchOnly(f"torch.cuda.sparse.{k}Tensor")
    for q in ("per_tensor_affine", "per_tensor_symmetric", "per_channel_affine",
              "per_channel_symmetric", "per_channel_affine_float_qparams"):
        g["torch." + q] = _TorchOnly("torch." + q)
    _TENSOR_CLASS_IDS.update((id(Tensor), id(Parameter)))
    _ALLOWED = g
    return g


def _guard(func, args):
    # NOTE: calling a tensor class with sizes allocates; no checkpoint written by torch.save does
    if id(func) in _TENSOR_CLASS_IDS and any(type(a) is int for a in args):
        raise pickle.UnpicklingError(f"Trying to call reduce for unrecognized function {func}")


_TORCH_EXTRA = {"torch.storage._load_from_bytes": _load_from_bytes}


def _resolve_torch_global(module, name):
    """The ember object for a ``torch.*`` global (``weights_only=False``); None for others."""
    if not (module == "torch" or module.startswith("torch.")):
        return None
    full = f"{module}.{name}"
    obj = _allowed_globals().get(full)
    if obj is None:
        obj = _TORCH_EXTRA.get(full)
    if obj is not None:
        return obj
    target = "ember" + module[5:]
    try:
        obj = importlib.import_module(target)
    except ImportError:
        raise ModuleNotFoundError(f"ember has no module {target}, the counterpart of {module} "
                                  f"which the checkpoint needs for {full}") from None
    for part in name.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise AttributeError(f"ember has no counterpart of {full} (looked for "
                                 f"{target}.{name})") from None
    return obj


_UNPICKLERS = {}


def _lenient_unpickler(pickle_module):
    cls = _UNPICKLERS.get(pickle_module)
    if cls is None:
        class _EmberUnpickler(pickle_module.Unpickler):
            def find_class(self, module, name):
                obj = _resolve_torch_global(module, name)
                if obj is not None:
                    return obj
                return super().find_class(module, name)
        cls = _UNPICKLERS[pickle_module] = _EmberUnpickler
    return cls


# ============================================================================ writing: pickle
class _Global:
    """A PyTorch global (``torch._utils._rebuild_tensor_v2``) written as GLOBAL without
    importing torch; only the pickler below knows how to write it."""

    def __init__(self, module, name):
        self.module = module
        self.name = self.__name__ = name

    def __call__(self, *args, **kwargs):
        raise TypeError(f"{self.module}.{self.name} is a name for pickles, not callable in ember")

    def __repr__(self):
        return f"<global {self.module}.{self.name}>"


_GLOBALS = {}


def _g(module, name):
    key = (module, name)
    g = _GLOBALS.get(key)
    if g is None:
        g = _GLOBALS[key] = _Global(module, name)
    return g


_G_V2 = _g("torch._utils", "_rebuild_tensor_v2")
_G_V3 = _g("torch._utils", "_rebuild_tensor_v3")
_G_PARAM = _g("torch._utils", "_rebuild_parameter")
_G_PARAM_STATE = _g("torch._utils", "_rebuild_parameter_with_state")
_G_FROM_TYPE = _g("torch._tensor", "_rebuild_from_type_v2")
_G_TENSOR = _g("torch", "Tensor")
_G_SIZE = _g("torch", "Size")
_G_DEVICE = _g("torch", "device")
_G_LAYOUT = _g("torch.serialization", "_get_layout")
_G_UNTYPED = _g("torch.storage", "UntypedStorage")
_G_STORAGE = {_EMBER_DTYPES[d]: _g("torch", c) for d, c in _STORAGE_CLASS.items()}

# ember modules whose classes and functions carry PyTorch's path (the same file names)
_MIRRORED_MODULES = {"ember.nn.parameter", "ember.nn.functional", "ember.nn.init",
                     "ember.nn.modules"}
_MIRRORED_PREFIX = "ember.nn.modules."


def _global_name(obj):
    """(module, name) to write for ``obj`` where it is PyTorch's, else None."""
    t = type(obj)
    if t is _Global:
        return obj.module, obj.name
    if t is D.dtype:
        return "torch", obj.name
    if obj is Tensor:
        return "torch", "Tensor"
    if obj is Size:
        return "torch", "Size"
    if obj is _device:
        return "torch", "device"
    mod = getattr(obj, "__module__", None)
    if isinstance(mod, str) and (mod in _MIRRORED_MODULES or mod.startswith(_MIRRORED_PREFIX)):
        qual = getattr(obj, "__qualname__", None)
        if isinstance(qual, str) and "<" not in qual:
            return "torch" + mod[5:], qual
    return None


class _Entry:
    """One storage being written: its bytes and its key."""

    __slots__ = ("root", "buf", "key", "location", "dtype")

    def __init__(self, root, buf, key, location, dtype):
        self.root = root
        self.buf = buf
        self.key = key
        self.location = location
        self.dtype = dtype          # the persistent id's storage dtype (uint8 when untyped)


class _StorageRef:
    """Placeholder for a storage in a tensor's reduce arguments; becomes a persistent id."""

    __slots__ = ("entry", "cls", "numel")

    def __init__(self, entry, cls, numel):
        self.entry = entry
        self.cls = cls
        self.numel = numel


_PLAIN = frozenset((int, float, str, bytes, bytearray, tuple, list, dict, set, frozenset, bool,
                    complex, type(None), OrderedDict))


def _flat_bytes(root):
    """The root array's memory as a flat uint8 array, when it is one dense block."""
    if root.flags.c_contiguous:
        return root.reshape(-1).view(np.uint8)
    if root.flags.f_contiguous:
        return root.T.reshape(-1).view(np.uint8)
    return None


def _user_state(t):
    state = {k: v for k, v in t.__dict__.items() if not k.startswith("_")}
    return state or None


def _warn_hooks(t):
    hooks = t.__dict__.get("_backward_hooks")
    if hooks:
        for hook in hooks.values():
            if not getattr(hook, "__torch_unserializable__", False):
                warnings.warn(f"backward hook {hook} on tensor will not be serialized.  If this is "
                              "expected, you can decorate the function with "
                              "@torch.utils.hooks.unserializable_hook to suppress this warning")


def _make_pickler_class(base):
    class _TorchPickler(base):
        """Pickles ember objects under PyTorch's names; storages become persistent ids."""

        def __init__(self, file, protocol, legacy):
            super().__init__(file, protocol)
            self.legacy = legacy
            self.entries = {}          # id(root) -> _Entry, in order of first appearance

        # -- storages
        def persistent_id(self, obj):
            t = type(obj)
            if t in _PLAIN:
                return None
            if t is _StorageRef:
                return self._pid(obj.entry, obj.cls, obj.numel)
            if isinstance(obj, (UntypedStorage, TypedStorage)):
                return self._storage_pid(obj)
            return None

        def _pid(self, e, cls, numel):
            if self.legacy:
                return ("storage", cls, e.key, e.location, numel, None)
            return ("storage", cls, e.key, e.location, numel)

        def _entry(self, root, buf, dtype, location="cpu"):
            e = self.entries.get(id(root))
            if e is None:
                key = str(id(root)) if self.legacy else str(len(self.entries))
                e = self.entries[id(root)] = _Entry(root, buf, key, location, dtype)
            elif e.dtype is not dtype and buf.nbytes:
                raise RuntimeError("Cannot save multiple tensors or storages that view the same "
                                   "data as different types")
            return e

        def _storage_pid(self, s):
            if isinstance(s, TypedStorage):
                untyped, dtype = s._untyped, s.dtype
            else:
                untyped, dtype = s, D.uint8
            root = root_array(untyped._root)
            buf = _flat_bytes(root)
            if buf is None:
                root = np.array(untyped._buf, order="C", copy=True)
                buf = root.reshape(-1).view(np.uint8)
            cls = _G_STORAGE.get(dtype) if isinstance(s, TypedStorage) else None
            if cls is None:
                e = self._entry(root, buf, D.uint8)
                return self._pid(e, _G_UNTYPED, buf.nbytes)
            e = self._entry(root, buf, dtype)
            return self._pid(e, cls, buf.nbytes // dtype.itemsize)

        def _tensor_storage(self, t, check):
            """(entry, storage_offset, stride) of tensor ``t``."""
            a = t._array
            isz = t._dtype.itemsize
            if isinstance(a, np.ndarray):
                root = root_array(a)
                buf = _flat_bytes(root)
                if buf is not None and buf.nbytes % check.itemsize == 0:
                    geo = _geometry(t, a, buf, isz)
                    if geo is not None:
                        return (self._entry(root, buf, check),) + geo
                host, location = np.array(a, order="C", copy=True), "cpu"
            else:   # a CuPy array: its own storage, copied to the host
                host, location = np.ascontiguousarray(a.get()), f"cuda:{a.device.id}"
            e = self._entry(host, host.reshape(-1).view(np.uint8), check, location)
            return e, 0, tuple(contiguous_strides(a.shape))

        # -- objects
        def reducer_override(self, obj):
            t = type(obj)
            if t in _PLAIN:
                return NotImplemented
            if t is _Global or t is D.dtype:
                return obj.name
            if isinstance(obj, Tensor):
                return self._reduce_tensor(obj)
            if t is Size:
                return (_G_SIZE, (tuple(obj),))
            if t is _device:
                # NOTE: PyTorch builds the type string afresh (never memo-shared with "cpu" tags)
                kind = obj.type.encode().decode()
                return (_G_DEVICE, (kind,) if obj.index is None else (kind, obj.index))
            if t is _layout:
                return (_G_LAYOUT, ("torch." + obj.name,))
            if isinstance(obj, type) or t is types.FunctionType:
                g = _global_name(obj)
                if g is not None:
                    return g[1]
            return NotImplemented

        def save_global(self, obj, name=None):
            g = _global_name(obj)
            if g is None:
                return super().save_global(obj, name)
            module, qual = g
            if self.proto >= 4:
                self.save(module)
                self.save(qual)
                self.write(pickle.STACK_GLOBAL)
            else:
                self.write(pickle.GLOBAL + module.encode("utf-8") + b"\n" + qual.encode("utf-8")
                           + b"\n")
            self.memoize(obj)

        def _reduce_tensor(self, t):
            from .nn.parameter import Parameter
            _warn_hooks(t)
            if isinstance(t, Parameter):
                state = _user_state(t)
                data = t.data
                if not state:
                    return (_G_PARAM, (data, t.requires_grad, OrderedDict()))
                return (_G_PARAM_STATE, (data, t.requires_grad, OrderedDict(), state))
            func, args = self._reduce_plain(t)
            state = _user_state(t)
            if type(t) is Tensor and not state:
                return (func, args)
            new_type = _G_TENSOR if type(t) is Tensor else type(t)
            return (_G_FROM_TYPE, (func, new_type, args, state))

        def _reduce_plain(self, t):
            dt = t._dtype
            cls = _G_STORAGE.get(dt)
            e, offset, stride = self._tensor_storage(t, dt if cls is not None else D.uint8)
            size = tuple(t._array.shape)
            rg = t.requires_grad
            if cls is not None:
                ref = _StorageRef(e, cls, e.buf.nbytes // dt.itemsize)
                return (_G_V2, (ref, offset, size, stride, rg, OrderedDict()))
            ref = _StorageRef(e, _G_UNTYPED, e.buf.nbytes)
            return (_G_V3, (ref, offset, size, stride, rg, OrderedDict(), dt))

    return _TorchPickler


def _geometry(t, a, buf, isz):
    """(storage_offset, stride) in elements of array ``a`` inside ``buf``, or None when ``a``
    is not a plain strided view of it."""
    shape = a.shape
    if a.size == 0:
        off = t.storage_offset()
        if off < 0 or off * isz > buf.nbytes:
            off = 0
        st = t.stride()
    else:
        off_b = _data_ptr(a) - _data_ptr(buf)
        if off_b < 0 or off_b % isz:
            return None
        hi = off_b + isz
        for n, s in zip(shape, a.strides):
            if n > 1:
                if s < 0 or s % isz:
                    return None
                hi += (n - 1) * s
        if hi > buf.nbytes:
            return None
        off = off_b // isz
        st = t.stride()
    if any(s < 0 for s in st):      # only on dims of size <= 1, where the stride is free
        cs = contiguous_strides(shape)
        st = tuple(c if s < 0 else s for s, c in zip(st, cs))
    return off, tuple(st)


_PICKLERS = {}


def _pickler_class(pickle_module):
    base = getattr(pickle_module, "Pickler", None)
    # NOTE: PyTorch's names are written by overriding save_global, which only the pure-Python
    # pickler allows (the C one imports each global to check it, and torch must not be imported)
    if not (isinstance(base, type) and issubclass(base, pickle._Pickler)):
        base = pickle._Pickler
    cls = _PICKLERS.get(base)
    if cls is None:
        cls = _PICKLERS[base] = _make_pickler_class(base)
    return cls


def _pickle(obj, pickle_module, protocol, legacy):
    out = io.BytesIO()
    p = _pickler_class(pickle_module)(out, protocol, legacy)
    p.dump(obj)
    return out.getvalue(), list(p.entries.values())


# ============================================================================ writing: zip
_M64 = (1 << 64) - 1
_HASH_MUL = 0xC6A4A7935BD1E995
# libstdc++ unordered_set bucket counts, in the order it grows through them
_BUCKETS = (13, 29, 59, 127, 257, 541, 1109, 2357, 5087, 10273)


def _shift_mix(v):
    return v ^ (v >> 47)


def _std_hash(data, seed=0xC70F6907):
    """libstdc++'s 64-bit std::hash<std::string> (_Hash_bytes)."""
    n = len(data)
    h = (seed ^ (n * _HASH_MUL)) & _M64
    end = n & ~7
    for i in range(0, end, 8):
        k = (_shift_mix((int.from_bytes(data[i:i + 8], "little") * _HASH_MUL) & _M64)
             * _HASH_MUL) & _M64
        h = ((h ^ k) * _HASH_MUL) & _M64
    if n & 7:
        h = ((h ^ int.from_bytes(data[end:], "little")) * _HASH_MUL) & _M64
    h = (_shift_mix(h) * _HASH_MUL) & _M64
    return _shift_mix(h)


def _hash_combine(s, v):
    return (s ^ ((v + 0x9E3779B9 + (s << 6) + (s >> 2)) & _M64)) & _M64


def _set_order(hashes):
    """Iteration order of a libstdc++ unordered_set the hashes were inserted into."""
    before = -1
    nxt = {before: None}
    buckets = {}
    level = 0
    nb = _BUCKETS[0]
    for i, h in enumerate(hashes):
        if i + 1 > nb and level + 1 < len(_BUCKETS):
            level += 1
            nb = _BUCKETS[level]
            new = {}
            p = nxt[before]
            nxt[before] = None
            bbegin = None
            while p is not None:
                q = nxt[p]
                b = hashes[p] % nb
                if b not in new:
                    nxt[p] = nxt[before]
                    nxt[before] = p
                    new[b] = before
                    if nxt[p] is not None:
                        new[bbegin] = p
                    bbegin = b
                else:
                    prev = new[b]
                    nxt[p] = nxt[prev]
                    nxt[prev] = p
                p = q
            buckets = new
        b = h % nb
        if b in buckets:
            prev = buckets[b]
            nxt[i] = nxt[prev]
            nxt[prev] = i
        else:
            nxt[i] = nxt[before]
            nxt[before] = i
            if nxt[i] is not None:
                buckets[hashes[nxt[i]] % nb] = i
            buckets[b] = before
    out = []
    p = nxt[before]
    while p is not None:
        out.append(p)
        p = nxt[p]
    return out


class _ZipWriter:
    """Writes records as PyTorch's archive writer does: stored, data aligned to 64 bytes by an
    "FB" extra field, sizes in data descriptors, zip64 end records."""

    def __init__(self, out, archive, alignment=STORAGE_ALIGNMENT):
        self.out = out
        self.prefix = archive + "/"
        self.alignment = alignment
        self.pos = 0
        self.entries = []
        self.names = []
        self.crcs = []

    def _write(self, b):
        self.out.write(b)
        self.pos += memoryview(b).nbytes

    def add(self, name, data):
        if isinstance(data, np.ndarray):
            data = memoryview(data.reshape(-1).view(np.uint8))
        size = memoryview(data).nbytes
        full = (self.prefix + name).encode("utf-8")
        cursor = self.pos
        big_size, big_off = size >= 0xFFFFFFFF, cursor >= 0xFFFFFFFF
        start = cursor + 30 + len(full) + 4
        z64 = b""
        if big_size or big_off:
            fields = (struct.pack("<QQ", 0, 0) if big_size else b"") + (
                struct.pack("<Q", cursor) if big_off else b"")
            z64 = struct.pack("<HH", 1, len(fields)) + fields
            start += len(z64)
        pad = (-start) % self.alignment
        extra = z64 + b"FB" + struct.pack("<H", pad) + b"Z" * pad
        flags = 0x0808 if size else 0x0800
        self._write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 0, flags, 0, 0, 0, 0, 0, 0,
                                len(full), len(extra)) + full + extra)
        crc = zlib.crc32(data) if size else 0
        if size:
            self._write(data)
            if big_size or big_off:
                self._write(struct.pack("<IIQQ", 0x08074B50, crc, size, size))
            else:
                self._write(struct.pack("<IIII", 0x08074B50, crc, size, size))
            self.crcs.append(crc)
        self.entries.append((full, flags, crc, size, cursor))
        self.names.append(name)

    def serialization_id(self):
        s1 = 0
        hashes = [_std_hash(n.encode("utf-8")) for n in self.names]
        for i in _set_order(hashes):
            s1 = _hash_combine(s1, hashes[i])
        s2 = 0
        for c in self.crcs:
            s2 = _hash_combine(s2, c)
        return f"{s1:020d}{s2:020d}"

    def finish(self):
        cd_start = self.pos
        for full, flags, crc, size, off in self.entries:
            big_size, big_off = size >= 0xFFFFFFFF, off >= 0xFFFFFFFF
            extra = b""
            if big_size or big_off:
                fields = (struct.pack("<QQ", size, size) if big_size else b"") + (
                    struct.pack("<Q", off) if big_off else b"")
                extra = struct.pack("<HH", 1, len(fields)) + fields
            cap = min(size, 0xFFFFFFFF)
            self._write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0, 0, flags, 0, 0, 0, crc,
                                    cap, cap, len(full), len(extra), 0, 0, 0, 0,
                                    min(off, 0xFFFFFFFF)) + full + extra)
        cd_size = self.pos - cd_start
        n = len(self.entries)
        z64_at = self.pos
        self._write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 0x031E, 45, 0, 0, n, n, cd_size,
                                cd_start))
        self._write(struct.pack("<IIQI", 0x07064B50, 0, z64_at, 1))
        self._write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, min(n, 0xFFFF), min(n, 0xFFFF),
                                min(cd_size, 0xFFFFFFFF), min(cd_start, 0xFFFFFFFF), 0))


def _write_zip(out, archive, data, entries, byteorder_record=True):
    w = _ZipWriter(out, archive)
    w.add("data.pkl", data)
    w.add(".format_version", b"1")
    w.add(".storage_alignment", str(STORAGE_ALIGNMENT).encode())
    if byteorder_record:
        w.add("byteorder", sys.byteorder.encode())
    for e in entries:
        w.add(f"data/{e.key}", e.buf)
    w.add("version", b"3\n")
    w.add(".data/serialization_id", w.serialization_id().encode())
    w.finish()


def _write_legacy(out, data, entries, protocol):
    sys_info = {"protocol_version": PROTOCOL_VERSION, "little_endian": sys.byteorder == "little",
                "type_sizes": {"short": struct.calcsize("=h"), "int": struct.calcsize("=i"),
                               "long": struct.calcsize("=l")}}
    by_key = {e.key: e for e in entries}
    keys = sorted(by_key)
    out.write(pickle.dumps(MAGIC_NUMBER, protocol=protocol))
    out.write(pickle.dumps(PROTOCOL_VERSION, protocol=protocol))
    out.write(pickle.dumps(sys_info, protocol=protocol))
    out.write(data)
    out.write(pickle.dumps(keys, protocol=protocol))
    for k in keys:
        e = by_key[k]
        out.write(struct.pack("<q", e.buf.nbytes // e.dtype.itemsize))
        if e.buf.nbytes:
            out.write(memoryview(e.buf))


def _archive_name(path):
    if not path.isascii():
        return "archive"        # PyTorch writes such paths through a Python file object
    base = re.split(r"[/\\]", path)[-1]
    dot = base.rfind(".")
    name = base[:dot] if dot >= 0 else base
    if not name:
        raise RuntimeError(f"[enforce fail at inline_container.cc:720] . invalid file name: "
                           f"{path}")
    return name


def _atomic_write(path, write):
    """Write a file through a temporary in the same folder and rename it over ``path``, so
    readers see the old file or the complete new one, never a partial one."""
    target = os.path.realpath(path) if os.path.islink(path) else path
    folder = os.path.dirname(target) or "."
    tmp = os.path.join(folder, f".{os.path.basename(target)}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization=True, _disable_byteorder_record=False):
    """Save ``obj`` to ``f`` (a path or a binary file object) in PyTorch's checkpoint format.

    Tensors are written with their whole storages (views and tensors that share memory keep
    sharing it when loaded), ember objects under PyTorch's names, so ``torch.load`` reads the
    file. Saving to a path is atomic: an error leaves the previous file untouched.

    >>> ember.save(ember.nn.Linear(2, 3).state_dict(), "linear.pt")
    """
    is_path = isinstance(f, (str, os.PathLike))
    if not is_path and not hasattr(f, "write"):
        raise AttributeError("expected 'f' to be string, path, or a file-like object with a "
                             "'write' attribute")
    path = None
    if is_path:
        path = os.fspath(f)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        parent = os.path.dirname(path)
        if parent and not os.path.isdir(parent):
            raise RuntimeError(f"Parent directory {parent} does not exist.")
    zip_format = _use_new_zipfile_serialization
    archive = (_archive_name(path) if path is not None else "archive") if zip_format else None
    # everything that can fail on the object happens here, before any file is touched
    data, entries = _pickle(obj, pickle_module, pickle_protocol, legacy=not zip_format)

    def write(out):
        if zip_format:
            _write_zip(out, archive, data, entries, not _disable_byteorder_record)
        else:
            _write_legacy(out, data, entries, pickle_protocol)

    if path is not None:
        _atomic_write(path, write)
    else:
        write(f)


# ============================================================================ reading: zip
class _Record:
    __slots__ = ("offset", "csize", "size", "method")

    def __init__(self, offset, csize, size, method):
        self.offset = offset
        self.csize = csize
        self.size = size
        self.method = method


def _miniz_error(what):
    return RuntimeError(f"PytorchStreamReader failed reading zip archive: {what}{_MINIZ}")


class _ZipReader:
    """The central directory of a checkpoint and its records, read by offsets (CRCs are not
    checked, as PyTorch does not), with every size checked against the file's."""

    def __init__(self, fh, start):
        self.fh = fh
        self.start = start
        fh.seek(0, 2)
        self.size = fh.tell() - start
        self.records = {}
        self.prefix = None
        self._parse()

    def _pread(self, off, n):
        if off < 0 or n < 0 or off + n > self.size:
            raise _miniz_error("failed finding central directory")
        self.fh.seek(self.start + off)
        data = self.fh.read(n)
        if len(data) != n:
            raise _miniz_error("failed finding central directory")
        return data

    def _parse(self):
        size = self.size
        if size < 22:
            raise _miniz_error("not a ZIP archive")
        tail_len = min(size, 0xFFFF + 22)
        tail = self._pread(size - tail_len, tail_len)
        i = tail.rfind(b"PK\x05\x06", 0, tail_len - 18)
        if i < 0:
            raise _miniz_error("failed finding central directory")
        eocd = size - tail_len + i
        n_total, cd_size, cd_off = struct.unpack("<10xHII", tail[i:i + 20])
        limit = eocd
        if eocd >= 20:
            loc = self._pread(eocd - 20, 20)
            if loc[:4] == b"PK\x06\x07":
                z64 = struct.unpack("<IIQI", loc)[2]
                rec = self._pread(z64, 56)
                if rec[:4] != b"PK\x06\x06":
                    raise _miniz_error("failed finding central directory")
                n_total, cd_size, cd_off = struct.unpack("<QQQ", rec[32:56])
                limit = z64
        if cd_off + cd_size > limit or n_total * 46 > cd_size:
            raise _miniz_error("failed finding central directory")
        cd = self._pread(cd_off, cd_size)
        p = 0
        for _ in range(n_total):
            if cd[p:p + 4] != b"PK\x01\x02" or p + 46 > len(cd):
                raise _miniz_error("failed reading central directory")
            (flags, method, csize, usize, nlen, elen, clen, off) = struct.unpack(
                "<8xHH8xIIHHH8xI", cd[p:p + 46])
            name_b = cd[p + 46:p + 46 + nlen]
            extra = cd[p + 46 + nlen:p + 46 + nlen + elen]
            if p + 46 + nlen + elen + clen > len(cd):
                raise _miniz_error("failed reading central directory")
            if 0xFFFFFFFF in (usize, csize, off):
                usize, csize, off = _zip64_fields(extra, usize, csize, off)
            name = name_b.decode("utf-8" if flags & 0x800 else "cp437", "replace")
            if self.prefix is None:
                slash = name.find("/")
                if slash < 0:
                    raise RuntimeError(f"file in archive is not in a subdirectory: {name}")
                self.prefix = name[:slash + 1]
            self.records.setdefault(name, _Record(off, csize, usize, method))
            p += 46 + nlen + elen + clen
        if self.prefix is None:
            raise _miniz_error("failed finding central directory")

    def has(self, name):
        return self.prefix + name in self.records

    def record(self, name):
        rec = self.records.get(self.prefix + name)
        if rec is None:
            raise RuntimeError(f"PytorchStreamReader failed locating file {name}: file not "
                               f"found{_MINIZ}")
        return rec

    def data_offset(self, name, rec):
        head = self._pread_record(name, rec.offset, 30)
        if head[:4] != _ZIP_MAGIC:
            raise RuntimeError(f"PytorchStreamReader failed reading file {name}: invalid "
                               f"header or archive is corrupted{_MINIZ}")
        nlen, elen = struct.unpack("<HH", head[26:30])
        off = rec.offset + 30 + nlen + elen
        if off + rec.csize > self.size:
            raise RuntimeError(f"PytorchStreamReader failed reading file {name}: record extends "
                               f"past the end of the file{_MINIZ}")
        if rec.method == 8:
            # a deflate stream inflates at most ~1032x; more is a lie about the size
            if rec.size > rec.csize * 1032 + 1024:
                raise RuntimeError(f"PytorchStreamReader failed reading file {name}: "
                                   f"inconsistent record sizes{_MINIZ}")
        elif rec.method != 0:
            raise RuntimeError(f"PytorchStreamReader failed reading file {name}: unsupported "
                               f"compression method {rec.method}")
        elif rec.csize != rec.size:
            raise RuntimeError(f"PytorchStreamReader failed reading file {name}: inconsistent "
                               f"record sizes{_MINIZ}")
        return off

    def _pread_record(self, name, off, n):
        if off + n > self.size:
            raise RuntimeError(f"PytorchStreamReader failed reading file {name}: record extends "
                               f"past the end of the file{_MINIZ}")
        self.fh.seek(self.start + off)
        return self.fh.read(n)

    def read(self, name):
        rec = self.record(name)
        off = self.data_offset(name, rec)
        raw = self._pread_record(name, off, rec.csize)
        if rec.method == 8:
            raw = _inflate(name, raw, rec.size)
        return raw

    def array(self, name, rec, mm=None):
        """The record's bytes as a new root uint8 array (a view of ``mm`` when mapped)."""
        off = self.data_offset(name, rec)
        if rec.method == 8:
            return np.frombuffer(bytearray(_inflate(name, self._pread_record(name, off, rec.csize),
                                                    rec.size)), np.uint8)
        if rec.size == 0:
            return np.empty(0, np.uint8)
        if mm is not None:
            return np.frombuffer(mm, np.uint8, count=rec.size, offset=self.start + off)
        arr = np.empty(rec.size, np.uint8)
        self.fh.seek(self.start + off)
        _read_into(self.fh, arr, name)
        return arr


def _zip64_fields(extra, usize, csize, off):
    p = 0
    while p + 4 <= len(extra):
        hid, hlen = struct.unpack("<HH", extra[p:p + 4])
        body = extra[p + 4:p + 4 + hlen]
        if hid == 1:
            q = 0
            vals = []
            while q + 8 <= len(body):
                vals.append(struct.unpack("<Q", body[q:q + 8])[0])
                q += 8
            it = iter(vals)
            try:
                if usize == 0xFFFFFFFF:
                    usize = next(it)
                if csize == 0xFFFFFFFF:
                    csize = next(it)
                if off == 0xFFFFFFFF:
                    off = next(it)
            except StopIteration:
                raise _miniz_error("invalid zip64 extra field") from None
            return usize, csize, off
        p += 4 + hlen
    raise _miniz_error("missing zip64 extra field")


def _inflate(name, raw, size):
    d = zlib.decompressobj(-15)
    try:
        out = d.decompress(raw, size + 1)
    except zlib.error as e:
        raise RuntimeError(f"PytorchStreamReader failed reading file {name}: {e}") from None
    if len(out) != size:
        raise RuntimeError(f"PytorchStreamReader failed reading file {name}: record size does "
                           f"not match its data{_MINIZ}")
    return out


def _read_into(fh, arr, what):
    view = memoryview(arr).cast("B")
    got = 0
    n = len(view)
    readinto = getattr(fh, "readinto", None)
    while got < n:
        if readinto is not None:
            k = readinto(view[got:])
        else:
            chunk = fh.read(n - got)
            k = len(chunk)
            view[got:got + k] = chunk
        if not k:
            raise RuntimeError(f"unexpected EOF, expected {n - got} more bytes. The file might be "
                               "corrupted.")
        got += k


# ============================================================================ reading: storages
def _cuda_unavailable():
    return RuntimeError("Attempting to deserialize object on a CUDA device but "
                        "torch.cuda.is_available() is False. If you are running on a CPU-only "
                        "machine, please use torch.load with map_location=torch.device('cpu') to "
                        "map your storages to the CPU.")


def _check_cpu_target(location):
    if location == "cpu":
        return
    if location.startswith("cuda"):
        from . import cuda
        if not cuda.is_available():
            raise _cuda_unavailable()
        raise RuntimeError(f"ember.load places storages on the CPU only (the checkpoint asks for "
                           f"{location}); load with map_location='cpu' and move the tensors with "
                           ".to()")
    if location == "meta":
        raise RuntimeError("ember has no meta device; load with map_location='cpu'")
    raise RuntimeError(f"don't know how to restore data location of torch.storage.UntypedStorage "
                       f"(tagged with {location})")


def _default_restore(storage, location):
    if not isinstance(location, str):
        raise TypeError(f"storage location must be a str, but got {type(location).__name__}")
    _check_cpu_target(location)
    return storage


def _restorer(map_location):
    if map_location is None:
        return _default_restore
    if isinstance(map_location, dict):
        def restore(storage, location):
            return _default_restore(storage, str(map_location.get(location, location)))
        return restore
    if isinstance(map_location, (str, bytes)):
        target = map_location.decode() if isinstance(map_location, bytes) else map_location
        return lambda storage, location: _default_restore(storage, target)
    if isinstance(map_location, _device) or not callable(map_location):
        target = str(map_location)
        return lambda storage, location: _default_restore(storage, target)

    def restore(storage, location):
        result = map_location(storage, location)
        if result is None:
            result = _default_restore(storage, location)
        return result
    return restore


def _as_untyped(s):
    if isinstance(s, TypedStorage):
        return s._untyped
    if isinstance(s, UntypedStorage):
        return s
    raise TypeError(f"map_location must return a storage, but got {type(s).__name__}")


def _decode(v):
    return v.decode("ascii") if isinstance(v, bytes) else v


def _check_pid(saved_id, n):
    if not isinstance(saved_id, tuple) or len(saved_id) != n:
        raise RuntimeError(f"unknown persistent id in checkpoint: {saved_id!r}")
    if _decode(saved_id[0]) != "storage":
        raise RuntimeError(f"Unknown typename for persistent_load, expected 'storage' but got "
                           f"'{_decode(saved_id[0])}'")
    storage_type = saved_id[1]
    if type(storage_type) is not _StorageType:
        raise RuntimeError(f"unknown storage type in checkpoint: {storage_type!r}")
    key, location, numel = _decode(saved_id[2]), _decode(saved_id[3]), saved_id[4]
    if not isinstance(key, str) or not isinstance(location, str):
        raise RuntimeError(f"malformed storage id in checkpoint: {saved_id!r}")
    if type(numel) is not int or numel < 0:
        raise RuntimeError(f"malformed storage size in checkpoint: {numel!r}")
    return storage_type, key, location, numel


def _byteswap(buf, dtype):
    size = dtype.itemsize // 2 if getattr(dtype, "is_complex", False) else dtype.itemsize
    if size > 1 and buf.nbytes:
        buf.view(f"u{size}").byteswap(inplace=True)


# ============================================================================ reading: load
_MMAP_FLAGS = [_mmap.MAP_PRIVATE] if hasattr(_mmap, "MAP_PRIVATE") else [None]


class set_default_mmap_options:
    """How ``load(mmap=True)`` maps files: ``mmap.MAP_PRIVATE`` (default, writes stay in memory)
    or ``mmap.MAP_SHARED`` (writes reach the file). Also a context manager."""

    def __init__(self, flags):
        if flags not in (getattr(_mmap, "MAP_PRIVATE", None), getattr(_mmap, "MAP_SHARED", None)):
            raise ValueError("Invalid argument in function set_default_mmap_options, expected "
                             f"mmap.MAP_PRIVATE or mmap.MAP_SHARED, but got {flags}")
        self.prev = _MMAP_FLAGS[0]
        _MMAP_FLAGS[0] = flags

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        _MMAP_FLAGS[0] = self.prev
        return False


def _env_set(name):
    return os.getenv(name, "0").lower() in ("1", "y", "yes", "true")


@contextlib.contextmanager
def _open_for_read(f):
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            yield fh, os.fspath(f)
        return
    try:
        f.seek(f.tell())
    except (io.UnsupportedOperation, AttributeError) as e:
        if "seek" in str(e) or "tell" in str(e):
            raise type(e)(str(e) + ". You can only torch.load from a file that is seekable. Please "
                          "pre-load the data into a buffer like io.BytesIO and try to load from it "
                          "instead.") from None
        raise
    yield f, None


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Load an object saved with ``torch.save`` or ``ember.save`` (zip or legacy format).

    ``weights_only`` (default True unless ``pickle_module`` is given) refuses anything beyond
    tensors, containers and PyTorch's allow-listed types (extend it with ``add_safe_globals``);
    ``map_location`` may be a device, a ``{saved: new}`` dict of location tags or a function
    ``(storage, tag)``; ``mmap=True`` maps the storages from the file instead of reading them.

    >>> ember.load("linear.pt")["weight"].shape
    ember.Size([3, 2])
    """
    force_wo = _env_set("TORCH_FORCE_WEIGHTS_ONLY_LOAD")
    force_no = _env_set("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD")
    if force_wo and force_no:
        raise RuntimeError("Only one of `TORCH_FORCE_WEIGHTS_ONLY_LOAD` or "
                           "`TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` should be set, but both were set.")
    if force_wo:
        weights_only = True
    elif force_no and weights_only is None:
        warnings.warn("Environment variable TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD detected, since the"
                      "`weights_only` argument was not explicitly passed to `torch.load`, forcing "
                      "weights_only=False.")
        weights_only = False
    if weights_only is None:
        weights_only = pickle_module is None
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    if pickle_module is None:
        pickle_module = pickle
    pickle_load_args.setdefault("encoding", "utf-8")
    restore = _restorer(map_location)
    try:
        with _open_for_read(f) as (fh, path):
            start = fh.tell()
            head = fh.read(4)
            fh.seek(start)
            if head == _ZIP_MAGIC:
                return _load_zip(fh, start, path, f, restore, weights_only, bool(mmap),
                                 pickle_module, pickle_load_args)
            if mmap:
                name = f"{f}, " if isinstance(f, str) else ""
                raise RuntimeError("mmap can only be used with files saved with `torch.save(" + name
                                   + "_use_new_zipfile_serialization=True), please torch.save "
                                   "your checkpoint with this option in order to use mmap.")
            return _load_legacy(fh, start, restore, weights_only, pickle_module, pickle_load_args)
    except pickle.UnpicklingError as e:
        if weights_only:
            raise pickle.UnpicklingError(_wo.weights_only_message(str(e))) from None
        raise


def _unpickle(src, weights_only, pickle_module, load_args, persistent_load=None):
    if weights_only:
        return _wo.Unpickler(src, allowed=_allowed_globals(), persistent_load=persistent_load,
                             encoding=load_args.get("encoding", "utf-8"), guard=_guard).load()
    if isinstance(src, (bytes, bytearray)):
        src = io.BytesIO(src)
    u = _lenient_unpickler(pickle_module)(src, **load_args)
    if persistent_load is not None:
        u.persistent_load = persistent_load
    return u.load()


def _load_zip(fh, start, path, f, restore, weights_only, use_mmap, pickle_module, load_args):
    reader = _ZipReader(fh, start)
    vname = ".data/version" if reader.has(".data/version") else "version"
    if not reader.has(vname):
        raise RuntimeError('Expected hasRecord("version") to be true, but got false.  (Could this '
                           'error message be improved?  If so, please report an enhancement '
                           'request to PyTorch.)')
    _check_version(reader.read(vname))
    if reader.has("constants.pkl"):
        if weights_only:
            raise RuntimeError("Cannot use ``weights_only=True`` with TorchScript archives passed "
                               "to ``torch.load``. " + _wo._UNSAFE)
        raise RuntimeError("ember cannot load TorchScript archives (torch.jit.save files)")
    mm = None
    if use_mmap:
        if not isinstance(f, (str, os.PathLike)):
            raise ValueError("f must be a file path in order to use the mmap argument")
        shared = _MMAP_FLAGS[0] == getattr(_mmap, "MAP_SHARED", object())
        with open(path, "r+b" if shared else "rb") as mf:
            mm = _mmap.mmap(mf.fileno(), 0, access=_mmap.ACCESS_WRITE if shared else
                            _mmap.ACCESS_COPY)
    swap = False
    if reader.has("byteorder"):
        order = reader.read("byteorder").decode("latin-1")
        if order not in ("little", "big"):
            raise ValueError("Unknown endianness type: " + order)
        swap = order != sys.byteorder
    data = reader.read("data.pkl")
    loaded = {}

    def persistent_load(saved_id):
        storage_type, key, location, numel = _check_pid(saved_id, 5)
        typed = loaded.get(key)
        if typed is not None:
            return typed
        nbytes = numel * storage_type.itemsize
        name = f"data/{key}"
        rec = reader.record(name)
        if rec.size != nbytes:
            raise RuntimeError(f"record size ({rec.size} bytes) does not match expected size "
                               f"({nbytes} bytes = {nbytes} elements * 1 bytes/element) for "
                               "dtype Byte")
        buf = reader.array(name, rec, mm)
        if swap and storage_type.dtype is not D.uint8:
            _byteswap(buf, storage_type.dtype)
        untyped = _as_untyped(restore(UntypedStorage(buf), location))
        typed = TypedStorage(untyped, storage_type.dtype)
        if nbytes:
            loaded[key] = typed
        return typed

    return _unpickle(data, weights_only, pickle_module, load_args, persistent_load)


def _check_version(raw):
    text = raw.decode("latin-1")
    m = re.match(r"\s*\+?(\d+)", text)
    if not m:
        raise RuntimeError(f"[enforce fail at inline_container.cc:215] . Couldn't parse the "
                           f"version {text} as Long Long.")
    v = int(m.group(1))
    if v < 1:
        raise RuntimeError(f"[enforce fail at inline_container.cc:219] . Attempted to read a "
                           f"PyTorch file with version {v}, but the minimum supported version for "
                           "reading is 1. Your PyTorch script module file is too old. Please "
                           "regenerate it with latest version of PyTorch to mitigate this issue.")
    if v > 10:
        raise RuntimeError(f"[enforce fail at inline_container.cc:230] . Attempted to read a "
                           f"PyTorch file with version {v}, but the maximum supported version for "
                           "reading is 10. The version of your PyTorch installation may be too "
                           "old, please upgrade PyTorch to latest version to mitigate this issue.")


def _load_legacy(fh, start, restore, weights_only, pickle_module, load_args):
    if start == 0 and _is_tar(fh):
        if weights_only:
            raise RuntimeError("Cannot use ``weights_only=True`` with files saved in the legacy "
                               ".tar format. " + _wo._UNSAFE)
        raise RuntimeError("ember cannot load checkpoints in the pre-1.0 .tar format")

    def one(persistent_load=None):
        return _unpickle(fh, weights_only, pickle_module, load_args, persistent_load)

    magic = one()
    if magic != MAGIC_NUMBER:
        raise RuntimeError("Invalid magic number; corrupt file?")
    version = one()
    if version != PROTOCOL_VERSION:
        raise RuntimeError(f"Invalid protocol version: {version}")
    one()                           # sys_info: read and ignored, as PyTorch does
    here = fh.tell()
    fh.seek(0, 2)
    budget = [fh.tell() - here]     # storages cannot hold more bytes than the file has left
    fh.seek(here)
    storages = {}

    def persistent_load(saved_id):
        if isinstance(saved_id, tuple) and saved_id and _decode(saved_id[0]) == "module":
            if len(saved_id) < 2:
                raise RuntimeError(f"malformed module id in checkpoint: {saved_id!r}")
            return saved_id[1]
        storage_type, root_key, location, numel = _check_pid(saved_id, 6)
        view = saved_id[5]
        dtype = storage_type.dtype
        typed = storages.get(root_key)
        if typed is None:
            nbytes = numel * storage_type.itemsize
            if nbytes > budget[0]:
                raise RuntimeError(f"unexpected EOF, expected {nbytes} more bytes. The file might "
                                   "be corrupted.")
            budget[0] -= nbytes
            untyped = _as_untyped(restore(UntypedStorage(np.empty(nbytes, np.uint8)), location))
            typed = storages[root_key] = TypedStorage(untyped, dtype)
        if view is None:
            return typed
        if not (isinstance(view, tuple) and len(view) == 3):
            raise RuntimeError(f"malformed storage view in checkpoint: {view!r}")
        view_key, offset, size = _decode(view[0]), _int(view[1], "offset"), _int(view[2], "size")
        if view_key not in storages:
            isz = storage_type.itemsize
            buf = typed._untyped._buf
            if offset < 0 or size < 0 or (offset + size) * isz > buf.nbytes:
                raise RuntimeError("storage view outside its storage in checkpoint")
            storages[view_key] = TypedStorage(
                UntypedStorage(buf[offset * isz:(offset + size) * isz]), dtype)
        return storages[view_key]

    result = one(persistent_load)
    keys = one()
    if not isinstance(keys, list):
        raise RuntimeError(f"malformed storage key list in checkpoint: {type(keys).__name__}")
    for key in keys:
        typed = storages.get(_decode(key))
        if typed is None:
            raise RuntimeError(f"storage {key!r} listed in the checkpoint was never referenced")
        buf = typed._untyped._buf
        head = fh.read(8)
        if len(head) != 8:
            raise RuntimeError(f"unexpected EOF, expected {8 - len(head)} more bytes. The file "
                               "might be corrupted.")
        count = struct.unpack("<q", head)[0]
        isz = typed.dtype.itemsize
        if count * isz != buf.nbytes:
            raise RuntimeError(f"storage has wrong byte size: expected {buf.nbytes} got "
                               f"{count * isz}")
        if buf.nbytes:
            _read_into(fh, buf, key)
    return result


def _is_tar(fh):
    pos = fh.tell()
    try:
        fh.seek(257)
        magic = fh.read(5)
    finally:
        fh.seek(pos)
    return magic == b"ustar"


def get_unsafe_globals_in_checkpoint(f):
    """The GLOBALs in a zip checkpoint that ``load(weights_only=True)`` would refuse, found
    without unpickling anything.

    >>> ember.serialization.get_unsafe_globals_in_checkpoint("model.pt")
    ['__main__.Net']
    """
    with _open_for_read(f) as (fh, _path):
        start = fh.tell()
        head = fh.read(4)
        fh.seek(start)
        if head != _ZIP_MAGIC:
            raise ValueError("Expected input to be a checkpoint returned by torch.save")
        data = _ZipReader(fh, start).read("data.pkl")
    safe = set(_allowed_globals()) | set(_wo.user_allowed_globals())
    return [n for n in _wo.globals_in_pickle(data) if n not in safe]
