"""``nn.DataParallel``: PyTorch's single-process data parallelism, for one device.

Without a GPU (as PyTorch on a CPU-only machine) the wrapper is transparent: it holds the model
as ``.module`` (so state_dict keys gain a ``module.`` prefix), has ``device_ids == []`` and
passes every call straight through. With ember's CUDA backend it moves the model to
``device_ids[0]`` and runs each batch there.

>>> dp = ember.nn.DataParallel(ember.nn.Linear(2, 1))
>>> list(dp.state_dict())
['module.weight', 'module.bias']
"""
from itertools import chain

from ..modules.module import Module

__all__ = ["DataParallel", "data_parallel"]


def _gpu_count():
    from ... import cuda
    return cuda.device_count() if cuda.is_available() else 0


def _device_index(device):
    """An int index from an int or a ``cuda:N`` device."""
    if isinstance(device, int):
        return device
    from ..._device import as_device
    d = as_device(device)
    return d.index if d.index is not None else 0


def _to_device(obj, device):
    """Tensors inside ``obj`` (nested tuples, lists, dicts) moved to ``device``."""
    from ..._tensor import Tensor
    if isinstance(obj, Tensor):
        return obj.to(device)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(_to_device(v, device) for v in obj))
    if isinstance(obj, (tuple, list)):
        return type(obj)(_to_device(v, device) for v in obj)
    if isinstance(obj, dict):
        return type(obj)((k, _to_device(v, device)) for k, v in obj.items())
    return obj


def _check_on_device(module, device):
    for t in chain(module.parameters(), module.buffers()):
        if t.device != device:
            raise RuntimeError(f"module must have its parameters and buffers on device {device} "
                               f"(device_ids[0]) but found one of them on device: {t.device}")


class DataParallel(Module):
    """Wraps ``module`` for data-parallel execution (a pass-through without GPUs).

    >>> dp = ember.nn.DataParallel(ember.nn.Linear(3, 2))
    >>> dp(ember.ones(4, 3)).shape
    ember.Size([4, 2])
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        if _gpu_count() == 0:
            self.module = module
            self.device_ids = []
            return
        from ..._device import device as make_device
        if device_ids is None:
            device_ids = list(range(_gpu_count()))
        if output_device is None:
            output_device = device_ids[0]
        self.dim = dim
        self.module = module
        self.device_ids = [_device_index(d) for d in device_ids]
        self.output_device = _device_index(output_device)
        self.src_device_obj = make_device("cuda", self.device_ids[0])
        if len(self.device_ids) == 1:
            self.module.to(self.src_device_obj)

    def forward(self, *inputs, **kwargs):
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        _check_on_device(self.module, self.src_device_obj)
        # NOTE: ember runs the whole batch on device_ids[0] (no replicas on other GPUs); the
        # result is what PyTorch's scatter/replicate/gather computes, gathered on output_device
        out = self.module(*_to_device(inputs, self.src_device_obj),
                          **_to_device(kwargs, self.src_device_obj))
        if self.output_device != self.device_ids[0]:
            from ..._device import device as make_device
            out = _to_device(out, make_device("cuda", self.output_device))
        return out


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    """Evaluate ``module(*inputs)`` data-parallel over the GPUs in ``device_ids`` (functional
    form of :class:`DataParallel`); needs a GPU, as in PyTorch.

    >>> data_parallel(ember.nn.Linear(1, 1), ember.ones(1))  # doctest: +SKIP
    """
    from ..._device import device as make_device
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    if _gpu_count() == 0:
        raise RuntimeError("device type could not be determined")
    if device_ids is None:
        device_ids = list(range(_gpu_count()))
    if output_device is None:
        output_device = device_ids[0]
    device_ids = [_device_index(d) for d in device_ids]
    src = make_device("cuda", device_ids[0])
    _check_on_device(module, src)
    out = module(*_to_device(inputs, src), **_to_device(module_kwargs or {}, src))
    return _to_device(out, make_device("cuda", _device_index(output_device)))
