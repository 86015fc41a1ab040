"""nn.Parameter (a leaf tensor a Module registers as trainable), nn.Buffer, and the
uninitialised forms the Lazy modules start with.

>>> p = ember.nn.Parameter(ember.ones(2))
>>> p
Parameter containing:
tensor([1., 1.], requires_grad=True)
"""
import numpy as np

from .._tensor import Tensor, _new
from .. import _dtype as D


class Parameter(Tensor):
    """A Tensor that a Module registers as a parameter when assigned as an attribute."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = _empty()
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): argument 'data' must be Tensor, not {type(data).__name__}")
        if requires_grad and not (data._dtype.is_floating_point or data._dtype.is_complex):
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        p = _new(cls)
        p._array = data._array
        p._dtype = data._dtype
        p._requires_grad = bool(requires_grad)
        return p

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        from .._tensor_str import parameter_repr
        return parameter_repr(self)

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (self.detach().clone(), self._requires_grad,
                                     dict(_user_attrs(self))))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        from .._tensor import make_tensor
        new = type(self)(make_tensor(self._array.copy(), self._dtype), self._requires_grad)
        memo[id(self)] = new
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        import copy
        for k, v in _user_attrs(self):
            setattr(new, k, copy.deepcopy(v, memo))
        return new


def _user_attrs(t):
    return [(k, v) for k, v in t.__dict__.items() if not k.startswith("_")]


def _rebuild_parameter(data, requires_grad, attrs):
    p = Parameter(data, requires_grad)
    for k, v in attrs.items():
        setattr(p, k, v)
    return p


def _empty():
    from .._tensor import make_tensor
    return make_tensor(np.empty((0,), D.get_default_dtype().np), D.get_default_dtype())


class Buffer:
    """Marks a tensor to be registered as a buffer when assigned to a Module attribute.

    ``nn.Buffer(t)`` returns a plain tensor flagged for registration (``persistent=False``
    makes it skip the state_dict).
    """

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = _empty()
        t = _alias(data)
        t._buffer_persistent = persistent
        return t


def _alias(data):
    from .._tensor import make_tensor
    t = make_tensor(data._array, data._dtype)
    t._requires_grad = data._requires_grad
    return t


class UninitializedTensorMixin:
    """Shared behaviour of uninitialised parameters and buffers (Lazy modules)."""

    def materialize(self, shape, device=None, dtype=None):
        """Give the placeholder real storage of ``shape`` (uninitialised values)."""
        dt = dtype or self._dtype
        if isinstance(shape, int):
            shape = (shape,)
        self._array = np.empty(tuple(shape), dt.np)
        self._dtype = dt
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. This "
                           "error usually happens in `load_state_dict` when trying to load an "
                           "uninitialized parameter into an initialized one. Call `forward` to "
                           "initialize the parameters before accessing their attributes.")

    def __repr__(self):
        return f"<{type(self).__name__}>"


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter whose shape is not known yet (set on the first forward of a Lazy module)."""

    cls_to_become = Parameter

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        dt = dtype or D.get_default_dtype()
        from .._tensor import make_tensor
        p = Parameter.__new__(cls, make_tensor(np.empty((0,), dt.np), dt), requires_grad)
        return p


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet."""

    cls_to_become = Tensor

    def __init__(self, requires_grad=False, device=None, dtype=None):
        pass

    def __new__(cls, requires_grad=False, device=None, dtype=None):
        dt = dtype or D.get_default_dtype()
        t = _new(cls)
        t._array = np.empty((0,), dt.np)
        t._dtype = dt
        return t


def is_lazy(param):
    """True for a parameter or buffer that is still uninitialised."""
    return isinstance(param, UninitializedTensorMixin)
