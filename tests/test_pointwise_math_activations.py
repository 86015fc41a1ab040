"""Differential tests of the elementwise activations (ember.nn.functional and their torch.*
forms) against PyTorch: dtypes, in-place forms, argument errors, gradients at edge points,
grad_fn names and double backward."""
import math

import numpy as np
import pytest

import ember
import ember.nn.functional as EF
import torch
import torch.nn.functional as TF
from oracle import Arr, check_same, ALL_DTYPE_NAMES, FLOAT_NAMES, assert_tensor_same

X = np.array([-5.0, -3.0, -2.5, -1.0, -0.5, -0.0, 0.0, 0.3, 0.5, 1.0, 3.0, 6.0, 7.0, 25.0,
              -25.0, math.nan, math.inf, -math.inf])


def F(m):
    return EF if m is ember else TF


def vals(dtype):
    if dtype == "bool":
        return np.array([True, False, True])
    if dtype.startswith("uint"):
        return np.array([0, 1, 5, 200])
    if dtype.startswith("int"):
        return np.array([-3, 0, 2, 100, -100])
    if dtype.startswith("complex"):
        return np.array([1 + 1j, -2j, -0.5 + 0.3j])
    return X


ACTS = {
    "relu": lambda f, x: f.relu(x),
    "relu6": lambda f, x: f.relu6(x),
    "leaky_relu": lambda f, x: f.leaky_relu(x),
    "leaky_relu_0.2": lambda f, x: f.leaky_relu(x, 0.2),
    "elu": lambda f, x: f.elu(x),
    "elu_alpha": lambda f, x: f.elu(x, alpha=0.5),
    "selu": lambda f, x: f.selu(x),
    "celu": lambda f, x: f.celu(x),
    "celu_alpha": lambda f, x: f.celu(x, alpha=2.0),
    "gelu": lambda f, x: f.gelu(x),
    "gelu_tanh": lambda f, x: f.gelu(x, approximate="tanh"),
    "silu": lambda f, x: f.silu(x),
    "mish": lambda f, x: f.mish(x),
    "softplus": lambda f, x: f.softplus(x),
    "softplus_beta": lambda f, x: f.softplus(x, beta=2, threshold=5),
    "hardtanh": lambda f, x: f.hardtanh(x),
    "hardtanh_args": lambda f, x: f.hardtanh(x, -2.0, 0.5),
    "hardsigmoid": lambda f, x: f.hardsigmoid(x),
    "hardswish": lambda f, x: f.hardswish(x),
    "logsigmoid": lambda f, x: f.logsigmoid(x),
    "softsign": lambda f, x: f.softsign(x),
    "tanhshrink": lambda f, x: f.tanhshrink(x),
    "threshold": lambda f, x: f.threshold(x, 0.5, 2.0),
    "threshold_int": lambda f, x: f.threshold(x, 1, 7),
    "hardshrink": lambda f, x: f.hardshrink(x),
    "hardshrink_l": lambda f, x: f.hardshrink(x, 1.0),
    "softshrink": lambda f, x: f.softshrink(x),
    "softshrink_l": lambda f, x: f.softshrink(x, 1.0),
    "rrelu_eval": lambda f, x: f.rrelu(x),
    "sigmoid": lambda f, x: f.sigmoid(x),
    "tanh": lambda f, x: f.tanh(x),
}
INPLACE_KW = ["relu", "relu6", "leaky_relu", "leaky_relu_0.2", "elu", "elu_alpha", "selu",
              "celu", "celu_alpha", "silu", "mish", "hardtanh", "hardtanh_args", "hardsigmoid",
              "hardswish", "threshold", "threshold_int", "rrelu_eval"]


@pytest.mark.parametrize("dtype", ALL_DTYPE_NAMES)
@pytest.mark.parametrize("name", sorted(ACTS))
def test_activation_dtypes(name, dtype):
    check_same(lambda m, x: ACTS[name](F(m), x), Arr(vals(dtype), dtype=dtype))


@pytest.mark.parametrize("layout", ["transposed", "strided"])
@pytest.mark.parametrize("name", sorted(ACTS))
def test_activation_layouts(name, layout):
    a = np.linspace(-4, 4, 24).reshape(4, 6)
    check_same(lambda m, x: ACTS[name](F(m), x), Arr(a, layout=layout))


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "bool"])
@pytest.mark.parametrize("name", INPLACE_KW)
def test_activation_inplace_kw(name, dtype):
    fn = ACTS[name]

    def run(m, x):
        f = F(m)
        call = {
            "relu": lambda: f.relu(x, inplace=True),
            "relu6": lambda: f.relu6(x, inplace=True),
            "leaky_relu": lambda: f.leaky_relu(x, inplace=True),
            "leaky_relu_0.2": lambda: f.leaky_relu(x, 0.2, True),
            "elu": lambda: f.elu(x, inplace=True),
            "elu_alpha": lambda: f.elu(x, 0.5, True),
            "selu": lambda: f.selu(x, inplace=True),
            "celu": lambda: f.celu(x, inplace=True),
            "celu_alpha": lambda: f.celu(x, 2.0, True),
            "silu": lambda: f.silu(x, inplace=True),
            "mish": lambda: f.mish(x, inplace=True),
            "hardtanh": lambda: f.hardtanh(x, inplace=True),
            "hardtanh_args": lambda: f.hardtanh(x, -2.0, 0.5, True),
            "hardsigmoid": lambda: f.hardsigmoid(x, inplace=True),
            "hardswish": lambda: f.hardswish(x, inplace=True),
            "threshold": lambda: f.threshold(x, 0.5, 2.0, inplace=True),
            "threshold_int": lambda: f.threshold(x, 1, 7, True),
            "rrelu_eval": lambda: f.rrelu(x, inplace=True),
        }[name]
        r = call()
        assert r is x
        return x
    del fn
    check_same(run, Arr(vals(dtype), dtype=dtype))


UNDERSCORE = {
    "F.relu_": lambda m, x: F(m).relu_(x),
    "F.elu_": lambda m, x: F(m).elu_(x, 0.3),
    "F.leaky_relu_": lambda m, x: F(m).leaky_relu_(x, 0.3),
    "F.hardtanh_": lambda m, x: F(m).hardtanh_(x, -0.5, 0.5),
    "F.threshold_": lambda m, x: F(m).threshold_(x, 0.0, -1.0),
    "F.rrelu_": lambda m, x: F(m).rrelu_(x),
    "torch.relu_": lambda m, x: m.relu_(x),
    "torch.selu_": lambda m, x: m.selu_(x),
    "torch.celu_": lambda m, x: m.celu_(x),
    "torch.threshold_": lambda m, x: m.threshold_(x, 0.0, 3.0),
    "torch.rrelu_": lambda m, x: m.rrelu_(x),
    "Tensor.relu_": lambda m, x: x.relu_(),
}


@pytest.mark.parametrize("name", sorted(UNDERSCORE))
def test_underscore_forms(name):
    def fn(m, x):
        r = UNDERSCORE[name](m, x)
        assert r is x
        return x
    check_same(fn, Arr(X[:14]))


TORCH_NAMESPACE = {
    "relu": lambda m, x: m.relu(x),
    "selu": lambda m, x: m.selu(x),
    "celu": lambda m, x: m.celu(x, 1.5),
    "threshold": lambda m, x: m.threshold(x, 0.1, 20),
    "rrelu": lambda m, x: m.rrelu(x, 0.1, 0.3),
    "hardshrink": lambda m, x: m.hardshrink(x, 0.3),
    "Tensor.hardshrink": lambda m, x: x.hardshrink(),
    "Tensor.relu": lambda m, x: x.relu(),
}


@pytest.mark.parametrize("name", sorted(TORCH_NAMESPACE))
def test_torch_namespace_forms(name):
    check_same(lambda m, x: TORCH_NAMESPACE[name](m, x), Arr(X))


def test_namespace_matches_torch():
    for n in ("relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish",
              "softplus", "hardtanh", "hardsigmoid", "hardswish", "logsigmoid", "softsign",
              "tanhshrink", "threshold", "rrelu", "hardshrink", "softshrink", "relu_", "selu_",
              "celu_", "threshold_", "rrelu_"):
        assert hasattr(ember, n) == hasattr(torch, n), n
        assert hasattr(ember.Tensor, n) == hasattr(torch.Tensor, n), n
    for n in ("relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu",
              "celu", "gelu", "silu", "mish", "softplus", "hardtanh", "hardtanh_", "hardsigmoid",
              "hardswish", "logsigmoid", "softsign", "tanhshrink", "threshold", "threshold_",
              "rrelu", "rrelu_", "hardshrink", "softshrink", "glu", "sigmoid", "tanh"):
        assert hasattr(EF, n), n


ERRORS = {
    "gelu_bad": lambda m, x: F(m).gelu(x, approximate="fast"),
    "softshrink_neg": lambda m, x: F(m).softshrink(x, -1.0),
    "celu_zero": lambda m, x: F(m).celu(x, 0.0),
    "hardtanh_uint8_neg": lambda m, x: F(m).hardtanh(x.to(m.uint8)),
    "hardtanh_bool": lambda m, x: F(m).hardtanh(x > 0),
    "relu6_bool": lambda m, x: F(m).relu6(x > 0),
    "relu6_uint8": lambda m, x: F(m).relu6(x.abs().to(m.uint8)),
    "leaky_int": lambda m, x: F(m).leaky_relu(x.long()),
    "glu_odd": lambda m, x: F(m).glu(x[:3]),
    "glu_0d": lambda m, x: F(m).glu(x[0]),
    "glu_dim": lambda m, x: F(m).glu(x.reshape(2, 4), 0),
    "glu_dim_out_of_range": lambda m, x: F(m).glu(x.reshape(2, 4), 2),
    "glu_neg_dim": lambda m, x: F(m).glu(x.reshape(2, 4), -1),
    "inplace_leaf": lambda m, x: F(m).relu(x.requires_grad_(), inplace=True),
    "softplus_int": lambda m, x: F(m).softplus(x.long()),
    "threshold_complex": lambda m, x: F(m).threshold(x.to(m.complex64), 0.0, 1.0),
    "threshold_uint8_big": lambda m, x: F(m).threshold(x.abs().to(m.uint8), 300, 1),
    "threshold_int_float": lambda m, x: F(m).threshold(x.long(), 0.5, 2.5),
    "hardtanh_int_float": lambda m, x: F(m).hardtanh(x.long(), -1.5, 2.5),
    "elu_str": lambda m, x: F(m).elu(x, "a"),
    "hardtanh_int8_overflow": lambda m, x: F(m).hardtanh(x.to(m.int8), -1000.0, 1.0),
    "hardtanh_int8_overflow_hi": lambda m, x: F(m).hardtanh(x.to(m.int8), -1.5, 200.0),
    "hardtanh_half_overflow": lambda m, x: F(m).hardtanh(x.half(), -1e6, 1.0),
    "threshold_half_big": lambda m, x: F(m).threshold(x.half(), 1e6, 1.0),
    "leaky_half_big": lambda m, x: F(m).leaky_relu(x.half(), 1e6),
    "selu_inplace_int": lambda m, x: m.selu_(x.long()),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_activation_errors_and_edges(case):
    check_same(lambda m, x: ERRORS[case](m, x),
               Arr(np.array([-2.0, -0.5, 0.0, 0.5, 1.5, 3.0, -3.0, 7.0])))


GRAD_X = np.array([-5.0, -3.0, -2.5, -1.0, -0.5, 0.0, 0.3, 0.5, 1.0, 3.0, 6.0, 7.0, 25.0])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(ACTS))
def test_activation_grads(name, dtype):
    check_same(lambda m, x: ACTS[name](F(m), x), Arr(GRAD_X, dtype=dtype, requires_grad=True),
               grad=True, check_grad_fn=True)


@pytest.mark.parametrize("name", sorted(ACTS))
def test_activation_grads_half(name):
    check_same(lambda m, x: ACTS[name](F(m), x),
               Arr(GRAD_X[:11], dtype="bfloat16", requires_grad=True), grad=True,
               check_grad_fn=True)


@pytest.mark.parametrize("name", INPLACE_KW)
def test_activation_inplace_grads(name):
    kwargs = {"relu": {}, "relu6": {}, "leaky_relu": {}, "leaky_relu_0.2": {"negative_slope": 0.2},
              "elu": {}, "elu_alpha": {"alpha": 0.5}, "selu": {}, "celu": {},
              "celu_alpha": {"alpha": 2.0}, "silu": {}, "mish": {}, "hardtanh": {},
              "hardtanh_args": {"min_val": -2.0, "max_val": 0.5}, "hardsigmoid": {},
              "hardswish": {}, "threshold": {"threshold": 0.5, "value": 2.0},
              "threshold_int": {"threshold": 1, "value": 7}, "rrelu_eval": {}}[name]
    fname = name.split("_")[0] if name not in ("leaky_relu", "leaky_relu_0.2", "rrelu_eval") \
        else ("leaky_relu" if name.startswith("leaky") else "rrelu")
    if name.startswith("hardtanh"):
        fname = "hardtanh"

    def fn(m, x):
        y = x * 1
        r = getattr(F(m), fname)(y, inplace=True, **kwargs)
        return r
    check_same(fn, Arr(GRAD_X, dtype="float64", requires_grad=True), grad=True,
               check_grad_fn=True)


@pytest.mark.parametrize("name", ["relu", "elu", "leaky_relu", "hardtanh", "silu"])
def test_activation_inplace_on_view_grad(name):
    def fn(m, x):
        y = x * 1
        getattr(F(m), name)(y[2:6], inplace=True)
        return y
    check_same(fn, Arr(GRAD_X, dtype="float64", requires_grad=True), grad=True,
               check_grad_fn=True)


DOUBLE = ["elu", "selu", "celu_alpha", "gelu", "gelu_tanh", "silu", "mish", "softplus",
          "softplus_beta", "logsigmoid", "softsign", "tanhshrink", "leaky_relu_0.2",
          "hardswish", "hardsigmoid", "sigmoid", "tanh"]


@pytest.mark.parametrize("name", DOUBLE)
def test_activation_double_backward(name):
    def fn(m, x):
        y = ACTS[name](F(m), x)
        (g,) = m.autograd.grad(y.sum(), x, create_graph=True)
        (gg,) = m.autograd.grad((g * g * x).sum(), x)
        return g.detach(), gg
    check_same(fn, Arr(np.array([-2.0, -0.7, 0.4, 1.3, 2.5]), dtype="float64",
                       requires_grad=True))


def test_glu():
    x = np.linspace(-2, 2, 24).reshape(2, 3, 4)
    for dim in (-1, 0, 2):
        check_same(lambda m, t: F(m).glu(t, dim), Arr(x, requires_grad=True), grad=True)


def test_rrelu_training_bounds():
    for lib in (ember, torch):
        x = lib.linspace(-5, 5, 101)
        y = F(lib).rrelu(x, 0.1, 0.3, training=True)
        neg = x < 0
        ratio = (y[neg] / x[neg])
        assert bool(((ratio >= 0.1) & (ratio <= 0.3)).all())
        assert bool((y[~neg] == x[~neg]).all())


def test_silu_complex_grad():
    z = np.array([0.3 + 0.4j, -0.5 + 0.2j, 1.5 - 0.6j])
    check_same(lambda m, x: F(m).silu(x), Arr(z, dtype="complex128", requires_grad=True),
               grad=True, check_grad_fn=True)


def test_softplus_threshold_boundary():
    x = np.array([19.9, 20.0, 20.1, 9.99, 10.0, 10.01, -20.0, -100.0])
    check_same(lambda m, t: F(m).softplus(t), Arr(x, requires_grad=True), grad=True)
    check_same(lambda m, t: F(m).softplus(t, beta=2), Arr(x, requires_grad=True), grad=True)
    check_same(lambda m, t: F(m).softplus(t, beta=-1, threshold=5), Arr(x, requires_grad=True),
               grad=True)


@pytest.mark.parametrize("dtype", FLOAT_NAMES)
def test_extreme_values(dtype):
    x = np.array([-1e30, -88.0, -20.0, 20.0, 88.0, 1e30, 1e-30, -1e-30])
    for name in ("gelu", "silu", "mish", "softplus", "logsigmoid", "elu", "selu", "celu",
                 "gelu_tanh", "hardswish", "softsign", "tanhshrink"):
        check_same(lambda m, t: ACTS[name](F(m), t), Arr(x, dtype=dtype))


PRELU_CASES = {
    "single": lambda m, x, w: m.prelu(x, w[:1]),
    "per_channel": lambda m, x, w: m.prelu(x, w),
    "zero_dim_weight": lambda m, x, w: m.prelu(x, w[0]),
    "method": lambda m, x, w: x.prelu(w),
    "channels_mismatch": lambda m, x, w: m.prelu(x, w[:2]),
    "weight_2d": lambda m, x, w: m.prelu(x, w.reshape(3, 1)),
    "dtype": lambda m, x, w: m.prelu(x.double(), w),
    "int": lambda m, x, w: m.prelu(x.long(), w.long()),
    "scalar_input": lambda m, x, w: m.prelu(x[0, 0, 0], w[:1]),
    "vector_input": lambda m, x, w: m.prelu(x[0, 0], w[:1]),
    "transposed": lambda m, x, w: m.prelu(x.transpose(0, 2), w[:1]),
    "half": lambda m, x, w: m.prelu(x.half(), w.half()),
}


@pytest.mark.parametrize("case", sorted(PRELU_CASES))
def test_prelu(case):
    x = np.linspace(-3, 3, 24).reshape(2, 3, 4)
    check_same(lambda m, a, w: PRELU_CASES[case](m, a, w), Arr(x, requires_grad=True),
               Arr(np.array([0.25, -0.5, 0.1]), requires_grad=True), grad=True,
               check_grad_fn=True)
