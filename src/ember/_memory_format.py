"""Memory formats (contiguous_format, channels_last, ...) and the contiguity tests.

>>> ember.zeros(2, 3, 4, 5).is_contiguous(memory_format=ember.channels_last)
False
"""


class memory_format:
    """A tensor memory layout name, e.g. ``ember.channels_last``."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "ember." + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")


def _by_name(name):
    return globals()[name]


class layout:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "ember." + self.name


strided = layout("strided")
sparse_coo = layout("sparse_coo")


def _contiguous_in_order(shape, strides, order):
    # PyTorch ignores the stride of size-1 dims; every other dim must have the row-major
    # stride for the given dimension order.
    expected = 1
    for d in order:
        n = shape[d]
        if n != 1:
            if strides[d] != expected:
                return False
            expected *= n
    return True


def is_contiguous(shape, strides, fmt=None):
    """PyTorch's is_contiguous(memory_format) on a shape and element strides."""
    if 0 in shape:
        return True
    if fmt is None or fmt is contiguous_format or fmt is preserve_format:
        return _contiguous_in_order(shape, strides, range(len(shape) - 1, -1, -1))
    if fmt is channels_last:
        if len(shape) != 4:
            return False
        return _exact_channels_last(shape, strides, (1, 3, 2, 0))
    if fmt is channels_last_3d:
        if len(shape) != 5:
            return False
        return _exact_channels_last(shape, strides, (1, 4, 3, 2, 0))
    raise TypeError(f"is_contiguous(): argument 'memory_format' must be torch.memory_format, "
                    f"not {type(fmt).__name__}")


def _exact_channels_last(shape, strides, order):
    expected = 1
    for d in order:
        if shape[d] != 1 and strides[d] != expected:
            return False
        expected *= shape[d]
    return True


def contiguous_strides(shape):
    """Row-major element strides for a shape (PyTorch's, with max(size, 1))."""
    out = [1] * len(shape)
    acc = 1
    for i in range(len(shape) - 1, -1, -1):
        out[i] = acc
        acc *= max(shape[i], 1)
    return tuple(out)


def channels_last_strides(shape):
    """Element strides of a channels-last (N, C, H, W) or (N, C, D, H, W) layout."""
    order = (1, 3, 2, 0) if len(shape) == 4 else (1, 4, 3, 2, 0)
    out = [0] * len(shape)
    acc = 1
    for d in order:
        out[d] = acc
        acc *= max(shape[d], 1)
    return tuple(out)


def is_non_overlapping_and_dense(shape, strides):
    """True if the elements fill a block of memory with no gaps or overlaps."""
    if len(shape) == 1:
        return shape[0] < 2 or strides[0] == 1
    expected = 1
    for d in sorted(range(len(shape)), key=lambda d: strides[d]):
        if shape[d] == 1:
            continue
        if strides[d] != expected:
            return False
        expected *= shape[d]
    return True
