"""Device objects ('cpu', 'cuda:1', ...) and the honest answer about which backends exist.

>>> ember.device('cuda:1')
device(type='cuda', index=1)
"""

_DEVICE_TYPES = ("cpu", "cuda", "meta", "mps", "xpu", "xla", "hip", "ipu", "mkldnn", "opengl",
                 "opencl", "ideep", "ve", "fpga", "maia", "lazy", "vulkan", "hpu", "mtia",
                 "privateuseone")


class device:
    """Where a tensor lives: ``device('cpu')``, ``device('cuda', 0)``, ``device('cuda:0')``."""

    __slots__ = ("type", "index")

    def __new__(cls, type_or_str=None, index=None, *, type=None):
        if type is not None:
            if type_or_str is not None:
                raise TypeError("device() received an invalid combination of arguments")
            type_or_str = type
        if isinstance(type_or_str, device):
            if index is not None:
                raise TypeError("device(): argument 'type' (position 1) must be str, not torch.device")
            return type_or_str
        if isinstance(type_or_str, int) and not isinstance(type_or_str, bool):
            # A bare index means a CUDA device, as in PyTorch's default accelerator.
            if type_or_str < 0:
                raise RuntimeError(f"Device index must not be negative")
            return _make("cuda", type_or_str)
        if not isinstance(type_or_str, str):
            raise TypeError(f"device() received an invalid combination of arguments - got "
                            f"({_tname(type_or_str)}), but expected one of:\n"
                            " * (torch.device device)\n * (str type, int index = -1)\n")
        dtype_, idx = _parse(type_or_str)
        if index is not None:
            if idx is not None:
                raise RuntimeError(f"type (string) must not include an index because index was "
                                   f"passed explicitly: {type_or_str}")
            if index < 0:
                raise RuntimeError(f"Device index must not be negative")
            idx = index
        return _make(dtype_, idx)

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, TypeError):
                return False
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (str(self),))

    def __enter__(self):
        from . import _device_state
        self._prev = None
        return self

    def __exit__(self, *exc):
        return False


def _tname(x):
    return type(x).__name__


def _make(type_, index):
    d = object.__new__(device)
    object.__setattr__(d, "type", type_)
    object.__setattr__(d, "index", index)
    return d


def _parse(s):
    """'cuda:1' -> ('cuda', 1); raises PyTorch's RuntimeError for malformed strings."""
    name, sep, idx = s.partition(":")
    if name not in _DEVICE_TYPES:
        raise RuntimeError(
            "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, "
            "xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type at start of device "
            f"string: {s}")
    if not sep:
        return name, None
    if not idx.isdigit() or (len(idx) > 1 and idx[0] == "0"):
        raise RuntimeError(f"Invalid device string: '{s}'")
    return name, int(idx)


CPU = _make("cpu", None)


def as_device(d):
    """Normalise a device argument (str, int, device or None) to a device or None."""
    if d is None or isinstance(d, device):
        return d
    return device(d)
