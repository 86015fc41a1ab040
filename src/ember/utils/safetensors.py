"""The safetensors file format, read and written by ember itself.

A ``.safetensors`` file is: an unsigned 64-bit little-endian header length ``N``; ``N`` bytes of
UTF-8 JSON (padded with spaces so the data starts on an 8-byte boundary) mapping each tensor name
to ``{"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}`` plus an optional
``"__metadata__"`` dict of strings; then the raw little-endian, row-major bytes of every tensor,
back to back. The API mirrors ``safetensors.torch``: ``save_file``/``load_file``, ``save``/``load``
on bytes, and the lazy ``safe_open``.

>>> import ember
>>> from ember.utils.safetensors import save, load
>>> load(save({"w": ember.ones(2)}))["w"]
tensor([1., 1.])
"""
import json
import mmap
import os
import struct

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, make_tensor

__all__ = ["SafetensorError", "safe_open", "save", "save_file", "load", "load_file",
           "save_model", "load_model"]

# safetensors' dtype codes in the order of its Rust ``Dtype`` enum; the writer puts tensors of
# later (wider) dtypes first so every tensor's bytes stay aligned to its item size.
_CODE_ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32",
               "U32", "F32", "C64", "F64", "I64", "U64"]
_CODE_OF = {
    D.bool_: "BOOL", D.uint8: "U8", D.int8: "I8", D.float8_e5m2: "F8_E5M2",
    D.float8_e4m3fn: "F8_E4M3", D.int16: "I16", D.uint16: "U16", D.float16: "F16",
    D.bfloat16: "BF16", D.int32: "I32", D.uint32: "U32", D.float32: "F32",
    D.complex64: "C64", D.float64: "F64", D.int64: "I64", D.uint64: "U64",
}
_DTYPE_OF = {code: dt for dt, code in _CODE_OF.items()}
_RANK = {code: i for i, code in enumerate(_CODE_ORDER)}
# the reader refuses headers past this size, as safetensors does, before allocating anything
_MAX_HEADER_SIZE = 100_000_000
_ALIGNMENT = 8


class SafetensorError(Exception):
    """A malformed safetensors file or a request it cannot answer."""


def _header_error(what):
    return SafetensorError(f"Error while deserializing: {what}")


def _check_tensors(tensors):
    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, torch.Tensor] but received {type(tensors)}")
    for name, t in tensors.items():
        if not isinstance(t, Tensor):
            raise ValueError(f"Key `{name}` is invalid, expected torch.Tensor but received "
                             f"{type(t)}")
    # tensors viewing one storage would be written twice and come back unshared
    by_storage = {}
    for name, t in tensors.items():
        storage = t.untyped_storage()
        if storage.data_ptr() != 0 and storage.nbytes() != 0:
            by_storage.setdefault((str(t.device), storage.data_ptr(), storage.nbytes()),
                                  set()).add(name)
    failing = [names for names in by_storage.values() if len(names) > 1]
    if failing:
        raise RuntimeError(
            "\n            Some tensors share memory, this will lead to duplicate memory on disk "
            "and potential differences when loading them again: "
            f"{failing}.\n            A potential way to correctly save your model is to use "
            "`save_model`.\n            More information at "
            "https://huggingface.co/docs/safetensors/torch_shared_tensors\n            ")
    for name, t in tensors.items():
        if not t.is_contiguous():
            raise ValueError(
                f"You are trying to save a non contiguous tensor: `{name}` which is not allowed. "
                "It either means you are trying to save tensors which are reference of each "
                "other in which case it's recommended to save only the full tensors, and "
                "reslice at load time, or simply call `.contiguous()` on your tensor to pack it "
                "before saving.")
        if t.dtype not in _CODE_OF:
            raise KeyError(str(t.dtype))    # (safetensors' own dtype-size lookup fails so)
    for name in tensors:
        if not isinstance(name, str):
            raise TypeError(f"argument 'tensor_dict': '{type(name).__name__}' object is not an "
                            "instance of 'str'")


def _check_metadata(metadata):
    if metadata is None:
        return
    if not isinstance(metadata, dict):
        raise TypeError(f"argument 'metadata': '{type(metadata).__name__}' object is not an "
                        "instance of 'dict'")
    for key, value in metadata.items():
        for item in (key, value):
            if not isinstance(item, str):
                raise TypeError(f"argument 'metadata': '{type(item).__name__}' object is not an "
                                "instance of 'str'")


def _tensor_bytes(t):
    arr = np.ascontiguousarray(t._cpu_array())
    if arr.dtype.byteorder == ">" or (arr.dtype.byteorder == "=" and
                                      np.little_endian is False):
        arr = arr.byteswap()
    return arr.tobytes()


def _serialize(tensors, metadata):
    """The whole file as a list of byte chunks (header first)."""
    _check_tensors(tensors)
    _check_metadata(metadata)
    order = sorted(tensors, key=lambda n: (-_RANK[_CODE_OF[tensors[n].dtype]], n))
    header = {}
    if metadata is not None:
        header["__metadata__"] = dict(metadata)
    chunks, offset = [], 0
    for name in order:
        data = _tensor_bytes(tensors[name])
        header[name] = {"dtype": _CODE_OF[tensors[name].dtype],
                        "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-(8 + len(text)) % _ALIGNMENT)
    return [struct.pack("<Q", len(text)), text] + chunks


def save(tensors, metadata=None):
    """The safetensors file for ``tensors`` (a dict of name -> contiguous tensor) as bytes.

    >>> import ember
    >>> save({"a": ember.zeros(1)})[8:]
    b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}  \\x00\\x00\\x00\\x00'
    """
    return b"".join(_serialize(tensors, metadata))


def save_file(tensors, filename, metadata=None):
    """Write ``tensors`` (a dict of name -> contiguous tensor) to ``filename`` as safetensors;
    ``metadata`` is an optional dict of strings stored under ``"__metadata__"``.

    >>> import ember, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "m.safetensors")
    >>> save_file({"w": ember.ones(2, 2)}, path, metadata={"format": "pt"})
    """
    chunks = _serialize(tensors, metadata)
    with open(filename, "wb") as f:
        for chunk in chunks:
            f.write(chunk)


def _json_error(detail):
    return _header_error(f"invalid JSON in header: {detail}")


def _parse_header(buf):
    """(tensor table, metadata, data start) of a safetensors buffer, checked as safetensors
    checks it: sizes first (before reading anything large), then the JSON, then the offsets."""
    if len(buf) < 8:
        raise _header_error("header too small")
    (n,) = struct.unpack("<Q", bytes(buf[:8]))
    if n > _MAX_HEADER_SIZE:
        raise _header_error("header too large")
    if 8 + n > len(buf):
        raise _header_error("invalid header length")
    try:
        text = bytes(buf[8:8 + n]).decode("utf-8")
    except UnicodeDecodeError as e:
        # worded as Rust's Utf8Error, which safetensors reports
        detail = (f"incomplete utf-8 byte sequence from index {e.start}"
                  if e.reason == "unexpected end of data" else
                  f"invalid utf-8 sequence of {e.end - e.start} bytes from index {e.start}")
        raise _header_error(f"invalid UTF-8 in header: {detail}") from None
    try:
        header = json.loads(text)
    except ValueError as e:
        raise _json_error(e) from None
    if not isinstance(header, dict):
        raise _json_error(f"invalid type: {type(header).__name__}, expected struct HashMetadata")
    metadata = header.pop("__metadata__", None)
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise _json_error("invalid type for `__metadata__`, expected a map")
        for value in metadata.values():
            if not isinstance(value, str):
                raise _json_error(f"invalid type: {value!r}, expected a string")
    table = {}
    for name, info in header.items():
        if not isinstance(info, dict):
            raise _json_error(f"invalid type for tensor `{name}`, expected struct TensorInfo")
        for field in ("dtype", "shape", "data_offsets"):
            if field not in info:
                raise _json_error(f"missing field `{field}`")
        if info["dtype"] not in _DTYPE_OF:
            raise _json_error(f"unknown variant `{info['dtype']}`, expected one of "
                              + ", ".join(f"`{c}`" for c in _CODE_ORDER))
        numbers = list(info["shape"]) + list(info["data_offsets"])
        for x in numbers:
            if type(x) is not int or x < 0:
                raise _json_error(f"invalid value: {x!r}, expected usize")
        if len(info["data_offsets"]) != 2:
            raise _json_error("invalid length, expected a tuple of size 2")
        begin, end = info["data_offsets"]
        table[name] = (_DTYPE_OF[info["dtype"]], tuple(info["shape"]), begin, end)
    # offsets must tile the data section exactly, in order, with sizes matching the shapes
    start = 8 + n
    expected = 0
    for name, (dtype, shape, begin, end) in sorted(table.items(), key=lambda kv: kv[1][2:]):
        if begin != expected or end < begin:
            raise _header_error(f"invalid offset for tensor `{name}`")
        if end - begin != int(np.prod(shape, dtype=np.int64)) * dtype.itemsize:
            raise _header_error("invalid shape, data type, or offset for tensor")
        expected = end
    if start + expected != len(buf):
        raise _header_error("incomplete metadata, file not fully covered")
    return table, metadata, start


def _array_from(buf, start, entry):
    dtype, shape, begin, end = entry
    flat = np.frombuffer(buf, dtype=dtype.np.newbyteorder("<") if dtype.itemsize > 1 and
                         dtype.np.kind in "iufc" else dtype.np,
                         count=(end - begin) // dtype.itemsize, offset=start + begin)
    return flat.reshape(shape)


def _to_framework(arr, framework, device):
    arr = arr.astype(arr.dtype.newbyteorder("=")) if arr.dtype.byteorder not in "=|" \
        else arr.copy()
    if framework == "np":
        return arr
    t = make_tensor(arr, D.from_numpy_dtype(arr.dtype))
    return t if str(device) == "cpu" else t.to(device)


def _framework(name):
    if name in ("pt", "torch", "pytorch"):
        return "pt"
    if name in ("np", "numpy"):
        return "np"
    raise SafetensorError(f"framework {name} is invalid")


def load(data):
    """The dict of tensors stored in safetensors ``data`` (bytes).

    >>> import ember
    >>> sorted(load(save({"b": ember.ones(1), "a": ember.zeros(2)})))
    ['a', 'b']
    """
    table, _, start = _parse_header(data)
    return {name: _to_framework(_array_from(data, start, table[name]), "pt", "cpu")
            for name in sorted(table)}


def _device(device):
    # an integer names a CUDA device, as in safetensors
    return f"cuda:{device}" if isinstance(device, int) else device


def load_file(filename, device="cpu"):
    """The dict of tensors in the safetensors file ``filename``, on ``device``.

    >>> import ember, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "m.safetensors")
    >>> save_file({"w": ember.arange(3)}, path)
    >>> load_file(path)["w"]
    tensor([0, 1, 2])
    """
    with safe_open(filename, framework="pt", device=_device(device)) as f:
        return {name: f.get_tensor(name) for name in f.keys()}


def _covers_storage(t):
    storage = t.untyped_storage()
    return (t.data_ptr() == storage.data_ptr()
            and t.numel() * t.element_size() == storage.nbytes())


def _duplicate_names(state_dict, preferred_names=()):
    """{kept name: [names sharing its storage, to drop]}: the kept one covers the whole
    storage (the alphabetically first such name, or the first of ``preferred_names``)."""
    groups = {}
    for name, t in state_dict.items():
        storage = t.untyped_storage()
        if storage.data_ptr() != 0 and storage.nbytes() != 0:
            groups.setdefault((str(t.device), storage.data_ptr(), storage.nbytes()),
                              set()).add(name)
    to_remove = {}
    for shared in groups.values():
        if len(shared) < 2:
            continue
        complete = sorted(n for n in shared if _covers_storage(state_dict[n]))
        if not complete:
            raise RuntimeError(
                "Error while trying to find names to remove to save state dict, but found no "
                f"suitable name to keep for saving amongst: {shared}. None is covering the "
                "entire storage. Refusing to save/load the model since you could be storing "
                "much more memory than needed. Please refer to "
                "https://huggingface.co/docs/safetensors/torch_shared_tensors for more "
                "information. Or open an issue.")
        preferred = sorted(set(preferred_names) & set(complete))
        keep = (preferred or complete)[0]
        to_remove[keep] = [n for n in sorted(shared) if n != keep]
    return to_remove


def save_model(model, filename, metadata=None, force_contiguous=True):
    """Save ``model.state_dict()`` as safetensors, keeping one name per shared storage (tied
    weights) and recording each dropped name -> kept name in the metadata.

    >>> import ember, tempfile, os
    >>> m = ember.nn.Sequential(ember.nn.Linear(2, 2), ember.nn.Linear(2, 2))
    >>> m[1].weight = m[0].weight
    >>> path = os.path.join(tempfile.mkdtemp(), "m.safetensors")
    >>> save_model(m, path)
    >>> load_model(m, path)
    (set(), [])
    """
    state_dict = model.state_dict()
    for keep, dropped in _duplicate_names(state_dict).items():
        for name in dropped:
            metadata = {} if metadata is None else metadata
            metadata.setdefault(name, keep)     # never overrides what the caller wrote
            del state_dict[name]
    if force_contiguous:
        state_dict = {k: v.contiguous() for k, v in state_dict.items()}
    try:
        save_file(state_dict, filename, metadata=metadata)
    except ValueError as e:
        raise ValueError(f"{e} Or use save_model(..., force_contiguous=True), read the docs "
                         "for potential caveats.") from None


def load_model(model, filename, strict=True, device="cpu"):
    """Load a ``save_model`` file into ``model``; returns (missing, unexpected) names, the
    shared names dropped at saving counted as present.

    >>> import ember, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "m.safetensors")
    >>> save_model(ember.nn.Linear(2, 1), path)
    >>> load_model(ember.nn.Linear(2, 1), path)
    (set(), [])
    """
    state_dict = load_file(filename, device=device)
    to_remove = _duplicate_names(model.state_dict(), preferred_names=state_dict.keys())
    missing, unexpected = model.load_state_dict(state_dict, strict=False)
    missing = set(missing)
    for dropped in to_remove.values():
        for name in dropped:
            if name in missing:
                missing.remove(name)
            else:
                unexpected.append(name)
    if strict and (missing or unexpected):
        error = f"Error(s) in loading state_dict for {model.__class__.__name__}:"
        if missing:
            error += "\n    Missing key(s) in state_dict: " + ", ".join(
                f'"{k}"' for k in sorted(missing))
        if unexpected:
            error += "\n    Unexpected key(s) in state_dict: " + ", ".join(
                f'"{k}"' for k in sorted(unexpected))
        raise RuntimeError(error)
    return missing, unexpected


class _Slice:
    """A lazily read tensor of a ``safe_open`` file: ``get_shape``, ``get_dtype`` and indexing
    read only what is asked for."""

    def __init__(self, owner, name):
        self._owner, self._name = owner, name
        self._entry = owner._table[name]

    def get_shape(self):
        return list(self._entry[1])

    def get_dtype(self):
        return _CODE_OF[self._entry[0]]

    def __getitem__(self, index):
        arr = _array_from(self._owner._buffer(), self._owner._start, self._entry)
        return _to_framework(np.ascontiguousarray(arr[index]), self._owner._framework,
                             self._owner._device)


class safe_open:
    """Open a safetensors file lazily: ``keys()``, ``metadata()``, ``get_tensor(name)`` and
    ``get_slice(name)`` read tensors from a memory map, one at a time.

    >>> import ember, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "m.safetensors")
    >>> save_file({"w": ember.arange(6).reshape(2, 3)}, path, metadata={"k": "v"})
    >>> with safe_open(path, framework="pt") as f:
    ...     f.keys(), f.metadata(), f.get_slice("w")[:, 1:].tolist()
    (['w'], {'k': 'v'}, [[1, 2], [4, 5]])
    """

    def __init__(self, filename, framework, device="cpu"):
        self._framework = _framework(framework)
        self._device = device
        path = os.fspath(filename)
        if not os.path.exists(path):
            raise FileNotFoundError(f"No such file or directory: {path}")
        self._file = open(path, "rb")
        try:
            size = os.fstat(self._file.fileno()).st_size
            # NOTE: mmap refuses empty files; an empty (or tiny) file then fails in the parser
            self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ) \
                if size else b""
            self._table, self._metadata, self._start = _parse_header(self._map)
        except BaseException:
            self.close()
            raise
        self._closed = False

    def _buffer(self):
        if getattr(self, "_closed", True):
            raise SafetensorError("File is closed")
        return self._map

    def close(self):
        self._closed = True
        m = getattr(self, "_map", None)
        # arrays handed out are copies, so the map has no exported views and can close
        if isinstance(m, mmap.mmap):
            m.close()
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def keys(self):
        """The tensor names, sorted."""
        return sorted(self._table)

    def offset_keys(self):
        """The tensor names in the order their bytes appear in the file."""
        return sorted(self._table, key=lambda n: self._table[n][2:])

    def metadata(self):
        """The ``"__metadata__"`` dict, or None when the file has none."""
        return None if self._metadata is None else dict(self._metadata)

    def _entry(self, name):
        if name not in self._table:
            raise SafetensorError(f"File does not contain tensor {name}")
        return self._table[name]

    def get_tensor(self, name):
        """The tensor ``name``, read from the file."""
        entry = self._entry(name)
        return _to_framework(_array_from(self._buffer(), self._start, entry), self._framework,
                             self._device)

    def get_slice(self, name):
        """A lazy handle on tensor ``name``: index it to read part of it."""
        self._entry(name)
        self._buffer()
        return _Slice(self, name)
