"""``torch.utils.dlpack``'s counterpart: the legacy capsule interface to DLPack.

``to_dlpack`` hands out a ``"dltensor"`` capsule that shares the tensor's memory; ``from_dlpack``
is ``ember.from_dlpack`` and takes such a capsule or any object with ``__dlpack__``.

>>> import ember
>>> from ember.utils.dlpack import to_dlpack, from_dlpack
>>> t = ember.arange(3.)
>>> from_dlpack(to_dlpack(t)).data_ptr() == t.data_ptr()
True
"""
import enum

from .._ops.creation import from_dlpack
from .._tensor import Tensor

__all__ = ["DLDeviceType", "from_dlpack", "to_dlpack"]


class DLDeviceType(enum.IntEnum):
    """The device codes of the DLPack C header (``dlpack.h``)."""
    kDLCPU = 1
    kDLCUDA = 2
    kDLCUDAHost = 3
    kDLOpenCL = 4
    kDLVulkan = 7
    kDLMetal = 8
    kDLVPI = 9
    kDLROCM = 10
    kDLROCMHost = 11
    kDLExtDev = 12
    kDLCUDAManaged = 13
    kDLOneAPI = 14
    kDLWebGPU = 15
    kDLHexagon = 16
    kDLMAIA = 17


def to_dlpack(tensor):
    """A DLPack capsule viewing ``tensor``'s memory; it can be consumed once.

    >>> import ember, numpy as np
    >>> ember.from_dlpack(to_dlpack(ember.ones(2))).tolist()
    [1.0, 1.0]
    """
    if not isinstance(tensor, Tensor):
        raise TypeError("_to_dlpack(): argument 'data' (position 1) must be Tensor, not "
                        f"{type(tensor).__name__}")
    from .._backend.dlpack import export
    # NOTE: unlike Tensor.__dlpack__, PyTorch's legacy exporter does not refuse tensors that
    # require grad: the capsule only carries memory.
    return export(tensor._array)
