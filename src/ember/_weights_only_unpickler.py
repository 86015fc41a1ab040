"""The restricted unpickler behind ``ember.load(..., weights_only=True)``.

An opcode interpreter for the protocol-2 subset checkpoints use: ``GLOBAL`` never imports
anything (names are looked up in an allow-list of ready objects), calls (``REDUCE``,
``NEWOBJ``) and ``BUILD`` only reach allowed objects, and every refusal raises
``pickle.UnpicklingError`` with PyTorch's wording, before anything runs. The allow-list
itself (PyTorch names -> ember objects) lives in ``serialization.py``; the user's additions
(``add_safe_globals``) live here.

>>> import io, pickle
>>> Unpickler(io.BytesIO(pickle.dumps([1, 2], protocol=2)), allowed={}).load()
[1, 2]
"""
import struct
import sys
import warnings
from collections import Counter, OrderedDict
from pickle import UnpicklingError

__all__ = ["Unpickler", "add_safe_globals", "clear_safe_globals", "get_safe_globals",
           "safe_globals", "user_allowed_globals", "weights_only_message"]

# Python 2 names that protocol-2 pickles may carry (torch/_utils.py IMPORT_MAPPING/NAME_MAPPING)
NAME_MAPPING = {
    ("__builtin__", "xrange"): ("builtins", "range"),
    ("__builtin__", "reduce"): ("functools", "reduce"),
    ("__builtin__", "intern"): ("sys", "intern"),
    ("__builtin__", "unichr"): ("builtins", "chr"),
    ("__builtin__", "unicode"): ("builtins", "str"),
    ("__builtin__", "long"): ("builtins", "int"),
    ("itertools", "izip"): ("builtins", "zip"),
    ("itertools", "imap"): ("builtins", "map"),
    ("itertools", "ifilter"): ("builtins", "filter"),
    ("itertools", "ifilterfalse"): ("itertools", "filterfalse"),
    ("itertools", "izip_longest"): ("itertools", "zip_longest"),
    ("UserDict", "IterableUserDict"): ("collections", "UserDict"),
    ("UserList", "UserList"): ("collections", "UserList"),
    ("UserString", "UserString"): ("collections", "UserString"),
    ("__builtin__", "basestring"): ("builtins", "str"),
    ("exceptions", "StandardError"): ("builtins", "Exception"),
    ("UserDict", "UserDict"): ("collections", "UserDict"),
}
IMPORT_MAPPING = {
    "__builtin__": "builtins", "copy_reg": "copyreg", "Queue": "queue", "repr": "reprlib",
    "_abcoll": "collections.abc", "UserDict": "collections", "UserList": "collections",
    "UserString": "collections", "whichdb": "dbm", "StringIO": "io", "cStringIO": "io",
}

# modules never loaded, even when the user allow-lists one of their names
BLOCKED_MODULES = frozenset(("sys", "os", "posix", "nt"))

_NJT_NAMES = frozenset((
    "torch.nested._internal.nested_tensor.NestedTensor",
    "torch.nested._internal.nested_tensor._rebuild_njt",
    "torch._dynamo.decorators._DimRange",
))
_DTENSOR_NAMES = frozenset((
    "torch.distributed.device_mesh.DeviceMesh",
    "torch.distributed.tensor._dtensor_spec.DTensorSpec",
    "torch.distributed.tensor._dtensor_spec.TensorMeta",
    "torch.distributed.tensor.DTensor",
    "torch.distributed.tensor.placement_types.Partial",
    "torch.distributed.tensor.placement_types.Replicate",
    "torch.distributed.tensor.placement_types.Shard",
))

# ---------------------------------------------------------------------------- user allow-list
_USER_GLOBALS = []


def _entry_name(entry):
    if isinstance(entry, tuple):
        if len(entry) != 2 or not isinstance(entry[1], str):
            raise ValueError(f"Expected tuple of (object, 'module.name') but got {entry}")
        return entry[1], entry[0]
    return f"{entry.__module__}.{entry.__qualname__}", entry


def add_safe_globals(safe_globals):
    """Allow-list functions and classes for ``ember.load(weights_only=True)``.

    Entries are objects (named ``obj.__module__ + '.' + obj.__qualname__``) or
    ``(obj, "full.name")`` pairs. A PyTorch name ``torch.X`` also matches an entry named
    ``ember.X``: ``add_safe_globals([ember.nn.Linear])`` admits
    ``torch.nn.modules.linear.Linear``.

    >>> ember.serialization.add_safe_globals([collections.defaultdict])
    """
    if not isinstance(safe_globals, (list, tuple)):
        raise TypeError(f"Expected a list of globals, but got {type(safe_globals).__name__}")
    for entry in safe_globals:
        _entry_name(entry)
    _USER_GLOBALS.extend(safe_globals)


def clear_safe_globals():
    """Forget every global added with ``add_safe_globals``."""
    _USER_GLOBALS.clear()


def get_safe_globals():
    """The entries added with ``add_safe_globals`` (a new list)."""
    return list(_USER_GLOBALS)


class safe_globals:
    """Context manager: ``with safe_globals([f]): ember.load(...)`` allows ``f`` inside only."""

    def __init__(self, safe_globals):
        self.safe_globals = safe_globals

    def __enter__(self):
        self.initial_safe_globals = get_safe_globals()
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc):
        clear_safe_globals()
        add_safe_globals(self.initial_safe_globals)
        return False


def user_allowed_globals():
    """{full name: object} of the user's allow-list."""
    out = {}
    for entry in _USER_GLOBALS:
        name, obj = _entry_name(entry)
        out[name] = obj
    return out


# ---------------------------------------------------------------------------- messages
_UNSAFE = ("In PyTorch 2.6, we changed the default value of the `weights_only` argument in "
           "`torch.load` from `False` to `True`. Re-running `torch.load` with `weights_only` set "
           "to `False` will likely succeed, but it can result in arbitrary code execution. Do it "
           "only if you got the file from a trusted source.")
_DOCS = ("\n\nCheck the documentation of torch.load to learn more about types accepted by default "
         "with weights_only https://pytorch.org/docs/stable/generated/torch.load.html.")


def weights_only_message(inner):
    """The text ``load`` raises for an inner restricted-unpickler message (PyTorch's)."""
    import re
    if re.search(r"GLOBAL \S+ was not an allowed global by default\.", inner):
        return ("Weights only load failed. This file can still be loaded, to do so you have two "
                "options, \x1b[1mdo those steps only if you trust the source of the checkpoint"
                "\x1b[0m. \n\t(1) " + _UNSAFE + "\n\t(2) Alternatively, to load with "
                "`weights_only=True` please check the recommended steps in the following error "
                "message.\n\tWeightsUnpickler error: " + inner + _DOCS)
    if re.search(r"\S+ must be \S+ to load", inner):
        return "Weights only load failed. " + inner + "\n " + _UNSAFE + "\n"
    if re.search(r"whose module \S+ is blocked", inner):
        return "Weights only load failed. " + _UNSAFE + "\n\n\n" + inner + _DOCS
    return ("Weights only load failed. " + _UNSAFE + "\nPlease file an issue with the following "
            "so that we can make `weights_only=True` compatible with your use case: "
            "WeightsUnpickler error: \n\n" + inner + _DOCS)


def _unsupported_global(module, name):
    full = f"{module}.{name}"
    if full.startswith("builtins."):    # shown as plain `eval`, `getattr`
        full = full[9:]
    return UnpicklingError(
        f"Unsupported global: GLOBAL {full} was not an allowed global by default. Please use "
        f"`torch.serialization.add_safe_globals([{full}])` or the "
        f"`torch.serialization.safe_globals([{full}])` context manager to allowlist this global "
        "if you trust this class/function.")


def refusal_for(module, name):
    """The error for a GLOBAL that is not allowed (after the allow-lists were consulted)."""
    full = f"{module}.{name}"
    if full in _NJT_NAMES:
        return UnpicklingError("``torch.nested`` and ``torch._dynamo`` must be imported to load "
                               "nested jagged tensors (NJTs)")
    if full in _DTENSOR_NAMES:
        return UnpicklingError("``torch.distributed.tensor`` must be imported to load DTensors")
    return _unsupported_global(module, name)


def map_name(module, name):
    """Apply the Python-2 renames pickles of protocol <= 2 may need."""
    if (module, name) in NAME_MAPPING:
        return NAME_MAPPING[(module, name)]
    if module in IMPORT_MAPPING:
        return IMPORT_MAPPING[module], name
    return module, name


# ---------------------------------------------------------------------------- interpreter
_unpack_I = struct.Struct("<I").unpack
_unpack_i = struct.Struct("<i").unpack
_unpack_H = struct.Struct("<H").unpack
_unpack_d = struct.Struct(">d").unpack


class _Buffer:
    """Reads a pickle from bytes, or from a seekable stream in chunks (``finish()`` puts the
    stream back right after the last opcode read, for the legacy format's pickle sequence)."""

    def __init__(self, src):
        if isinstance(src, (bytes, bytearray, memoryview)):
            self.data = bytes(src)
            self.stream = None
        else:
            self.data = b""
            self.stream = src
        self.pos = 0

    def _fill(self, n):
        # make at least n bytes available from pos (fewer at end of stream)
        if self.stream is None:
            return
        while len(self.data) - self.pos < n:
            chunk = self.stream.read(max(65536, n - (len(self.data) - self.pos)))
            if not chunk:
                return
            self.data = self.data[self.pos:] + chunk
            self.pos = 0

    def read(self, n):
        if len(self.data) - self.pos < n:
            self._fill(n)
        p = self.pos
        out = self.data[p:p + n]
        if len(out) != n:
            if not out and n == 1:
                raise EOFError
            raise UnpicklingError("pickle data was truncated")
        self.pos = p + n
        return out

    def readline(self):
        while True:
            i = self.data.find(b"\n", self.pos)
            if i >= 0:
                out = self.data[self.pos:i + 1]
                self.pos = i + 1
                return out
            before = len(self.data) - self.pos
            self._fill(before + 1)
            if len(self.data) - self.pos <= before:
                raise UnpicklingError("pickle data was truncated")

    def finish(self):
        if self.stream is not None:
            left = len(self.data) - self.pos
            if left:
                self.stream.seek(-left, 1)
            self.data = b""
            self.pos = 0


class _Mark:
    pass


class Unpickler:
    """Loads one pickle, allowing only the given globals (``allowed``: full name -> object).

    ``persistent_load`` receives BINPERSID ids (tuples whose first item is ``"storage"``).
    ``guard(func, args)`` may refuse a call to an allowed object (e.g. allocation by size).
    """

    def __init__(self, file, *, allowed, persistent_load=None, encoding="utf-8",
                 guard=None):
        self.buf = _Buffer(file)
        self.allowed = allowed
        self.user = user_allowed_globals()
        self.persistent_load = persistent_load
        self.encoding = encoding
        self.guard = guard
        ids = {id(v) for v in allowed.values()}
        ids.update(id(v) for v in self.user.values())
        self._callable_ids = ids

    def _lookup_global(self, module, name):
        module, name = map_name(module, name)
        full = f"{module}.{name}"
        if module in BLOCKED_MODULES:
            raise UnpicklingError(f"Trying to load unsupported GLOBAL {full} whose module "
                                  f"{module} is blocked.")
        obj = self.allowed.get(full, _MISSING)
        if obj is not _MISSING:
            return obj
        obj = self.user.get(full, _MISSING)
        if obj is _MISSING and module.startswith("torch"):
            # an ember object the user allow-listed stands for its PyTorch name
            obj = self.user.get("ember" + full[5:], _MISSING)
        if obj is not _MISSING:
            return obj
        raise refusal_for(module, name)

    def load(self):
        """Interpret opcodes up to STOP and return the object."""
        try:
            return self._load()
        finally:
            self.buf.finish()

    def _load(self):
        read = self.buf.read
        readline = self.buf.readline
        stack = []
        metastack = []
        memo = {}

        def pop():
            if not stack:
                raise UnpicklingError("unpickling stack underflow")
            return stack.pop()

        def top():
            if not stack:
                raise UnpicklingError("unpickling stack underflow")
            return stack[-1]

        def pop_mark():
            nonlocal stack
            if not metastack:
                raise UnpicklingError("could not find MARK")
            items = stack
            stack = metastack.pop()
            return items

        while True:
            key = read(1)[0]
            if key == 0x80:                                 # PROTO
                version = read(1)[0]
                if version != 2:
                    warnings.warn(
                        f"Detected pickle protocol {version} in the checkpoint, which was not "
                        "the default pickle protocol used by `torch.load` (2). The weights_only "
                        "Unpickler might not support all instructions implemented by this "
                        "protocol, please file an issue for adding support if you encounter "
                        "this.")
            elif key == 0x2E:                               # STOP
                return pop()
            elif key == 0x28:                               # MARK
                metastack.append(stack)
                stack = []
            elif key == 0x74:                               # TUPLE
                items = pop_mark()      # NOTE: rebinds stack; append to the outer one
                stack.append(tuple(items))
            elif key == 0x85:                               # TUPLE1
                stack.append((pop(),))
            elif key == 0x86:                               # TUPLE2
                b = pop()
                stack.append((pop(), b))
            elif key == 0x87:                               # TUPLE3
                c = pop()
                b = pop()
                stack.append((pop(), b, c))
            elif key == 0x29:                               # EMPTY_TUPLE
                stack.append(())
            elif key == 0x5D:                               # EMPTY_LIST
                stack.append([])
            elif key == 0x7D:                               # EMPTY_DICT
                stack.append({})
            elif key == 0x8F:                               # EMPTY_SET
                stack.append(set())
            elif key == 0x61:                               # APPEND
                item = pop()
                lst = top()
                if type(lst) is not list:
                    raise UnpicklingError(f"Can only append to lists, but got {type(lst)}")
                lst.append(item)
            elif key == 0x65:                               # APPENDS
                items = pop_mark()
                lst = top()
                if type(lst) is not list:
                    raise UnpicklingError(f"Can only extend lists, but got {type(lst)}")
                lst.extend(items)
            elif key == 0x73:                               # SETITEM
                v = pop()
                k = pop()
                d = top()
                if type(d) not in (dict, OrderedDict, Counter):
                    raise UnpicklingError("Can only SETITEM for dict, collections.OrderedDict, "
                                          f"collections.Counter, but got {type(d)}")
                d[k] = v
            elif key == 0x75:                               # SETITEMS
                items = pop_mark()
                d = top()
                if type(d) not in (dict, OrderedDict, Counter):
                    raise UnpicklingError("Can only SETITEMS for dict, collections.OrderedDict, "
                                          f"collections.Counter, but got {type(d)}")
                if len(items) % 2:
                    raise UnpicklingError("odd number of items for SETITEMS")
                for i in range(0, len(items), 2):
                    d[items[i]] = items[i + 1]
            elif key == 0x4E:                               # NONE
                stack.append(None)
            elif key == 0x88:                               # NEWTRUE
                stack.append(True)
            elif key == 0x89:                               # NEWFALSE
                stack.append(False)
            elif key == 0x4A:                               # BININT
                stack.append(_unpack_i(read(4))[0])
            elif key == 0x4B:                               # BININT1
                stack.append(read(1)[0])
            elif key == 0x4D:                               # BININT2
                stack.append(_unpack_H(read(2))[0])
            elif key == 0x8A:                               # LONG1
                n = read(1)[0]
                stack.append(int.from_bytes(read(n), "little", signed=True))
            elif key == 0x47:                               # BINFLOAT
                stack.append(_unpack_d(read(8))[0])
            elif key == 0x58:                               # BINUNICODE
                n = _unpack_I(read(4))[0]
                if n > sys.maxsize:
                    raise UnpicklingError("String is too long")
                stack.append(str(read(n), "utf-8", "surrogatepass"))
            elif key == 0x55:                               # SHORT_BINSTRING
                n = read(1)[0]
                data = read(n)
                stack.append(data if self.encoding == "bytes" else data.decode(self.encoding,
                                                                               "strict"))
            elif key == 0x51:                               # BINPERSID
                pid = pop()
                if type(pid) is not tuple and type(pid) is not int:
                    raise UnpicklingError(
                        f"persistent_load id must be tuple or int, but got {type(pid)}")
                if type(pid) is tuple and len(pid) > 0 and _decode_ascii(pid[0]) != "storage":
                    raise UnpicklingError("Only persistent_load of storage is allowed, but got "
                                          f"{type(pid[0])}")
                if self.persistent_load is None:
                    raise UnpicklingError("A load persistent id instruction was encountered, but "
                                          "no persistent_load function was specified.")
                stack.append(self.persistent_load(pid))
            elif key == 0x68:                               # BINGET
                stack.append(memo[read(1)[0]])
            elif key == 0x6A:                               # LONG_BINGET
                stack.append(memo[_unpack_I(read(4))[0]])
            elif key == 0x71:                               # BINPUT
                memo[read(1)[0]] = top()
            elif key == 0x72:                               # LONG_BINPUT
                i = _unpack_I(read(4))[0]
                if i > sys.maxsize:
                    raise ValueError("Key too large")
                memo[i] = top()
            elif key == 0x63:                               # GLOBAL
                module = readline()[:-1].decode("utf-8")
                name = readline()[:-1].decode("utf-8")
                stack.append(self._lookup_global(module, name))
            elif key == 0x52:                               # REDUCE
                args = pop()
                func = top()
                if id(func) not in self._callable_ids:
                    msg = f"Trying to call reduce for unrecognized function {func}"
                    if hasattr(func, "__self__"):
                        msg += f" which belongs to {func.__self__}"
                    raise UnpicklingError(msg)
                if type(args) is not tuple:
                    raise UnpicklingError(f"REDUCE arguments must be a tuple, but got {type(args)}")
                if self.guard is not None:
                    self.guard(func, args)
                stack[-1] = func(*args)
            elif key == 0x62:                               # BUILD
                state = pop()
                inst = top()
                self._build(inst, state)
            elif key == 0x81:                               # NEWOBJ
                args = pop()
                cls = pop()
                if type(args) is not tuple:
                    raise UnpicklingError(f"NEWOBJ arguments must be a tuple, but got {type(args)}")
                stack.append(self._newobj(cls, args))
            else:
                raise UnpicklingError(f"Unsupported operand {key}")

    def _newobj(self, cls, args):
        from .nn.parameter import Parameter
        if cls is Parameter:
            return Parameter(*args)
        if id(cls) in self._callable_ids:
            if self.guard is not None:
                self.guard(cls, args)
            return cls.__new__(cls, *args)
        raise UnpicklingError("Can only create new object for nn.Parameter or classes allowlisted "
                              f"via `add_safe_globals` but got {cls}")

    def _build(self, inst, state):
        from ._tensor import Tensor
        from .nn.parameter import Parameter
        t = type(inst)
        if t is Tensor or t is Parameter:
            from .serialization import _set_legacy_state
            _set_legacy_state(inst, state)
        elif t is OrderedDict:
            if not isinstance(state, dict):
                raise UnpicklingError(f"OrderedDict state must be a dict, but got {type(state)}")
            inst.__dict__.update(state)
        elif id(t) in self._callable_ids:
            if hasattr(inst, "__setstate__"):
                inst.__setstate__(state)
            else:
                # what pickle's own BUILD does
                slotstate = None
                if isinstance(state, tuple) and len(state) == 2:
                    state, slotstate = state
                if state:
                    inst.__dict__.update(state)
                if slotstate:
                    for k, v in slotstate.items():
                        setattr(inst, k, v)
        else:
            raise UnpicklingError("Can only build Tensor, Parameter, OrderedDict or types "
                                  f"allowlisted via `add_safe_globals`, but got {t}")


_MISSING = object()


def _decode_ascii(s):
    if isinstance(s, bytes):
        return s.decode("ascii", "replace")
    return s


def globals_in_pickle(data):
    """Every GLOBAL named in a pickle (``module.name`` with Python-2 names mapped), statically."""
    import pickletools
    out = []
    strings = []
    for op, arg, _pos in pickletools.genops(data):
        if op.name == "GLOBAL":
            module, name = arg.split(" ", 1)
            module, name = map_name(module, name)
            out.append(f"{module}.{name}")
        elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
            out.append(f"{strings[-2]}.{strings[-1]}")
        if isinstance(arg, str) and op.name in ("SHORT_BINUNICODE", "BINUNICODE",
                                                "BINUNICODE8", "UNICODE"):
            strings.append(arg)
    return list(dict.fromkeys(out))
