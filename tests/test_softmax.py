"""softmax / log_softmax against PyTorch: values, dtypes, gradients, double backward, errors."""
import numpy as np
import pytest
import warnings

import ember
import torch
from oracle import check_same, Arr, DType

rng = np.random.default_rng(0)
X = rng.standard_normal((3, 4, 5)).astype(np.float32)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_values_and_grad(fn, dim):
    check_same(lambda m, x: getattr(m, fn)(x, dim) * m.arange(5.), Arr(X, requires_grad=True),
               grad=True, check_grad_fn=False)
    check_same(lambda m, x: getattr(x, fn)(dim), Arr(X, requires_grad=True), check_grad_fn=True)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
def test_dtypes(fn, dtype):
    check_same(lambda m, x: getattr(m, fn)(x, 1), Arr(X[0], dtype=dtype))
    check_same(lambda m, x: getattr(m, fn)(x, 1, dtype=m.float64), Arr(X[0], dtype=dtype))


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_edge_inputs(fn):
    check_same(lambda m, x: getattr(m, fn)(x, 0), np.array(2.0, np.float32))
    check_same(lambda m, x: getattr(m, fn)(x, 1), np.zeros((2, 0), np.float32))
    check_same(lambda m, x: getattr(m, fn)(x, 1), np.array([[1., np.inf, 0.], [-np.inf, 0., 1.]], np.float32))
    check_same(lambda m, x: getattr(m, fn)(x, 0), Arr(X[0], layout="transposed"))
    check_same(lambda m, x: getattr(m, fn)(x, 0), np.arange(3))
    check_same(lambda m, x: getattr(m, fn)(x, 0), np.arange(6).reshape(2, 3))
    check_same(lambda m, x: getattr(m, fn)(x, 3), X)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_double_backward(fn):
    def run(m):
        x = m.tensor(X[0].astype(np.float64), requires_grad=True)
        y = (getattr(m, fn)(x, 1) * m.arange(5.)).sum()
        g, = m.autograd.grad(y, x, create_graph=True)
        h, = m.autograd.grad((g * g).sum(), x)
        return g.detach().numpy(), h.numpy()
    for a, b in zip(run(ember), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_functional_implicit_dim_warns():
    for m in (ember, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            r = m.nn.functional.softmax(m.ones(2, 3))
        assert tuple(r.shape) == (2, 3)
        assert "Implicit dimension choice for softmax" in str(w[0].message)
    check_same(lambda m, x: m.nn.functional.log_softmax(x, dim=0), X)
    check_same(lambda m, x: m.nn.functional.softmin(x, dim=-1), X)
