"""Index ops against PyTorch: index_select/add/copy/fill/put, gather, scatter*, take, put,
take_along_dim, masked_*, nonzero/argwhere: values, dtypes, layouts, errors, gradients and
double gradients."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

import ember
import torch
from oracle import check_same, Arr, ALL_DTYPE_NAMES, assert_same

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def data(shape, dtype="float64", seed=0):
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) > 0.5
    if dtype.startswith("uint"):
        return rng.integers(0, 5, shape).astype(dtype)
    if dtype.startswith("int"):
        return rng.integers(-4, 5, shape).astype(dtype)
    if dtype.startswith("complex"):
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape)


def A(shape, dtype="float64", seed=0, **kw):
    return Arr(data(shape, dtype, seed), dtype=dtype, **kw)


def G(shape, seed=0, **kw):
    """A float64 input that requires grad."""
    return Arr(data(shape, "float64", seed), dtype="float64", requires_grad=True, **kw)


def I(values, dtype="int64"):
    return Arr(np.array(values), dtype=dtype)


def M(values):
    return Arr(np.array(values, dtype=bool), dtype="bool")


# ---------------------------------------------------------------------------- dtypes
DTYPE_CASES = {
    "index_select": lambda m, x, s: x.index_select(1, m.tensor([2, 0, 2])),
    "index_add": lambda m, x, s: x.index_add(0, m.tensor([2, 0, 2]), s),
    "index_add_alpha": lambda m, x, s: x.index_add(0, m.tensor([2, 0]), s[:2], alpha=2),
    "index_copy": lambda m, x, s: x.index_copy(0, m.tensor([2, 0, 1]), s),
    "index_fill": lambda m, x, s: x.index_fill(1, m.tensor([0, -1]), 1),
    "index_fill_t": lambda m, x, s: x.index_fill(1, m.tensor([3]), s[0, 0]),
    "index_put": lambda m, x, s: x.index_put((m.tensor([0, 2]),), s[0]),
    "index_put_acc": lambda m, x, s: x.index_put((m.tensor([0, 0]), m.tensor([1, 1])), s[0, 0],
                                                 accumulate=True),
    "gather": lambda m, x, s: x.gather(1, m.tensor([[0, 3], [1, 1], [2, 0]])),
    "scatter": lambda m, x, s: x.scatter(1, m.tensor([[0, 3], [1, 2], [2, 0]]), s[:, :2]),
    "scatter_value": lambda m, x, s: x.scatter(0, m.tensor([[2, 0, 1, 1]]), 1),
    "scatter_add": lambda m, x, s: x.scatter_add(0, m.tensor([[2, 0, 2, 2], [2, 2, 0, 1]]), s[:2]),
    "scatter_reduce_sum": lambda m, x, s: x.scatter_reduce(1, m.tensor([[0, 0], [1, 3], [3, 3]]),
                                                           s[:, :2], "sum"),
    "scatter_reduce_amax": lambda m, x, s: x.scatter_reduce(1, m.tensor([[0, 0], [1, 3], [3, 3]]),
                                                            s[:, 1:3], "amax", include_self=False),
    "scatter_reduce_prod": lambda m, x, s: x.scatter_reduce(0, m.tensor([[0, 0, 1, 1]]), s[:1],
                                                            "prod"),
    "scatter_reduce_mean": lambda m, x, s: x.scatter_reduce(0, m.tensor([[0, 0, 1, 1], [0, 2, 1, 1]]),
                                                            s[1:], "mean"),
    "take": lambda m, x, s: x.take(m.tensor([[0, 11], [-1, 5]])),
    "take_along_dim": lambda m, x, s: m.take_along_dim(x, m.tensor([[0], [3], [1]]), 1),
    "put": lambda m, x, s: x.put(m.tensor([0, 11, 5]), s[0, :3]),
    "put_acc": lambda m, x, s: x.put(m.tensor([0, 0, -1]), s[0, :3], accumulate=True),
    "masked_select": lambda m, x, s: x.masked_select(s.bool() if s.dtype != m.bool else s),
    "masked_fill": lambda m, x, s: x.masked_fill(m.tensor([True, False, True, False]), 1),
    "masked_fill_t": lambda m, x, s: x.masked_fill(m.tensor([[True], [False], [True]]), s[1, 1]),
    "masked_scatter": lambda m, x, s: x.masked_scatter(m.tensor([True, False, True, True]), s),
    "nonzero": lambda m, x, s: x.nonzero(),
    "nonzero_tuple": lambda m, x, s: x.nonzero(as_tuple=True),
    "argwhere": lambda m, x, s: m.argwhere(x),
    "where1": lambda m, x, s: m.where(x),
}


@pytest.mark.parametrize("dtype", ALL_DTYPE_NAMES)
@pytest.mark.parametrize("op", list(DTYPE_CASES))
def test_dtypes(op, dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_same(DTYPE_CASES[op], A((3, 4), dtype), A((3, 4), dtype, seed=1))


@pytest.mark.parametrize("op", list(DTYPE_CASES))
def test_noncontiguous(op):
    check_same(DTYPE_CASES[op], A((4, 3), layout="transposed"), A((4, 3), seed=1,
                                                                  layout="transposed"))
    check_same(DTYPE_CASES[op], A((3, 8), layout="strided"), A((3, 8), seed=1, layout="strided"))


@pytest.mark.parametrize("op", [k for k in DTYPE_CASES if k not in (
    "nonzero", "nonzero_tuple", "argwhere", "where1")])
def test_grads(op):
    check_same(DTYPE_CASES[op], G((3, 4)), G((3, 4), seed=1), grad=True, check_grad_fn=True)


@pytest.mark.parametrize("op", [k for k in DTYPE_CASES if k not in (
    "nonzero", "nonzero_tuple", "argwhere", "where1", "masked_select")])
def test_self_grad_only(op):
    # source is a plain tensor: only self gets a gradient
    check_same(DTYPE_CASES[op], G((3, 4)), A((3, 4), seed=1), grad=True, check_grad_fn=True)


# ---------------------------------------------------------------------------- in-place forms
INPLACE_CASES = {
    "index_add_": lambda m, x, s: x.index_add_(0, m.tensor([2, 0, 2]), s),
    "index_add_alpha": lambda m, x, s: x.index_add_(1, m.tensor([1, 1, 0, 3]), s, alpha=-1.5),
    "index_copy_": lambda m, x, s: x.index_copy_(1, m.tensor([3, 1, 0, 2]), s),
    "index_fill_": lambda m, x, s: x.index_fill_(0, m.tensor([1]), -2.),
    "index_fill_t": lambda m, x, s: x.index_fill_(0, m.tensor([1, 2]), s[0, 0]),
    "index_put_": lambda m, x, s: x.index_put_((m.tensor([1, 2]), m.tensor([0, 3])), s[0, :2]),
    "index_put_acc": lambda m, x, s: x.index_put_((m.tensor([1, 1]),), s[0], accumulate=True),
    "index_put_mask": lambda m, x, s: x.index_put_((s > 0,), s[0, 0]),
    "scatter_": lambda m, x, s: x.scatter_(1, m.tensor([[0, 3], [1, 2], [2, 0]]), s[:, :2]),
    "scatter_value": lambda m, x, s: x.scatter_(1, m.tensor([[0, 3], [1, 2], [2, 0]]), 2.5),
    "scatter_add_": lambda m, x, s: x.scatter_add_(0, m.tensor([[2, 0, 2, 2]]), s[:1]),
    "scatter_reduce_": lambda m, x, s: x.scatter_reduce_(0, m.tensor([[2, 0, 2, 2]]), s[1:2],
                                                         "amin"),
    "scatter_reduce_mean": lambda m, x, s: x.scatter_reduce_(0, m.tensor([[2, 0, 2, 2]]), s[2:],
                                                             "mean", include_self=False),
    "put_": lambda m, x, s: x.put_(m.tensor([1, 7]), s[0, :2]),
    "put_acc": lambda m, x, s: x.put_(m.tensor([1, 1]), s[0, :2], accumulate=True),
    "masked_fill_": lambda m, x, s: x.masked_fill_(s > 0, 3.),
    "masked_fill_t": lambda m, x, s: x.masked_fill_(m.tensor([True, False, False, True]), s[2, 2]),
    "masked_scatter_": lambda m, x, s: x.masked_scatter_(s > 0, s * 2),
}


@pytest.mark.parametrize("op", list(INPLACE_CASES))
def test_inplace(op):
    fn = INPLACE_CASES[op]
    check_same(lambda m, x, s: fn(m, x, s), A((3, 4)), A((3, 4), seed=1))
    check_same(lambda m, x, s: fn(m, x.t().contiguous().t(), s), A((3, 4)), A((3, 4), seed=1))
    # on a non-leaf that requires grad, with a source that requires grad
    check_same(lambda m, x, s: fn(m, x * 1, s), G((3, 4)), G((3, 4), seed=1), grad=True,
               check_grad_fn=True)
    check_same(lambda m, x, s: fn(m, x * 1, s), A((3, 4)), G((3, 4), seed=1), grad=True,
               check_grad_fn=True)
    # a leaf that requires grad cannot be modified in place
    check_same(lambda m, x, s: fn(m, x, s), G((3, 4)), A((3, 4), seed=1))


def test_inplace_returns_self_and_bumps_version():
    for name, fn in INPLACE_CASES.items():
        for m in (ember, torch):
            x = m.zeros(3, 4, dtype=m.float64)
            s = m.ones(3, 4, dtype=m.float64)
            v = x._version
            assert fn(m, x, s) is x
            assert x._version > v, name


def test_inplace_on_view_updates_base():
    for name, fn in INPLACE_CASES.items():
        def f(m, x, s):
            base = x * 1
            fn(m, base[:, :], s)
            return base
        check_same(f, G((3, 4)), G((3, 4), seed=1), grad=True)


# ---------------------------------------------------------------------------- shapes (hypothesis)
@st.composite
def gather_case(draw):
    ndim = draw(st.integers(1, 3))
    shape = tuple(draw(st.integers(1, 4)) for _ in range(ndim))
    dim = draw(st.integers(-ndim, ndim - 1))
    d = dim % ndim
    ishape = tuple(draw(st.integers(0, 5)) if i == d else draw(st.integers(0, shape[i]))
                   for i in range(ndim))
    seed = draw(st.integers(0, 10000))
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, shape[d], ishape)
    return shape, dim, idx, seed


@SETTINGS
@given(case=gather_case())
def test_gather_shapes(case):
    shape, dim, idx, seed = case
    check_same(lambda m, x, i: x.gather(dim, i), G(shape, seed), I(idx), grad=True,
               check_grad_fn=True)
    check_same(lambda m, x, i: m.take_along_dim(x, i, dim), G(shape, seed), I(idx), grad=True)


@SETTINGS
@given(case=gather_case())
def test_scatter_add_and_reduce_shapes(case):
    shape, dim, idx, seed = case
    d = dim % len(shape)
    if idx.shape[d] > shape[d]:
        idx = idx[tuple(slice(0, shape[d]) if i == d else slice(None) for i in range(len(shape)))]
    src_shape = idx.shape
    big = tuple(n + 1 for n in idx.shape)
    check_same(lambda m, x, i, s: x.scatter_add(dim, i, s), A(shape, seed=seed), I(idx),
               A(big, seed=seed + 1))
    check_same(lambda m, x, i, s: x.scatter_add(dim, i, s), G(shape, seed), I(idx),
               G(src_shape, seed + 1), grad=True, check_grad_fn=True)
    reduce = ["sum", "prod", "mean", "amax", "amin"][seed % 5]
    include_self = bool(seed % 3)
    check_same(lambda m, x, i, s: x.scatter_reduce(dim, i, s, reduce, include_self=include_self),
               G(shape, seed), I(idx), G(src_shape, seed + 1), grad=True, check_grad_fn=True)
    # scatter with unique positions along dim (duplicates make the winner unspecified)
    uniq = np.argsort(np.random.default_rng(seed).random(
        tuple(shape[d] if i == d else n for i, n in enumerate(idx.shape))), axis=d)
    uniq = uniq[tuple(slice(0, idx.shape[d]) if i == d else slice(None)
                      for i in range(len(shape)))]
    check_same(lambda m, x, i, s: x.scatter(dim, i, s), G(shape, seed), I(uniq),
               G(uniq.shape, seed + 1), grad=True, check_grad_fn=True)


@st.composite
def index_case(draw):
    ndim = draw(st.integers(1, 3))
    shape = tuple(draw(st.integers(1, 4)) for _ in range(ndim))
    dim = draw(st.integers(-ndim, ndim - 1))
    d = dim % ndim
    n = draw(st.integers(0, 6))
    seed = draw(st.integers(0, 10000))
    idx = np.random.default_rng(seed).integers(0, shape[d], n)
    return shape, dim, d, idx, seed


@SETTINGS
@given(case=index_case())
def test_index_ops_shapes(case):
    shape, dim, d, idx, seed = case
    sshape = tuple(len(idx) if i == d else n for i, n in enumerate(shape))
    check_same(lambda m, x, i: x.index_select(dim, i), G(shape, seed), I(idx), grad=True,
               check_grad_fn=True)
    check_same(lambda m, x, i, s: x.index_add(dim, i, s, alpha=0.5), G(shape, seed), I(idx),
               G(sshape, seed + 1), grad=True, check_grad_fn=True)
    check_same(lambda m, x, i: x.index_fill(dim, i, -1.), G(shape, seed), I(idx), grad=True,
               check_grad_fn=True)
    uniq = np.random.default_rng(seed).permutation(shape[d])[:len(idx)]
    ushape = tuple(len(uniq) if i == d else n for i, n in enumerate(shape))
    check_same(lambda m, x, i, s: x.index_copy(dim, i, s), G(shape, seed), I(uniq),
               G(ushape, seed + 1), grad=True, check_grad_fn=True)


@SETTINGS
@given(shape=st.lists(st.integers(0, 4), min_size=0, max_size=4), seed=st.integers(0, 1000),
       bshape=st.integers(0, 3))
def test_masked_shapes(shape, seed, bshape):
    shape = tuple(shape)
    mshape = shape[len(shape) - min(bshape, len(shape)):]
    mask = np.random.default_rng(seed).random(mshape) > 0.4
    n = int(np.broadcast_to(mask, shape).sum()) if len(mshape) <= len(shape) else 0
    check_same(lambda m, x, k: x.masked_select(k), G(shape, seed), M(mask), grad=True,
               check_grad_fn=True)
    check_same(lambda m, x, k: x.masked_fill(k, 2.), G(shape, seed), M(mask), grad=True,
               check_grad_fn=True)
    check_same(lambda m, x, k, s: x.masked_scatter(k, s), G(shape, seed), M(mask),
               G((n + seed % 3,), seed), grad=True, check_grad_fn=True)
    check_same(lambda m, x: x.nonzero(), Arr(mask))
    check_same(lambda m, x: x.nonzero(as_tuple=True), Arr(mask))


@SETTINGS
@given(shape=st.lists(st.integers(0, 4), min_size=0, max_size=3), seed=st.integers(0, 1000),
       n=st.integers(0, 6))
def test_take_put_shapes(shape, seed, n):
    shape = tuple(shape)
    numel = int(np.prod(shape)) if shape else 1
    if numel == 0:
        n = 0
    rng = np.random.default_rng(seed)
    idx = rng.integers(-numel, numel, n) if numel else np.zeros(0, np.int64)
    check_same(lambda m, x, i: x.take(i), G(shape, seed), I(idx), grad=True, check_grad_fn=True)
    check_same(lambda m, x, i, s: x.put(i, s, accumulate=True), G(shape, seed), I(idx),
               G((n,), seed + 1), grad=True, check_grad_fn=True)
    uniq = (rng.permutation(numel)[:n] if numel else idx)
    check_same(lambda m, x, i, s: x.put(i, s), G(shape, seed), I(uniq),
               G((len(uniq),), seed + 1), grad=True, check_grad_fn=True)


# ---------------------------------------------------------------------------- index_put variants
X34 = np.arange(12.).reshape(3, 4)


@pytest.mark.parametrize("expr", [
    "x.index_put((m.tensor([0, 2]),), v[0])",
    "x.index_put((m.tensor([0, 2]), m.tensor([1, 3])), v[0, :2])",
    "x.index_put((m.tensor([[0], [2]]), m.tensor([1, 3])), v[0, :2])",
    "x.index_put((m.tensor([0, 2]).int(),), v[0, 0])",
    "x.index_put([m.tensor([1, 1])], v[:2], accumulate=True)",
    "x.index_put((x > 5,), v[0, 0])", "x.index_put((x > 5,), v[0, :6])",
    "x.index_put((m.tensor([True, False, True]),), v[0])",
    "x.index_put((m.tensor([True, False, True]), m.tensor([1, 2])), v[0, :2])",
    "x.index_put((m.tensor([2, 2, 2]), m.tensor([0, 0, 1])), v[0, :3], accumulate=True)",
    "x.index_put((m.tensor([], dtype=m.int64),), v[0, 0])",
    "x.index_put((m.tensor([0, 2]),), v[0].double())", "x.index_put((m.tensor([5]),), v[0, 0])",
    "x.index_put((m.tensor([0.]),), v[0, 0])", "x.index_put((m.tensor([0]),) * 3, v[0, 0])",
    "x.index_put((m.tensor([0, 1]), m.tensor([0, 1, 2])), v[0, 0])",
    "x.index_put((m.tensor([0, 2]),), v[0, :3])", "x.index_put((None, m.tensor([0])), v[0, 0])",
])
def test_index_put(expr):
    check_same(lambda m, x, v: eval(expr), Arr(X34, requires_grad=True), G((3, 4), 2),
               grad=True, check_grad_fn=True)


def test_setitem_still_works_after_index_put():
    # both share IndexPutBackward0; x[idx] = v keeps its own gradient
    def f(m, x, v):
        y = x * 1
        y[m.tensor([0, 2])] = v[0]
        return y.index_put((m.tensor([1]),), v[1, 0], accumulate=True)
    check_same(f, G((3, 4)), G((3, 4), 1), grad=True, check_grad_fn=True)


# ---------------------------------------------------------------------------- scatter variants
@pytest.mark.parametrize("expr", [
    "x.scatter(1, m.tensor([[0], [1], [1]]), s, reduce='add')",
    "x.scatter(1, m.tensor([[0], [1], [1]]), 2., reduce='multiply')",
    "x.scatter(1, m.tensor([[0, 0], [1, 1], [1, 3]]), s, reduce='multiply')",
    "x.scatter(0, m.tensor([[0, 1, 2, 0]]), s, reduce='add')",
    "x.scatter_(1, m.tensor([[0], [1], [1]]), 2., reduce='add')",
    "x.scatter(1, m.tensor([[0], [1], [1]]), 1., reduce='foo')",
    "x.scatter(1, m.tensor([[0], [1], [1]]), s, reduce='mean')",
    "x.scatter(1, m.tensor([[0], [1]]).int(), 1.)", "x.scatter(1, m.tensor([[0], [1]]).float(), 1.)",
    "x.scatter(1, m.tensor([[0], [4]]), 1.)", "x.scatter(1, m.tensor([[0], [-1]]), 1.)",
    "x.scatter(1, m.tensor([[0, 1, 2, 3, 0]]), 1.)", "x.scatter(1, m.tensor([[0, 1, 2, 3, 0]]), s)",
    "x.scatter(1, m.tensor([0, 1]), 1.)", "x.scatter(1, m.tensor([[0], [1]]), m.tensor(1.))",
    "x.scatter(1, m.tensor([[0], [1]]), s.float())", "x.scatter(1, m.tensor([[0], [1]]), 1)",
    "x.scatter(1, m.tensor([[0], [1]]), value=-1.)", "x.scatter(dim=0, index=m.tensor([[1]]), src=s)",
    "x.long().scatter(1, m.tensor([[0], [1]]), 1.5)", "x.scatter(1, m.tensor([[0], [1]]), 1 + 2j)",
    "x.scatter_add(1, m.tensor([[0, 1, 2, 3, 0]]), s)", "x.scatter_add(1, m.tensor([[0]]), s.float())",
    "x.scatter_reduce(1, m.tensor([[0]]), s, 'foo')", "x.scatter_reduce(1, m.tensor([[0]]), s.float(), 'sum')",
    "x.long().scatter_reduce(1, m.tensor([[0, 0], [1, 1], [1, 1]]), s.long(), 'mean')",
    "x.long().scatter_reduce(1, m.tensor([[0, 0], [1, 1], [1, 1]]), -s.long() - 1, 'mean', include_self=False)",
    "x.long().scatter_reduce(1, m.tensor([[0, 0], [1, 1], [1, 1]]), s.long(), 'amax', include_self=False)",
    "x.bool().scatter_reduce(1, m.tensor([[0, 0], [1, 1], [1, 1]]), s.bool(), 'amin', include_self=False)",
    "x.scatter_reduce(0, m.tensor([[0, 0, 0, 0], [0, 0, 0, 0]]), s, 'prod', include_self=False)",
    "x.scatter(0, m.tensor([[]], dtype=m.int64), s)", "x.scatter_add(1, m.zeros(3, 0, dtype=m.int64), s)",
])
def test_scatter_variants(expr):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_same(lambda m, x, s: eval(expr), Arr(X34), Arr(X34[::-1].copy() + 1))


def test_scatter_reduce_tie_and_zero_gradients():
    x = np.array([[1., 0., 3.], [2., 5., 0.]])
    s = np.array([[3., 0., 3., 1.], [5., 5., 2., 0.]])
    idx = np.array([[0, 1, 0, 2], [1, 1, 2, 2]])
    for reduce in ("amax", "amin", "prod", "mean", "sum"):
        for include_self in (True, False):
            check_same(lambda m, x, i, s: x.scatter_reduce(1, i, s, reduce,
                                                           include_self=include_self),
                       Arr(x, requires_grad=True), I(idx), Arr(s, requires_grad=True), grad=True)


def test_scatter_reduce_not_differentiable_message():
    for m in (ember, torch):
        x = m.ones(3, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = x.scatter(0, m.tensor([0]), x, reduce="add")
        assert type(y.grad_fn).__name__ == "NotImplemented"
        with pytest.raises(RuntimeError) as e:
            y.sum().backward()
        assert "derivative for aten::scatter is not implemented" in str(e.value)


def test_larger_src_has_no_gradient():
    # PyTorch's src gradient has the index's shape; a larger src fails the engine's shape check
    for expr in ["x.scatter(1, m.tensor([[0], [1], [1]]), s)",
                 "x.scatter_add(0, m.tensor([[0, 1, 2, 0]]), s)",
                 "x.scatter_reduce(1, m.tensor([[0], [1], [1]]), s, 'sum')",
                 "x.scatter_reduce(1, m.tensor([[0], [1], [1]]), s, 'mean')"]:
        msgs = []
        for m in (ember, torch):
            x = m.ones(3, 4, dtype=m.float64, requires_grad=True)
            s = m.ones(3, 4, dtype=m.float64, requires_grad=True)
            y = eval(expr)
            with pytest.raises(RuntimeError) as e:
                y.sum().backward()
            msgs.append(str(e.value).replace("torch::autograd::", ""))
        assert msgs[0] == msgs[1]
    # amax/amin/prod compare the whole src against the index-shaped result (broadcasting)
    for red in ("amax", "amin", "prod"):
        check_same(lambda m, x, s: x.scatter_reduce(1, m.tensor([[0], [1], [1]]), s, red),
                   G((3, 4)), G((3, 4), 1), grad=True)


def test_scatter_duplicates_last_write_wins():
    check_same(lambda m, x, s: x.scatter(0, m.tensor([0, 0, 0, 1]), s), np.zeros(3),
               np.arange(1., 5.))


# ---------------------------------------------------------------------------- errors
ERROR_CASES = [
    "x.index_select(0, m.tensor([0, 3]))", "x.index_select(0, m.tensor([0, -1]))",
    "x.index_select(0, m.tensor([0., 1.]))", "x.index_select(0, m.tensor([[0, 1]]))",
    "x.index_select(2, m.tensor([0]))", "x.index_select(0, m.tensor([0, 1], dtype=m.int16))",
    "x.index_select(0, m.tensor([True, False]))", "x.index_select(1.5, m.tensor([0]))",
    "x.index_select(0, m.tensor([0, 3]).int())",
    "x.index_add(0, m.tensor([0, 3]), x[:2])", "x.index_add(0, m.tensor([0, 2]), x[:1])",
    "x.index_add(0, m.tensor([0, 2]), x[:2].double())", "x.index_add(0, m.tensor([0., 2.]), x[:2])",
    "x.index_add(0, m.tensor([-1, 0]), x[:2])", "x.index_add(0, m.tensor([0, 2]), x[:2, :3])",
    "x.index_add(1, m.tensor([0, 2]), x[:2])", "x.index_add(0, m.tensor([[0, 2]]), x[:2])",
    "x.index_add(0, m.tensor([0, 2]), m.tensor(1.))",
    "x.index_copy(0, m.tensor([0, 3]), x[:2])", "x.index_copy(0, m.tensor([0, 2]).int(), x[:2])",
    "x.index_copy(0, m.tensor([0, 2]), x[:2].double())", "x.index_copy(0, m.tensor([0, 2]), x[:1])",
    "x.index_fill(0, m.tensor([0, 3]), 1.)", "x.index_fill(0, m.tensor([0, 2]).int(), 1.)",
    "x.index_fill(0, m.tensor([0, 2]), m.tensor([1.]))", "x.index_fill(0, m.tensor([0, 2]), 1 + 1j)",
    "x.long().index_fill(0, m.tensor([0, 2]), 2 ** 70)",
    "x.gather(1, m.tensor([[0], [4], [1]]))", "x.gather(1, m.tensor([[0], [1]]).float())",
    "x.gather(1, m.tensor([0, 1]))", "x.gather(1, m.tensor([[0, 1]] * 4))",
    "x.gather(1, m.tensor([[-1]]))", "x.gather(5, m.tensor([[0]]))", "x.gather(1, m.tensor(0))",
    "x.take(m.tensor([12]))", "x.take(m.tensor([-13]))", "x.take(m.tensor([1]).int())",
    "x.take(m.tensor([1.]))",
    "x.put(m.tensor([12]), m.tensor([1.]))", "x.put(m.tensor([1, 2]), m.tensor([1.]))",
    "x.put(m.tensor([1]), m.tensor([1.]).double())", "x.put(m.tensor([1]).int(), m.tensor([1.]))",
    "x.masked_select(m.tensor([1, 0, 1, 0]))", "x.masked_select(m.tensor([1, 0, 1, 0]).byte())",
    "x.masked_select(m.ones(2, 4).bool())",
    "x.masked_fill(m.tensor([1, 0, 1, 0]), 1.)", "x.masked_fill(m.tensor([1, 0, 1, 0]).byte(), 1.)",
    "x.masked_fill(x > 3, m.tensor([1.]))", "x.masked_fill(x > 3, 1 + 2j)",
    "x.long().masked_fill(x > 3, 1e30)", "x.byte().masked_fill(x > 3, 300)",
    "x.clone().masked_fill_(m.ones(2, 3, 4, dtype=m.bool), 1.)",
    "x.masked_scatter(x > 3, m.ones(3))", "x.masked_scatter(x > 3, m.ones(20).double())",
    "x.masked_scatter(m.tensor([1, 0, 1, 0]), m.ones(20))",
    "x.clone().masked_scatter_(m.ones(2, 3, 4, dtype=m.bool), m.arange(30.))",
    "m.take_along_dim(x, m.tensor([[[0]]]), 1)", "m.take_along_dim(x, m.tensor([[0]]).int(), 1)",
    "m.take_along_dim(x, m.tensor([[0], [1]]), 1)", "m.take_along_dim(x.t(), m.tensor([0]))",
    "m.nonzero(x, out=m.empty(0, dtype=m.int32))",
    "m.index_select(x, 0, m.tensor([0]), out=m.empty(0, dtype=m.float64))",
    "m.gather(x, 1, m.tensor([[0]]), out=m.empty(0, dtype=m.float64))",
    "m.take(x, m.tensor([0]), out=m.empty(0, dtype=m.float64))",
    "m.masked_select(x, x > 3, out=m.empty(0, dtype=m.float64))",
    "m.index_add(x, 0, m.tensor([0]), x[:1], out=m.empty(0, dtype=m.float64))",
    "m.scatter(x, 1, m.tensor([[0]]), 1., out=m.empty(0, dtype=m.float64))",
    "m.tensor(5.).index_put((m.tensor([0]),), m.tensor(1.))",
]


@pytest.mark.parametrize("expr", ERROR_CASES)
def test_errors(expr):
    check_same(lambda m, x: eval(expr), X34.astype(np.float32))


# ---------------------------------------------------------------------------- misc forms
MISC_CASES = [
    "m.tensor(5.).index_select(0, m.tensor([0]))", "m.tensor(5.).index_select(0, m.tensor(0))",
    "m.tensor(5.).index_add(0, m.tensor([0]), m.tensor(1.))",
    "m.tensor(5.).index_add(0, m.tensor(0), m.tensor(1.))",
    "m.tensor(5.).index_copy(0, m.tensor([0]), m.tensor(1.))",
    "m.tensor(5.).index_fill(0, m.tensor([0]), 1.)", "m.tensor(5.).scatter(0, m.tensor(0), 1.)",
    "m.tensor(5.).gather(0, m.tensor(0))", "m.tensor(5.).gather(0, m.tensor([0]))",
    "m.tensor(5.).take(m.tensor([0, 0]))", "m.tensor(5.).masked_select(m.tensor(True))",
    "m.tensor(5.).put(m.tensor([0]), m.tensor([1.]))", "m.tensor(5.).nonzero()",
    "m.tensor(0.).nonzero()", "m.tensor(0.).nonzero(as_tuple=True)",
    "m.tensor(5.).nonzero(as_tuple=True)", "m.tensor(3).argwhere()", "m.zeros(0, 3).nonzero()",
    "m.zeros(3, 0).argwhere()", "m.zeros(3).nonzero(as_tuple=True)",
    "x.index_select(0, m.tensor([], dtype=m.int64))", "x.index_select(1, m.tensor(2))",
    "x.index_select(-1, m.tensor([3, 3, 0]).int())",
    "x.index_fill(0, m.tensor([-1]), 7.)", "x.long().index_fill(0, m.tensor([0]), 1.5)",
    "x.index_fill(0, m.tensor([0]), m.tensor(1., dtype=m.float64))",
    "x.long().index_add(0, m.tensor([0, 2]), x[:2].long(), alpha=2.5)",
    "x.long().index_add(0, m.tensor([0, 2]), x[:2].long(), alpha=True)",
    "x.index_add(0, m.tensor([0, 2]).int(), x[:2])",
    "x.gather(0, m.zeros(0, 2, dtype=m.int64))", "x.gather(1, m.tensor([[0, 1, 2, 3, 0]]))",
    "x.take(m.tensor([-12]))", "x.t().take(m.tensor([[1, 2], [3, 4]]))",
    "x.t().put(m.tensor([0, 2]), m.tensor([1., 2.]))",
    "x.put(m.tensor([-1, -12]), m.tensor([1., 2.]))", "x.put(m.tensor([0, 2]), m.tensor([[1.], [2.]]))",
    "x.masked_select(m.ones(2, 3, 4).bool())", "x.masked_fill(m.ones(2, 3, 4).bool(), 1.)",
    "x.masked_fill(m.tensor([True]), 1.)", "x.masked_fill(x > 3, m.tensor(2))",
    "x.long().masked_fill(x > 3, 2.5)", "x.long().masked_fill(x > 3, m.tensor(2.5))",
    "x.bool().masked_fill(x > 3, 5)", "x.masked_fill(x > 3, True)",
    "x.masked_scatter(m.tensor([True, False, True, False]), m.arange(20.))",
    "m.take_along_dim(x, m.tensor([[0, 1]]), 1)", "m.take_along_dim(x, m.tensor([0, 5, 11]))",
    "m.take_along_dim(x, m.tensor([[-1], [1], [2]]), 1)",
    "m.take_along_dim(x, m.tensor([[1], [2]]).unsqueeze(-1).expand(2, 1, 3)[0], 0)",
    "m.index_select(x, 0, m.tensor([2, 0]), out=m.empty(0))",
    "m.gather(x, 1, m.tensor([[1], [0], [3]]), out=m.empty(5))",
    "m.take(x, m.tensor([2, 0]), out=m.empty(0))", "m.masked_select(x, x > 6, out=m.empty(0))",
    "m.nonzero(x, out=m.empty(0, dtype=m.int64))", "m.where(x > 4)",
    "m.index_add(x, 1, m.tensor([1]), x[:, :1], out=m.empty(0))",
    "m.scatter(x, 1, m.tensor([[0], [3], [1]]), 7., out=m.empty(0))",
    "m.scatter_reduce(x, 1, m.tensor([[0], [3], [1]]), x, 'sum', out=m.empty(0))",
    "m.take_along_dim(x, m.tensor([[0], [3], [1]]), 1, out=m.empty(0))",
]


@pytest.mark.parametrize("expr", MISC_CASES)
def test_misc(expr):
    check_same(lambda m, x: eval(expr), X34.astype(np.float32))


def test_layouts():
    # out-of-place results: contiguous, except index_fill, put and index_put, which keep the
    # input's layout; nonzero is column-major
    y = np.random.default_rng(0).standard_normal((3, 4, 5))
    for expr in ["x.index_fill(0, m.tensor([1]), 1.)", "x.put(m.tensor([1]), m.tensor([2.]))",
                 "x.index_put((m.tensor([1]),), m.tensor(2.))", "x.index_add(1, m.tensor([0]), x[:, :1])",
                 "x.index_copy(1, m.tensor([0]), x[:, :1])", "x.masked_fill(x > 0, 1.)",
                 "x.masked_scatter(x > 0, x)", "x.scatter(1, m.zeros(5, 1, 4, dtype=m.int64), 1.)",
                 "x.index_select(2, m.tensor([0, 1]))", "x.gather(1, m.zeros(5, 1, 4, dtype=m.int64))",
                 "x.nonzero()", "x.scatter_add(1, m.zeros(5, 1, 4, dtype=m.int64), x)"]:
        check_same(lambda m, y: eval(expr, {"m": m, "x": y.permute(2, 0, 1)}), y)


# ---------------------------------------------------------------------------- double backward
DOUBLE_CASES = [
    "x.index_select(1, m.tensor([0, 2, 2]))", "x.index_add(0, m.tensor([1, 1, 0]), s * s)",
    "x.index_copy(0, m.tensor([1, 2, 0]), s * s)", "x.index_fill(1, m.tensor([0]), 2.)",
    "x.index_fill(1, m.tensor([0]), s[0, 0] * s[0, 1])",
    "x.index_put((m.tensor([0, 0]),), s[0] * s[1], accumulate=True)",
    "x.index_put((m.tensor([2, 0]),), s[0] * s[1])", "x.gather(1, m.tensor([[0, 0], [1, 3], [2, 2]]))",
    "x.scatter(1, m.tensor([[0, 1], [1, 3], [2, 0]]), s[:, :2] * s[:, :2])",
    "x.scatter(1, m.tensor([[0, 1], [1, 3], [2, 0]]), 3.)",
    "x.scatter_add(1, m.tensor([[0, 0], [1, 3], [2, 2]]), s[:, 1:3] * s[:, :2])",
    "x.scatter_reduce(1, m.tensor([[0, 0], [1, 3], [2, 2]]), s[:, 1:3] * s[:, :2], 'sum')",
    "x.scatter_reduce(1, m.tensor([[0, 0], [1, 3], [2, 2]]), s[:, :2] ** 2, 'mean', include_self=False)",
    "x.scatter_reduce(1, m.tensor([[0, 0], [1, 3], [2, 2]]), s[:, 2:] * s[:, :2], 'amax')",
    "x.take(m.tensor([0, 0, 11]))", "x.put(m.tensor([0, 5]), s[0, :2] * s[1, :2])",
    "x.put(m.tensor([0, 0]), s[0, :2] * s[1, :2], accumulate=True)",
    "m.take_along_dim(x, m.tensor([[0], [3], [3]]), 1)", "x.masked_select(s > 0)",
    "x.masked_fill(s > 0, 0.)", "x.masked_fill(s > 0, s[0, 0] * s[1, 1])",
    "x.masked_scatter(s > 0, s * s)",
]


@pytest.mark.parametrize("expr", DOUBLE_CASES)
def test_double_backward(expr):
    xa = data((3, 4), seed=3)
    sa = data((3, 4), seed=4)
    results = []
    for m in (ember, torch):
        f = ember.from_numpy if m is ember else torch.from_numpy
        x = f(xa.copy()).requires_grad_()
        s = f(sa.copy()).requires_grad_()
        y = eval(expr)
        y = (y * y * y).sum()
        gx, gs = m.autograd.grad(y, (x, s), create_graph=True, allow_unused=True)
        gs_ok = gs is not None
        total = (gx * gx).sum() + ((gs * gs).sum() if gs_ok else 0)
        ggx, ggs = m.autograd.grad(total, (x, s), allow_unused=True)
        results.append((gx, gs, ggx, ggs))
    for i, (e, t) in enumerate(zip(*results)):
        if t is None:
            assert e is None or not e.detach().numpy().any(), f"output {i}"
        else:
            assert e is not None, f"output {i}: ember None"
            assert_same(e.detach(), t.detach(), where=f"output {i}")


# ---------------------------------------------------------------------------- speed
def test_scatter_gather_are_vectorised():
    import time
    n = 10 ** 6
    rng = np.random.default_rng(0)
    src = ember.from_numpy(rng.standard_normal(n).astype(np.float32))
    idx = ember.from_numpy(rng.integers(0, 1000, n))
    big = ember.from_numpy(rng.standard_normal((1000, 1000)).astype(np.float32))
    rows = ember.from_numpy(rng.integers(0, 1000, 1000))
    t0 = time.perf_counter()
    ember.zeros(1000).scatter_add_(0, idx, src)
    ember.zeros(1000, 1000).index_add_(0, rows, big)
    big[rows]
    big.gather(1, ember.from_numpy(rng.integers(0, 1000, (1000, 1000))))
    big.masked_select(big > 0)
    big.take(idx)
    big.nonzero()
    assert time.perf_counter() - t0 < 5
