"""Padding modules: zero, constant, reflection, replication and circular, 1-3 dims."""
from .module import Module
from ..._ops.padding import pad


def _ntuple(value, n):
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,) * n


class _ConstantPadNd(Module):
    def __init__(self, value):
        super().__init__()
        self.value = value

    def forward(self, input):
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dimension with a constant: padding is an int or (left, right).

    >>> ember.nn.ConstantPad1d(1, 9.)(ember.zeros(1, 2))
    tensor([[9., 0., 0., 9.]])
    """

    def __init__(self, padding, value):
        super().__init__(value)
        self.padding = _ntuple(padding, 2)


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dimensions with a constant: (left, right, top, bottom)."""

    def __init__(self, padding, value):
        super().__init__(value)
        self.padding = _ntuple(padding, 4)


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dimensions with a constant."""

    def __init__(self, padding, value):
        super().__init__(value)
        self.padding = _ntuple(padding, 6)


class ZeroPad1d(ConstantPad1d):
    """Pad the last dimension with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dimensions with zeros.

    >>> ember.nn.ZeroPad2d(1)(ember.ones(1, 1, 1)).shape
    ember.Size([1, 3, 3])
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dimensions with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class _IndexPadNd(Module):
    _mode = None
    _n = 0

    def __init__(self, padding):
        super().__init__()
        self.padding = _ntuple(padding, 2 * self._n)

    def forward(self, input):
        return pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_IndexPadNd):
    """Mirror the last dimension at its edges (the edge itself is not repeated).

    >>> ember.nn.ReflectionPad1d(1)(ember.tensor([[1., 2., 3.]]))
    tensor([[2., 1., 2., 3., 2.]])
    """
    _mode, _n = "reflect", 1


class ReflectionPad2d(_IndexPadNd):
    """Mirror the last two dimensions at their edges."""
    _mode, _n = "reflect", 2


class ReflectionPad3d(_IndexPadNd):
    """Mirror the last three dimensions at their edges."""
    _mode, _n = "reflect", 3


class ReplicationPad1d(_IndexPadNd):
    """Repeat the edge values of the last dimension.

    >>> ember.nn.ReplicationPad1d(1)(ember.tensor([[1., 2.]]))
    tensor([[1., 1., 2., 2.]])
    """
    _mode, _n = "replicate", 1


class ReplicationPad2d(_IndexPadNd):
    """Repeat the edge values of the last two dimensions."""
    _mode, _n = "replicate", 2


class ReplicationPad3d(_IndexPadNd):
    """Repeat the edge values of the last three dimensions."""
    _mode, _n = "replicate", 3


class _CircularPadNd(_IndexPadNd):
    _mode = "circular"

    def forward(self, input):
        d = input.dim()
        if d not in (self._n + 1, self._n + 2):
            raise ValueError(f"expected {self._n + 1}D or {self._n + 2}D input (got {d}D input)")
        return pad(input, self.padding, "circular")


class CircularPad1d(_CircularPadNd):
    """Wrap the last dimension around (periodic boundary).

    >>> ember.nn.CircularPad1d(1)(ember.tensor([[1., 2., 3.]]))
    tensor([[3., 1., 2., 3., 1.]])
    """
    _n = 1


class CircularPad2d(_CircularPadNd):
    """Wrap the last two dimensions around."""
    _n = 2


class CircularPad3d(_CircularPadNd):
    """Wrap the last three dimensions around."""
    _n = 3
