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


def is_contiguous(shape, strides, fmt=None):
    """PyTorch's is_contiguous(memory_format) on a shape and element strides."""
    if fmt is None or fmt is contiguous_format or fmt is preserve_format:
        expected = 1
        for d in range(len(shape) - 1, -1, -1):
            n = shape[d]
            if n == 0:
                return True
            if n != 1:
                if strides[d] != expected:
                    # an empty tensor is contiguous whatever its strides
                    return 0 in shape
                expected *= n
        return True
    if fmt is channels_last:
        return len(shape) == 4 and _dense_in_order(shape, strides, (1, 3, 2, 0))
    if fmt is channels_last_3d:
        return len(shape) == 5 and _dense_in_order(shape, strides, (1, 4, 3, 2, 0))
    if isinstance(fmt, memory_format):
        raise RuntimeError(f"Unknown memory format {fmt.name.replace('_format', '').capitalize()}")
    raise TypeError(f"is_contiguous(): argument 'memory_format' (position 1) must be "
                    f"torch.memory_format, not {type(fmt).__name__}")


def _dense_in_order(shape, strides, order):
    # NOTE: PyTorch ignores the stride of size-1 dims (and does not special-case empty tensors
    # here, unlike the row-major test).
    expected = 1
    for d in order:
        n = shape[d]
        if n != 1:
            if strides[d] != expected:
                return False
            expected *= n
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
    """Element strides of a channels-last (N, C, H, W) or (N, C, D, H, W) layout.

    NOTE: unlike the row-major strides, PyTorch multiplies the raw sizes here (a 0-size dim
    gives 0 strides outside it)."""
    order = (1, 3, 2, 0) if len(shape) == 4 else (1, 4, 3, 2, 0)
    out = [0] * len(shape)
    acc = 1
    for d in order:
        out[d] = acc
        acc *= shape[d]
    return tuple(out)


def is_non_overlapping_and_dense(shape, strides):
    """True if the elements fill a block of memory with no gaps or overlaps (c10's rule: dims
    of size 0 or 1 are ignored)."""
    n = len(shape)
    if n == 1:
        return shape[0] < 2 or strides[0] == 1
    if n == 0 or 0 in shape:
        return True   # PyTorch: contiguous (as every empty tensor is) implies dense
    expected = 1
    for d in sorted((d for d in range(n) if shape[d] >= 2), key=lambda d: strides[d]):
        if strides[d] != expected:
            return False
        expected *= shape[d]
    return True


def infer_dense_strides(shape, strides):
    """Dense strides that keep the dimension order of (shape, strides): PyTorch's layout rule for
    copies of non-dense tensors (``clone``, ``empty_like``, ``to`` and elementwise outputs).

    Stride-0 dims compare as ambiguous and keep their place (a stable insertion sort)."""
    n = len(shape)
    if n == 0:
        return ()
    if n == 1:
        return (1,)
    perm = list(range(n - 1, -1, -1))
    for i in range(1, n):
        d1 = i
        for j in range(1, i + 1):
            d0 = i - j
            a, b = perm[d0], perm[d1]
            s0, s1 = strides[a], strides[b]
            if s0 == 0 or s1 == 0:
                continue
            if s0 < s1:
                break
            if s0 > s1 or shape[a] > shape[b]:
                perm[d0], perm[d1] = b, a
                d1 = d0
    out = [0] * n
    acc = 1
    for d in perm:
        out[d] = acc
        if shape[d] > 1:
            acc *= shape[d]
    return tuple(out)


def preserve_strides(shape, strides):
    """The strides a ``preserve_format`` copy of a tensor gets: its own when it is dense,
    else dense ones in the same dimension order."""
    if is_non_overlapping_and_dense(shape, strides):
        return tuple(strides)
    return infer_dense_strides(shape, strides)


def _strides_like_channels_last(shape, strides, order):
    # c10's is_channels_last_strides_2d/3d: the dims, visited in channels-last order, must have
    # non-decreasing strides; ambiguous N111-like layouts count as contiguous.
    lo = 0
    if strides[1] == 0:
        return False
    for d in order:
        if shape[d] == 0 or strides[d] < lo:
            return False
        if d == 0 and lo == strides[1]:
            return False
        lo = strides[d]
        if shape[d] > 1:
            lo *= shape[d]
    return True


def suggest_memory_format(shape, strides):
    """channels_last(_3d) when the strides look channels-last, else contiguous_format."""
    if len(shape) == 4 and _strides_like_channels_last(shape, strides, (1, 3, 2, 0)):
        return channels_last
    if len(shape) == 5 and _strides_like_channels_last(shape, strides, (1, 4, 3, 2, 0)):
        return channels_last_3d
    return contiguous_format


def strides_for_format(shape, fmt):
    """Element strides of a fresh tensor of ``shape`` in memory format ``fmt``, with PyTorch's
    rank errors."""
    if fmt is None or fmt is contiguous_format or fmt is preserve_format:
        return contiguous_strides(shape)
    if fmt is channels_last:
        if len(shape) != 4:
            raise RuntimeError("required rank 4 tensor to use channels_last format")
        return channels_last_strides(shape)
    if fmt is channels_last_3d:
        if len(shape) != 5:
            raise RuntimeError("required rank 5 tensor to use channels_last_3d format")
        return channels_last_strides(shape)
    raise TypeError(f"memory_format must be torch.memory_format, not {type(fmt).__name__}")


def iteration_order(shape, strides_list):
    """PyTorch's TensorIterator dimension order, outermost first, for the operands' strides
    (any unit, consistent per operand; a stride of 0 marks a broadcast dim)."""
    nd = len(shape)
    perm = list(range(nd - 1, -1, -1))         # perm[0] is the innermost dim

    def should_swap(d0, d1):
        for st in strides_list:
            s0, s1 = st[d0], st[d1]
            if s0 == 0 or s1 == 0:
                continue
            if s0 < s1:
                return -1
            if s0 > s1:
                return 1
            if shape[d0] > shape[d1]:
                return 1
        return 0

    for i in range(1, nd):
        dim1 = i
        for dim0 in range(i - 1, -1, -1):
            c = should_swap(perm[dim0], perm[dim1])
            if c > 0:
                perm[dim0], perm[dim1] = perm[dim1], perm[dim0]
                dim1 = dim0
            elif c < 0:
                break
    return perm[::-1]


def elementwise_strides(shape, inputs, has_scalars=False):
    """Element strides of the output PyTorch's TensorIterator allocates for an elementwise op.

    ``inputs``: (shape, element strides) of each tensor operand, as the op sees it (PyTorch first
    converts inputs of another dtype with ``.to``, which keeps dense strides and makes the rest
    dense); ``has_scalars``: a Python number (a wrapped 0-dim operand) takes part.

    Two regimes, as in TensorIterator::build:
    - fast setup, when every operand has the output's shape: all row-major -> row-major; all
      channels-last -> channels-last; all dense with identical strides -> those strides;
    - otherwise the dimensions are ordered by ``iteration_order`` (broadcast dims say nothing)
      and the output is dense in that order, its strides the plain products of the inner sizes.
    """
    nd = len(shape)
    same_shape = not has_scalars and all(tuple(s) == shape for s, _ in inputs)
    if same_shape and inputs:
        if all(is_contiguous(s, st) for s, st in inputs):
            return contiguous_strides(shape)
        if nd in (4, 5):
            fmt = channels_last if nd == 4 else channels_last_3d
            if all(is_contiguous(s, st, fmt) for s, st in inputs):
                return channels_last_strides(shape)
        first = tuple(inputs[0][1])
        if all(is_non_overlapping_and_dense(s, st) and tuple(st) == first for s, st in inputs):
            return first
    rows = []
    for s, st in inputs:
        pad = nd - len(s)
        rows.append([0] * pad + [0 if n == 1 and shape[pad + i] != 1 else st[i]
                                 for i, n in enumerate(s)])
    if nd < 2:
        return contiguous_strides(shape)
    order = iteration_order(shape, rows)
    if order == list(range(nd)):
        return contiguous_strides(shape)
    out = [0] * nd
    acc = 1
    for d in reversed(order):
        out[d] = acc
        acc *= shape[d]
    return tuple(out)
