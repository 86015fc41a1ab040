"""The inference fast paths of nn.functional.linear / nn.Linear and of unary ops on row-major
inputs with size-1 dims: same values, dtypes, strides and errors as PyTorch (and as ember's
general path), and every case they must route away from still works."""
import numpy as np
import pytest

import ember
import torch
from oracle import assert_same

rng = np.random.default_rng(11)


def _arr(shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def _both(fn):
    """fn(m) under no_grad for ember and torch."""
    with ember.no_grad():
        e = fn(ember)
    with torch.no_grad():
        t = fn(torch)
    return e, t


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64])
@pytest.mark.parametrize("batch", [1, 5, 0])
@pytest.mark.parametrize("bias", [True, False])
def test_functional_linear_no_grad(dtype, batch, bias):
    xa, wa, ba = _arr((batch, 7), dtype), _arr((3, 7), dtype), _arr((3,), dtype)

    def run(m):
        return m.nn.functional.linear(m.tensor(xa), m.tensor(wa), m.tensor(ba) if bias else None)
    e, t = _both(run)
    assert_same(e, t, rtol=1e-5, atol=1e-6)
    assert e.stride() == t.stride()


@pytest.mark.parametrize("layout", ["x_transposed", "w_transposed", "bias_2d", "bias_scalar"])
def test_functional_linear_no_grad_other_layouts(layout):
    xa, wa, ba = _arr((4, 6)), _arr((3, 6)), _arr((3,))

    def run(m):
        x = m.tensor(np.ascontiguousarray(xa.T)).t() if layout == "x_transposed" else m.tensor(xa)
        w = m.tensor(np.ascontiguousarray(wa.T)).t() if layout == "w_transposed" else m.tensor(wa)
        b = m.tensor(ba)
        if layout == "bias_2d":
            b = b.reshape(1, 3)
        elif layout == "bias_scalar":
            b = m.tensor(np.float32(0.5))
        return m.nn.functional.linear(x, w, b)
    e, t = _both(run)
    assert_same(e, t, rtol=1e-5, atol=1e-6)
    assert e.stride() == t.stride()


@pytest.mark.parametrize("case", ["shape", "dtype", "bias_size"])
def test_functional_linear_no_grad_errors(case):
    def run(m):
        x = m.tensor(_arr((2, 4)))
        w = m.tensor(_arr((3, 5 if case == "shape" else 4), np.float64 if case == "dtype"
                          else np.float32))
        b = m.tensor(_arr((4 if case == "bias_size" else 3,)))
        with (m.no_grad()):
            return m.nn.functional.linear(x, w, b)
    with pytest.raises(RuntimeError) as te:
        run(torch)
    with pytest.raises(RuntimeError) as ee:
        run(ember)
    assert str(ee.value).split("\n")[0] == str(te.value).split("\n")[0]


def test_functional_linear_inference_mode_marks_result():
    x, w, b = ember.tensor(_arr((2, 4))), ember.tensor(_arr((3, 4))), ember.tensor(_arr((3,)))
    with ember.inference_mode():
        y = ember.nn.functional.linear(x, w, b)
    assert y.is_inference() and not y.requires_grad
    with ember.no_grad():
        z = ember.nn.functional.linear(x, w, b)
    assert not z.is_inference()
    np.testing.assert_array_equal(y.numpy(), z.numpy())


def test_linear_module_grad_and_no_grad_match_torch():
    xa = _arr((3, 5))
    ember.manual_seed(0)
    torch.manual_seed(0)
    me, mt = ember.nn.Linear(5, 2), torch.nn.Linear(5, 2)
    with ember.no_grad():
        ye = me(ember.tensor(xa))
    with torch.no_grad():
        yt = mt(torch.tensor(xa))
    assert_same(ye, yt, rtol=1e-6)
    ye, yt = me(ember.tensor(xa)), mt(torch.tensor(xa))
    assert type(ye.grad_fn).__name__ == yt.grad_fn.name() == "AddmmBackward0"
    ye.sum().backward()
    yt.sum().backward()
    assert_same(me.weight.grad, mt.weight.grad, rtol=1e-6)
    assert_same(me.bias.grad, mt.bias.grad, rtol=1e-6)


def test_linear_module_reads_replaced_and_parametrized_weights():
    xa = _arr((2, 4))

    def build(m):
        m.manual_seed(0)
        lin = m.nn.Linear(4, 3, bias=False)
        with m.no_grad():
            a = lin(m.tensor(xa))
        # a parametrized weight (a property on a generated subclass)
        m.nn.utils.parametrize.register_parametrization(lin, "weight", _Double(m))
        with m.no_grad():
            b = lin(m.tensor(xa))
        # a weight deleted and replaced by a plain tensor attribute
        lin2 = m.nn.Linear(4, 3)
        del lin2.weight
        lin2.weight = m.ones(3, 4)
        with m.no_grad():
            c = lin2(m.tensor(xa))
        return a, b, c
    for e, t in zip(build(ember), build(torch)):
        assert_same(e, t, rtol=1e-6)


def _Double(m):
    class Double(m.nn.Module):
        def forward(self, w):
            return w * 2
    return Double()


@pytest.mark.parametrize("op", ["relu", "sigmoid", "tanh", "exp", "sin"])
@pytest.mark.parametrize("shape,make", [((1, 6), "plain"), ((4, 1), "transposed"),
                                        ((1, 3, 1), "plain"), ((2, 1, 3), "plain"),
                                        ((3, 1), "plain"), ((1, 1), "expanded")])
def test_unary_results_with_size_one_dims_have_torch_strides(op, shape, make):
    a = _arr(shape)

    def run(m):
        x = m.tensor(a)
        if make == "transposed":
            x = m.tensor(np.ascontiguousarray(a.T)).t()
        elif make == "expanded":
            x = x.expand(1, 4)
        return getattr(m, op)(x)
    e, t = _both(run)
    assert_same(e, t, rtol=1e-6)
    assert e.stride() == t.stride()
