"""ember.Size: the shape of a tensor, a tuple of ints.

>>> ember.Size([2, 3]).numel()
6
"""


class Size(tuple):
    """A tuple subclass that prints as ``ember.Size([2, 3])``."""

    __slots__ = ()

    def __new__(cls, sizes=()):
        items = []
        for s in sizes:
            if type(s) is int:
                items.append(s)
                continue
            from ._tensor import Tensor
            if isinstance(s, Tensor) and (s.dim() != 0 or s.dtype.is_floating_point
                                          or s.dtype.is_complex):
                raise TypeError(f"torch.Size() takes an iterable of 'int' (item {len(items)} is "
                                f"'Tensor')")
            if hasattr(s, "__index__") and not isinstance(s, (float, complex)):
                items.append(s.__index__())
            else:
                raise TypeError(f"torch.Size() takes an iterable of 'int' (item {len(items)} is "
                                f"'{type(s).__name__}')")
        return tuple.__new__(cls, items)

    def __repr__(self):
        return f"ember.Size([{', '.join(str(s) for s in self)}])"

    __str__ = __repr__

    def numel(self):
        """Number of elements a tensor of this shape holds."""
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, key):
        r = tuple.__getitem__(self, key)
        return Size(r) if isinstance(key, slice) else r

    def __add__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(self, other))

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(other, self))

    def __mul__(self, n):
        return Size(tuple.__mul__(self, n))

    __rmul__ = __mul__

    def __reduce__(self):
        return (Size, (tuple(self),))


def make_size(shape):
    """Fast Size from a tuple of Python ints (no validation)."""
    return tuple.__new__(Size, shape)
