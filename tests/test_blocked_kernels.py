"""The cache-blocked fast paths against PyTorch: float32 erf and gelu in blocks (gelu's backward
reusing the forward's erf), softmax/log_softmax by row blocks, and bernoulli/dropout masks drawn
by integer comparison. Inputs are large enough to take the blocked paths, with ragged last
blocks, specials, non-contiguous layouts (which route away) and both dtypes."""
import numpy as np
import pytest

import ember
import torch
from ember._ops import row_kernels, special_kernels

BIG = special_kernels.ERF_BLOCK * 2 + 37          # two full blocks and a ragged one


def _rng(seed=0):
    return np.random.RandomState(seed)


def _ulps(e, t):
    ulp = np.spacing(np.maximum(np.abs(t), np.float32(1e-38))).astype(np.float64)
    return np.abs(e.astype(np.float64) - t.astype(np.float64)) / ulp


def test_erf_float32_blocked_within_one_ulp():
    x = (_rng().randn(BIG) * 3).astype(np.float32)
    x[[5, 40000, BIG - 1]] = [np.nan, -0.0, np.inf]
    e = ember.tensor(x).erf().numpy()
    t = torch.erf(torch.from_numpy(x)).numpy()
    ok = ~np.isnan(t)
    assert np.isnan(e[~ok]).all()
    assert _ulps(e[ok], t[ok]).max() <= 1.0
    assert np.array_equal(np.signbit(e[ok]), np.signbit(t[ok]))


def test_erf_float32_non_contiguous_keeps_layout():
    x = (_rng(1).randn(300, 400) * 2).astype(np.float32).T
    e = ember.tensor(x).erf()
    t = torch.erf(torch.from_numpy(x))
    assert e.stride() == t.stride()
    assert _ulps(e.numpy(), t.numpy()).max() <= 1.0


@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_gelu_blocked_forward_and_gradient(layout):
    x0 = (_rng(2).randn(257, 263) * 3).astype(np.float32)   # > one block, ragged
    x0[0, :4] = [30.0, -30.0, 0.0, -0.0]
    if layout == "transposed":
        x0 = x0.T
    g0 = _rng(3).randn(*x0.shape).astype(np.float32)
    xe = ember.tensor(x0, requires_grad=True)
    ye = ember.nn.functional.gelu(xe)
    (fast,) = ember.autograd.grad(ye, xe, ember.tensor(g0), retain_graph=True)
    # a second backward finds the forward's erf used up and recomputes it: same bits
    (again,) = ember.autograd.grad(ye, xe, ember.tensor(g0), retain_graph=True)
    (ops,) = ember.autograd.grad(ye, xe, ember.tensor(g0), create_graph=True)
    np.testing.assert_array_equal(fast.numpy(), ops.detach().numpy())
    np.testing.assert_array_equal(fast.numpy(), again.numpy())
    xt = torch.tensor(x0, requires_grad=True)
    yt = torch.nn.functional.gelu(xt)
    (gt,) = torch.autograd.grad(yt, xt, torch.tensor(g0))
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fast.numpy(), gt.numpy(), rtol=1e-5, atol=1e-6)
    assert ye.stride() == yt.stride()


def test_gelu_blocked_specials_and_no_grad():
    x = (_rng(4).randn(BIG) * 4).astype(np.float32)
    x[[0, 1, 2, BIG - 1]] = [np.inf, -np.inf, np.nan, np.inf]
    with ember.no_grad():
        e = ember.nn.functional.gelu(ember.tensor(x)).numpy()
        # small pieces take the whole-array path: the blocks change no bit
        pieces = [ember.nn.functional.gelu(ember.tensor(x[i:i + 1000])).numpy()
                  for i in range(0, BIG, 1000)]
    np.testing.assert_array_equal(e, np.concatenate(pieces))
    t = torch.nn.functional.gelu(torch.from_numpy(x)).numpy()
    # (1 + erf(x / sqrt 2) cancels for x < -3 in float32: PyTorch's own erf differs there)
    np.testing.assert_allclose(e, t, rtol=1e-5, atol=3e-6, equal_nan=True)


def test_gelu_grad_after_inplace_change_of_input_raises():
    xe = ember.tensor(_rng(5).randn(BIG).astype(np.float32), requires_grad=True)
    x = xe * 1
    y = ember.nn.functional.gelu(x)
    x.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def _big_rows(n_rows, n_cols, dtype, seed=6):
    a = (_rng(seed).randn(n_rows, n_cols) * 4).astype(dtype)
    assert a.nbytes > row_kernels.ROW_BLOCK_BYTES
    return a


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softmax_row_blocks_values_and_grads(fn, dtype):
    a = _big_rows(1031, 129, dtype)                  # ragged last block
    a[3] = -np.inf                                   # a fully masked row: NaN, as in PyTorch
    a[4, ::2] = -np.inf
    a = a.reshape(1031, 1, 129)
    g = _rng(7).randn(*a.shape).astype(dtype)
    xe = ember.tensor(a, requires_grad=True)
    ye = getattr(ember, fn)(xe, -1)
    (ge,) = ember.autograd.grad(ye, xe, ember.tensor(g))
    xt = torch.tensor(a, requires_grad=True)
    yt = getattr(torch, fn)(xt, -1)
    (gt,) = torch.autograd.grad(yt, xt, torch.tensor(g))
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), equal_nan=True, **tol)
    np.testing.assert_allclose(ge.numpy(), gt.numpy(), equal_nan=True, **tol)
    assert ye.stride() == yt.stride() and ye.dtype == getattr(ember, dtype)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_row_blocks_bit_equal_to_whole_array(fn):
    a = _big_rows(700, 300, np.float32, seed=8)
    blocked = getattr(ember, fn)(ember.tensor(a), -1).numpy()
    # the same rows one small call each take the unblocked path
    rows = [getattr(ember, fn)(ember.tensor(a[i:i + 1]), -1).numpy() for i in range(0, 700, 97)]
    np.testing.assert_array_equal(blocked[::97], np.concatenate(rows))


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_routes_away_from_blocks(fn):
    a = _big_rows(500, 200, np.float32, seed=9)
    for x, dim in ((a.T, -1), (a, 0), (a[:, ::2], -1)):     # non-contiguous, other dim
        xe = ember.tensor(x, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        ye, yt = getattr(ember, fn)(xe, dim), getattr(torch, fn)(xt, dim)
        g = _rng(10).randn(*x.shape).astype(np.float32).T.copy().T   # non-contiguous grad
        (ge,) = ember.autograd.grad(ye, xe, ember.tensor(g))
        (gt,) = torch.autograd.grad(yt, xt, torch.tensor(g))
        # (sums of 200-500 float32 terms: summation order moves the last bits)
        np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-5,
                                   atol=1e-5)
        np.testing.assert_allclose(ge.numpy(), gt.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("p", [0.9, 0.5, 0.0, 1.0, 1e-9, 1 - 1e-12, 0.3])
@pytest.mark.parametrize("n", [1, 7, (1 << 16) + 3, 200001])
def test_bernoulli_scalar_stream_matches_torch(p, n):
    ember.manual_seed(11)
    torch.manual_seed(11)
    e = ember.empty(n).bernoulli_(p).numpy()
    t = torch.empty(n).bernoulli_(p).numpy()
    np.testing.assert_array_equal(e, t)
    # the generator is left where PyTorch's is
    np.testing.assert_array_equal(ember.rand(3).numpy(), torch.rand(3).numpy())


@pytest.mark.parametrize("dtype", ["float64", "float16", "int64", "bool", "bfloat16"])
def test_bernoulli_scalar_other_dtypes(dtype):
    ember.manual_seed(12)
    torch.manual_seed(12)
    e = ember.empty(1000, dtype=getattr(ember, dtype)).bernoulli_(0.3)
    t = torch.empty(1000, dtype=getattr(torch, dtype)).bernoulli_(0.3)
    assert e.dtype == getattr(ember, dtype)
    np.testing.assert_array_equal(e.float().numpy(), t.float().numpy())


def test_bernoulli_ties_on_the_high_word_decided_by_the_low_word():
    # p set so that the first draw's 21 high bits equal the threshold's: the low word decides
    ember.manual_seed(13)
    hi, lo = (int(v) for v in ember.default_generator._words(2))
    k = ((hi & 0x1FFFFF) << 32) | lo                 # the first element's 53-bit value
    for t_int, expect in ((k + 1, 1.0), (k, 0.0), (k + 5, 1.0), (k - 3, 0.0)):
        p = t_int / 2.0 ** 53
        assert (p * 2.0 ** 53) == t_int
        for m in (ember, torch):
            m.manual_seed(13)
        e = ember.empty(5).bernoulli_(p).numpy()
        t = torch.empty(5).bernoulli_(p).numpy()
        np.testing.assert_array_equal(e, t)
        assert e[0] == expect


def test_dropout_mask_and_grad_match_torch():
    x0 = _rng(14).randn(16, 33, 129).astype(np.float32)
    res = []
    for m in (ember, torch):
        m.manual_seed(15)
        x = m.tensor(x0, requires_grad=True)
        y = m.nn.functional.dropout(x, 0.1)
        y.backward(m.ones_like(y))
        res.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_array_equal(res[0][0], res[1][0])
    np.testing.assert_array_equal(res[0][1], res[1][1])


@pytest.mark.parametrize("shape", [(0, 3), (), (1,)])
def test_erf_float32_empty_and_tiny(shape):
    x = np.full(shape, 0.75, np.float32)
    e, t = ember.tensor(x).erf(), torch.erf(torch.from_numpy(x))
    assert tuple(e.shape) == tuple(t.shape) and e.dtype == ember.float32
    assert _ulps(e.numpy(), t.numpy()).max(initial=0.0) <= 1.0
