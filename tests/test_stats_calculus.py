"""cov, corrcoef, trapezoid/trapz, cumulative_trapezoid, gradient, index_reduce and
unravel_index against PyTorch: values, dtypes, gradients, double backward, errors."""
import numpy as np
import pytest

import ember
import torch
from oracle import check_same, Arr

rng = np.random.default_rng(3)
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def randn(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def double_backward_same(fn, *arrays, wrt=(0,)):
    res = []
    for m in (ember, torch):
        ts = [m.tensor(a, requires_grad=i in wrt) for i, a in enumerate(arrays)]
        out = fn(m, *ts)
        outs = out if isinstance(out, tuple) else (out,)
        loss = sum((o * o * o).sum() for o in outs)
        gs = m.autograd.grad(loss, [ts[i] for i in wrt], create_graph=True)
        h = m.autograd.grad(sum((g * g).sum() for g in gs), [ts[i] for i in wrt],
                            allow_unused=True)
        res.append([g.detach().numpy() for g in gs] + [
            np.zeros(1) if x is None else x.numpy() for x in h])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


# ---------------------------------------------------------------------------- cov, corrcoef
@pytest.mark.parametrize("kw", [{}, {"correction": 0}, {"correction": 2}])
@pytest.mark.parametrize("shape", [(3, 5), (5,), (1, 4), (2, 1)])
def test_cov(shape, kw):
    check_same(lambda m, x: m.cov(x, **kw), Arr(randn(*shape), requires_grad=True), grad=True)
    check_same(lambda m, x: x.cov(**kw), Arr(randn(*shape), "float64"))


def test_cov_weights_and_dtypes():
    fw = np.array([1, 2, 0, 3, 1])
    aw = np.array([0.5, 1., 2., 0.1, 1.], np.float32)
    for kw in ({"fweights": Arr(fw)}, {"aweights": Arr(aw)},
               {"fweights": Arr(fw), "aweights": Arr(aw)},
               {"fweights": Arr(fw), "aweights": Arr(aw), "correction": 0}):
        check_same(lambda m, x, **k: m.cov(x, **k), Arr(randn(3, 5), requires_grad=True),
                   kwargs=kw, grad=True)
    check_same(lambda m, x: m.cov(x), Arr(np.arange(6).reshape(2, 3)))
    check_same(lambda m, x: m.cov(x), Arr(randn(2, 3), "complex64"))
    double_backward_same(lambda m, x: m.cov(x), randn(3, 4, dtype=np.float64))


@pytest.mark.parametrize("fn", [
    lambda m, x: m.cov(x.view(1, 3, 5)),
    lambda m, x: m.cov(x, fweights=m.ones(5)),
    lambda m, x: m.cov(x, aweights=m.ones(5, dtype=m.long)),
    lambda m, x: m.cov(x, fweights=m.ones(4, dtype=m.long)),
    lambda m, x: m.cov(x, fweights=-m.ones(5, dtype=m.long)),
    lambda m, x: m.cov(x, aweights=-m.ones(5)),
    lambda m, x: m.cov(x, fweights=m.ones(1, 5, dtype=m.long)),
    lambda m, x: m.cov(x, correction=5),
    lambda m, x: m.corrcoef(x.view(1, 3, 5)),
])
def test_cov_errors(fn):
    check_same(fn, Arr(randn(3, 5)))


@pytest.mark.parametrize("shape", [(3, 5), (5,), (2, 2), (1, 4)])
def test_corrcoef(shape):
    check_same(lambda m, x: m.corrcoef(x), Arr(randn(*shape), requires_grad=True), grad=True)
    check_same(lambda m, x: x.corrcoef(), Arr(randn(*shape), "float64"))
    check_same(lambda m, x: m.corrcoef(x), Arr(np.arange(8).reshape(2, 4) % 3))
    check_same(lambda m, x: m.corrcoef(x), Arr(randn(*shape), "complex128"))


# ---------------------------------------------------------------------------- trapezoid
@pytest.mark.parametrize("fname", ["trapezoid", "trapz"])
@pytest.mark.parametrize("case", [
    lambda m, f, y: f(y),
    lambda m, f, y: f(y, dx=2.5),
    lambda m, f, y: f(y, dim=0),
    lambda m, f, y: f(y, m.arange(5.) ** 2),
    lambda m, f, y: f(y, m.arange(3.) * 0.5, dim=0),
    lambda m, f, y: f(y, y * 2),
    lambda m, f, y: f(y, dx=3, dim=-2),
    lambda m, f, y: f(y, m.arange(4.)),
])
def test_trapezoid(fname, case):
    check_same(lambda m, y: case(m, getattr(m, fname), y), Arr(randn(3, 5), requires_grad=True),
               grad=True)
    check_same(lambda m, y: case(m, getattr(m, fname), y), Arr(randn(3, 5), "float64"))


@pytest.mark.parametrize("case", [
    lambda m, y: m.cumulative_trapezoid(y),
    lambda m, y: m.cumulative_trapezoid(y, dx=0.5, dim=0),
    lambda m, y: m.cumulative_trapezoid(y, m.arange(5.) ** 2),
    lambda m, y: m.cumulative_trapezoid(y, y),
    lambda m, y: m.cumulative_trapezoid(y, m.arange(2.)),
])
def test_cumulative_trapezoid(case):
    check_same(case, Arr(randn(3, 5), requires_grad=True), grad=True)


def test_trapezoid_edge_cases():
    for fn in (lambda m, y: m.trapezoid(y), lambda m, y: m.cumulative_trapezoid(y),
               lambda m, y: m.trapezoid(y, dx=2), lambda m, y: m.cumulative_trapezoid(y, dim=0)):
        check_same(fn, Arr(np.arange(5)))
        check_same(fn, Arr(np.zeros((3, 0), np.float32)))
        check_same(fn, Arr(np.arange(6).reshape(2, 3), "int32"))
    double_backward_same(lambda m, y, x: m.trapezoid(y, x), randn(3, 4, dtype=np.float64),
                         np.cumsum(np.abs(randn(4, dtype=np.float64))), wrt=(0, 1))
    double_backward_same(lambda m, y: m.cumulative_trapezoid(y, dx=0.3),
                         randn(3, 4, dtype=np.float64))


# ---------------------------------------------------------------------------- gradient
@pytest.mark.parametrize("kw", [
    {}, {"spacing": 2.}, {"edge_order": 2}, {"spacing": 0.5, "edge_order": 2}, {"dim": 1},
    {"dim": [0, -1]}, {"spacing": [1., 3.]}, {"spacing": [2.], "dim": 0},
    {"spacing": [1.5, 2.], "dim": (1, 0), "edge_order": 2},
])
def test_gradient(kw):
    check_same(lambda m, x: m.gradient(x, **kw), Arr(randn(4, 5), requires_grad=True),
               grad=True)


@pytest.mark.parametrize("edge_order", [1, 2])
def test_gradient_coordinates(edge_order):
    coords = [np.array([0., 1., 3., 4.5, 7.], np.float32), np.array([0., .5, 2., 2.5], np.float32)]

    def fn(m, x, c0, c1):
        return m.gradient(x, spacing=(c1, c0), edge_order=edge_order)
    check_same(fn, Arr(randn(4, 5), requires_grad=True), Arr(coords[0]), Arr(coords[1]),
               grad=True)
    check_same(lambda m, x, c: m.gradient(x, spacing=(c,), dim=1, edge_order=edge_order),
               Arr(randn(3, 5), "float64"), Arr(coords[0].astype(np.float64)))
    double_backward_same(lambda m, x: m.gradient(x, edge_order=edge_order),
                         randn(4, 5, dtype=np.float64))


@pytest.mark.parametrize("fn", [
    lambda m, x: m.gradient(x[:1]),
    lambda m, x: m.gradient(x[:, :2], edge_order=2),
    lambda m, x: m.gradient(x, edge_order=3),
    lambda m, x: m.gradient(x, spacing=[1., 2.], dim=0),
    lambda m, x: m.gradient(x.int()),
    lambda m, x: m.gradient(x[0]),
])
def test_gradient_errors_and_ints(fn):
    check_same(fn, Arr(randn(4, 5)))


# ---------------------------------------------------------------------------- index_reduce
@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_index_reduce(reduce, include_self):
    src = randn(5, 3)
    src[1, 0] = 0.
    x = randn(4, 3)
    x[0, 1] = 0.
    idx = np.array([0, 2, 0, 3, 0])

    def fn(m, x, i, s):
        return x.index_reduce(0, i, s, reduce, include_self=include_self)
    check_same(lambda m, x, i, s: m.index_reduce(x * 1, 0, i, s, reduce,
                                                 include_self=include_self),
               Arr(x, requires_grad=True), Arr(idx), Arr(src, requires_grad=True), grad=True)
    check_same(fn, Arr(x.T.copy(), layout="transposed"), Arr(idx), Arr(src))
    check_same(lambda m, x, i, s: x.index_reduce(1, i, s, reduce, include_self=include_self),
               Arr(randn(3, 4)), Arr(idx[:3] % 4), Arr(randn(3, 3)))
    for dt in ("int64", "int32", "float64"):
        check_same(fn, Arr(x * 4, dt), Arr(idx), Arr(src * 4, dt))

    def inplace(m, x, i, s):
        y = x * 1
        r = y.index_reduce_(0, i, s, reduce, include_self=include_self)
        return r is y, y, y._version
    check_same(inplace, Arr(x, requires_grad=True), Arr(idx), Arr(src, requires_grad=True),
               grad=True)
    if reduce != "prod":
        double_backward_same(lambda m, a, b: a.index_reduce(0, m.tensor(idx), b, reduce,
                                                            include_self=include_self),
                             x.astype(np.float64), src.astype(np.float64), wrt=(0, 1))


def test_index_reduce_prod_double_backward():
    x = randn(4, 3, dtype=np.float64)
    src = randn(5, 3, dtype=np.float64)
    double_backward_same(lambda m, a, b: a.index_reduce(0, m.tensor([0, 2, 0, 3, 0]), b, "prod"),
                         x, src, wrt=(0, 1))


@pytest.mark.parametrize("fn", [
    lambda m, x, i, s: x.index_reduce(0, i, s, "sum"),
    lambda m, x, i, s: x.index_reduce(0, i.float(), s, "prod"),
    lambda m, x, i, s: x.index_reduce(0, i[:3], s, "prod"),
    lambda m, x, i, s: x.index_reduce(0, i, s.double(), "prod"),
    lambda m, x, i, s: x.index_reduce(1, i, s, "prod"),
    lambda m, x, i, s: x.index_reduce(0, i * 5, s, "prod"),
    lambda m, x, i, s: x.index_reduce(2, i, s, "prod"),
    lambda m, x, i, s: x.index_reduce(0, i[None], s, "prod"),
    lambda m, x, i, s: x.index_reduce_(0, i, s, "amax"),
])
def test_index_reduce_errors(fn):
    check_same(fn, Arr(randn(3, 2), requires_grad=True), Arr(np.array([0, 2, 0, 0])),
               Arr(randn(4, 2)))


# ---------------------------------------------------------------------------- unravel_index
@pytest.mark.parametrize("idx,shape", [([4, 7], (3, 3)), (5, (2, 3)), ([[1, 2], [3, 0]], (2, 2)),
                                       ([-1], (3, 3)), ([9], (3, 3)), ([1], (3, -3)),
                                       ([0], ()), ([3], 4)])
def test_unravel_index(idx, shape):
    check_same(lambda m, i: m.unravel_index(i, shape), Arr(np.array(idx)))


def test_unravel_index_errors():
    check_same(lambda m, i: m.unravel_index(i, (3, 3)), Arr(np.array([1.5])))
    check_same(lambda m, i: m.unravel_index(i, (3, 3)), Arr(np.array([True])))
