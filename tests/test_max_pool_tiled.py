"""Max pooling whose windows tile the input (kernel == stride, no padding or dilation): ember
takes a staged fast path there. Against PyTorch: values, indices, gradients, double backward,
ties (first maximum wins), signed zeros, NaN windows (routed to the general scan), infinite
and NaN gradients, uncovered borders, kernels of 1 and 3, 1-d/3-d, layouts, dtypes."""
import zlib

import numpy as np
import pytest

import ember
import torch
from oracle import check_same, Arr

rng = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _seeded_inputs(request):
    global rng
    rng = np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))


def F(m):
    return m.nn.functional


def same(fn, *inputs, **kw):
    return check_same(fn, *inputs, grad=True, check_grad_fn=True, **kw)


def weighted_grads(fn, x):
    """Input gradients of (out * w).sum() with an uneven weight, ember vs torch (exact)."""
    res = []
    for m in (ember, torch):
        t = m.tensor(x, requires_grad=True)
        out = fn(m, t)
        w = m.tensor(np.linspace(-2, 3, out.numel(), dtype=x.dtype).reshape(tuple(out.shape)))
        (out * w).sum().backward()
        res.append((out.detach().numpy(), t.grad.numpy()))
    np.testing.assert_array_equal(res[0][0], res[1][0])
    np.testing.assert_array_equal(res[0][1], res[1][1])


@pytest.mark.parametrize("shape,k", [
    ((2, 3, 8, 8), 2), ((2, 3, 7, 9), 2), ((1, 2, 9, 9), 3), ((3, 6, 6), 2),
    ((2, 2, 8, 6), (2, 3)), ((2, 2, 5, 8), (1, 2)), ((2, 2, 8, 5), (2, 1)),
    ((1, 1, 4, 4), 4), ((2, 1, 6, 6), (3, 2))])
def test_values_indices_grads(shape, k):
    x = rng.standard_normal(shape).astype(np.float32)
    same(lambda m, t: F(m).max_pool2d(t, k, return_indices=True), Arr(x, requires_grad=True))
    weighted_grads(lambda m, t: F(m).max_pool2d(t, k), x)


@pytest.mark.parametrize("k", [2, 3, (2, 3), (3, 2), 4])
def test_ties_first_maximum_wins(k):
    # few distinct values: most windows hold several maxima
    x = rng.integers(-2, 2, (2, 3, 12, 12)).astype(np.float32)
    same(lambda m, t: F(m).max_pool2d(t, k, return_indices=True), Arr(x, requires_grad=True))
    weighted_grads(lambda m, t: F(m).max_pool2d(t, k), x)
    all_equal = np.ones((1, 1, 12, 12), np.float32)
    same(lambda m, t: F(m).max_pool2d(t, k, return_indices=True), Arr(all_equal))


def test_signed_zeros_keep_the_first():
    x = np.zeros((1, 1, 2, 8), np.float32)
    x[0, 0, 0, ::2] = -0.0     # -0.0 first in its window: it stays
    x[0, 0, 1, 4:] = -0.0
    for m in (ember, torch):
        out = F(m).max_pool2d(m.tensor(x), 2).numpy()
        if m is ember:
            e = out
    np.testing.assert_array_equal(np.signbit(e), np.signbit(out))


def test_nan_windows_take_the_general_scan():
    x = rng.standard_normal((2, 2, 6, 6)).astype(np.float32)
    x[0, 0, 0, 0] = x[0, 0, 1, 1] = np.nan     # two NaNs in one window: the last one wins
    x[1, 1, 4, 5] = np.nan
    x[0, 1, 2:4, 2:4] = np.inf
    same(lambda m, t: F(m).max_pool2d(t, 2, return_indices=True), Arr(x, requires_grad=True))
    with_nan = x.copy()
    with ember.no_grad():
        e = F(ember).max_pool2d(ember.tensor(with_nan), 2).numpy()
    t = F(torch).max_pool2d(torch.tensor(with_nan), 2).numpy()
    np.testing.assert_array_equal(e, t)


def test_infinite_and_nan_gradients_stay_at_the_winner():
    x = rng.standard_normal((2, 2, 4, 6)).astype(np.float32)
    g = rng.standard_normal((2, 2, 2, 3)).astype(np.float32)
    g[0, 0, 0, 0], g[1, 1, 1, 2], g[0, 1, 1, 1] = np.inf, -np.inf, np.nan
    res = []
    for m in (ember, torch):
        t = m.tensor(x, requires_grad=True)
        F(m).max_pool2d(t, 2).backward(m.tensor(g))
        res.append(t.grad.numpy())
    np.testing.assert_array_equal(res[0], res[1])


@pytest.mark.parametrize("dtype", ["float64", "float16", "bfloat16"])
def test_float_dtypes(dtype):
    x = rng.standard_normal((2, 3, 6, 8))
    same(lambda m, t: F(m).max_pool2d(t, 2, return_indices=True),
         Arr(x, dtype, requires_grad=True))


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8"])
def test_integer_dtypes(dtype):
    x = rng.integers(0, 50, (2, 3, 6, 8))
    same(lambda m, t: F(m).max_pool2d(t, 2, return_indices=True), Arr(x, dtype))
    same(lambda m, t: F(m).max_pool2d(t, 2), Arr(x, dtype))


def test_layouts():
    x = rng.standard_normal((2, 4, 8, 6)).astype(np.float32)
    t_cl = Arr(x, requires_grad=True)

    def channels_last(m, t):
        return F(m).max_pool2d(t.contiguous(memory_format=m.channels_last), 2,
                               return_indices=True)
    same(channels_last, t_cl)
    same(lambda m, t: F(m).max_pool2d(t.transpose(2, 3), 2, return_indices=True),
         Arr(x, requires_grad=True))
    same(lambda m, t: F(m).max_pool2d(t[:, ::2], 2, return_indices=True),
         Arr(x, requires_grad=True))


def test_other_ranks():
    x = rng.standard_normal((2, 3, 4, 6, 8)).astype(np.float32)
    same(lambda m, t: F(m).max_pool3d(t, 2, return_indices=True), Arr(x, requires_grad=True))
    same(lambda m, t: F(m).max_pool3d(t, (1, 2, 3), return_indices=True),
         Arr(x, requires_grad=True))
    weighted_grads(lambda m, t: F(m).max_pool3d(t, 2), x)
    y = rng.integers(-1, 2, (2, 3, 9)).astype(np.float32)
    same(lambda m, t: F(m).max_pool1d(t, 3, return_indices=True), Arr(y, requires_grad=True))


def test_no_grad_values_and_modules():
    x = rng.standard_normal((4, 3, 10, 10)).astype(np.float32)
    with ember.no_grad():
        e = ember.nn.MaxPool2d(2)(ember.tensor(x)).numpy()
    t = torch.nn.MaxPool2d(2)(torch.tensor(x)).numpy()
    np.testing.assert_array_equal(e, t)


def test_double_backward():
    # the gradient's own derivative (in the output gradient) reads the winners back
    x = rng.integers(-3, 3, (2, 2, 6, 6)).astype(np.float64)
    res = []
    for m in (ember, torch):
        t = m.tensor(x, requires_grad=True)
        out = F(m).max_pool2d(t, 2)
        v = m.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)),
                     requires_grad=True)
        g, = m.autograd.grad(out, t, v, create_graph=True)
        gg = m.tensor(np.linspace(2, -1, g.numel()).reshape(tuple(g.shape)))
        hv, = m.autograd.grad((g * gg).sum(), v)
        res.append((g.detach().numpy(), hv.numpy(), type(g.grad_fn).__name__))
    np.testing.assert_array_equal(res[0][0], res[1][0])
    np.testing.assert_array_equal(res[0][1], res[1][1])
    assert res[0][2] == res[1][2]


def test_repeated_calls_keep_their_checks():
    # checked arguments are cached per shape, dtype and arguments: a cached success must not
    # let another dtype, kernel or ceil_mode through unchecked
    x = rng.standard_normal((1, 2, 4, 4)).astype(np.float32)
    same(lambda m, t: F(m).max_pool2d(t, 2), Arr(x, requires_grad=True))
    check_same(lambda m, t: F(m).max_pool2d(t, 2), Arr(x > 0, "bool"))
    check_same(lambda m, t: F(m).max_pool2d(t, 5), Arr(x))
    check_same(lambda m, t: F(m).max_pool2d(t, 3, ceil_mode=True), Arr(x))
    check_same(lambda m, t: F(m).max_pool2d(t, [2, 2], [2, 2]), Arr(x))
    check_same(lambda m, t: F(m).max_pool2d(t, 2.0), Arr(x))
