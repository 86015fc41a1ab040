"""``autograd.Variable``: the pre-0.4 wrapper, now a function returning a plain Tensor.

>>> ember.autograd.Variable(ember.ones(2), requires_grad=True)
tensor([1., 1.], requires_grad=True)
"""


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        from .._tensor import Tensor
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(t)`` is ``t.detach()`` (same memory and version counter);
    ``requires_grad=True`` makes it a leaf that requires grad."""

    def __new__(cls, data=None, requires_grad=False, volatile=False):
        from .._tensor import Tensor
        if data is None:
            from .._ops.creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        t = data.detach()
        if requires_grad:
            t.requires_grad_(True)
        return t
