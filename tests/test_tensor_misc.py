"""Small tensor functions against PyTorch: ember.is_* predicates, fill, sum_to_size, diagflat,
fill_diagonal_, dim_order, unsafe splits, deprecated resize/resize_as, apply_/map_/map2_,
empty_permuted, addmv_, detach/resolve_* functions, as_subclass."""
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import check_same, Arr, normalize_message

rng = np.random.default_rng(1)
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def randn(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def gname(t):
    return type(t.grad_fn).__name__ if t.grad_fn is not None else None


@pytest.mark.parametrize("arr", [np.array([1.5]), np.array([0.]), np.array(3), np.array([]),
                                 np.array([1, 2]), np.array([[0]], dtype=np.int8)])
def test_is_nonzero(arr):
    check_same(lambda m, x: m.is_nonzero(x), Arr(arr))
    check_same(lambda m, x: x.is_nonzero(), Arr(arr))


def test_predicates():
    for dt in ("bool", "uint8", "int8", "int64", "float16", "bfloat16", "float32",
               "complex64"):
        check_same(lambda m, x: (m.is_signed(x), m.is_conj(x), m.is_neg(x), m.is_inference(x),
                                 m.is_distributed(x), x.is_distributed(), m.get_device(x)),
                   Arr(randn(2), dt))
    check_same(lambda m, a, b: (m.is_same_size(a, b), a.is_same_size(b), m.is_same_size(a, a.t())),
               Arr(randn(2, 3)), Arr(randn(2, 3)))
    check_same(lambda m, a, b: m.is_same_size(a, b), Arr(randn(2, 3)), Arr(randn(3)))
    check_same(lambda m, x: m.is_signed(3), Arr(randn(1)))
    check_same(lambda m, x: m.is_same_size(x, 1), Arr(randn(1)))

    def inference(m, x):
        with m.inference_mode():
            y = x * 2
        return m.is_inference(y), m.is_inference(x)
    check_same(inference, Arr(randn(2)))


def test_detach_resolve_functions():
    def fn(m, x):
        y = x * 2
        d = m.detach(y)
        d.add_(1)                       # shares memory and version counter with y
        r = m.resolve_conj(y), m.resolve_neg(y)
        z = y * 1
        m.detach_(z)
        return d, y._version, d.requires_grad, r[0].requires_grad, z.requires_grad, gname(z)
    check_same(fn, Arr(randn(2, 3), requires_grad=True))
    check_same(lambda m, x: m.resolve_conj(x), Arr(randn(3), "complex64"))


@pytest.mark.parametrize("dt", ["float32", "float64", "int32", "bool", "complex64"])
def test_fill(dt):
    check_same(lambda m, x: m.fill(x, 2), Arr(randn(2, 3), dt))
    check_same(lambda m, x: m.fill(x, m.tensor(3)), Arr(randn(2, 3), dt))
    check_same(lambda m, x: m.fill(x.t(), 1), Arr(randn(2, 3), dt))


def test_fill_grads_and_errors():
    def fn(m, x, v):
        r = m.fill(x * 1, v)
        return r, gname(r)
    check_same(fn, Arr(randn(2, 3), requires_grad=True), Arr(np.array(2.5, np.float32),
                                                              requires_grad=True), grad=True)
    check_same(lambda m, x: m.fill(x, 2.), Arr(randn(2, 3), requires_grad=True), grad=True,
               check_grad_fn=True)
    check_same(lambda m, x: m.fill(x, m.tensor([1., 2.])), Arr(randn(2, 3)))


@pytest.mark.parametrize("size", [(1, 4), (4,), (3, 1), (1, 1), (3, 4), (), (2, 4), (5,),
                                  (2, 3, 4)])
def test_sum_to_size(size):
    check_same(lambda m, x: x.sum_to_size(size), Arr(randn(3, 4), requires_grad=True),
               grad=True, check_grad_fn=True)
    if size:
        check_same(lambda m, x: x.sum_to_size(*size), Arr(randn(3, 4)))
    check_same(lambda m, x: x.sum_to_size(size), Arr(randn(3, 4), "int32"))


@pytest.mark.parametrize("shape,offset", [((3,), 0), ((2, 2), 1), ((), 0), ((2, 3), -2),
                                          ((0,), 1)])
def test_diagflat(shape, offset):
    check_same(lambda m, x: m.diagflat(x, offset), Arr(randn(*shape), requires_grad=True),
               grad=True, check_grad_fn=True)
    check_same(lambda m, x: x.diagflat(offset), Arr(randn(*shape), "int64"))


@pytest.mark.parametrize("shape,wrap", [((3, 4), False), ((4, 3), False), ((7, 3), True),
                                        ((7, 3), False), ((2, 2, 2), False), ((3, 3), True),
                                        ((5, 4), True), ((2, 3, 4), False), ((2,), False)])
def test_fill_diagonal_(shape, wrap):
    check_same(lambda m, x: x.fill_diagonal_(5., wrap), Arr(randn(*shape)))
    check_same(lambda m, x: x.fill_diagonal_(1, wrap=wrap), Arr(randn(*shape), "int32"))


def test_fill_diagonal_autograd_and_layouts():
    def fn(m, x):
        y = x * 1
        y.fill_diagonal_(2.)
        return y, gname(y), y._version
    check_same(fn, Arr(randn(3, 4), requires_grad=True), grad=True)
    check_same(lambda m, x: x.fill_diagonal_(2.), Arr(randn(3, 4), layout="transposed"))
    check_same(lambda m, x: x.fill_diagonal_(2.), Arr(randn(3, 4), requires_grad=True))


def test_dim_order_and_data_ptr():
    check_same(lambda m, x: (x.dim_order(), x.t().dim_order(), x[None].dim_order()),
               Arr(randn(2, 3)))
    check_same(lambda m, x: x.permute(2, 0, 1).dim_order(), Arr(randn(2, 3, 4)))
    check_same(lambda m, x: x.const_data_ptr() == x.data_ptr(), Arr(randn(2, 3)))
    check_same(lambda m, x: m.zeros(0).const_data_ptr(), Arr(randn(1)))


def test_as_subclass():
    for m in (ember, torch):
        class Sub(m.Tensor):
            pass
        x = m.ones(2, requires_grad=True) * 3
        s = x.as_subclass(Sub)
        assert type(s) is Sub and s.requires_grad
        assert s.data_ptr() == x.data_ptr()
    check_same(lambda m, x: x.as_subclass(int), Arr(randn(2)))


@pytest.mark.parametrize("fn", [
    lambda m, x: m.unsafe_split(x, 2),
    lambda m, x: m.unsafe_split(x, 3, 1),
    lambda m, x: x.unsafe_split(2, -1),
    lambda m, x: m.unsafe_split_with_sizes(x, [1, 2]),
    lambda m, x: x.unsafe_split_with_sizes([2, 2], 1),
    lambda m, x: m.unsafe_chunk(x, 2),
    lambda m, x: x.unsafe_chunk(3, 1),
])
def test_unsafe_split(fn):
    def run(m, x):
        y = x * 1
        outs = fn(m, y)
        facts = [(o._base is None, o.data_ptr() - y.data_ptr(), gname(o)) for o in outs]
        outs[0].mul_(2)            # allowed: not a view (PyTorch's unsafe variants)
        return list(outs), facts
    check_same(run, Arr(randn(3, 4), requires_grad=True), grad=True)
    check_same(fn, Arr(randn(3, 4), "int64"))


def test_unsafe_split_errors():
    check_same(lambda m, x: m.unsafe_split_with_sizes(x, [1, 1]), Arr(randn(3, 4)))
    check_same(lambda m, x: m.unsafe_chunk(x, 0), Arr(randn(3, 4)))


def _warned(fn, m, *args):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = fn(m, *args)
    return r, [normalize_message(str(x.message)) for x in w]


@pytest.mark.parametrize("fn", [
    lambda m, x: _warned(lambda m, x: x.resize(4, 3), m, x),
    lambda m, x: _warned(lambda m, x: x.resize((12,)), m, x),
    lambda m, x: _warned(lambda m, x: x.resize_as(m.zeros(2, 6)), m, x),
    lambda m, x: x.resize(5),
    lambda m, x: m.resize_as_(m.zeros(2), x).shape,
])
def test_resize(fn):
    check_same(fn, Arr(randn(3, 4), requires_grad=True))
    check_same(fn, Arr(randn(4, 3), layout="transposed"))

    def grads(m, x):
        r = x.resize(2, 6)
        return r, gname(r)
    res = check_same(grads, Arr(randn(3, 4), requires_grad=True), grad=True)
    assert res[0][1] == "ResizeBackward"


@pytest.mark.parametrize("dt", ["float32", "float64", "int32", "int64", "bool", "uint8"])
def test_apply_map(dt):
    check_same(lambda m, x: x.apply_(lambda v: v * 2), Arr(randn(2, 3) * 3, dt))
    check_same(lambda m, x, y: x.map_(y, lambda a, b: a + b), Arr(randn(2, 3) * 3, dt),
               Arr(randn(3) * 3, dt))
    check_same(lambda m, x, y, z: x.map2_(y, z, lambda a, b, c: a * c + b),
               Arr(randn(2, 3) * 3, dt), Arr(randn(3) * 3, dt), Arr(randn(2, 1) * 3, dt))


def test_apply_errors_and_views():
    check_same(lambda m, x: x.apply_(lambda v: v), Arr(randn(2), requires_grad=True))
    check_same(lambda m, x: x.apply_(lambda v: "a"), Arr(randn(2)))
    check_same(lambda m, x: x.apply_(lambda v: 1.5), Arr(randn(2), "int32"))

    def on_view(m, x):
        x[:, 1].apply_(lambda v: -v)
        return x, x._version
    check_same(on_view, Arr(randn(2, 3)))
    check_same(lambda m, x: x.t().apply_(lambda v: v + 1), Arr(randn(2, 3)))


@pytest.mark.parametrize("size,perm", [((2, 3, 4), (0, 2, 1)), ((2, 3, 4), (2, 1, 0)),
                                       ((3,), (0,)), ((), ()), ((2, 0, 3), (1, 0, 2))])
def test_empty_permuted(size, perm):
    def fn(m):
        t = m.empty_permuted(size, perm, dtype=m.float64, requires_grad=True)
        return t.shape, t.stride(), t.dtype, t.requires_grad
    check_same(fn)


@pytest.mark.parametrize("size,perm", [((2, 3), (0, 0)), ((2, 3), (0,)), ((2, 3), (0, 5))])
def test_empty_permuted_errors(size, perm):
    check_same(lambda m: m.empty_permuted(size, perm))


def test_addmv_():
    check_same(lambda m, x, a, v: m.addmv_(x, a, v, beta=2, alpha=0.5), Arr(randn(2)),
               Arr(randn(2, 3)), Arr(randn(3)))
    check_same(lambda m, x, a, v: m.addmv_(x, a, v), Arr(randn(2)), Arr(randn(2, 4)),
               Arr(randn(3)))


@pytest.mark.parametrize("assign", [False, True])
def test_module_load(assign):
    def fn(m, a, b):
        r = a.module_load(b * 2, assign=assign)
        return r, r is a, r.requires_grad, a, r._base is None
    check_same(fn, Arr(randn(3)), Arr(randn(3), requires_grad=True))
    check_same(lambda m, a, b: m.nn.Parameter(a).module_load(b, assign=assign),
               Arr(randn(3)), Arr(randn(3)))
    check_same(lambda m, a, b: a.module_load(b, assign=assign), Arr(randn(3)), Arr(randn(2, 3)))
