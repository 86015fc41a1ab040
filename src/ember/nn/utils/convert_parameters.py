"""Flatten parameters into one vector and write a vector back into them (as optimisers that
work on flat vectors, such as L-BFGS variants or evolution strategies, need).

>>> lin = ember.nn.Linear(2, 1)
>>> ember.nn.utils.parameters_to_vector(lin.parameters()).shape
ember.Size([3])
"""
from ..._tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    """One 1-D tensor holding every parameter's values in order (differentiable: CatBackward0).

    >>> ember.nn.utils.parameters_to_vector([ember.ones(2, 2), ember.zeros(1)])
    tensor([1., 1., 1., 1., 0.])
    """
    from ..._ops.shape import cat
    device = None
    flat = []
    for p in parameters:
        device = _check_same_device(p, device)
        flat.append(p.view(-1))
    return cat(flat)


def vector_to_parameters(vec, parameters):
    """Point each parameter's ``.data`` at its consecutive slice of ``vec``.

    >>> ps = [ember.zeros(2), ember.zeros(1)]
    >>> ember.nn.utils.vector_to_parameters(ember.tensor([1., 2., 3.]), ps)
    >>> ps[1]
    tensor([3.])
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {_typename(vec)}")
    device = None
    start = 0
    for p in parameters:
        device = _check_same_device(p, device)
        n = p.numel()
        p.data = vec[start:start + n].view_as(p).data
        start += n


def _typename(obj):
    """The qualified type name PyTorch's ``torch.typename`` prints for a non-tensor."""
    cls = type(obj)
    module = cls.__module__
    if module in ("", "builtins"):
        return cls.__qualname__
    return f"{module}.{cls.__qualname__}"


def _check_same_device(param, first_device):
    """The device index of the first parameter (-1 for the CPU); raise if ``param`` is on
    another device."""
    index = param.get_device() if param.device.type == "cuda" else -1
    if first_device is None:
        return index
    if index != first_device:
        raise TypeError("Found two parameters on different devices, this is currently not "
                        "supported.")
    return first_device
