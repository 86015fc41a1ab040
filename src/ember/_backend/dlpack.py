"""DLPack exchange: NumPy's (or CuPy's) own exporter and importer where they can, and a small
ctypes implementation of the DLPack C structs for the dtypes NumPy refuses (bfloat16, float8),
so ``torch.from_dlpack(ember_tensor)`` and ``ember.from_dlpack(torch_tensor)`` work for all of
ember's dtypes, sharing memory.

>>> import numpy as np, ember
>>> np.from_dlpack(ember.arange(3.)).tolist()
[0.0, 1.0, 2.0]
"""
import ctypes

import numpy as np

# DLDataTypeCode
_INT, _UINT, _FLOAT, _BFLOAT, _COMPLEX, _BOOL = 0, 1, 2, 4, 5, 6
_KDLCPU = 1


class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _DLDevice), ("ndim", ctypes.c_int32),
                ("dtype", _DLDataType), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


class _DLManagedTensor(ctypes.Structure):
    pass


_DELETER = ctypes.CFUNCTYPE(None, ctypes.POINTER(_DLManagedTensor))
_DLManagedTensor._fields_ = [("dl_tensor", _DLTensor), ("manager_ctx", ctypes.c_void_p),
                             ("deleter", _DELETER)]

_api = ctypes.pythonapi
_api.PyCapsule_New.restype = ctypes.py_object
_api.PyCapsule_New.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
_api.PyCapsule_GetPointer.restype = ctypes.c_void_p
_api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
_api.PyCapsule_IsValid.restype = ctypes.c_int
_api.PyCapsule_IsValid.argtypes = [ctypes.py_object, ctypes.c_char_p]
_api.PyCapsule_SetName.restype = ctypes.c_int
_api.PyCapsule_SetName.argtypes = [ctypes.py_object, ctypes.c_char_p]

# exported tensors stay alive here until their consumer calls the deleter
_LIVE = {}


@_DELETER
def _deleter(managed):
    _LIVE.pop(ctypes.addressof(managed.contents), None)


_CAPSULE_DESTRUCTOR = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


# NOTE: the capsule destructor runs while the capsule is being freed: it must not make a Python
# reference to it, so it calls the C API on the raw pointer.
_raw_is_valid = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p)(
    ("PyCapsule_IsValid", _api))
_raw_get_pointer = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p)(
    ("PyCapsule_GetPointer", _api))


@_CAPSULE_DESTRUCTOR
def _capsule_destructor(capsule_ptr):
    # an export nobody consumed: release it (a consumed capsule was renamed used_dltensor)
    if _raw_is_valid(capsule_ptr, b"dltensor"):
        _LIVE.pop(_raw_get_pointer(capsule_ptr, b"dltensor"), None)


def _ml_code(np_dtype):
    name = np.dtype(np_dtype).name
    if name == "bfloat16":
        return _BFLOAT
    return None


def export(arr, stream=None, max_version=None, dl_device=None, copy=None):
    """A DLPack capsule for ``arr`` (the array module's own where it supports the dtype)."""
    if copy:
        arr = arr.copy()
    if _ml_code(arr.dtype) is None:
        try:
            if max_version is None:
                return arr.__dlpack__(stream=stream) if stream is not None else arr.__dlpack__()
            return arr.__dlpack__(stream=stream, max_version=max_version)
        except TypeError:
            return arr.__dlpack__()
    if type(arr) is not np.ndarray:
        raise BufferError(f"DLPack export of {arr.dtype} needs a CPU array")
    code = _ml_code(arr.dtype)
    ndim = arr.ndim
    shape = (ctypes.c_int64 * max(ndim, 1))(*arr.shape)
    strides = (ctypes.c_int64 * max(ndim, 1))(*(s // arr.itemsize for s in arr.strides))
    managed = _DLManagedTensor()
    t = managed.dl_tensor
    t.data = arr.__array_interface__["data"][0]
    t.device = _DLDevice(_KDLCPU, 0)
    t.ndim = ndim
    t.dtype = _DLDataType(code, arr.itemsize * 8, 1)
    t.shape = ctypes.cast(shape, ctypes.POINTER(ctypes.c_int64))
    t.strides = ctypes.cast(strides, ctypes.POINTER(ctypes.c_int64))
    t.byte_offset = 0
    managed.manager_ctx = None
    managed.deleter = _deleter
    addr = ctypes.addressof(managed)
    _LIVE[addr] = (managed, shape, strides, arr)
    return _api.PyCapsule_New(addr, b"dltensor", ctypes.cast(_capsule_destructor,
                                                              ctypes.c_void_p))


class _Owner:
    """Keeps an imported DLPack tensor alive; calls its deleter when the memory is freed."""

    def __init__(self, capsule, managed_addr):
        self.capsule = capsule
        self.managed = ctypes.cast(managed_addr, ctypes.POINTER(_DLManagedTensor))

    def __del__(self):
        try:
            deleter = self.managed.contents.deleter
            if deleter:
                deleter(self.managed)
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


def _np_dtype(code, bits):
    import ml_dtypes
    if code == _BFLOAT and bits == 16:
        return np.dtype(ml_dtypes.bfloat16)
    table = {_INT: "int", _UINT: "uint", _FLOAT: "float", _COMPLEX: "complex"}
    if code == _BOOL:
        return np.dtype(np.bool_)
    if code in table:
        return np.dtype(f"{table[code]}{bits}")
    raise BufferError(f"unsupported DLPack dtype code {code} ({bits} bits)")


def import_capsule(capsule):
    """A NumPy array viewing the memory of a legacy DLPack capsule (CPU only)."""
    if not _api.PyCapsule_IsValid(capsule, b"dltensor"):
        raise RuntimeError("from_dlpack received an invalid capsule. Note that DLTensor "
                           "capsules can be consumed only once, so you might have already "
                           "constructed a tensor from it once.")
    addr = _api.PyCapsule_GetPointer(capsule, b"dltensor")
    managed = ctypes.cast(addr, ctypes.POINTER(_DLManagedTensor)).contents
    t = managed.dl_tensor
    if t.device.device_type != _KDLCPU:
        raise BufferError("only CPU DLPack tensors can become NumPy arrays")
    dt = _np_dtype(t.dtype.code, t.dtype.bits)
    ndim = t.ndim
    shape = tuple(t.shape[i] for i in range(ndim))
    if t.strides:
        strides = tuple(t.strides[i] for i in range(ndim))
    else:
        strides, acc = [], 1
        for n in reversed(shape):
            strides.insert(0, acc)
            acc *= n
        strides = tuple(strides)
    numel = int(np.prod(shape)) if shape else 1
    span = (1 + sum((n - 1) * s for n, s in zip(shape, strides))) * dt.itemsize if numel else 0
    _api.PyCapsule_SetName(capsule, b"used_dltensor")
    owner = _Owner(capsule, addr)
    if span == 0:
        arr = np.empty(shape, dt)
        return arr
    base = (t.data or 0) + t.byte_offset
    holder_type = type("_DLPackBuffer", (ctypes.c_char * span,), {})
    buf = holder_type.from_address(base)
    buf.owner = owner
    raw = np.frombuffer(buf, np.uint8)
    return np.ndarray(shape, dt, buffer=raw, strides=tuple(s * dt.itemsize for s in strides))
