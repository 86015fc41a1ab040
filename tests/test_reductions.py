"""Reductions against PyTorch: values, dtypes, shapes, strides, errors, grad_fn names, gradients
and double gradients (sum ... quantile, cumulative ops, diff)."""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

import ember
import torch
from oracle import check_same, Arr, ALL_DTYPE_NAMES, assert_same

RNG = np.random.default_rng(0)


def data(shape, dtype, seed=0, lo=-3, hi=4):
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) > 0.5
    if dtype.startswith("uint"):
        return rng.integers(0, hi, shape).astype(dtype)
    if dtype.startswith("int"):
        return rng.integers(lo, hi, shape).astype(dtype)
    if dtype.startswith("complex"):
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(np.float64)


def A(shape, dtype="float32", seed=0, **kw):
    arr = data(shape, dtype, seed)
    return Arr(arr, dtype=dtype, **kw)


# ---------------------------------------------------------------------------- dtype coverage
DTYPE_OPS = {
    "sum": lambda m, x: x.sum(),
    "sum_dim": lambda m, x: x.sum(1),
    "sum_kd": lambda m, x: m.sum(x, (0, 1), keepdim=True),
    "nansum": lambda m, x: x.nansum(0),
    "mean": lambda m, x: x.mean(),
    "mean_dim": lambda m, x: x.mean(-1, keepdim=True),
    "nanmean": lambda m, x: x.nanmean(1),
    "prod": lambda m, x: x.prod(),
    "prod_dim": lambda m, x: x.prod(0),
    "var": lambda m, x: x.var(),
    "std_dim": lambda m, x: x.std(1),
    "var_mean": lambda m, x: m.var_mean(x, 0),
    "std_mean": lambda m, x: m.std_mean(x),
    "max": lambda m, x: x.max(),
    "max_dim": lambda m, x: x.max(1),
    "min": lambda m, x: x.min(),
    "min_dim": lambda m, x: m.min(x, 0, True),
    "amax": lambda m, x: x.amax(),
    "amin_dim": lambda m, x: x.amin(1),
    "aminmax": lambda m, x: x.aminmax(),
    "aminmax_dim": lambda m, x: m.aminmax(x, dim=0, keepdim=True),
    "argmax": lambda m, x: x.argmax(),
    "argmin_dim": lambda m, x: x.argmin(1),
    "all": lambda m, x: x.all(),
    "any_dim": lambda m, x: x.any(0),
    "all_kd": lambda m, x: m.all(x, 1, keepdim=True),
    "logsumexp": lambda m, x: x.logsumexp(1),
    "norm": lambda m, x: x.norm(),
    "norm_dim": lambda m, x: x.norm(p=1, dim=0),
    "count_nonzero": lambda m, x: x.count_nonzero(),
    "count_nonzero_dim": lambda m, x: x.count_nonzero(0),
    "cumsum": lambda m, x: x.cumsum(0),
    "cumprod": lambda m, x: x.cumprod(1),
    "cummax": lambda m, x: x.cummax(0),
    "cummin": lambda m, x: x.cummin(1),
    "logcumsumexp": lambda m, x: x.logcumsumexp(1),
    "diff": lambda m, x: x.diff(),
    "median": lambda m, x: x.median(),
    "median_dim": lambda m, x: x.median(1),
    "nanmedian": lambda m, x: x.nanmedian(),
    "nanmedian_dim": lambda m, x: x.nanmedian(0),
    "mode": lambda m, x: x.mode(),
    "quantile": lambda m, x: x.quantile(0.3),
    "nanquantile": lambda m, x: x.nanquantile(0.6, dim=1),
}


@pytest.mark.parametrize("dtype", ALL_DTYPE_NAMES)
@pytest.mark.parametrize("op", list(DTYPE_OPS))
def test_dtypes(op, dtype):
    fn = DTYPE_OPS[op]
    check_same(fn, A((3, 4), dtype))


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "int64", "bool",
                                   "float16", "bfloat16"])
@pytest.mark.parametrize("op", ["sum", "mean", "prod", "var", "amax", "argmax", "all",
                                "logsumexp", "norm", "cumsum", "median_dim", "quantile"])
def test_noncontiguous(op, dtype):
    fn = DTYPE_OPS[op]
    check_same(fn, A((4, 3), dtype, layout="transposed"))
    check_same(fn, A((3, 8), dtype, layout="strided"))


@pytest.mark.parametrize("dt", ["float64", "int32", "float16", "complex64", "bool", "uint8"])
@pytest.mark.parametrize("to", ["float32", "float64", "int64", "int32", "complex128", "uint16"])
def test_sum_prod_dtype_arg(dt, to):
    check_same(lambda m, x: x.sum(dtype=getattr(m, to)), A((3, 4), dt))
    check_same(lambda m, x: m.sum(x, 1, dtype=getattr(m, to)), A((3, 4), dt))
    check_same(lambda m, x: x.prod(0, dtype=getattr(m, to)), A((3, 4), dt))
    check_same(lambda m, x: x.nansum(dtype=getattr(m, to)), A((3, 4), dt))
    check_same(lambda m, x: x.cumsum(0, dtype=getattr(m, to)), A((3, 4), dt))
    check_same(lambda m, x: x.mean(dtype=getattr(m, to)), A((3, 4), dt))


# ---------------------------------------------------------------------------- shapes and dims
@st.composite
def shape_dims(draw, allow_tuple=True, allow_none=True, allow_empty=True):
    ndim = draw(st.integers(0, 4))
    shape = tuple(draw(st.integers(0 if allow_empty else 1, 3)) for _ in range(ndim))
    kinds = ["int"] + (["tuple"] if allow_tuple else []) + (["none"] if allow_none else [])
    kind = draw(st.sampled_from(kinds))
    n = max(ndim, 1)
    if kind == "none":
        dim = None
    elif kind == "int":
        dim = draw(st.integers(-n, n - 1))
    else:
        dims = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
        dim = tuple(d - n if draw(st.booleans()) else d for d in dims)
    keepdim = draw(st.booleans())
    seed = draw(st.integers(0, 1000))
    return shape, dim, keepdim, seed


def _grad_input(shape, seed):
    return Arr(data(shape, "float64", seed), dtype="float64", requires_grad=True)


SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _kw(dim):
    return {} if dim is None else {"dim": dim}


@pytest.mark.parametrize("name", ["sum", "nansum", "mean", "nanmean", "var", "std", "amax", "amin",
                                  "norm", "logsumexp", "var_mean", "std_mean"])
@SETTINGS
@given(case=shape_dims())
def test_dim_reductions_grad(name, case):
    shape, dim, keepdim, seed = case
    if name == "logsumexp" and dim is None:
        dim = tuple(range(len(shape))) if shape else 0
    if name in ("var_mean", "std_mean"):
        fn = lambda m, x: getattr(m, name)(x, dim, keepdim=keepdim)  # noqa: E731
    elif name == "norm":
        fn = lambda m, x: x.norm(dim=dim, keepdim=keepdim)  # noqa: E731
    else:
        fn = lambda m, x: getattr(x, name)(dim=dim, keepdim=keepdim)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_same(fn, _grad_input(shape, seed), grad=True, check_grad_fn=True)


@pytest.mark.parametrize("name", ["all", "any", "count_nonzero"])
@SETTINGS
@given(case=shape_dims())
def test_bool_reductions(name, case):
    shape, dim, keepdim, seed = case
    if name == "count_nonzero":
        fn = lambda m, x: x.count_nonzero(dim)  # noqa: E731
    else:
        fn = lambda m, x: getattr(x, name)(**_kw(dim), keepdim=keepdim)  # noqa: E731
    check_same(fn, Arr(data(shape, "int64", seed, 0, 2), dtype="int64"))
    check_same(fn, Arr(data(shape, "int64", seed, 0, 2), dtype="uint8"))


@pytest.mark.parametrize("name", ["max", "min", "argmax", "argmin", "median", "nanmedian",
                                  "mode", "prod", "quantile", "nanquantile"])
@SETTINGS
@given(case=shape_dims(allow_tuple=False))
def test_single_dim_reductions_grad(name, case):
    shape, dim, keepdim, seed = case
    if name in ("max", "min", "median", "nanmedian", "mode") and dim is None:
        dim = 0
    if name in ("quantile", "nanquantile"):
        q = [0.3, 0.5, 1.0, 0.0][seed % 4]
        interp = ["linear", "lower", "higher", "midpoint", "nearest"][seed % 5]
        fn = lambda m, x: getattr(x, name)(q, dim, keepdim, interpolation=interp)  # noqa: E731
    elif name == "prod" and dim is None:
        fn = lambda m, x: x.prod()  # noqa: E731
    else:
        fn = lambda m, x: getattr(x, name)(**_kw(dim), keepdim=keepdim)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_same(fn, _grad_input(shape, seed), grad=True, check_grad_fn=True)


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"])
@SETTINGS
@given(case=shape_dims(allow_tuple=False, allow_none=False))
def test_cumulative_grad(name, case):
    shape, dim, _, seed = case
    check_same(lambda m, x: getattr(x, name)(dim), _grad_input(shape, seed), grad=True,
               check_grad_fn=True)


# ---------------------------------------------------------------------------- argument forms
def test_argument_forms():
    x = A((3, 4), "float64")
    for fn in [
        lambda m, x: x.sum(axis=1), lambda m, x: x.sum(0, keepdims=True),
        lambda m, x: x.sum([0, 1]), lambda m, x: x.sum(dim=[]), lambda m, x: x.mean(dim=()),
        lambda m, x: x.sum(m.tensor(1)), lambda m, x: m.amax(x, axis=1),
        lambda m, x: x.max(axis=0), lambda m, x: x.var(0, True, True), lambda m, x: x.var(True),
        lambda m, x: x.var(False), lambda m, x: x.std(0, unbiased=False),
        lambda m, x: x.var(dim=1, correction=0), lambda m, x: x.std(correction=2.5),
        lambda m, x: x.var((0, 1)), lambda m, x: m.var_mean(x, 1, True, True),
        lambda m, x: m.std_mean(x, dim=0, correction=0, keepdim=True),
        lambda m, x: m.var_mean(x, True), lambda m, x: m.var(x, 0, keepdim=True),
        lambda m, x: x.max(1, True), lambda m, x: m.max(x, dim=1, keepdim=True),
        lambda m, x: m.max(x, x * 2), lambda m, x: m.min(x, other=x * 2),
        lambda m, x: x.max(x.flip(0) if hasattr(x, "flip") else x),
        lambda m, x: x.argmax(keepdim=True), lambda m, x: x.argmin(dim=None),
        lambda m, x: x.norm(3), lambda m, x: x.norm(2, 1, True), lambda m, x: x.norm(p="fro"),
        lambda m, x: x.norm(p="fro", dim=(0, 1)), lambda m, x: x.norm(p=math.inf, dim=1),
        lambda m, x: x.norm(p=-math.inf), lambda m, x: x.norm(p=0), lambda m, x: x.norm(p=0.5),
        lambda m, x: x.norm(p=None), lambda m, x: m.norm(x, dim=1, dtype=m.float32),
        lambda m, x: x.norm(dtype=m.complex128), lambda m, x: m.norm(x, 1.5, 0),
        lambda m, x: x.logsumexp((0, 1)), lambda m, x: x.logsumexp(-1, True),
        lambda m, x: x.count_nonzero((0, 1)), lambda m, x: x.count_nonzero(dim=()),
        lambda m, x: x.all(dim=()), lambda m, x: x.any((0, 1)), lambda m, x: x.all(-1),
        lambda m, x: x.aminmax(dim=-1), lambda m, x: x.mode(0, True),
        lambda m, x: x.quantile(m.tensor([0.1, 0.5, 0.9], dtype=m.float64)),
        lambda m, x: x.quantile(m.tensor([0.25, 0.75], dtype=m.float64), dim=0, keepdim=True),
        lambda m, x: x.quantile(m.tensor(0.5, dtype=m.float64), dim=1),
        lambda m, x: x.nanquantile(0.5, keepdim=True),
        lambda m, x: x.cumsum(dim=-1), lambda m, x: m.cumprod(x, 0, dtype=m.float32),
        lambda m, x: x.diff(n=2, dim=0), lambda m, x: x.diff(n=0), lambda m, x: x.diff(n=7),
        lambda m, x: x.diff(prepend=x[:, :1], append=x[:, :2]),
        lambda m, x: m.diff(x, dim=0, append=x[:1]),
    ]:
        check_same(fn, x)


def test_norm_nuclear():
    for fn in [lambda m, x: x.norm(p="nuc"), lambda m, x: x.norm(p="nuc", keepdim=True),
               lambda m, x: m.norm(x, "nuc", dim=(1, 0))]:
        check_same(fn, A((3, 4), "float64", requires_grad=True), grad=True, check_grad_fn=True)


def test_return_types():
    for m in (ember, torch):
        x = m.tensor([[1., 5.], [3., 2.]])
        r = x.max(1)
        assert type(r).__name__ == "max" and r.values.tolist() == [5., 3.]
        assert r.indices.tolist() == [1, 0] and tuple(r)[0] is r[0]
        assert type(x.cummin(0)).__name__ == "cummin"
        assert type(x.aminmax()).__name__ == "aminmax" and x.aminmax().max.item() == 5
        assert type(x.median(0)).__name__ == "median" and type(x.mode(0)).__name__ == "mode"
        assert type(x.nanmedian(0)).__name__ == "nanmedian"
        assert type(m.var_mean(x)) is tuple
        out = (m.empty(0), m.empty(0, dtype=m.int64))
        assert type(m.max(x, 0, out=out)).__name__ == "max_out"
    e = ember.tensor([[1., 5.], [3., 2.]]).max(1)
    t = torch.tensor([[1., 5.], [3., 2.]]).max(1)
    assert repr(e) == repr(t).replace("torch.", "ember.")


# ---------------------------------------------------------------------------- errors
ERROR_CASES = [
    lambda m, x: x.sum(2), lambda m, x: x.sum((0, 0)), lambda m, x: x.sum((0, -2)),
    lambda m, x: x.sum(1.5), lambda m, x: x.sum("a"), lambda m, x: x.mean(-3),
    lambda m, x: x.prod((0, 1)), lambda m, x: x.max(dim=None), lambda m, x: x.max(keepdim=True),
    lambda m, x: x.median(keepdim=True), lambda m, x: x.cumsum(), lambda m, x: x.cumsum((0,)),
    lambda m, x: x.logsumexp(), lambda m, x: x.var(0, unbiased=False, correction=1),
    lambda m, x: x.norm(dim=(0, 1, 2)), lambda m, x: x.norm(p="abc"),
    lambda m, x: x.quantile(1.5), lambda m, x: x.quantile(-0.1),
    lambda m, x: x.quantile(0.5, interpolation="foo"),
    lambda m, x: x.quantile(m.tensor([[0.5]])), lambda m, x: x.quantile(m.tensor([0.5, 1.5])),
    lambda m, x: x.quantile(m.tensor([0.5], dtype=m.float64)), lambda m, x: x.quantile(0.5, (0,)),
    lambda m, x: x.diff(n=-1), lambda m, x: x.diff(prepend=m.tensor(1.)),
    lambda m, x: x.diff(prepend=1.), lambda m, x: x.diff(prepend=m.zeros(2, 1)),
    lambda m, x: x[0, 0].diff(), lambda m, x: x.mean(dtype=m.int64),
    lambda m, x: x.long().mean(), lambda m, x: x.int().nanmean(), lambda m, x: x.long().std(),
    lambda m, x: m.var_mean(x.long()), lambda m, x: m.std_mean(x.int()),
    lambda m, x: x.long().norm(), lambda m, x: x.bool().argmax(), lambda m, x: x.cfloat().argmin(),
    lambda m, x: x.cfloat().max(0), lambda m, x: x.cfloat().nansum(),
    lambda m, x: x.cfloat().nanmean(), lambda m, x: x.sum(dtype=m.uint16),
    lambda m, x: x.prod(dtype=m.uint32), lambda m, x: x.cumsum(0, dtype=m.bool),
    lambda m, x: x.cumprod(0, dtype=m.uint64), lambda m, x: x.long().logcumsumexp(0),
    lambda m, x: x.half().quantile(0.5), lambda m, x: x.bool().median(),
    lambda m, x: x.bool().median(0), lambda m, x: x.cfloat().mode(0),
]


@pytest.mark.parametrize("i", range(len(ERROR_CASES)))
def test_errors(i):
    check_same(ERROR_CASES[i], np.arange(12.).reshape(3, 4).astype(np.float32))


EMPTY_CASES = [
    "x.sum()", "x.sum(0)", "x.prod(0)", "x.mean()", "x.mean(0)", "x.nanmean(0)", "x.max()",
    "x.max(0)", "x.max(1)", "x.amax(1)", "x.amax(0)", "x.amax()", "x.min()", "x.aminmax()",
    "x.aminmax(dim=1)", "x.aminmax(dim=0)", "x.argmax()", "x.argmax(0)", "x.argmax(1)", "x.all()",
    "x.any(0)", "x.logsumexp(0)", "x.logsumexp(1)", "x.norm()", "x.norm(dim=0)",
    "x.norm(p=float('inf'))", "x.norm(p=float('inf'), dim=0)", "x.norm(p=float('-inf'), dim=1)",
    "x.count_nonzero(0)", "x.cumsum(0)", "x.cummax(0)", "x.logcumsumexp(0)", "x.diff(dim=0)",
    "x.median()", "x.median(0)", "x.median(1)", "x.nanmedian()", "x.mode(0)", "x.mode(1)",
    "x.quantile(0.5)", "x.quantile(0.5, dim=1)", "x.var(1)", "x.std(0)",
]


@pytest.mark.parametrize("expr", EMPTY_CASES)
def test_empty(expr):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_same(lambda m, x: eval(expr), np.zeros((0, 3), np.float32))


ZERO_DIM_CASES = [
    "x.sum(0)", "x.sum(-1)", "x.sum(1)", "x.max(0)", "x.cumsum(0)", "x.argmax(0)",
    "x.median(0)", "x.mode(0)", "x.quantile(0.5, dim=0)", "x.logsumexp(0)", "x.var()",
    "x.std(0, keepdim=True)", "x.amax(0, keepdim=True)", "x.prod(0, keepdim=True)",
    "x.cummax(0)", "x.logcumsumexp(0)", "x.norm(dim=0, keepdim=True)", "x.mean((0,))",
    "x.all(0, keepdim=True)", "x.count_nonzero(0)", "x.aminmax(dim=0, keepdim=True)",
    "x.quantile(0.5, keepdim=True)", "x.median()", "x.argmin(keepdim=True)",
]


@pytest.mark.parametrize("expr", ZERO_DIM_CASES)
def test_zero_dim(expr):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_same(lambda m, x: eval(expr), Arr(np.array(2.5), dtype="float64",
                                                    requires_grad=True), grad=True)


def test_dof_warning():
    for m in (ember, torch):
        for fn, name in [(m.var, "var"), (m.std, "std"), (m.var_mean, "var_mean"),
                         (m.std_mean, "std_mean")]:
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                fn(m.zeros(1))
            assert len(w) == 1 and str(w[0].message).startswith(
                f"{name}(): degrees of freedom is <= 0."), str(w[0].message)
    check_same(lambda m, x: x.var(0, correction=4), np.arange(12.).reshape(3, 4))
    check_same(lambda m, x: x.std(1, correction=4), np.ones((3, 4)))


# ---------------------------------------------------------------------------- NaN, ties, values
NAN = float("nan")


@pytest.mark.parametrize("expr", [
    "x.max()", "x.max(1)", "x.min(0)", "x.amax(1)", "x.argmax(1)", "x.argmin()", "x.median()",
    "x.median(1)", "x.nanmedian(1)", "x.nanmedian()", "x.cummax(1)", "x.cummin(1)",
    "x.quantile(0.4, dim=1)", "x.nanquantile(0.4, dim=1)", "x.nanquantile(0.5)",
    "x.nansum(1)", "x.nanmean(1)", "x.logsumexp(1)", "x.aminmax(dim=1)", "x.sum(1)",
    "x.logcumsumexp(1)",
])
def test_nan_handling(expr):
    x = np.array([[1., NAN, 3., 0.5], [NAN, NAN, NAN, NAN], [2., 1., -1., 4.],
                  [NAN, 2., NAN, 7.]])
    check_same(lambda m, x: eval(expr), Arr(x, dtype="float64", requires_grad=True), grad=True)


@pytest.mark.parametrize("expr", [
    "x.max()", "x.min()", "x.amax()", "x.amax(1)", "x.amin(0)", "x.max(1)", "x.min(1)",
    "x.aminmax()", "x.aminmax(dim=1)", "x.median()", "x.median(1)", "x.cummax(1)", "x.cummin(1)",
    "x.norm(p=float('inf'))", "x.norm(p=float('inf'), dim=1)", "x.mode(1)", "x.nanmedian()",
    "x.quantile(0.5, dim=1)", "x.quantile(0.5, dim=1, interpolation='lower')",
])
def test_tie_gradients(expr):
    x = np.array([[1., 3., 3., -3.], [2., 2., 0., 2.], [1., 1., 1., 1.]])
    check_same(lambda m, x: eval(expr), Arr(x, dtype="float64", requires_grad=True), grad=True)


def test_median_indices_with_duplicates():
    rng = np.random.default_rng(3)
    for n in (5, 10, 17, 40):
        x = rng.integers(0, max(2, n // 4), (6, n)).astype(np.float64)
        check_same(lambda m, x: x.median(1), x)
        check_same(lambda m, x: x.nanmedian(0), x)


def test_mode_values_and_indices():
    rng = np.random.default_rng(4)
    for n in (3, 8, 16):
        x = rng.integers(0, 4, (7, n))
        check_same(lambda m, x: x.mode(1), x)
    # longer rows: PyTorch's index among equal values depends on its unstable sort; the values
    # agree and the index always points at the mode
    x = rng.integers(0, 5, (20, 50))
    ev, ei = ember.from_numpy(x).mode(1)
    tv, ti = torch.from_numpy(x).mode(1)
    assert ev.tolist() == tv.tolist()
    assert (np.take_along_axis(x, ei.numpy()[:, None], 1)[:, 0] == ev.numpy()).all()


@pytest.mark.parametrize("expr", [
    "x.prod()", "x.prod(1)", "x.prod(0, keepdim=True)", "x.cumprod(1)", "x.cumprod(0)",
    "x.norm(p=1)", "x.norm(p=3, dim=1)", "x.norm(p=0.5, dim=1)", "x.norm(p=0)", "x.norm(dim=0)",
    "x.norm(p=1.5)", "x.std(1)", "x.std()",
])
def test_zero_gradients(expr):
    x = np.array([[1., 0., 3., 2.], [0., 0., 3., 1.], [2., -1., 0.5, 4.], [0., 0., 0., 0.]])
    check_same(lambda m, x: eval(expr), Arr(x, dtype="float64", requires_grad=True), grad=True)


def test_integer_values():
    x = np.array([[2**40, 2**40, 3], [-5, 7, 2**62]], np.int64)
    for expr in ["x.sum()", "x.prod()", "x.cumsum(1)", "x.cumprod(1)", "x.prod(1)", "x.max(1)",
                 "x.amin()", "x.median(1)", "x.mode(1)", "x.diff()"]:
        check_same(lambda m, x: eval(expr), x)
    u = np.array([[250, 3], [7, 9]], np.uint8)
    for expr in ["x.sum()", "x.diff()", "x.cumsum(0)", "x.prod()", "x.all(0)", "x.any()"]:
        check_same(lambda m, x: eval(expr), u)


def test_complex_values():
    for expr in ["x.sum(0)", "x.mean()", "x.prod(1)", "x.var(0)", "x.std()", "x.norm()",
                 "x.norm(p=1, dim=1)", "x.cumsum(1)", "x.cumprod(0)", "x.logsumexp(1)",
                 "x.logcumsumexp(1)", "x.count_nonzero()", "x.all()", "x.diff()",
                 "x.sum(dtype=m.float64)"]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check_same(lambda m, x: eval(expr), A((3, 4), "complex128", seed=5))


@pytest.mark.parametrize("expr", ["x.sum()", "x.var(0)", "x.std()", "x.norm()", "x.prod(1)",
                                  "x.mean(1)", "x.logsumexp(0)", "x.cumsum(1)"])
def test_complex_grad(expr):
    check_same(lambda m, x: eval(expr), A((3, 4), "complex128", seed=6, requires_grad=True),
               grad=True)


def test_half_precision_accumulation():
    x = np.full(4096, 0.1, np.float32)
    for dt in ("float16", "bfloat16"):
        for expr in ["x.sum()", "x.mean()", "x.cumsum(0)[-1]", "x.norm()", "x.var()",
                     "x.logsumexp(0)"]:
            check_same(lambda m, x: eval(expr), Arr(x, dtype=dt))


# ---------------------------------------------------------------------------- out=
def _E(m, name):
    return m.empty(0, dtype=getattr(m, name))


OUT_CASES = [
    lambda m, x: m.sum(x, 0, out=_E(m, "float64")), lambda m, x: m.sum(x.long(), 0, out=_E(m, "float32")),
    lambda m, x: m.sum(x, 0, out=_E(m, "int32")), lambda m, x: m.sum(x, 0, out=_E(m, "bool")),
    lambda m, x: m.sum(x, 0, dtype=m.float64, out=_E(m, "float32")),
    lambda m, x: m.sum(x, 0, out=_E(m, "uint16")),
    lambda m, x: m.prod(x.long(), 0, out=_E(m, "float32")),
    lambda m, x: m.mean(x, 0, out=_E(m, "float64")), lambda m, x: m.mean(x, 0, out=_E(m, "int64")),
    lambda m, x: m.mean(x, 0, out=_E(m, "complex64")),
    lambda m, x: m.amax(x, 0, out=_E(m, "float64")), lambda m, x: m.amin(x, 1, out=_E(m, "float32")),
    lambda m, x: m.max(x, 0, out=(_E(m, "float32"), _E(m, "int64"))),
    lambda m, x: m.max(x, 0, out=(_E(m, "float64"), _E(m, "int64"))),
    lambda m, x: m.min(x, 1, True, out=(_E(m, "float32"), _E(m, "int32"))),
    lambda m, x: m.var(x, 0, out=_E(m, "float64")), lambda m, x: m.std(x, 0, out=_E(m, "int64")),
    lambda m, x: m.logsumexp(x, 0, out=_E(m, "float64")),
    lambda m, x: m.logsumexp(x.long(), 0, out=_E(m, "int64")),
    lambda m, x: m.cumsum(x, 0, out=_E(m, "float64")), lambda m, x: m.cumsum(x.long(), 1, out=_E(m, "float32")),
    lambda m, x: m.cumprod(x.long(), 0, out=_E(m, "int32")),
    lambda m, x: m.cummax(x, 0, out=(_E(m, "float32"), _E(m, "int64"))),
    lambda m, x: m.argmax(x, 0, out=_E(m, "int64")), lambda m, x: m.argmax(x, 0, out=_E(m, "int32")),
    lambda m, x: m.all(x, 0, out=_E(m, "float32")), lambda m, x: m.any(x.long(), 0, out=_E(m, "bool")),
    lambda m, x: m.all(x.byte(), 0, out=_E(m, "bool")),
    lambda m, x: m.norm(x, dim=0, out=_E(m, "float32")), lambda m, x: m.norm(x, dim=0, out=_E(m, "float64")),
    lambda m, x: m.nansum(x, 0, out=_E(m, "float64")), lambda m, x: m.nanmean(x, 0, out=_E(m, "float64")),
    lambda m, x: m.median(x, 0, out=(_E(m, "float32"), _E(m, "int64"))),
    lambda m, x: m.quantile(x, 0.5, 0, out=_E(m, "float32")),
    lambda m, x: m.quantile(x, 0.5, 0, out=_E(m, "float64")),
    lambda m, x: m.logcumsumexp(x, 0, out=_E(m, "float32")),
    lambda m, x: m.logcumsumexp(x, 0, out=_E(m, "float64")),
    lambda m, x: m.diff(x, out=_E(m, "float64")),
    lambda m, x: m.aminmax(x, dim=0, out=(_E(m, "float32"), _E(m, "float32"))),
    lambda m, x: m.mode(x, 0, out=(_E(m, "float32"), _E(m, "int64"))),
    lambda m, x: m.sum(x, 0, out=m.zeros(4)),
]


@pytest.mark.parametrize("i", range(len(OUT_CASES)))
def test_out(i):
    check_same(OUT_CASES[i], A((3, 4), "float32"))


def test_out_requires_grad_error():
    check_same(lambda m, x: m.sum(x, 0, out=m.empty(0)), A((3, 4), requires_grad=True))
    check_same(lambda m, x: m.cumsum(x, 0, out=m.empty(0)), A((3, 4), requires_grad=True))


# ---------------------------------------------------------------------------- in-place cumsum_
def test_inplace_cumulative():
    check_same(lambda m, x: x.clone().cumsum_(1), A((3, 4), "float64", requires_grad=True),
               grad=True, check_grad_fn=True)
    check_same(lambda m, x: (x * 1).cumprod_(0), A((3, 4), "float64", requires_grad=True),
               grad=True, check_grad_fn=True)
    check_same(lambda m, x: x.cumsum_(0), A((3, 4), "int64"))
    check_same(lambda m, x: x.cumsum_(0, dtype=m.float64), A((3, 4), "float32"))


# ---------------------------------------------------------------------------- autograd details
def test_saved_tensor_semantics():
    # sum/mean save no input: modifying it later is fine; prod saves it: an error
    for m in (ember, torch):
        x = m.ones(3, requires_grad=True)
        y = x * 1
        s = y.sum() + y.mean() + y.cumsum(0).sum() + y.amax(0)
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            s.backward()
        y = x * 1
        s = y.sum() + y.mean(0) + y.cumsum(0).sum()
        y.add_(1)
        s.backward()
        p = (x * 2).prod()
        p.backward()


def test_grad_dtype_arg_casts_back():
    check_same(lambda m, x: x.sum(dtype=m.float64), A((3, 4), requires_grad=True), grad=True)
    check_same(lambda m, x: x.cumsum(1, dtype=m.float64), A((3, 4), requires_grad=True), grad=True)
    check_same(lambda m, x: x.mean(0, dtype=m.float64), A((3, 4), requires_grad=True), grad=True)
    check_same(lambda m, x: x.prod(dtype=m.float64), A((3, 4), requires_grad=True), grad=True)
    check_same(lambda m, x: x.norm(dtype=m.float64), A((3, 4), requires_grad=True), grad=True)


def test_integer_results_do_not_require_grad():
    for expr in ["x.argmax()", "x.count_nonzero()", "x.all()", "x.max(0).indices",
                 "x.cummax(0).indices", "x.median(0).indices"]:
        check_same(lambda m, x: eval(expr), A((3, 4), requires_grad=True))


DOUBLE_CASES = [
    "x.sum()", "(x * x).sum(0)", "x.mean(1)", "x.prod()", "x.prod(1)", "x.var(0)", "x.std()",
    "x.amax(1)", "x.max()", "x.max(1).values", "x.logsumexp(1)", "x.norm()", "x.norm(p=3, dim=0)",
    "x.cumsum(1)", "x.cumprod(1)", "x.cummax(0).values", "x.logcumsumexp(1)", "x.median(0).values",
    "x.quantile(0.3, dim=1)", "x.nansum(0)", "x.nanmean(1)", "m.var_mean(x, 1)[0]",
    "m.std_mean(x, 0)[0] * m.std_mean(x, 0)[1]", "x.diff(dim=0)", "x.aminmax(dim=1).max",
    "x.mode(1).values", "x.norm(p=1)",
]


@pytest.mark.parametrize("expr", DOUBLE_CASES)
def test_double_backward(expr):
    arr = data((3, 4), "float64", seed=11)
    arr[0, 1] = 0.0 if "cumprod" in expr or "prod" in expr else arr[0, 1]
    results = []
    for m in (ember, torch):
        x = (ember.from_numpy if m is ember else torch.from_numpy)(arr.copy()).requires_grad_()
        y = eval(expr)
        y = (y * y).sum() if y.ndim else y * y
        (g,) = m.autograd.grad(y, x, create_graph=True)
        (gg,) = m.autograd.grad((g * g).sum(), x, allow_unused=True)
        results.append((g, gg))
    (eg, egg), (tg, tgg) = results
    assert_same(eg.detach(), tg.detach(), where="grad")
    if tgg is None:
        assert egg is None or not egg.detach().numpy().any()
    else:
        assert egg is not None, "ember gave no second-order gradient"
        assert_same(egg, tgg, where="double grad")


def test_prod_grad_with_zeros_double_backward():
    arr = np.array([[1., 0., 3.], [0., 0., 2.], [2., 3., 4.]])
    for dim in (None, 0, 1):
        results = []
        for m in (ember, torch):
            x = (ember.from_numpy if m is ember else torch.from_numpy)(arr.copy()).requires_grad_()
            y = x.prod() if dim is None else x.prod(dim)
            (g,) = m.autograd.grad(y.sum(), x, create_graph=True)
            (gg,) = m.autograd.grad((g * g).sum(), x)
            results.append((g, gg))
        assert_same(results[0][0].detach(), results[1][0].detach())
        assert_same(results[0][1], results[1][1])


# ---------------------------------------------------------------------------- big inputs
def test_large_inputs_are_vectorised():
    import time
    x = np.random.default_rng(0).standard_normal((1000, 1000)).astype(np.float32)
    e = ember.from_numpy(x)
    t0 = time.perf_counter()
    e.median(1)
    e.mode(1)
    e.quantile(0.3, dim=0)
    e.cummax(1)
    e.sum(0)
    e.var(1)
    assert time.perf_counter() - t0 < 5


@pytest.mark.parametrize("expr", ["x.logcumsumexp(1)", "x.logcumsumexp(0)", "x.cumprod(1)",
                                  "x.prod(0)", "x.logsumexp(1)", "x.norm(p=3, dim=1)"])
def test_complex_grad_conj_bit(expr):
    # PyTorch's complex gradients may carry the lazy conjugate bit: compare resolved values
    a = data((3, 4), "complex128", seed=8)
    gs = []
    for m in (ember, torch):
        x = m.tensor(a, requires_grad=True)
        y = eval(expr)
        y.abs().sum().backward()
        gs.append((y.detach().resolve_conj().numpy(), x.grad.resolve_conj().numpy()))
    np.testing.assert_allclose(gs[0][0], gs[1][0], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(gs[0][1], gs[1][1], rtol=1e-7, atol=1e-9)
