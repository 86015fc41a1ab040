"""Pooling against PyTorch: max / avg / adaptive / Lp / fractional max pooling and max
unpooling, functional and modules. Values, indices, dtypes, strides (channels-last in and out),
gradients, double backward, grad_fn names, odd sizes, ceil_mode edges, unbatched and
non-contiguous inputs, and PyTorch's errors."""
import zlib

import numpy as np
import pytest

import ember
import torch
from oracle import check_same, Arr

rng = np.random.default_rng(0)
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(autouse=True)
def _seeded_inputs(request):
    """Each test draws the same inputs whichever worker runs it, in whatever order."""
    global rng
    rng = np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))


def F(m):
    return m.nn.functional


def randn(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


class ChannelsLast(Arr):
    """A 4-d / 5-d input laid out channels-last."""

    def make(self, lib):
        t = Arr(self.array, self.dtype).make(lib)
        fmt = lib.channels_last if t.dim() == 4 else lib.channels_last_3d
        t = t.contiguous(memory_format=fmt)
        return t.requires_grad_(True) if self.requires_grad else t


def same(fn, *inputs, grad=True, **kw):
    """Results (tensors, strides, grad_fn names) and input gradients agree."""
    return check_same(fn, *inputs, grad=grad, check_grad_fn=True, **kw)


def double_backward_same(fn, x, rtol=1e-6, atol=1e-8):
    """First and second derivatives through create_graph agree (float64)."""
    res = []
    for m in (ember, torch):
        t = m.tensor(x, requires_grad=True)
        out = fn(m, t)
        out = out[0] if isinstance(out, tuple) else out
        w = m.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)))
        g, = m.autograd.grad((out * w).sum(), t, create_graph=True)
        h, = m.autograd.grad((g * g).sum() + (g * t).sum(), t)
        res.append((g.detach().numpy(), h.numpy(), type(g.grad_fn).__name__))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=rtol, atol=atol)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=rtol, atol=atol)
    assert res[0][2] == res[1][2]


# ---------------------------------------------------------------------------- max pooling
MAX2D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1), dilation=(2, 1)),
    dict(kernel_size=2, stride=3, ceil_mode=True),
    dict(kernel_size=(3, 1), stride=1, dilation=2),
]


@pytest.mark.parametrize("kw", MAX2D)
@pytest.mark.parametrize("shape", [(2, 3, 7, 8), (3, 6, 5)])
def test_max_pool2d(kw, shape):
    same(lambda m, x: F(m).max_pool2d(x, return_indices=True, **kw),
         Arr(randn(*shape), requires_grad=True))


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=(2, 3, 2), stride=(1, 2, 2),
                                                         padding=(1, 0, 1), ceil_mode=True),
                                dict(kernel_size=3, stride=2, dilation=(1, 2, 1))])
@pytest.mark.parametrize("shape", [(2, 2, 5, 6, 7), (2, 5, 6, 7)])
def test_max_pool3d(kw, shape):
    same(lambda m, x: F(m).max_pool3d(x, return_indices=True, **kw),
         Arr(randn(*shape, dtype=np.float64), requires_grad=True))


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1,
                                                         ceil_mode=True),
                                dict(kernel_size=2, dilation=3, stride=1)])
@pytest.mark.parametrize("ret", [False, True])
def test_max_pool1d(kw, ret):
    same(lambda m, x: F(m).max_pool1d(x, return_indices=ret, **kw),
         Arr(randn(2, 3, 9), requires_grad=True))
    same(lambda m, x: F(m).max_pool1d(x, return_indices=ret, **kw),
         Arr(randn(3, 10), requires_grad=True))


def test_max_pool_ceil_mode_edges():
    # the last window would start inside the right padding: ceil_mode drops it
    for n in range(3, 9):
        same(lambda m, x: F(m).max_pool2d(x, 3, 2, 1, ceil_mode=True, return_indices=True),
             Arr(randn(1, 1, n, n + 1), requires_grad=True))
        same(lambda m, x: F(m).avg_pool2d(x, 3, 2, 1, ceil_mode=True),
             Arr(randn(1, 1, n, n + 1), requires_grad=True))
        same(lambda m, x: F(m).avg_pool2d(x, 2, 2, 1, ceil_mode=True, count_include_pad=False),
             Arr(randn(1, 1, n, n + 2), requires_grad=True))


def test_max_pool_ties_nan_and_infinities():
    x = np.array([[[[1., np.nan, 3., np.nan], [3., 3., -np.inf, 2.],
                    [-np.inf, -np.inf, -np.inf, -np.inf], [5., 5., 5., 5.]]]], dtype=np.float32)
    same(lambda m, x: F(m).max_pool2d(x, 2, return_indices=True), Arr(x))
    same(lambda m, x: F(m).max_pool2d(x, (1, 4), return_indices=True), Arr(x))
    same(lambda m, x: F(m).max_pool2d(x, 3, 2, 1, return_indices=True),
         Arr(np.full((1, 1, 4, 4), -np.inf, np.float32)))
    same(lambda m, x: F(m).adaptive_max_pool2d(x, (3, 2), return_indices=True), Arr(x))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64", "int64", "uint8", "int32"])
def test_max_pool_dtypes(dtype):
    x = (randn(2, 3, 6, 6) * 10).astype(np.float64)
    same(lambda m, x: F(m).max_pool2d(x, 2, return_indices=True), Arr(x, dtype))
    same(lambda m, x: F(m).max_pool3d(x, 2, return_indices=True), Arr(x, dtype))


@pytest.mark.parametrize("dtype", ["bool", "complex64", "int64"])
def test_max_pool_dtype_errors(dtype):
    x = randn(2, 3, 6, 6)
    same(lambda m, x: F(m).max_pool2d(x, 2), Arr(x, dtype))
    same(lambda m, x: F(m).max_pool1d(x, 2), Arr(x[0], dtype))


def test_max_pool_layouts():
    x = randn(2, 3, 6, 8)
    same(lambda m, x: F(m).max_pool2d(x, 2, return_indices=True),
         ChannelsLast(x, requires_grad=True))
    same(lambda m, x: F(m).max_pool3d(x, 2, return_indices=True),
         ChannelsLast(randn(2, 3, 4, 4, 6), requires_grad=True))
    same(lambda m, x: F(m).max_pool2d(x, 2, return_indices=True),
         Arr(x, layout="strided", requires_grad=True))
    same(lambda m, x: F(m).max_pool2d(x.transpose(2, 3), 3, 2), Arr(x, requires_grad=True))


def test_empty_batch():
    same(lambda m, x: F(m).max_pool2d(x, 2, return_indices=True), Arr(randn(0, 3, 4, 4)))
    same(lambda m, x: F(m).avg_pool2d(x, 2), Arr(randn(0, 3, 4, 4)))


def test_max_pool_double_backward():
    x = randn(2, 2, 6, 7, dtype=np.float64)
    double_backward_same(lambda m, t: F(m).max_pool2d(t, 3, 2, 1), x)
    double_backward_same(lambda m, t: F(m).max_pool3d(t, 2), randn(1, 2, 4, 4, 4,
                                                                   dtype=np.float64))
    double_backward_same(lambda m, t: F(m).max_pool1d(t, 2), x[0, 0])


MAX_ERRORS = [
    lambda m, x: F(m).max_pool2d(x, 0),
    lambda m, x: F(m).max_pool2d(x, 0, 1),
    lambda m, x: F(m).max_pool2d(x, 2, 0),
    lambda m, x: F(m).max_pool2d(x, 2, 1, 0, 0),
    lambda m, x: F(m).max_pool2d(x, 2, 1, 2),
    lambda m, x: F(m).max_pool2d(x, 2, 1, 2, dilation=3),
    lambda m, x: F(m).max_pool2d(x, 2, 2, -1),
    lambda m, x: F(m).max_pool2d(x[..., :2, :2], 3),
    lambda m, x: F(m).max_pool2d(x[0, 0], 2),
    lambda m, x: F(m).max_pool2d(x[None], 2),
    lambda m, x: F(m).max_pool2d(x[:, :0], 2),
    lambda m, x: F(m).max_pool2d(x, (2, 2, 2)),
    lambda m, x: F(m).max_pool2d(x, 2.0),
    lambda m, x: F(m).max_pool3d(x, 2),
    lambda m, x: F(m).max_pool3d(x[None], 0, 1),
    lambda m, x: F(m).max_pool3d(x[None], 2, 1, 2, dilation=3),
    lambda m, x: F(m).max_pool3d(x[None, :, :, :0], 2),
    lambda m, x: F(m).max_pool3d(x[None], (2, 2)),
    lambda m, x: F(m).max_pool1d(x[0], 0),
    lambda m, x: F(m).max_pool1d(x[0], 2, 0),
    lambda m, x: F(m).max_pool1d(x[0], 2, 1, 0, 0),
    lambda m, x: F(m).max_pool1d(x[0], 2, 1, 2),
    lambda m, x: F(m).max_pool1d(x[0, 0, :2], 3),
    lambda m, x: F(m).max_pool1d(x, 2),
    lambda m, x: F(m).max_pool1d(x[0, 0, 0], 2),
]


@pytest.mark.parametrize("i", range(len(MAX_ERRORS)))
def test_max_pool_errors(i):
    same(MAX_ERRORS[i], Arr(randn(2, 3, 5, 5)))


# ---------------------------------------------------------------------------- average pooling
AVG2D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=(2, 3), stride=(3, 1), padding=(1, 1), divisor_override=4),
]


@pytest.mark.parametrize("kw", AVG2D)
@pytest.mark.parametrize("shape", [(2, 3, 7, 8), (3, 5, 6)])
def test_avg_pool2d(kw, shape):
    same(lambda m, x: F(m).avg_pool2d(x, **kw), Arr(randn(*shape), requires_grad=True))


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1,
                                                         ceil_mode=True, count_include_pad=False),
                                dict(kernel_size=(1, 2, 3), divisor_override=3)])
def test_avg_pool3d(kw):
    same(lambda m, x: F(m).avg_pool3d(x, **kw),
         Arr(randn(2, 2, 5, 6, 7, dtype=np.float64), requires_grad=True))
    same(lambda m, x: F(m).avg_pool3d(x, **kw), Arr(randn(2, 5, 6, 7), requires_grad=True))


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1,
                                                         ceil_mode=True, count_include_pad=False)])
def test_avg_pool1d(kw):
    same(lambda m, x: F(m).avg_pool1d(x, **kw), Arr(randn(2, 3, 9), requires_grad=True))
    same(lambda m, x: F(m).avg_pool1d(x, **kw), Arr(randn(3, 8), requires_grad=True))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64", "int64", "int32", "uint8"])
def test_avg_pool_dtypes(dtype):
    x = randn(2, 3, 6, 6) * 10
    same(lambda m, x: F(m).avg_pool2d(x, 3, 2, 1), Arr(x, dtype))
    same(lambda m, x: F(m).avg_pool3d(x, 2), Arr(x, dtype))


def test_avg_pool_layouts_and_double_backward():
    same(lambda m, x: F(m).avg_pool2d(x, 3, 2, 1), ChannelsLast(randn(2, 3, 6, 7),
                                                                requires_grad=True))
    same(lambda m, x: F(m).avg_pool2d(x, 2), Arr(randn(2, 3, 6, 8), layout="strided",
                                                 requires_grad=True))
    double_backward_same(lambda m, t: F(m).avg_pool2d(t, 3, 2, 1, count_include_pad=False),
                         randn(1, 2, 5, 6, dtype=np.float64))
    double_backward_same(lambda m, t: F(m).avg_pool1d(t, 2), randn(2, 6, dtype=np.float64))


AVG_ERRORS = [
    lambda m, x: F(m).avg_pool2d(x, 0),
    lambda m, x: F(m).avg_pool2d(x, 0, 1),
    lambda m, x: F(m).avg_pool2d(x, 2, 1, 2),
    lambda m, x: F(m).avg_pool2d(x, 2, 2, -1),
    lambda m, x: F(m).avg_pool2d(x[..., :2, :2], 3),
    lambda m, x: F(m).avg_pool2d(x, 2, divisor_override=0),
    lambda m, x: F(m).avg_pool2d(x[:, :0], 2),
    lambda m, x: F(m).avg_pool2d(x, (2, 2, 2)),
    lambda m, x: F(m).avg_pool3d(x, 2),
    lambda m, x: F(m).avg_pool3d(x[None, :, :, :2, :2], 3),
    lambda m, x: F(m).avg_pool3d(x[None], (2, 2)),
    lambda m, x: F(m).avg_pool3d(x[None, :, :, :0], 2),
    lambda m, x: F(m).avg_pool1d(x, 2),
    lambda m, x: F(m).avg_pool1d(x[0, :, :2], 3),
    lambda m, x: F(m).avg_pool1d(x[0], 2, 1, 2),
]


@pytest.mark.parametrize("i", range(len(AVG_ERRORS)))
def test_avg_pool_errors(i):
    same(AVG_ERRORS[i], Arr(randn(2, 3, 5, 5)))


# ---------------------------------------------------------------------------- Lp pooling
@pytest.mark.parametrize("p", [1, 2, 3.5])
def test_lp_pool(p):
    x = np.abs(randn(2, 3, 6, 7)) + 0.1
    same(lambda m, x: F(m).lp_pool2d(x, p, 2), Arr(x, requires_grad=True), rtol=1e-4)
    same(lambda m, x: F(m).lp_pool2d(x, p, (3, 2), 2, ceil_mode=True), Arr(x, requires_grad=True),
         rtol=1e-4)
    same(lambda m, x: F(m).lp_pool1d(x, p, 3, 2), Arr(x[0], requires_grad=True), rtol=1e-4)
    same(lambda m, x: F(m).lp_pool3d(x, p, 2), Arr(x, requires_grad=True), rtol=1e-4)


# ---------------------------------------------------------------------------- adaptive pooling
@pytest.mark.parametrize("size", [(3, 5), 1, (1, 1), (None, 2), 4, (7, 9), (2, 1)])
def test_adaptive_2d(size):
    x = randn(2, 3, 7, 8)
    same(lambda m, x: F(m).adaptive_avg_pool2d(x, size), Arr(x, requires_grad=True))
    same(lambda m, x: F(m).adaptive_max_pool2d(x, size, return_indices=True),
         Arr(x, requires_grad=True))
    same(lambda m, x: F(m).adaptive_avg_pool2d(x, size), Arr(x[0], requires_grad=True))


@pytest.mark.parametrize("size", [(2, 4, 3), 1, (None, 3, 1), 5])
def test_adaptive_3d(size):
    x = randn(2, 2, 5, 6, 7, dtype=np.float64)
    same(lambda m, x: F(m).adaptive_avg_pool3d(x, size), Arr(x, requires_grad=True))
    same(lambda m, x: F(m).adaptive_max_pool3d(x, size, return_indices=True),
         Arr(x, requires_grad=True))
    same(lambda m, x: F(m).adaptive_max_pool3d(x, size), Arr(x[0], requires_grad=True))


@pytest.mark.parametrize("size", [1, 3, 5, 11])
def test_adaptive_1d(size):
    x = randn(2, 3, 7)
    same(lambda m, x: F(m).adaptive_avg_pool1d(x, size), Arr(x, requires_grad=True))
    same(lambda m, x: F(m).adaptive_max_pool1d(x, size, return_indices=True),
         Arr(x, requires_grad=True))
    same(lambda m, x: F(m).adaptive_avg_pool1d(x, (size,)), Arr(x[0], requires_grad=True))


def test_adaptive_layouts_dtypes_double_backward():
    x = randn(2, 3, 7, 8)
    for fn in (lambda m, x: F(m).adaptive_avg_pool2d(x, (3, 5)),
               lambda m, x: F(m).adaptive_max_pool2d(x, (3, 5), True),
               lambda m, x: F(m).adaptive_avg_pool2d(x, 1)):
        same(fn, ChannelsLast(x, requires_grad=True))
        same(fn, Arr(x, layout="strided", requires_grad=True))
        for dt in ("float16", "bfloat16", "int64"):
            same(fn, Arr(x, dt))
    double_backward_same(lambda m, t: F(m).adaptive_avg_pool2d(t, (3, 5)),
                         randn(1, 2, 7, 8, dtype=np.float64))
    double_backward_same(lambda m, t: F(m).adaptive_max_pool2d(t, (3, 5)),
                         randn(1, 2, 7, 8, dtype=np.float64))
    double_backward_same(lambda m, t: F(m).adaptive_avg_pool3d(t, 2),
                         randn(1, 2, 3, 4, 5, dtype=np.float64))


ADAPTIVE_ERRORS = [
    lambda m, x: F(m).adaptive_avg_pool2d(x, -1),
    lambda m, x: F(m).adaptive_avg_pool2d(x[0, 0], 2),
    lambda m, x: F(m).adaptive_avg_pool2d(x[:, :, :0], 2),
    lambda m, x: F(m).adaptive_avg_pool2d(x, (1, 2, 3)),
    lambda m, x: F(m).adaptive_max_pool2d(x, (1, 2, 3)),
    lambda m, x: F(m).adaptive_max_pool2d(x[0, 0], 2),
    lambda m, x: F(m).adaptive_max_pool2d(x[:, :, :0], 2),
    lambda m, x: F(m).adaptive_avg_pool1d(x, 2),
    lambda m, x: F(m).adaptive_avg_pool1d(x[0], (2, 3)),
    lambda m, x: F(m).adaptive_max_pool1d(x, 2),
    lambda m, x: F(m).adaptive_avg_pool3d(x[0], 2),
    lambda m, x: F(m).adaptive_max_pool3d(x[0], 2),
]


@pytest.mark.parametrize("i", range(len(ADAPTIVE_ERRORS)))
def test_adaptive_errors(i):
    same(ADAPTIVE_ERRORS[i], Arr(randn(2, 3, 5, 5)))


def test_adaptive_zero_output():
    same(lambda m, x: F(m).adaptive_avg_pool2d(x, 0), Arr(randn(2, 3, 5, 5)))


# ---------------------------------------------------------------------------- fractional max
def _seeded(fn):
    def run(m, *args):
        m.manual_seed(7)
        return fn(m, *args)
    return run


@pytest.mark.parametrize("kw", [dict(kernel_size=2, output_size=(3, 4)),
                                dict(kernel_size=(3, 2), output_ratio=(0.5, 0.6)),
                                dict(kernel_size=2, output_size=1),
                                dict(kernel_size=1, output_size=(7, 8))])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fractional_max_pool2d(kw, dtype):
    x = randn(2, 3, 7, 8, dtype=dtype)
    same(_seeded(lambda m, x: F(m).fractional_max_pool2d(x, return_indices=True, **kw)),
         Arr(x, requires_grad=True))
    same(_seeded(lambda m, x: F(m).fractional_max_pool2d(x, **kw)), Arr(x[0], requires_grad=True))


def test_fractional_max_pool3d_and_samples():
    x = randn(2, 2, 5, 6, 7)
    same(_seeded(lambda m, x: F(m).fractional_max_pool3d(x, 2, output_size=(3, 4, 2),
                                                          return_indices=True)),
         Arr(x, requires_grad=True))
    same(_seeded(lambda m, x: F(m).fractional_max_pool3d(x, (2, 1, 3), output_ratio=0.5)),
         Arr(x[0], requires_grad=True))
    s = rng.random((2, 2, 2)).astype(np.float32)
    same(lambda m, x, s: F(m).fractional_max_pool2d(x, 2, output_size=3, _random_samples=s,
                                                    return_indices=True),
         Arr(x[:, :, 0], requires_grad=True), s)
    double_backward_same(_seeded(lambda m, t: F(m).fractional_max_pool2d(t, 2, output_size=3)),
                         randn(1, 2, 6, 6, dtype=np.float64))


FRACTIONAL_ERRORS = [
    lambda m, x: F(m).fractional_max_pool2d(x, 2),
    lambda m, x: F(m).fractional_max_pool2d(x, 2, output_size=5),
    lambda m, x: F(m).fractional_max_pool2d(x, 6, output_size=2),
    lambda m, x: F(m).fractional_max_pool2d(x, 2, output_ratio=(0.5, 0.5, 0.5)),
    lambda m, x: F(m).fractional_max_pool2d(x, 2, output_size=2,
                                            _random_samples=m.rand(1, 3, 2)),
    lambda m, x: F(m).fractional_max_pool2d(x, 2, output_size=2,
                                            _random_samples=m.rand(2, 3, 3)),
    lambda m, x: F(m).fractional_max_pool2d(x, 2, output_size=2,
                                            _random_samples=m.rand(2, 2, 2)),
    lambda m, x: F(m).fractional_max_pool3d(x[None], 2, output_size=4),
    lambda m, x: F(m).fractional_max_pool3d(x, 2),
    lambda m, x: F(m).fractional_max_pool2d(x.to(m.complex64), 2, output_size=2,
                                            _random_samples=m.rand(2, 3, 2)),
]


@pytest.mark.parametrize("i", range(len(FRACTIONAL_ERRORS)))
def test_fractional_errors(i):
    same(FRACTIONAL_ERRORS[i], Arr(randn(2, 3, 5, 5)))


# ---------------------------------------------------------------------------- max unpooling
def _pooled(nd, shape, **kw):
    x = torch.tensor(randn(*shape))
    y, i = getattr(torch.nn.functional, f"max_pool{nd}d")(x, return_indices=True, **kw)
    return y.numpy(), i.numpy()


@pytest.mark.parametrize("nd,shape,kw,extra", [
    (1, (2, 3, 9), dict(kernel_size=2), {}),
    (1, (3, 9), dict(kernel_size=3, stride=2, padding=1), dict(output_size=(9,))),
    (2, (2, 3, 7, 8), dict(kernel_size=2), dict(output_size=(7, 8))),
    (2, (3, 6, 6), dict(kernel_size=3, stride=2, padding=1), dict(output_size=(6, 6))),
    (2, (2, 3, 6, 6), dict(kernel_size=2), dict(output_size=(2, 3, 7, 7))),
    (3, (2, 2, 4, 5, 6), dict(kernel_size=2), dict(output_size=(4, 5, 6))),
])
def test_max_unpool(nd, shape, kw, extra):
    y, i = _pooled(nd, shape, **kw)
    fname = f"max_unpool{nd}d"
    pool_kw = {k: v for k, v in kw.items() if k in ("kernel_size", "stride", "padding")}
    same(lambda m, y, i: getattr(F(m), fname)(y, i, **pool_kw, **extra),
         Arr(y, requires_grad=True), i)
    double_backward_same(lambda m, t: getattr(F(m), fname)(t, m.tensor(i), **pool_kw, **extra),
                         y.astype(np.float64))


UNPOOL_ERRORS = [
    lambda m, y, i: F(m).max_unpool2d(y, i, 2, output_size=(7, 5)),
    lambda m, y, i: F(m).max_unpool2d(y, i, 2, output_size=(7, 5, 1)),
    lambda m, y, i: F(m).max_unpool2d(y, i.int(), 2),
    lambda m, y, i: F(m).max_unpool2d(y, i[:, :, :1], 2),
    lambda m, y, i: F(m).max_unpool2d(y, i.index_fill(0, m.tensor([1]), 16), 2),
    lambda m, y, i: F(m).max_unpool2d(y, i.index_fill(0, m.tensor([0]), -3), 2),
    lambda m, y, i: F(m).max_unpool2d(y[0, 0], i[0, 0], 2),
    lambda m, y, i: F(m).max_unpool3d(y[0], i[0], 2),
    lambda m, y, i: F(m).max_unpool2d(y.long(), i, 2),
]


@pytest.mark.parametrize("i", range(len(UNPOOL_ERRORS)))
def test_max_unpool_errors(i):
    y, idx = _pooled(2, (2, 3, 4, 4), kernel_size=2)
    same(UNPOOL_ERRORS[i], Arr(y), idx)


# ---------------------------------------------------------------------------- modules
MODULES = [
    ("MaxPool1d", (2,), {}), ("MaxPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True)),
    ("MaxPool3d", ((2, 1, 2),), dict(return_indices=True)), ("AvgPool1d", (3,), dict(stride=2)),
    ("AvgPool2d", (2,), dict(divisor_override=3)), ("AvgPool3d", (2,), dict(padding=1)),
    ("AdaptiveAvgPool1d", (3,), {}), ("AdaptiveAvgPool2d", ((None, 3),), {}),
    ("AdaptiveAvgPool3d", (2,), {}), ("AdaptiveMaxPool1d", (3, True), {}),
    ("AdaptiveMaxPool2d", (3,), {}), ("AdaptiveMaxPool3d", ((1, 2, 2),), {}),
    ("LPPool1d", (2, 3), {}), ("LPPool2d", (2.0, 2, 1), {}), ("LPPool3d", (1, 2), {}),
    ("FractionalMaxPool2d", (2,), dict(output_size=3)),
    ("FractionalMaxPool3d", (2,), dict(output_ratio=0.5)),
]
INPUT_DIMS = {"1d": 3, "2d": 4, "3d": 5}


@pytest.mark.parametrize("name,args,kw", MODULES)
def test_module(name, args, kw):
    e, t = getattr(ember.nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    nd = INPUT_DIMS[name[-2:]]
    x = np.abs(randn(*(2, 3, 6, 7, 8)[:nd])) + 0.5

    def run(m, x):
        m.manual_seed(1)
        mod = getattr(m.nn, name)(*args, **kw)
        return mod(x)
    same(run, Arr(x, requires_grad=True), rtol=1e-4)


def test_unpool_modules_and_constructor_errors():
    for name in ("MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"):
        assert repr(getattr(ember.nn, name)(2)) == repr(getattr(torch.nn, name)(2))
        assert repr(getattr(ember.nn, name)(3, 2, 1)) == repr(getattr(torch.nn, name)(3, 2, 1))
    y, i = _pooled(2, (2, 3, 6, 6), kernel_size=2)
    same(lambda m, y, i: m.nn.MaxUnpool2d(2)(y, i, output_size=(7, 7)),
         Arr(y, requires_grad=True), i)
    for fn in (lambda m: m.nn.FractionalMaxPool2d(2),
               lambda m: m.nn.FractionalMaxPool2d(2, output_size=2, output_ratio=0.5),
               lambda m: m.nn.FractionalMaxPool2d(2, output_ratio=1.5),
               lambda m: m.nn.FractionalMaxPool3d(2)):
        check_same(fn)


def test_seed_pooling_prints():
    x = np.arange(16.).reshape(1, 1, 4, 4).astype(np.float32)
    for m in ("MaxPool2d", "AvgPool2d"):
        e = getattr(ember.nn, m)(kernel_size=2, stride=2)(ember.tensor(x))
        t = getattr(torch.nn, m)(kernel_size=2, stride=2)(torch.tensor(x))
        assert repr(e) == repr(t)
