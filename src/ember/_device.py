"""Device objects ('cpu', 'cuda:1', ...), the default device, and their PyTorch error texts.

>>> ember.device('cuda:1')
device(type='cuda', index=1)
>>> str(ember.device('cuda', 1))
'cuda:1'
"""
import re

_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
                 "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                 "privateuseone")
_DEVICE_STRING = re.compile(r"([a-zA-Z_]+)(?::([1-9]\d*|0))?")


class device:
    """Where a tensor lives: ``device('cpu')``, ``device('cuda', 0)``, ``device('cuda:0')``; a
    bare int names the accelerator (CUDA).

    Used as a context manager it is the default device of the factories inside the block.
    """

    __slots__ = ("type", "index")

    def __new__(cls, *args, **kwargs):
        type_, index = _bind(args, kwargs)
        if isinstance(type_, device):
            if index is not None:
                raise TypeError("device(): argument 'type' (position 1) must be str, not "
                                "torch.device")
            return type_
        if isinstance(type_, int) and not isinstance(type_, bool):
            if type_ < 0:
                raise RuntimeError("Device index must not be negative")
            from . import cuda
            if not cuda.is_available():
                raise RuntimeError("Cannot access accelerator device when none is available.")
            return _make("cuda", type_)
        if not isinstance(type_, str):
            raise _invalid(args, kwargs)
        if index is not None and (isinstance(index, bool) or not isinstance(index, int)):
            raise TypeError(f"device(): argument 'index' (position 2) must be int, not "
                            f"{type(index).__name__}")
        name, idx = _parse(type_)
        if index is not None:
            if idx is not None:
                raise RuntimeError(f"type (string) must not include an index because index was "
                                   f"passed explicitly: {type_}")
            idx = index
        if idx is not None and idx < 0:
            raise RuntimeError("Device index must not be negative")
        return _make(name, idx)

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __format__(self, spec):
        if spec:
            raise TypeError("unsupported format string passed to torch.device.__format__")
        return str(self)

    def __eq__(self, other):
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __ne__(self, other):
        if not isinstance(other, device):
            return NotImplemented
        return not (self.type == other.type and self.index == other.index)

    def _no_order(self, other):
        raise TypeError("comparison not implemented")

    __lt__ = __le__ = __gt__ = __ge__ = _no_order

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (str(self),))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    # the default device of the factories inside a ``with ember.device(...)`` block
    def __enter__(self):
        _DEFAULT_STACK.append(self)
        return self

    def __exit__(self, *exc):
        _DEFAULT_STACK.pop()
        return False


device.__module__ = "ember"


def _bind(args, kwargs):
    """(type, index) from device()'s arguments: (type, index=None) by position or keyword."""
    unknown = set(kwargs) - {"type", "index"}
    if unknown:
        raise TypeError(f"device() got an unexpected keyword argument '{unknown.pop()}'")
    if len(args) > 2:
        raise _invalid(args, kwargs)
    vals = dict(zip(("type", "index"), args))
    for k, v in kwargs.items():
        if k in vals:
            raise _invalid(args, kwargs)
        vals[k] = v
    if "type" not in vals:
        raise _invalid(args, kwargs)
    return vals["type"], vals.get("index")


def _invalid(args, kwargs):
    got = ", ".join(type(a).__name__ for a in args)
    kw = [f"{k}={type(v).__name__}" for k, v in reversed(list(kwargs.items()))]
    got = got + "".join(", " + k for k in kw) if got else "".join(k + ", " for k in kw)
    return TypeError(f"device() received an invalid combination of arguments - got ({got}), but "
                     "expected one of:\n * (torch.device device)\n      didn't match because some "
                     "of the arguments have invalid types\n * (str type, int index = -1)\n")


def _make(type_, index):
    d = object.__new__(device)
    object.__setattr__(d, "type", type_)
    object.__setattr__(d, "index", index)
    return d


def _parse(s):
    """'cuda:1' -> ('cuda', 1), with PyTorch's errors for malformed strings."""
    m = _DEVICE_STRING.fullmatch(s)
    if m is None:
        raise RuntimeError(f"Invalid device string: '{s}'")
    name, idx = m.group(1), m.group(2)
    if name not in _DEVICE_TYPES:
        raise RuntimeError(
            "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, "
            "maia, xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type at start of "
            f"device string: {s}")
    if idx is None:
        return name, None
    if len(idx) > 9 and int(idx) > 2 ** 31 - 1:
        raise RuntimeError(f"Could not parse device index '{idx}' in device string '{s}'")
    return name, int(idx)


CPU = _make("cpu", None)

# the factories' default device: the innermost ``with device(...)``, else set_default_device's
_DEFAULT_STACK = [None]


def default_device():
    """The device factories use when given none (None means the CPU)."""
    return _DEFAULT_STACK[-1]


def set_default_device(device_):
    """Make ``device_`` (None: the CPU) the default device of tensor factories.

    >>> ember.set_default_device('cpu'); ember.zeros(1).device
    device(type='cpu')
    """
    _DEFAULT_STACK[0] = None if device_ is None else as_device(device_)


def get_default_device():
    """The default device of tensor factories.

    >>> ember.get_default_device()
    device(type='cpu')
    """
    d = _DEFAULT_STACK[-1]
    if d is None:
        return CPU
    if d.type == "cuda" and d.index is None:
        from . import cuda
        return _make("cuda", cuda.current_device())
    return d


def as_device(d):
    """Normalise a device argument (str, int, device or None) to a device or None."""
    if d is None or isinstance(d, device):
        return d
    return device(d)
