"""The output layout of elementwise ops: PyTorch's TensorIterator rule (fast setup for operands of
the output's shape that are all row-major, all channels-last or all dense with identical
strides; otherwise the dimension order the operands' strides suggest), on every entry point:
the Python operators' fast paths, the functions, unary math, ops with number arguments."""
import numpy as np
import pytest

from oracle import Arr, check_same


def laid_out(t, perm=None, step=False, expand=None):
    """``t`` (row-major, of the permuted shape) viewed back with ``perm``, then sliced / expanded."""
    if perm is not None:
        t = t.permute(*perm)
    if step:
        t = t[..., ::2]
    if expand is not None:
        t = t.expand(*expand)
    return t


def source(shape, perm=None, step=False, dtype="float64", offset=0.0):
    """A NumPy array whose row-major layout, permuted by ``perm``, gives ``shape``."""
    perm = perm or tuple(range(len(shape)))
    stored = [shape[i] for i in perm]
    if step:
        stored[perm.index(len(shape) - 1)] = 2 * shape[-1]
    a = (np.arange(int(np.prod(stored))) % 7 - 3 + offset).reshape(stored)
    return Arr(a, dtype=dtype)


def inverse(perm):
    return tuple(int(i) for i in np.argsort(perm)) if perm else None


# (shape, stored order, sliced last dim)
LAYOUTS = [
    ((2, 3, 4), None, False),          # row-major
    ((2, 3, 4), (2, 1, 0), False),     # dense, reversed
    ((2, 3, 4), (0, 2, 1), False),     # dense, inner pair swapped
    ((2, 3, 4), (1, 0, 2), True),      # not dense
    ((2, 3, 1), (2, 1, 0), True),      # dense, a size-1 dim with an odd stride
    ((1, 3, 4), (2, 0, 1), True),      # size-1 outer dim, not dense
    ((3, 1, 2), (1, 2, 0), False),     # size-1 middle dim, permuted
    ((4, 1), (1, 0), False),           # 2-d column
    ((2, 0, 3), (2, 1, 0), False),     # empty
]
IDS = [f"{s}-{p}-{'step' if st else 'dense'}" for s, p, st in LAYOUTS]


def _pair(la, lb, fn, dtypes=("float64", "float64")):
    (sa, pa, ta), (sb, pb, tb) = la, lb
    check_same(lambda m, a, b: fn(m, laid_out(a, inverse(pa), ta), laid_out(b, inverse(pb), tb)),
               source(sa, pa, ta, dtypes[0]), source(sb, pb, tb, dtypes[1], 0.5))


BINARY = {
    "+": lambda m, a, b: a + b,
    "*": lambda m, a, b: a * b,
    "<": lambda m, a, b: a < b,
    "add": lambda m, a, b: m.add(a, b, alpha=2),
    "maximum": lambda m, a, b: m.maximum(a, b),
    "where": lambda m, a, b: m.where(a > 0, a, b),
    "atan2": lambda m, a, b: m.atan2(a, b),
}


@pytest.mark.parametrize("la", LAYOUTS, ids=IDS)
@pytest.mark.parametrize("lb", LAYOUTS[:5] + LAYOUTS[6:8], ids=IDS[:5] + IDS[6:8])
def test_binary_same_dtype(la, lb):
    """Operands of one dtype: the operators' fast path and the functions agree with PyTorch."""
    for name in ("+", "<", "add", "where"):
        try:
            _pair(la, lb, BINARY[name])
        except AssertionError as e:
            raise AssertionError(f"{name}: {e}") from e


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("la", LAYOUTS[1:6], ids=IDS[1:6])
def test_binary_ops_same_shape(name, la):
    """Each op over two operands of one layout (fast setup) and over a layout and row-major."""
    _pair(la, la, BINARY[name])
    _pair(la, (la[0], None, False), BINARY[name])
    _pair((la[0], None, False), la, BINARY[name])


@pytest.mark.parametrize("la", LAYOUTS, ids=IDS)
def test_with_python_number(la):
    """A number is a wrapped 0-dim operand: no fast setup, the dimension-order rule decides."""
    for fn in (lambda m, a: a + 1, lambda m, a: a * 2.5, lambda m, a: 2 - a, lambda m, a: a < 1,
               lambda m, a: m.add(a, 3), lambda m, a: a + m.tensor(2.0, dtype=m.float64)):
        check_same(lambda m, a: fn(m, laid_out(a, inverse(la[1]), la[2])), source(*la))


@pytest.mark.parametrize("la", LAYOUTS, ids=IDS)
def test_unary(la):
    """Unary ops (one operand: fast setup whenever it is dense)."""
    for fn in (lambda m, a: -a, lambda m, a: a.exp(), lambda m, a: a.abs().sqrt(),
               lambda m, a: a.sigmoid(), lambda m, a: a.clamp(-1, 1), lambda m, a: a.sin(),
               lambda m, a: m.nn.functional.hardtanh(a), lambda m, a: a.erf()):
        check_same(lambda m, a: fn(m, laid_out(a, inverse(la[1]), la[2])), source(*la))


@pytest.mark.parametrize("la", LAYOUTS[1:6], ids=IDS[1:6])
def test_mixed_dtypes(la):
    """Inputs of another dtype are converted first (dense copies of non-dense inputs)."""
    _pair(la, (la[0], None, False), BINARY["+"], ("int32", "float64"))
    _pair((la[0], None, False), la, BINARY["*"], ("float32", "int64"))
    check_same(lambda m, a: laid_out(a, inverse(la[1]), la[2]).sqrt(), source(*la, "int64"))


@pytest.mark.parametrize("shape_b", [(3, 4), (1, 4), (3, 1), (4,), (2, 1, 1), (1, 1, 4)])
@pytest.mark.parametrize("la", LAYOUTS[:6], ids=IDS[:6])
def test_broadcast(la, shape_b):
    """Broadcast dims say nothing about the order; the operands that span them decide."""
    def fn(m, a, b):
        a = laid_out(a, inverse(la[1]), la[2])
        b = b.t() if b.dim() == 2 else b
        return a * b if b.dim() != 2 or a.shape[-2:] == b.shape else a + b[..., :1]
    b = np.arange(int(np.prod(shape_b)), dtype=np.float64).reshape(shape_b)
    b = b.T.copy() if b.ndim == 2 else b
    check_same(fn, source(*la), b)


def test_channels_last():
    """4-d: both channels-last -> channels-last; mixed with row-major -> the first leads."""
    a = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    for fn in (lambda m, x, y: x.to(memory_format=m.channels_last) + y.to(
                   memory_format=m.channels_last),
               lambda m, x, y: x.to(memory_format=m.channels_last) * y,
               lambda m, x, y: x * y.to(memory_format=m.channels_last),
               lambda m, x, y: x.to(memory_format=m.channels_last).relu(),
               lambda m, x, y: x.to(memory_format=m.channels_last) + 1,
               lambda m, x, y: x[:, :1].to(memory_format=m.channels_last) - y):
        check_same(fn, a, a + 1)


def test_grad_fast_path():
    """Operands that require grad take another fast path; layout and gradients as PyTorch."""
    a = Arr(np.arange(12.).reshape(3, 4) - 5, requires_grad=True, layout="transposed")
    b = Arr(np.full((4, 3), 1.5), requires_grad=True)
    for fn in (lambda m, x, y: x * y, lambda m, x, y: y - x, lambda m, x, y: x * 2.0,
               lambda m, x, y: x + 1):
        check_same(fn, a, b, grad=True)


def test_cat_layout():
    """cat allocates a fresh row-major (or channels-last) output; every input votes on the
    memory format, 1-d empty ones included; a size-1 dim gets its row-major stride."""
    col = np.arange(4.).reshape(2, 2)
    check_same(lambda m, x: m.cat([m.zeros(2, 0, dtype=m.float64), x[:, :1]], 1), col)
    check_same(lambda m, x: m.cat([x[:, :1], x[:, 1:]], 0), col)
    check_same(lambda m, x: m.cat([x.t()[:1], x.t()[1:]], 0), col)
    a = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)

    def cl(m, x):
        return x.to(memory_format=m.channels_last)
    for fn in (lambda m, x: m.cat([cl(m, x), cl(m, x)], 1),
               lambda m, x: m.cat([m.zeros(0), cl(m, x), cl(m, x)], 1),
               lambda m, x: m.cat([cl(m, x), m.zeros(0)], 1),
               lambda m, x: m.cat([cl(m, x), x], 1),
               lambda m, x: m.cat([cl(m, x)[:, :0], cl(m, x)], 1),
               lambda m, x: m.cat([x[:, :1, :1, :1], cl(m, x[:, :, :1, :1])], 1),
               lambda m, x: m.cat([x.permute(0, 2, 1, 3), x.permute(0, 2, 1, 3)], 1),
               lambda m, x: m.cat([cl(m, x[:, :, :0]), cl(m, x[:, :, :0])], 0)):
        check_same(fn, a)


@pytest.mark.parametrize("la", LAYOUTS, ids=IDS)
def test_pow_with_a_number(la):
    """pow(Tensor, Number) is a unary kernel to PyTorch (a dense input keeps its strides);
    pow(Number, Tensor) is allocated row-major."""
    for fn in (lambda m, a: a ** 2, lambda m, a: a ** 0, lambda m, a: a ** 1, lambda m, a: a ** 0.5,
               lambda m, a: a.square(), lambda m, a: m.float_power(a, 2),
               lambda m, a: 2 ** a, lambda m, a: 1 ** a, lambda m, a: m.pow(2.5, a),
               lambda m, a: m.float_power(2, a), lambda m, a: a.int() ** 2):
        check_same(lambda m, a: fn(m, laid_out(a, inverse(la[1]), la[2])), source(*la))
